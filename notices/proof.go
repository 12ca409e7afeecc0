package notices

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ProofAddress is an address a proof goes to, on its channel.
type ProofAddress struct {
	Channel Channel // Email or SMS
	Address string  // as Normalizer.Address gives it
}

// CreateProof stores notice n, in its one language, as a proof to the
// addresses to and queues their deliveries, due at once, in one
// transaction, and returns its id. A proof is a notice marked Proof: the
// dispatcher sends it as it sends any notice (the same rendering), ahead
// of every normal notice and whatever the quiet hours, since the
// coordinator is waiting for it; Notices leaves it out. Its audience is
// empty and its deliveries have no contact. An address suppressed is not
// queued: the caller says so (Suppressed tells). Errors: Invalid when n
// does not have exactly one language of fam, for values that do not fill
// the template, for a channel n does not use or no address; those of
// CreateNotice.
func (s *Store) CreateProof(ctx context.Context, n Notice, fam Template, to []ProofAddress) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := checkProof(n, fam, to, s.PhoneRegion); err != nil {
			return err
		}
		n.Audience, n.SendAt = Audience{}, time.Time{}
		var err error
		if id, err = s.createNotice(ctx, tx, n); err != nil {
			return err
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE notices SET proof = 1, status = 'sending', published_at = ?, updated_at = ? WHERE id = ?`, now, now, id); err != nil {
			return err
		}
		for _, a := range to {
			if _, err := tx.ExecContext(ctx, `INSERT INTO deliveries (notice_id, channel, address, language, priority, next_attempt_at, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (notice_id, channel, address) DO NOTHING`,
				id, string(a.Channel), a.Address, n.Languages[0], priority(Emergency), now, now, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("proof of %s: %w", n.Template, err)
	}
	return id, nil
}

// checkProof checks a proof before it is stored.
func checkProof(n Notice, fam Template, to []ProofAddress, region string) error {
	if fam == nil || fam.TemplateName() != n.Template {
		return errorf(Invalid, "a proof needs its template")
	}
	if len(n.Languages) != 1 || !hasLanguage(fam, n.Languages[0]) {
		return errorf(Invalid, "a proof goes in one language of template %s (it has %s)", fam.TemplateName(), strings.Join(fam.Languages(), ", "))
	}
	if len(to) == 0 {
		return errorf(Invalid, "a proof needs an address to go to")
	}
	for _, a := range to {
		if a.Channel != Email && a.Channel != SMS || !slices.Contains(n.Channels, a.Channel) {
			return errorf(Invalid, "a proof to %s goes by %s, which notice of %s does not use", a.Address, a.Channel, n.Template)
		}
	}
	return checkValues(n, fam, n.Languages, region)
}

// NoticePending is Pending for the one notice id: whether any of its
// deliveries on chs (every channel when none is given) is queued or
// sending on a channel not paused.
func (s *Store) NoticePending(ctx context.Context, id int64, chs ...Channel) (bool, error) {
	q, args := noticePending(id, chs)
	var pending bool
	err := s.db.QueryRowContext(ctx, q, args...).Scan(&pending)
	return pending, err
}
