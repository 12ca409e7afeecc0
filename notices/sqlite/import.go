package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/crier-notices/crier/notices"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ImportWrites: SQLite has one writer at a time, so an import holds the
// write lock a quarter of a second at most, then leaves it free a little
// longer than the 100 ms between a waiting writer's tries, so that a
// writer that waits gets in after one hold at most.
func (Dialect) ImportWrites() notices.ImportWrites {
	return notices.ImportWrites{
		Begin:   `BEGIN IMMEDIATE`,
		Busy:    isBusy,
		Hold:    250 * time.Millisecond,
		Yield:   110 * time.Millisecond,
		Version: dataVersion,
	}
}

// isBusy reports whether err is SQLite's "database is locked".
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

// dataVersion is the connection's data_version: it changes when another
// connection commits.
func dataVersion(ctx context.Context, conn *sql.Conn) (int64, error) {
	var v int64
	err := conn.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v)
	return v, err
}
