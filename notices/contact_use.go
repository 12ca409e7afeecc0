package notices

import (
	"context"
	"database/sql"
	"errors"
	"strings"
)

// ContactUse is what a contact is part of: what a coordinator deleting it
// is shown before saying yes.
type ContactUse struct {
	Lists      []string // the lists it is a member of, by name
	Deliveries int      // its deliveries on record: they stay, without it
	Queued     int      // of those, the ones not sent yet: they still go
}

// ContactUse returns the lists and deliveries of the contact with the
// account number. Errors: NotFound.
func (s *Store) ContactUse(ctx context.Context, account string) (ContactUse, error) {
	var u ContactUse
	var lists string
	err := s.db.QueryRowContext(ctx, `SELECT
		COALESCE((SELECT string_agg(l.name, '`+unitSeparator+`' ORDER BY l.name) FROM lists l JOIN list_members m ON m.list_id = l.id
			WHERE m.contact_id = c.id), ''),
		(SELECT count(*) FROM deliveries d WHERE d.contact_id = c.id),
		(SELECT count(*) FROM deliveries d WHERE d.contact_id = c.id AND d.status IN ('queued', 'sending'))
		FROM contacts c WHERE c.account = ?`, account).Scan(&lists, &u.Deliveries, &u.Queued)
	if errors.Is(err, sql.ErrNoRows) {
		return u, errorf(NotFound, "no contact with account %q", account)
	}
	if err != nil {
		return u, err
	}
	if lists != "" {
		u.Lists = strings.Split(lists, unitSeparator)
	}
	return u, nil
}
