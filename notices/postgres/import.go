package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/crier-notices/crier/notices"
)

// ImportWrites: PostgreSQL's writers wait only for what they share, so an
// import's transactions can be longer and need no pause between them; its
// rows go in by COPY. Each transaction first locks the contacts against
// other writers (not readers, nor the deliveries that refer to them), as
// SQLite's write lock does: no contact is added or changed by another
// between the import's look-up of an account and its write, which would
// make the import fail on the account's unique key. A writer that waits
// gets in when the transaction ends: the lock's queue is first come, first
// served.
func (Dialect) ImportWrites() notices.ImportWrites {
	return notices.ImportWrites{
		Begin:   `BEGIN; LOCK TABLE contacts IN SHARE ROW EXCLUSIVE MODE`,
		Busy:    func(error) bool { return false },
		Hold:    time.Second,
		Copy:    copyRows,
		NextIDs: nextIDs,
	}
}

// importConn opens an import's connection: one of the pool, planning each
// statement for its own arguments. A statement prepared once per import
// and planned once (a generic plan) would keep the plan made for the empty
// contacts table a first import starts from: a scan of the whole table
// for each account looked up, as the table fills.
func importConn(db *sql.DB) func(ctx context.Context) (*sql.Conn, func(), error) {
	return func(ctx context.Context) (*sql.Conn, func(), error) {
		conn, err := db.Conn(ctx)
		if err != nil {
			return nil, nil, err
		}
		if _, err := conn.ExecContext(ctx, `SET plan_cache_mode = force_custom_plan`); err != nil {
			conn.Close()
			return nil, nil, err
		}
		return conn, func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if _, err := conn.ExecContext(ctx, `RESET plan_cache_mode`); err != nil {
				// Not back into the pool with the import's setting.
				conn.Raw(func(any) error { return driver.ErrBadConn })
			}
			conn.Close()
		}, nil
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
