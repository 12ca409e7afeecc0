package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// IdempotencyKey is a request's key as the store keeps it: one per actor
// and key, with the request's fingerprint, for Window. A request claims
// its key in the transaction that stores what it makes (Create), so the
// key and the notice commit together or not at all: a request that fails
// or dies half way leaves neither, and its retry makes the notice once.
type IdempotencyKey struct {
	Actor   string // the audit log's name of the token: "token work orders"
	Key     string
	Request string        // the request's fingerprint: the key with another request is refused
	Window  time.Duration // how long the key holds
	// Wait bounds how long Create waits for another transaction that
	// holds the key and has not committed (a request still at work on
	// another instance) before it fails with ErrKeyAtWork; 0: as long as
	// ctx lets it.
	Wait time.Duration
}

// KeptKey is what the request that finished under a key made.
type KeptKey struct {
	Request  string // its fingerprint
	NoticeID int64
	At       time.Time // when it claimed the key
}

// KeyTakenError is Create's error when an earlier request of the actor
// kept the key within its window: nothing was stored, and Kept says what
// that request was and made.
type KeyTakenError struct{ Kept KeptKey }

func (e *KeyTakenError) Error() string {
	return fmt.Sprintf("the key was taken at %s by a request that made notice %d", e.Kept.At.UTC().Format(time.RFC3339), e.Kept.NoticeID)
}

// ErrKeyAtWork is Create's error when another transaction held the key
// for longer than IdempotencyKey.Wait without committing: nothing was
// stored; the same request retried later finds what that one made.
var ErrKeyAtWork = errorf(Conflict, "a request with the same key is still at work: retry with the same key later")

// KeptIdempotencyKey returns what the request that finished under k's
// actor and key within k.Window made; found is false when none did (a
// request still at work has not committed its key).
func (s *Store) KeptIdempotencyKey(ctx context.Context, k IdempotencyKey) (kept KeptKey, found bool, err error) {
	var at string
	err = s.db.QueryRowContext(ctx, `SELECT request, notice_id, created_at FROM idempotency_keys
		WHERE actor = ? AND idem_key = ? AND notice_id IS NOT NULL AND created_at >= ?`,
		k.Actor, k.Key, s.Now().UTC().Add(-k.Window).Format(timeLayout)).Scan(&kept.Request, &kept.NoticeID, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return kept, false, nil
	}
	if err != nil {
		return kept, false, fmt.Errorf("idempotency key %q: %w", k.Key, err)
	}
	kept.At, err = time.Parse(timeLayout, at)
	return kept, err == nil, err
}

// claimKey takes k in tx before anything is made. The unique (actor, key)
// row decides between requests on any number of instances of one
// database: a second transaction's insert waits for the first to commit
// or roll back (PostgreSQL; on SQLite a write transaction holds the
// database already), up to k.Wait. A row older than the window is
// replaced, and so is one without a notice, which only a version that
// claimed keys apart from their notice could have left. Errors:
// *KeyTakenError, ErrKeyAtWork.
func (s *Store) claimKey(ctx context.Context, tx *sql.Tx, k IdempotencyKey) error {
	wait := ctx
	if k.Wait > 0 {
		var stop context.CancelFunc
		wait, stop = context.WithTimeout(ctx, k.Wait)
		defer stop()
	}
	now := s.Now().UTC()
	_, err := tx.ExecContext(wait, `DELETE FROM idempotency_keys WHERE actor = ? AND idem_key = ? AND (created_at < ? OR notice_id IS NULL)`,
		k.Actor, k.Key, now.Add(-k.Window).Format(timeLayout))
	var id int64
	if err == nil {
		err = tx.QueryRowContext(wait, `INSERT INTO idempotency_keys (actor, idem_key, request, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (actor, idem_key) DO NOTHING RETURNING id`, k.Actor, k.Key, k.Request, now.Format(timeLayout)).Scan(&id)
	}
	switch {
	case err == nil:
		return nil
	case wait.Err() != nil && ctx.Err() == nil:
		return ErrKeyAtWork
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	// Taken, and committed: by a request that finished.
	var kept KeptKey
	var at string
	if err := tx.QueryRowContext(ctx, `SELECT request, COALESCE(notice_id, 0), created_at FROM idempotency_keys
		WHERE actor = ? AND idem_key = ?`, k.Actor, k.Key).Scan(&kept.Request, &kept.NoticeID, &at); err != nil {
		return err
	}
	kept.At, err = time.Parse(timeLayout, at)
	if err != nil {
		return err
	}
	return &KeyTakenError{Kept: kept}
}

// keepKey records in tx that k made notice id.
func keepKey(ctx context.Context, tx *sql.Tx, k IdempotencyKey, id int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE idempotency_keys SET notice_id = ? WHERE actor = ? AND idem_key = ?`, id, k.Actor, k.Key)
	return err
}
