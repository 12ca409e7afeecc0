package notices

import (
	"context"
	"fmt"
	"time"
)

// publicNotices selects the notices the public may see at ?1: published,
// their send time come, not proofs, and not cancelled before their send
// time (such a notice never went out). A notice cancelled after it went
// out stays: the public must learn it was withdrawn.
const publicNotices = `SELECT ` + noticeColumns + ` FROM notices
	WHERE proof = 0 AND published_at IS NOT NULL
	AND (send_at IS NULL OR send_at <= ?1)
	AND NOT (status = 'cancelled' AND send_at IS NOT NULL AND updated_at < send_at)
	ORDER BY coalesce(max(send_at, published_at), published_at) DESC, id DESC`

// PublicNotices returns the notices the public may see at now, newest
// first by the time they went out: published (so never a draft), not a
// proof, their send time come, and not cancelled before it. A notice
// cancelled after it went out is among them, with status Cancelled.
func (s *Store) PublicNotices(ctx context.Context, now time.Time) ([]Notice, error) {
	rows, err := s.db.QueryContext(ctx, publicNotices, now.UTC().Format(timeLayout))
	if err != nil {
		return nil, fmt.Errorf("public notices: %w", err)
	}
	defer rows.Close()
	var ns []Notice
	for rows.Next() {
		n, err := scanNotice(rows)
		if err != nil {
			return nil, fmt.Errorf("public notices: %w", err)
		}
		ns = append(ns, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("public notices: %w", err)
	}
	return ns, nil
}
