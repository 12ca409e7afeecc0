package notices

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/crier-notices/crier/internal/testenv"
)

// A column as both engines describe it: its name, whether it takes NULL,
// and its kind (integer or text), in the table's order.
type schemaColumn struct {
	Name    string
	NotNull bool
	Kind    string
}

// TestMigrationsApplyOnPostgres: a new PostgreSQL schema takes every
// migration, and a second Migrate, as a second crier serve starting does,
// applies none.
func TestMigrationsApplyOnPostgres(t *testing.T) {
	if testEngine != "postgres" {
		t.Skip("PostgreSQL's migrations: the postgres pass")
	}
	ctx := context.Background()
	s, err := OpenWithoutMigrating(ctx, testenv.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ms, err := s.Migrations(ctx)
	if err != nil || len(ms) == 0 {
		t.Fatalf("Migrations: %v %v", ms, err)
	}
	done, err := s.Migrate(ctx)
	if err != nil || len(done) != len(ms) {
		t.Fatalf("Migrate applied %d of %d: %v", len(done), len(ms), err)
	}
	again, err := s.Migrate(ctx)
	if err != nil || len(again) != 0 {
		t.Errorf("a second Migrate must do nothing: %v %v", again, err)
	}
}

// TestMigrateTwoAtOnce: crier serve started twice at once on one new
// database: both start, and each migration is applied once.
func TestMigrateTwoAtOnce(t *testing.T) {
	ctx := context.Background()
	dsn := testDSN(t)
	const n = 4
	stores := make([]*Store, n)
	for i := range stores {
		s, err := OpenWithoutMigrating(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}
	applied := make([]int, n)
	errs := make(chan error, n)
	for i, s := range stores {
		go func() {
			done, err := s.Migrate(ctx)
			applied[i] = len(done)
			errs <- err
		}()
	}
	for range stores {
		if err := <-errs; err != nil {
			t.Errorf("Migrate: %v", err)
		}
	}
	ms, err := stores[0].Migrations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, a := range applied {
		total += a
	}
	if total != len(ms) {
		t.Errorf("%d processes applied %v migrations, %d in all; want each of the %d once", n, applied, total, len(ms))
	}
	for _, m := range ms {
		if m.AppliedAt.IsZero() {
			t.Errorf("migration %04d_%s not applied", m.Version, m.Name)
		}
	}
}

// TestMigrationsSameOnBothEngines: the two folders of migrations hold the
// same versions under the same names, and make the same tables with the
// same columns (in the same order, as nullable, of the same kind) and the
// same named indexes, so that a migration added to one folder only, or
// translated wrong, fails here.
func TestMigrationsSameOnBothEngines(t *testing.T) {
	if testEngine != "postgres" {
		t.Skip("compares SQLite's schema with PostgreSQL's: the postgres pass")
	}
	ctx := context.Background()
	lite, err := Open(ctx, filepath.Join(t.TempDir(), "crier.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	pg, err := Open(ctx, testenv.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()

	if a, b := migrationFiles(t, lite), migrationFiles(t, pg); !slices.Equal(a, b) {
		t.Errorf("migration files differ:\nsqlite   %v\npostgres %v", a, b)
	}
	liteTables, pgTables := sqliteSchema(t, lite.db), postgresSchema(t, pg.db)
	for _, name := range union(keys(liteTables), keys(pgTables)) {
		a, b := liteTables[name], pgTables[name]
		if !slices.Equal(a, b) {
			t.Errorf("table %s differs:\nsqlite   %v\npostgres %v", name, a, b)
		}
	}
	// PostgreSQL's own: the unique lower(name) that stands for SQLite's
	// UNIQUE COLLATE NOCASE (0012).
	pgOnly := []string{"api_tokens_name", "users_name"}
	liteIdx := queryList(t, lite.db, `SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name`)
	pgIdx := queryList(t, pg.db, `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()
		AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u')) ORDER BY indexname`)
	pgIdx = slices.DeleteFunc(pgIdx, func(n string) bool { return slices.Contains(pgOnly, n) })
	if !slices.Equal(liteIdx, pgIdx) {
		t.Errorf("indexes differ:\nsqlite   %v\npostgres %v", liteIdx, pgIdx)
	}
}

func migrationFiles(t *testing.T, s *Store) []string {
	t.Helper()
	entries, err := fs.ReadDir(s.dialect.Migrations(), ".")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// sqliteSchema is every table's columns as SQLite's pragma table_info
// says. A primary key column is NOT NULL, as PostgreSQL makes it (SQLite
// says 0 for INTEGER PRIMARY KEY, which never holds NULL).
func sqliteSchema(t *testing.T, db *sql.DB) map[string][]schemaColumn {
	t.Helper()
	tables := map[string][]schemaColumn{}
	for _, table := range queryList(t, db, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`) {
		rows, err := db.Query(`SELECT name, type, "notnull", pk FROM pragma_table_info(?) ORDER BY cid`, table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var c schemaColumn
			var typ string
			var pk int
			if err := rows.Scan(&c.Name, &typ, &c.NotNull, &pk); err != nil {
				t.Fatal(err)
			}
			c.NotNull = c.NotNull || pk > 0
			c.Kind = columnKind(typ)
			tables[table] = append(tables[table], c)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return tables
}

// postgresSchema is every table's columns in the schema under test as
// PostgreSQL's information_schema says.
func postgresSchema(t *testing.T, db *sql.DB) map[string][]schemaColumn {
	t.Helper()
	rows, err := db.Query(`SELECT table_name, column_name, is_nullable = 'NO', data_type FROM information_schema.columns
		WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	tables := map[string][]schemaColumn{}
	for rows.Next() {
		var table, typ string
		var c schemaColumn
		if err := rows.Scan(&table, &c.Name, &c.NotNull, &typ); err != nil {
			t.Fatal(err)
		}
		c.Kind = columnKind(typ)
		tables[table] = append(tables[table], c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return tables
}

// columnKind is what a column holds, whatever its engine calls it: an
// integer (INTEGER; bigint, integer) or text.
func columnKind(typ string) string {
	switch t := strings.ToLower(typ); t {
	case "integer", "bigint":
		return "integer"
	case "text":
		return "text"
	default:
		return "other: " + t
	}
}

func queryList(t *testing.T, db *sql.DB, query string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(fmt.Errorf("%s: %w", query, err))
	}
	return out
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func union(a, b []string) []string {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}
