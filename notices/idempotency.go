package notices

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// IdempotencyClaim is what ClaimIdempotencyKey found for a key.
type IdempotencyClaim struct {
	// Claimed: this call took the key; the caller makes its notice, then
	// calls KeepIdempotencyKey (or ReleaseIdempotencyKey when none was made).
	Claimed bool
	// Request is the fingerprint of the request that claimed the key.
	Request string
	// NoticeID is the notice the key made: 0 while the request that
	// claimed it is still at work.
	NoticeID int64
	// At is when the key was claimed.
	At time.Time
}

// ClaimIdempotencyKey takes key for actor (the token's name as the audit
// log gives it) and the request fingerprinted as request, unless actor
// took it within window: then it says who did and what that made. The
// unique (actor, key) row decides between requests at once, on any
// number of instances of one database; a claim older than window is
// replaced.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, actor, key, request string, window time.Duration) (IdempotencyClaim, error) {
	var c IdempotencyClaim
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.Now().UTC()
		if _, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE actor = ? AND idem_key = ? AND created_at < ?`,
			actor, key, now.Add(-window).Format(timeLayout)); err != nil {
			return err
		}
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO idempotency_keys (actor, idem_key, request, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (actor, idem_key) DO NOTHING RETURNING id`, actor, key, request, now.Format(timeLayout)).Scan(&id)
		if err == nil {
			c = IdempotencyClaim{Claimed: true, Request: request, At: now}
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var at string
		if err := tx.QueryRowContext(ctx, `SELECT request, COALESCE(notice_id, 0), created_at FROM idempotency_keys
			WHERE actor = ? AND idem_key = ?`, actor, key).Scan(&c.Request, &c.NoticeID, &at); err != nil {
			return err
		}
		c.At, err = time.Parse(timeLayout, at)
		return err
	})
	return c, err
}

// KeepIdempotencyKey records that actor's key made notice id.
func (s *Store) KeepIdempotencyKey(ctx context.Context, actor, key string, id int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE idempotency_keys SET notice_id = ? WHERE actor = ? AND idem_key = ?`, id, actor, key)
	return err
}

// ReleaseIdempotencyKey gives up actor's claim on key when its request
// made no notice, so that a retry tries again.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, actor, key string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE actor = ? AND idem_key = ? AND notice_id IS NULL`, actor, key)
	return err
}
