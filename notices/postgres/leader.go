package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/crier-notices/crier/notices"
)

// tryLead takes the role name as the advisory lock of that name (TryLock).
func tryLead(ctx context.Context, db *sql.DB, name string) (notices.Lead, error) {
	l, err := TryLock(ctx, db, name)
	if l == nil || err != nil {
		return nil, err
	}
	return l.(*advisoryLock), nil
}

// heldWait bounds Held: a connection that does not answer within it (a
// network gone quiet) is taken for lost.
const heldWait = 5 * time.Second

// Held asks the server, on the lock's own connection, whether that
// session still holds an advisory lock: an error when it does not or the
// connection has ended, whereupon the server has released the lock.
func (l *advisoryLock) Held(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, heldWait)
	defer cancel()
	var held bool
	err := l.conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted)`).Scan(&held)
	if err != nil {
		return fmt.Errorf("lock %s: its connection: %w", l.name, err)
	}
	if !held {
		return fmt.Errorf("lock %s: no longer held by its connection", l.name)
	}
	return nil
}

// Release releases the lock (Close).
func (l *advisoryLock) Release() { l.Close() }
