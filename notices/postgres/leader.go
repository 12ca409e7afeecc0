package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/crier-notices/crier/notices"
)

// leaderIdle is how long the server keeps a leader's session that has
// sent nothing (idle_session_timeout): a leader asks Held every few
// seconds (scheduler.LeaderRetry, 3 s), so a session idle this long
// belongs to a process that stopped (a paused virtual machine, SIGSTOP).
// Its TCP connection stays open, the kernel answering keepalives, so
// without this the server would keep its lock, and no other process
// would fire the campaigns, until it continued. A variable for the test.
var leaderIdle = 20 * time.Second

// tryLead takes the role name as the advisory lock of that name (TryLock),
// on a session the server ends once it sits idle for leaderIdle.
func tryLead(ctx context.Context, db *sql.DB, name string) (notices.Lead, error) {
	c, err := TryLock(ctx, db, name)
	if c == nil || err != nil {
		return nil, err
	}
	l := c.(*advisoryLock)
	_, err = l.conn.ExecContext(ctx, fmt.Sprintf("SET idle_session_timeout = %d", leaderIdle.Milliseconds()))
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42704" {
		err = nil // before PostgreSQL 14, which lacks it: a stopped leader keeps the lead until it continues
	}
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	return l, nil
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
