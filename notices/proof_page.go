package notices

import (
	"context"
	"database/sql"
	"errors"
)

// ProofByCode returns the proof whose code is code: its page is where
// the proof's own text message and flyer lead, so that the coordinator
// sees the notice's page too before sending it, and the proof's text is
// the customers' to the segment. Errors: NotFound, also for a notice that
// is not a proof (PublicNotice finds those).
func (s *Store) ProofByCode(ctx context.Context, code string) (Notice, error) {
	n, err := scanNotice(s.db.QueryRowContext(ctx, `SELECT `+noticeColumns+` FROM notices WHERE code = ? AND proof = 1`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return n, errorf(NotFound, "no proof has the code %q", code)
	}
	return n, err
}
