package notices

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// e164 is a phone number as the store keeps it, and as an export writes it
// without a quote (see NeutralizeCell).
var e164 = regexp.MustCompile(`^\+[1-9]\d{6,14}$`)

// contactTags is a contact's tags, sorted, joined by U+001F, as one column
// of a query on contacts. The separator is in the SQL text as it is: the
// engines name the function that makes it differently (SQLite's char,
// PostgreSQL's chr).
const contactTags = `COALESCE((SELECT string_agg(tag, '` + unitSeparator + `' ORDER BY tag) FROM contact_tags t WHERE t.contact_id = contacts.id), '')`

// unitSeparator is U+001F, which joins the names of a contact's tags or
// lists in one column: an import refuses a cell holding a control
// character.
const unitSeparator = "\x1f"

// The contact columns in the order contactColumns scans them.
const contactColumns = `id, account, name, email, mobile, landline, postal_address, service_address, zone,
	language, email_state, sms_state, attributes, created_at, updated_at`

func scanContact(sc interface{ Scan(...any) error }) (Contact, error) {
	var c Contact
	var attrs, created, updated string
	err := sc.Scan(&c.ID, &c.Account, &c.Name, &c.Email, &c.Mobile, &c.Landline, &c.PostalAddress, &c.ServiceAddress, &c.Zone,
		&c.Language, &c.EmailState, &c.SMSState, &attrs, &created, &updated)
	if err != nil {
		return c, err
	}
	if attrs != "" && attrs != "{}" {
		if err := json.Unmarshal([]byte(attrs), &c.Attributes); err != nil {
			return c, fmt.Errorf("contact %s: attributes: %w", c.Account, err)
		}
	}
	c.CreatedAt, _ = time.Parse(time.RFC3339Nano, created)
	c.UpdatedAt, _ = time.Parse(time.RFC3339Nano, updated)
	return c, nil
}

// attributesJSON encodes custom attributes with sorted keys (encoding/json
// sorts map keys), so the same attributes give the same text.
func attributesJSON(a map[string]string) string {
	if len(a) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(a)
	return string(b)
}

// SaveContact inserts c, or updates the contact with its account number,
// with its tags. Values are stored as given: the caller normalises them
// (Normalizer); a phone number that is not E.164 is refused. Like an
// import, it never re-subscribes: a channel stored as unsubscribed stays
// so (only Resubscribe lifts it, with a reason); states not set are left
// as stored, and new contacts are subscribed. It returns the contact's id.
func (s *Store) SaveContact(ctx context.Context, c Contact) (int64, error) {
	if strings.TrimSpace(c.Account) == "" {
		return 0, errorf(Invalid, "a contact needs an account number")
	}
	for _, p := range []string{c.Mobile, c.Landline} {
		if p != "" && !e164.MatchString(p) {
			return 0, errorf(Invalid, "contact %s: phone %q is not in E.164 form (+13155550142); normalise it first", c.Account, p)
		}
	}
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = saveContact(ctx, tx, c, s.now())
		return err
	})
	return id, err
}

// upsertContact is SaveContact's upsert; its syntax is SQLite's and
// PostgreSQL's alike.
const upsertContact = `INSERT INTO contacts (account, name, email, mobile, landline, postal_address, service_address, zone,
	language, email_state, sms_state, attributes, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, COALESCE(NULLIF(?, ''), 'subscribed'), COALESCE(NULLIF(?, ''), 'subscribed'), ?, ?, ?)
ON CONFLICT (account) DO UPDATE SET
	name = excluded.name, email = excluded.email, mobile = excluded.mobile, landline = excluded.landline,
	postal_address = excluded.postal_address, service_address = excluded.service_address, zone = excluded.zone,
	language = excluded.language,
	email_state = CASE WHEN ? = '' OR contacts.email_state = 'unsubscribed' THEN contacts.email_state ELSE excluded.email_state END,
	sms_state = CASE WHEN ? = '' OR contacts.sms_state = 'unsubscribed' THEN contacts.sms_state ELSE excluded.sms_state END,
	attributes = excluded.attributes, updated_at = excluded.updated_at
RETURNING id`

func saveContact(ctx context.Context, tx *sql.Tx, c Contact, now string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, upsertContact, c.Account, c.Name, c.Email, c.Mobile, c.Landline, c.PostalAddress, c.ServiceAddress, c.Zone,
		c.Language, string(c.EmailState), string(c.SMSState), attributesJSON(c.Attributes), now, now,
		string(c.EmailState), string(c.SMSState)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("save contact %s: %w", c.Account, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM contact_tags WHERE contact_id = ?`, id); err != nil {
		return 0, err
	}
	for _, tag := range c.Tags {
		if _, err := tx.ExecContext(ctx, `INSERT INTO contact_tags (contact_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, tag); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// Contact returns the contact with the account number, with its tags.
func (s *Store) Contact(ctx context.Context, account string) (Contact, error) {
	c, err := scanContact(s.db.QueryRowContext(ctx, `SELECT `+contactColumns+` FROM contacts WHERE account = ?`, account))
	if errors.Is(err, sql.ErrNoRows) {
		return c, errorf(NotFound, "no contact with account %q", account)
	}
	if err != nil {
		return c, err
	}
	c.Tags, err = s.tags(ctx, c.ID)
	return c, err
}

func (s *Store) tags(ctx context.Context, id int64) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT tag FROM contact_tags WHERE contact_id = ? ORDER BY tag`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var tags []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		tags = append(tags, t)
	}
	return tags, rows.Err()
}

// EachContact calls fn for every contact, by account number, with its tags,
// streaming: a million contacts are never in memory at once. Tags are read
// in the same ordered pass. fn's error stops the walk and is returned.
func (s *Store) EachContact(ctx context.Context, fn func(Contact) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT `+contactColumns+`, `+contactTags+` FROM contacts ORDER BY account`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var tags string
		c, err := scanContact(scanPlus{rows, &tags})
		if err != nil {
			return err
		}
		if tags != "" {
			c.Tags = strings.Split(tags, unitSeparator)
			sort.Strings(c.Tags)
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return rows.Err()
}

// scanPlus scans a contact row followed by extra columns.
type scanPlus struct {
	rows  *sql.Rows
	extra *string
}

func (s scanPlus) Scan(dest ...any) error { return s.rows.Scan(append(dest, s.extra)...) }

// DeleteContact removes the contact with the account number, with its
// tags, list memberships and subscription history. Suppressions of its
// addresses stay: they belong to the address, not the contact.
func (s *Store) DeleteContact(ctx context.Context, account string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM contacts WHERE account = ?`, account)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errorf(NotFound, "no contact with account %q", account)
	}
	return nil
}

// SubscriptionChange is one recorded change of a contact's subscription on
// a channel: to what state, how (import, resubscribe: why, …), by whom, when.
type SubscriptionChange struct {
	Channel Channel
	State   SubscriptionState
	How     string
	By      string
	At      time.Time
}

// SubscriptionChanges returns the recorded changes of the contact's
// subscriptions, oldest first.
func (s *Store) SubscriptionChanges(ctx context.Context, account string) ([]SubscriptionChange, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT e.channel, e.state, e.how, e.by_whom, e.at
		FROM subscription_events e JOIN contacts c ON c.id = e.contact_id
		WHERE c.account = ? ORDER BY e.id`, account)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SubscriptionChange
	for rows.Next() {
		var ch SubscriptionChange
		var at string
		if err := rows.Scan(&ch.Channel, &ch.State, &ch.How, &ch.By, &at); err != nil {
			return nil, err
		}
		ch.At, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, ch)
	}
	return out, rows.Err()
}
