package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/crier-notices/crier/notices"
)

// ImportWrites: PostgreSQL's writers wait only for the rows they share,
// so an import's transactions can be longer and need no pause between
// them; its rows go in by COPY.
func (Dialect) ImportWrites() notices.ImportWrites {
	return notices.ImportWrites{
		Begin:   `BEGIN`,
		Busy:    func(error) bool { return false },
		Hold:    time.Second,
		Copy:    copyRows,
		NextIDs: nextIDs,
	}
}

// copyRows loads rows into table by COPY on conn, in its transaction.
func copyRows(ctx context.Context, conn *sql.Conn, table string, columns []string, rows [][]any) error {
	return conn.Raw(func(dc any) error {
		pc, ok := dc.(interface{ Conn() *pgx.Conn })
		if !ok {
			return errors.New("not a pgx connection")
		}
		n, err := pc.Conn().CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows))
		if err == nil && n != int64(len(rows)) {
			err = fmt.Errorf("COPY %s: %d of %d rows", table, n, len(rows))
		}
		return err
	})
}

// nextIDs reserves n ids of table's identity column "id".
func nextIDs(ctx context.Context, conn *sql.Conn, table string, n int) ([]int64, error) {
	rows, err := conn.QueryContext(ctx, `SELECT nextval(pg_get_serial_sequence(?, 'id')) FROM generate_series(1, CAST(? AS BIGINT))`, table, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := make([]int64, 0, n)
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(ids) != n {
		return nil, fmt.Errorf("%s: %d of %d ids", table, len(ids), n)
	}
	return ids, nil
}
