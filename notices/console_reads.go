package notices

import (
	"context"
	"strconv"
	"strings"
)

// The console's reads of contacts: a search, and what a contact's page
// shows (its deliveries and its replies).

// SearchContacts returns at most limit contacts, by name then account,
// whose name, account, email, phone (mobile or landline), service or
// postal address contains q (case-insensitive), or whose zone is q. An
// empty q lists the first contacts.
func (s *Store) SearchContacts(ctx context.Context, q string, limit int) ([]Contact, error) {
	q = strings.TrimSpace(q)
	where, args := "", []any{}
	if q != "" {
		like := "%" + likeEscape(strings.ToLower(q)) + "%"
		digits := phoneDigits(q)
		where = ` WHERE lower(name) LIKE ?1 ESCAPE '\' OR lower(account) LIKE ?1 ESCAPE '\' OR lower(email) LIKE ?1 ESCAPE '\'
			OR lower(service_address) LIKE ?1 ESCAPE '\' OR lower(postal_address) LIKE ?1 ESCAPE '\' OR lower(zone) = ?2`
		args = append(args, like, strings.ToLower(q))
		if len(digits) >= 3 {
			where += ` OR mobile LIKE ?3 OR landline LIKE ?3`
			args = append(args, "%"+digits+"%")
		}
	}
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, `SELECT `+contactColumns+` FROM contacts`+where+
		` ORDER BY name, account LIMIT ?`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cs []Contact
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, rows.Err()
}

// likeEscape escapes LIKE's wildcards in s, with \ as the escape.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// phoneDigits is s's digits when s reads as (part of) a phone number,
// else "".
func phoneDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case strings.ContainsRune("+-(). ", r):
		default:
			return ""
		}
	}
	return b.String()
}

// ContactDelivery is one delivery to a contact, with its notice's
// template.
type ContactDelivery struct {
	Delivery
	Template string
}

// ContactDeliveries returns the newest deliveries to the contact with id,
// at most limit of them.
func (s *Store) ContactDeliveries(ctx context.Context, id int64, limit int) ([]ContactDelivery, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+deliveryColumns+`, (SELECT template FROM notices n WHERE n.id = deliveries.notice_id)
		FROM deliveries WHERE contact_id = ? ORDER BY id DESC LIMIT ?`, id, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ds []ContactDelivery
	for rows.Next() {
		var d ContactDelivery
		if d.Delivery, err = scanDelivery(scanPlus{rows, &d.Template}); err != nil {
			return nil, err
		}
		ds = append(ds, d)
	}
	return ds, rows.Err()
}

// RepliesFrom returns the newest texts received from the number (E.164),
// at most limit of them.
func (s *Store) RepliesFrom(ctx context.Context, number string, limit int) ([]Reply, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+replyColumns+` FROM replies WHERE from_number = ? ORDER BY received_at DESC, id DESC LIMIT ?`, number, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var rs []Reply
	for rows.Next() {
		r, err := scanReply(rows)
		if err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	return rs, rows.Err()
}

// ListMembers returns at most limit contacts of the list name, by name
// then account. Errors: NotFound for no such list.
func (s *Store) ListMembers(ctx context.Context, name string, limit int) ([]Contact, error) {
	l, err := s.List(ctx, name)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+contactColumns+` FROM contacts WHERE id IN (SELECT contact_id FROM list_members WHERE list_id = ?)
		ORDER BY name, account LIMIT ?`, l.ID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cs []Contact
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, rows.Err()
}
