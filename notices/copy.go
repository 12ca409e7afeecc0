package notices

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// Table is one table of a store as its database's catalogue describes it,
// for Copy: a new migration's tables and columns are copied without a
// list here to keep up to date.
type Table struct {
	Name    string
	Columns []string // in the table's order
	Key     []string // the primary key's columns, in order; rows are copied in this order
	// RefersTo names the other tables its foreign keys refer to: their
	// rows are copied first.
	RefersTo []string
	// Identity is the column the database numbers by itself (PostgreSQL's
	// identity column), whose generator Dialect.ResetIDs moves past the
	// copied ids; "" for none.
	Identity string
}

// TableCount is how many rows Copy wrote into one table.
type TableCount struct {
	Table string
	Rows  int64
}

// migrationsTable is each store's own record of its schema: Copy checks
// that both have the same versions and copies none of its rows.
const migrationsTable = "schema_migrations"

// Copy copies every row of every table of the store from into the store
// to, which must be empty and at the same schema version, keeping ids,
// times and every status as they are. It reads from one snapshot of from
// and writes in one transaction on to: on any error to is left as it was.
// done, if not nil, is called as each table is copied. The tables are
// those of from's catalogue, referred-to tables first; a table or column
// that one store has and the other lacks is an error naming it.
func Copy(ctx context.Context, from, to *Store, done func(TableCount)) ([]TableCount, error) {
	src, err := from.snapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the source: %w", err)
	}
	defer src.Rollback()
	// One connection holds the target's transaction, so that a bulk load
	// (PostgreSQL's COPY) on it writes inside that transaction.
	conn, err := to.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("write the target: %w", err)
	}
	defer conn.Close()
	dst, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("write the target: %w", err)
	}
	defer dst.Rollback()
	tables, err := copyPlan(ctx, from, src, to, dst)
	if err != nil {
		return nil, err
	}
	var counts []TableCount
	for _, t := range tables {
		n, err := copyTable(ctx, src, t, to.writer(conn, dst, t))
		if err == nil && t.Identity != "" {
			err = to.dialect.ResetIDs(ctx, dst, t)
		}
		if err != nil {
			return nil, fmt.Errorf("copy table %s: %w (nothing was written to the target)", t.Name, err)
		}
		c := TableCount{Table: t.Name, Rows: n}
		counts = append(counts, c)
		if done != nil {
			done(c)
		}
	}
	if err := dst.Commit(); err != nil {
		return nil, fmt.Errorf("commit the copy: %w", err)
	}
	return counts, nil
}

// copyPlan checks that the target is empty and has the source's schema,
// and returns the source's tables in the order they are copied in, each
// with the target's identity column.
func copyPlan(ctx context.Context, from *Store, src *sql.Tx, to *Store, dst *sql.Tx) ([]Table, error) {
	if err := sameVersions(ctx, src, dst); err != nil {
		return nil, err
	}
	have, err := from.dialect.Tables(ctx, src)
	if err != nil {
		return nil, fmt.Errorf("read the source's tables: %w", err)
	}
	want, err := to.dialect.Tables(ctx, dst)
	if err != nil {
		return nil, fmt.Errorf("read the target's tables: %w", err)
	}
	have, want = withoutTable(have, migrationsTable), withoutTable(want, migrationsTable)
	if err := sameTables(have, want); err != nil {
		return nil, err
	}
	for _, t := range want {
		var rows bool
		if err := dst.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+quoteName(t.Name)+`)`).Scan(&rows); err != nil {
			return nil, fmt.Errorf("read the target's table %s: %w", t.Name, err)
		}
		if rows {
			return nil, errorf(Conflict, "the target is not empty: its table %s has rows; crier db copy writes only into an empty database (a new SQLite file, or a new PostgreSQL database or schema)", t.Name)
		}
	}
	// The target numbers rows its own way: its identity columns.
	for i := range have {
		have[i].Identity = want[slices.IndexFunc(want, func(t Table) bool { return t.Name == have[i].Name })].Identity
	}
	return copyOrder(have)
}

