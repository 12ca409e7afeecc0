// Package spool keeps requests the web server has accepted but not yet
// recorded (a Twilio status callback while an import holds the store's
// write lock) in a small SQLite file of their own, until an applier has
// recorded them in the store.
//
// A second SQLite file rather than an append-only log: it has its own
// write lock, so a busy crier.db never holds up an Add; each Add is one
// committed, fsync'd transaction (WAL, synchronous=FULL), so what was
// answered 200 survives a crash; entries are removed one by one as they
// are recorded, and retried with their own due times, with no file format
// of our own to write, torn tails to repair or log to compact.
package spool

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver, pure Go
)

// Spool is a durable queue of form posts, each with its kind. It is safe
// for concurrent use.
type Spool struct {
	db    *sql.DB
	added chan struct{} // a token when something was added since the applier last looked
}

// Entry is one spooled request.
type Entry struct {
	ID       int64
	Kind     string     // what it is, and so which function records it ("twilio-status")
	Form     url.Values // the form as it was posted
	Received time.Time
	Attempts int    // failed attempts to record it so far
	LastErr  string // why the last attempt failed
}

const schema = `CREATE TABLE IF NOT EXISTS entries (
	id         INTEGER PRIMARY KEY,
	kind       TEXT NOT NULL,
	form       TEXT NOT NULL, -- URL-encoded
	received   TEXT NOT NULL, -- RFC 3339, UTC
	attempts   INTEGER NOT NULL DEFAULT 0,
	next_at    TEXT NOT NULL, -- due again at; fixed-width UTC, so text order is time order
	last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS entries_due ON entries (next_at)`

const timeLayout = "2006-01-02T15:04:05.000000000Z"

// Open opens (or creates) the spool file at path. An empty path keeps
// the spool in the process's memory instead, for a store that has no
// file to keep it beside (PostgreSQL): what it holds ends with the
// process.
func Open(ctx context.Context, path string) (*Spool, error) {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)") // an Add is on disk before the request is answered
	q.Add("_pragma", "busy_timeout(10000)")
	source := "file:" + path + "?" + q.Encode()
	if path == "" {
		// One connection, never closed while the spool is open: the
		// database lives as long as it.
		source, path = ":memory:", "in memory"
	}
	db, err := sql.Open("sqlite", source)
	if err != nil {
		return nil, fmt.Errorf("spool %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("spool %s: %w (check that its folder is writable)", path, err)
	}
	return &Spool{db: db, added: make(chan struct{}, 1)}, nil
}

// Close closes the spool file; what it holds stays for the next Open.
func (s *Spool) Close() error { return s.db.Close() }

// Add keeps form as an entry of kind, received at, due at once. When it
// returns nil the entry is on disk.
func (s *Spool) Add(ctx context.Context, kind string, form url.Values, at time.Time) error {
	if kind == "" {
		return errors.New("spool: an entry needs a kind")
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO entries (kind, form, received, next_at) VALUES (?, ?, ?, ?)`,
		kind, form.Encode(), at.UTC().Format(time.RFC3339Nano), at.UTC().Format(timeLayout))
	if err != nil {
		return fmt.Errorf("spool a %s: %w", kind, err)
	}
	select {
	case s.added <- struct{}{}:
	default:
	}
	return nil
}

// Added has a token when an entry was added since it was last read: an
// applier waiting for its next due time wakes at once.
func (s *Spool) Added() <-chan struct{} { return s.added }

// Due returns up to limit entries due at now, oldest first.
func (s *Spool) Due(ctx context.Context, now time.Time, limit int) ([]Entry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, kind, form, received, attempts, last_error FROM entries
		WHERE next_at <= ? ORDER BY next_at, id LIMIT ?`, now.UTC().Format(timeLayout), limit)
	if err != nil {
		return nil, fmt.Errorf("read the spool: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var form, received string
		if err := rows.Scan(&e.ID, &e.Kind, &form, &received, &e.Attempts, &e.LastErr); err != nil {
			return nil, fmt.Errorf("read the spool: %w", err)
		}
		// A form this package encoded always parses; an entry that does
		// not is kept with what could be read, for its apply to refuse.
		e.Form, _ = url.ParseQuery(form)
		e.Received, _ = time.Parse(time.RFC3339Nano, received)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Next returns when the next entry falls due; ok is false when the
// spool is empty.
func (s *Spool) Next(ctx context.Context) (at time.Time, ok bool, err error) {
	var next sql.NullString
	if err := s.db.QueryRowContext(ctx, `SELECT min(next_at) FROM entries`).Scan(&next); err != nil || !next.Valid {
		return time.Time{}, false, err
	}
	at, err = time.Parse(time.RFC3339Nano, next.String)
	return at, err == nil, err
}

// Done removes the entries: they are recorded, or given up.
func (s *Spool) Done(ctx context.Context, ids ...int64) error {
	if len(ids) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("clear the spool: %w", err)
	}
	defer tx.Rollback()
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `DELETE FROM entries WHERE id = ?`, id); err != nil {
			return fmt.Errorf("clear the spool: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("clear the spool: %w", err)
	}
	return nil
}

// Later counts a failed attempt at entry id, keeps why, and makes it due
// again at next.
func (s *Spool) Later(ctx context.Context, id int64, next time.Time, why string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE entries SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE id = ?`,
		next.UTC().Format(timeLayout), why, id)
	if err != nil {
		return fmt.Errorf("keep a spool entry for later: %w", err)
	}
	return nil
}

// Len returns how many entries wait.
func (s *Spool) Len(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM entries`).Scan(&n)
	return n, err
}
