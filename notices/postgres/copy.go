package postgres

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/crier-notices/crier/notices"
)

// The catalogue queries name a table of the current schema (the one the
// URL's search_path gives) by its quoted, schema-qualified name.
const (
	qualified = `quote_ident(current_schema()) || '.' || quote_ident(?)`

	tablesQuery = `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY 1`
	// A column is the table's identity when a sequence numbers it: an
	// identity column or a serial one.
	columnsQuery = `SELECT a.attname, pg_get_serial_sequence(` + qualified + `, a.attname) IS NOT NULL
		FROM pg_attribute a
		WHERE a.attrelid = to_regclass(` + qualified + `) AND a.attnum > 0 AND NOT a.attisdropped
		ORDER BY a.attnum`
	keyQuery = `SELECT a.attname FROM pg_index i
		CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, pos)
		JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
		WHERE i.indrelid = to_regclass(` + qualified + `) AND i.indisprimary
		ORDER BY k.pos`
	refersQuery = `SELECT DISTINCT r.relname FROM pg_constraint c JOIN pg_class r ON r.oid = c.confrelid
		WHERE c.contype = 'f' AND c.conrelid = to_regclass(` + qualified + `) ORDER BY 1`
)

// Tables reads PostgreSQL's catalogue (pg_class, pg_attribute, pg_index,
// pg_constraint) for the tables of the current schema.
func (Dialect) Tables(ctx context.Context, tx *sql.Tx) ([]notices.Table, error) {
	names, err := notices.QueryStrings(ctx, tx, tablesQuery)
	if err != nil {
		return nil, err
	}
	tables := make([]notices.Table, len(names))
	for i, name := range names {
		t := notices.Table{Name: name}
		if err := describe(ctx, tx, &t); err != nil {
			return nil, fmt.Errorf("table %s: %w", name, err)
		}
		tables[i] = t
	}
	return tables, nil
}

// describe reads t's columns, identity, key and references.
func describe(ctx context.Context, tx *sql.Tx, t *notices.Table) error {
	rows, err := tx.QueryContext(ctx, columnsQuery, t.Name, t.Name)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var numbered bool
		if err := rows.Scan(&name, &numbered); err != nil {
			return err
		}
		t.Columns = append(t.Columns, name)
		if numbered {
			t.Identity = name
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if t.Key, err = notices.QueryStrings(ctx, tx, keyQuery, t.Name); err != nil {
		return err
	}
	t.RefersTo, err = notices.QueryStrings(ctx, tx, refersQuery, t.Name)
	return err
}

// ResetIDs sets t's identity sequence so that the next row gets the id
// after the largest copied (1 in an empty table).
func (Dialect) ResetIDs(ctx context.Context, tx *sql.Tx, t notices.Table) error {
	col, table := pgx.Identifier{t.Identity}.Sanitize(), pgx.Identifier{t.Name}.Sanitize()
	_, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence(`+qualified+`, ?), COALESCE((SELECT max(`+col+`) FROM `+table+`), 0) + 1, false)`, t.Name, t.Identity)
	if err != nil {
		return fmt.Errorf("move the sequence of %s.%s past the copied ids: %w", t.Name, t.Identity, err)
	}
	return nil
}
