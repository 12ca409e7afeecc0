package notices

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
)

// ReplaceDraft writes n (template, values, languages, audience, channels,
// urgency, send time, code) over the saved draft id, which stays a draft:
// the console saves a notice half composed and publishes it later.
// Errors: NotFound; Conflict when the notice is no longer a draft (it was
// published or cancelled) or is a proof; Invalid as CreateNotice's.
func (s *Store) ReplaceDraft(ctx context.Context, id int64, n Notice) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		old, err := notice(ctx, tx, id)
		if err != nil {
			return err
		}
		if old.Status != Draft || old.Proof {
			return errorf(Conflict, "notice %d is %s, not a saved draft: it cannot be changed", id, old.Status)
		}
		if err := refuseAwaiting(ctx, tx, id, "changed"); err != nil {
			return err
		}
		if err := n.check(); err != nil {
			return err
		}
		if _, _, err := s.audienceWhere(ctx, tx, n.Audience); err != nil {
			return err
		}
		if n.Values == nil {
			n.Values = map[string]string{}
		}
		values, err := json.Marshal(n.Values)
		if err != nil {
			return err
		}
		audience, err := json.Marshal(n.Audience)
		if err != nil {
			return err
		}
		code := old.Code
		if n.Code != "" {
			if code, err = n.code(); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE notices SET template = ?, field_values = ?, languages = ?, audience = ?, channels = ?,
			urgency = ?, send_at = ?, code = ?, updated_at = ? WHERE id = ?`,
			n.Template, string(values), strings.Join(n.Languages, ","), string(audience), joinChannels(n.Channels),
			string(n.Urgency), nullTime(n.SendAt), code, s.now(), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("replace draft %d: %w", id, err)
	}
	return nil
}
