package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/crier-notices/crier/notices"
)

// Tables reads SQLite's catalogue: sqlite_schema and the table_info and
// foreign_key_list pragmas. Identity stays "": an INTEGER PRIMARY KEY
// takes the next id after the largest there, whatever wrote it.
func (Dialect) Tables(ctx context.Context, tx *sql.Tx) ([]notices.Table, error) {
	names, err := notices.QueryStrings(ctx, tx, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	tables := make([]notices.Table, len(names))
	for i, name := range names {
		t := notices.Table{Name: name}
		if t.Columns, t.Key, err = columns(ctx, tx, name); err != nil {
			return nil, fmt.Errorf("table %s: %w", name, err)
		}
		if t.RefersTo, err = notices.QueryStrings(ctx, tx, `SELECT DISTINCT "table" FROM pragma_foreign_key_list(?) ORDER BY 1`, name); err != nil {
			return nil, fmt.Errorf("table %s: %w", name, err)
		}
		tables[i] = t
	}
	return tables, nil
}

// columns returns a table's columns in order and its primary key's.
func columns(ctx context.Context, tx *sql.Tx, table string) (cols, key []string, err error) {
	rows, err := tx.QueryContext(ctx, `SELECT name, pk FROM pragma_table_info(?) ORDER BY cid`, table)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	byPos := map[int]string{}
	for rows.Next() {
		var name string
		var pk int
		if err := rows.Scan(&name, &pk); err != nil {
			return nil, nil, err
		}
		cols = append(cols, name)
		if pk > 0 {
			byPos[pk] = name
		}
	}
	for i := 1; i <= len(byPos); i++ {
		key = append(key, byPos[i])
	}
	return cols, key, rows.Err()
}

// ResetIDs has nothing to do: SQLite numbers a new row after the largest
// id in its table.
func (Dialect) ResetIDs(context.Context, *sql.Tx, notices.Table) error { return nil }
