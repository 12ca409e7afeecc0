package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/crier-notices/crier/notices"
)

// leaderIdle is how long the server keeps a lead's session that has
// sent nothing (idle_session_timeout). A lead speaks on it every
// leaderIdle/4 (a heartbeat of its own, whatever its holder is busy
// with: rendering a print job, firing a large campaign), so a session
// idle this long belongs to a process that stopped (a paused virtual
// machine, SIGSTOP). Its TCP connection stays open, the kernel answering
// keepalives: without this the server would keep the lock, and no other
// process could take the role, until it continued. A variable for the
// test.
var leaderIdle = 20 * time.Second

// lead is a role held as an advisory lock on a session the server ends
// once idle for leaderIdle, kept from idling by a heartbeat while the
// process runs.
type lead struct {
	*advisoryLock
	stopOnce sync.Once
	stop     chan struct{}
	stopped  chan struct{}
}

// tryLead takes the role name as the advisory lock of that name (TryLock).
func tryLead(ctx context.Context, db *sql.DB, name string) (notices.Lead, error) {
	c, err := TryLock(ctx, db, name)
	if c == nil || err != nil {
		return nil, err
	}
	l := &lead{advisoryLock: c.(*advisoryLock), stop: make(chan struct{}), stopped: make(chan struct{})}
	_, err = l.conn.ExecContext(ctx, fmt.Sprintf("SET idle_session_timeout = %d", leaderIdle.Milliseconds()))
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42704" {
		err = nil // before PostgreSQL 14, which lacks it: a stopped leader keeps the lead until it continues
	}
	if err != nil {
		l.retire()
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	go l.heartbeat()
	return l, nil
}

// heartbeat speaks on the lead's session every leaderIdle/4 until
// stopped. A failure is left to Held to find.
func (l *lead) heartbeat() {
	defer close(l.stopped)
	t := time.NewTicker(leaderIdle / 4)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), heldWait)
			l.conn.ExecContext(ctx, `SELECT 1`)
			cancel()
		}
	}
}

// stopHeartbeat stops the heartbeat, as a stopped process would.
func (l *lead) stopHeartbeat() {
	l.stopOnce.Do(func() { close(l.stop) })
	<-l.stopped
}

// Release gives the role up. The session is closed, never pooled: its
// idle_session_timeout would end whatever the pool gave it to next (an
// import's lock held for minutes without a word).
func (l *lead) Release() {
	l.stopHeartbeat()
	l.retire()
}

// retire unlocks and closes the session, keeping it from the pool.
func (l *lead) retire() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	l.conn.ExecContext(ctx, `SELECT pg_advisory_unlock_all()`)
	l.conn.Raw(func(any) error { return driver.ErrBadConn })
	l.conn.Close()
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
