package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// publicNotices selects the notices the public may see at ?1: published,
// their send time come, not proofs, and not cancelled before their send
// time (such a notice never went out). A notice cancelled after it went
// out stays: the public must learn it was withdrawn. Newest first by the
// time it went out (the date it carries): the later of its send time and
// its publishing (a CASE: SQLite's max(a, b) is PostgreSQL's greatest).
const publicNotices = `SELECT ` + noticeColumns + ` FROM notices WHERE ` + publicWhere + `
	ORDER BY CASE WHEN send_at > published_at THEN send_at ELSE published_at END DESC, id DESC`

// publicWhere is the rule of publicNotices.
const publicWhere = `proof = 0 AND published_at IS NOT NULL
	AND (send_at IS NULL OR send_at <= ?1)
	AND NOT (status = 'cancelled' AND send_at IS NOT NULL AND updated_at < send_at)`

// PublicNotice returns the notice whose code is code if the public may see
// it at now, by PublicNotices' rule. Errors: NotFound, also for a notice
// the public may not see (a draft, a proof, one not yet out).
func (s *Store) PublicNotice(ctx context.Context, code string, now time.Time) (Notice, error) {
	n, err := scanNotice(s.db.QueryRowContext(ctx, `SELECT `+noticeColumns+` FROM notices WHERE code = ?2 AND `+publicWhere,
		now.UTC().Format(timeLayout), code))
	if errors.Is(err, sql.ErrNoRows) {
		return n, errorf(NotFound, "no public notice has the code %q", code)
	}
	return n, err
}

// PublicNotices returns the notices the public may see at now, newest
// first by the time they went out: published (so never a draft), not a
// proof, their send time come, and not cancelled before it. A notice
// cancelled after it went out is among them, with status Cancelled.
func (s *Store) PublicNotices(ctx context.Context, now time.Time) ([]Notice, error) {
	var ns []Notice
	err := s.EachPublicNotice(ctx, now, func(n Notice) bool {
		ns = append(ns, n)
		return true
	})
	return ns, err
}

// EachPublicNotice calls fn with each notice PublicNotices returns, in its
// order, until fn returns false: a feed reads only as far as it shows. fn
// must not use the store (it holds the store's one connection).
func (s *Store) EachPublicNotice(ctx context.Context, now time.Time, fn func(Notice) bool) error {
	rows, err := s.db.QueryContext(ctx, publicNotices, now.UTC().Format(timeLayout))
	if err != nil {
		return fmt.Errorf("public notices: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		n, err := scanNotice(rows)
		if err != nil {
			return fmt.Errorf("public notices: %w", err)
		}
		if !fn(n) {
			return nil
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("public notices: %w", err)
	}
	return nil
}