// sameVersions refuses stores at different schema versions: their tables
// would not match.
func sameVersions(ctx context.Context, src, dst *sql.Tx) error {
	a, err := versions(ctx, src)
	if err != nil {
		return fmt.Errorf("read the source's schema version: %w", err)
	}
	b, err := versions(ctx, dst)
	if err != nil {
		return fmt.Errorf("read the target's schema version: %w", err)
	}
	if !slices.Equal(a, b) {
		return errorf(Conflict, "the source has schema version %d and the target %d: open both with this crier first (crier db migrate migrates the one its configuration names)", lastOr(a), lastOr(b))
	}
	return nil
}

// versions lists the migrations applied, in order.
func versions(ctx context.Context, tx *sql.Tx) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT version FROM `+migrationsTable+` ORDER BY version`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vs []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, rows.Err()
}

func lastOr(vs []int64) int64 {
	if len(vs) == 0 {
		return 0
	}
	return vs[len(vs)-1]
}

func withoutTable(ts []Table, name string) []Table {
	return slices.DeleteFunc(ts, func(t Table) bool { return t.Name == name })
}

// sameTables reports the first table or column that one side has and the
// other lacks.
func sameTables(src, dst []Table) error {
	byName := map[string]Table{}
	for _, t := range dst {
		byName[t.Name] = t
	}
	for _, s := range src {
		d, ok := byName[s.Name]
		if !ok {
			return errorf(Conflict, "the source has a table %s that the target lacks: the two schemas differ though their versions match; the target's migrations must make it", s.Name)
		}
		delete(byName, s.Name)
		if c, side := oddColumn(s.Columns, d.Columns); c != "" {
			return errorf(Conflict, "table %s: the %s has a column %s that the other lacks: the two schemas differ though their versions match", s.Name, side, c)
		}
	}
	for name := range byName {
		return errorf(Conflict, "the target has a table %s that the source lacks: the two schemas differ though their versions match", name)
	}
	return nil
}

// oddColumn returns a column of one list missing from the other, and
// which side ("source" or "target") has it.
func oddColumn(src, dst []string) (column, side string) {
	for _, c := range src {
		if !slices.Contains(dst, c) {
			return c, "source"
		}
	}
	for _, c := range dst {
		if !slices.Contains(src, c) {
			return c, "target"
		}
	}
	return "", ""
}

// copyOrder orders the tables so that each comes after those it refers
// to, by name where the order is free.
func copyOrder(ts []Table) ([]Table, error) {
	left := slices.Clone(ts)
	slices.SortFunc(left, func(a, b Table) int { return strings.Compare(a.Name, b.Name) })
	placed := map[string]bool{}
	var out []Table
	for len(left) > 0 {
		i := slices.IndexFunc(left, func(t Table) bool {
			for _, r := range t.RefersTo {
				if r != t.Name && !placed[r] {
					return false
				}
			}
			return true
		})
		if i < 0 {
			return nil, errorf(Internal, "the tables %s refer to each other in a circle: no order copies them", tableNames(left))
		}
		placed[left[i].Name] = true
		out = append(out, left[i])
		left = slices.Delete(left, i, i+1)
	}
	return out, nil
}

func tableNames(ts []Table) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.Name
	}
	return strings.Join(names, ", ")
}

// copyTable copies the rows of t from src to w in key order, and returns
// how many.
func copyTable(ctx context.Context, src *sql.Tx, t Table, w rowWriter) (int64, error) {
	defer w.close()
	query := `SELECT ` + quoteNames(t.Columns) + ` FROM ` + quoteName(t.Name)
	if len(t.Key) > 0 {
		query += ` ORDER BY ` + quoteNames(t.Key)
	}
	rows, err := src.QueryContext(ctx, query)
	if err != nil {
		return 0, fmt.Errorf("read: %w", err)
	}
	defer rows.Close()
	var n int64
	for rows.Next() {
		vals := make([]any, len(t.Columns))
		ptrs := make([]any, len(t.Columns))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return n, fmt.Errorf("read row %d: %w", n+1, err)
		}
		n++
		if err := w.add(ctx, vals); err != nil {
			return n, err
		}
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("read: %w", err)
	}
	return n, w.flush(ctx)
}

// A rowWriter writes a table's rows into the target, in batches.
type rowWriter interface {
	add(ctx context.Context, vals []any) error
	flush(ctx context.Context) error
	close()
}

// writer is how the rows of t go into the store s: the engine's bulk
// load where it has one, else multi-row INSERTs.
func (s *Store) writer(conn *sql.Conn, tx *sql.Tx, t Table) rowWriter {
	if load := s.dialect.ImportWrites().Copy; load != nil {
		return &bulkWriter{load: load, conn: conn, table: t}
	}
	return &batchWriter{tx: tx, table: t, per: max(1, min(copyBatchRows, copyBatchParams/len(t.Columns)))}
}

// copyBatchParams bounds the values of one INSERT: SQLite takes at most
// 32,766 and PostgreSQL 65,535.
const copyBatchParams = 30000

// copyBatchRows bounds the rows of one INSERT, so that its text stays
// small where the table is narrow.
const copyBatchRows = 500

// bulkRows is how many rows a bulk load takes at a time.
const bulkRows = 10000

// bulkWriter loads rows with the engine's bulk load, bulkRows at a time.
type bulkWriter struct {
	load  func(ctx context.Context, conn *sql.Conn, table string, columns []string, rows [][]any) error
	conn  *sql.Conn
	table Table
	rows  [][]any
	n     int64 // rows written
}

func (w *bulkWriter) add(ctx context.Context, vals []any) error {
	w.rows = append(w.rows, vals)
	if len(w.rows) == bulkRows {
		return w.flush(ctx)
	}
	return nil
}

func (w *bulkWriter) flush(ctx context.Context) error {
	if len(w.rows) == 0 {
		return nil
	}
	if err := w.load(ctx, w.conn, w.table.Name, w.table.Columns, w.rows); err != nil {
		return fmt.Errorf("write rows %d to %d (in %s order): %w", w.n+1, w.n+int64(len(w.rows)), strings.Join(w.table.Key, ", "), err)
	}
	w.n += int64(len(w.rows))
	w.rows = w.rows[:0]
	return nil
}

func (w *bulkWriter) close() {}

// batchWriter gathers rows and writes them with one INSERT per batch.
type batchWriter struct {
	tx    *sql.Tx
	table Table
	per   int // rows per INSERT
	args  []any
	rows  int
	n     int64 // rows written
	full  *sql.Stmt
}

func (w *batchWriter) add(ctx context.Context, vals []any) error {
	w.args = append(w.args, vals...)
	w.rows++
	if w.rows == w.per {
		return w.flush(ctx)
	}
	return nil
}

func (w *batchWriter) flush(ctx context.Context) (err error) {
	if w.rows == 0 {
		return nil
	}
	switch {
	case w.rows < w.per:
		_, err = w.tx.ExecContext(ctx, w.insert(w.rows), w.args...)
	default:
		if w.full == nil {
			if w.full, err = w.tx.PrepareContext(ctx, w.insert(w.per)); err != nil {
				return err
			}
		}
		_, err = w.full.ExecContext(ctx, w.args...)
	}
	if err != nil {
		return fmt.Errorf("write rows %d to %d (in %s order): %w", w.n+1, w.n+int64(w.rows), strings.Join(w.table.Key, ", "), err)
	}
	w.n += int64(w.rows)
	w.rows, w.args = 0, w.args[:0]
	return nil
}

func (w *batchWriter) close() {
	if w.full != nil {
		w.full.Close()
	}
}

// insert is the INSERT of n rows.
func (w *batchWriter) insert(n int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(w.table.Columns)), ", ") + ")"
	var b strings.Builder
	b.WriteString(`INSERT INTO ` + quoteName(w.table.Name) + ` (` + quoteNames(w.table.Columns) + `) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}

// quoteNames quotes names and joins them with commas.
func quoteNames(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quoteName(n)
	}
	return strings.Join(q, ", ")
}

// quoteName quotes a table or column name as both engines read one.
func quoteName(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
