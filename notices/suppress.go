package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// A suppression is about an address, not a contact: "never send to
// +13155550142" holds whichever contact carries that number, now or after
// any later import. That is why Suppress leaves the contacts' own
// subscription states as they are: the audience and the recipients exclude a
// suppressed address by looking it up (see audience.go), so no import, which
// only ever writes contacts, can re-open it. Only Resubscribe lifts it.

// SuppressionReason says why an address was suppressed.
type SuppressionReason string

// The suppression reasons.
const (
	StopReply       SuppressionReason = "stop-reply"       // the customer replied STOP to a text
	UnsubscribeLink SuppressionReason = "unsubscribe-link" // the customer followed an email's unsubscribe link
	HardBounce      SuppressionReason = "hard-bounce"      // the mail server said the mailbox does not exist
	ProviderInvalid SuppressionReason = "provider-invalid" // the SMS provider said the number cannot receive texts
	Manual          SuppressionReason = "manual"           // a coordinator added it by hand
)

// SuppressionReasons lists the reasons, in the order help shows them.
var SuppressionReasons = []SuppressionReason{StopReply, UnsubscribeLink, HardBounce, ProviderInvalid, Manual}

func (r SuppressionReason) valid() bool {
	for _, v := range SuppressionReasons {
		if r == v {
			return true
		}
	}
	return false
}

// Suppression is an address no message may go to, whatever its contact says.
type Suppression struct {
	Address string  // an email address, all lower case, or an E.164 number
	Channel Channel // Email or SMS
	Reason  SuppressionReason
	Note    string
	By      string // who or what suppressed it ("twilio", a coordinator's name)
	At      time.Time
	// NoticeID is the notice whose send found the address out (a hard
	// bounce, a 21610); 0 when it was not a send.
	NoticeID int64
}

// SuppressionEvent is one entry of an address's suppression history.
type SuppressionEvent struct {
	Address string
	Action  string // "suppressed" or "resubscribed"
	Reason  string // the reason code (with the note after ": "), or the resubscription's why
	By      string
	At      time.Time
}

// Resubscription says what Resubscribe did.
type Resubscription struct {
	Address  string
	Channel  Channel
	Lifted   *Suppression // the suppression lifted; nil when the address was not suppressed
	Contacts int          // contacts with this address whose channel went back to subscribed
}

// Address cleans an email address or a phone number into the form a
// suppression is keyed by, and says which channel it belongs to. An email
// address is lower-cased whole (not only its domain): mail systems treat the
// local part case-insensitively in practice, and a suppression must err on
// the side of not sending.
func (n Normalizer) Address(s string) (string, Channel, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", "", errorf(Invalid, "give an email address or a phone number")
	}
	if strings.Contains(s, "@") {
		e, err := n.Email(s)
		if err != nil {
			return "", "", &Error{Code: Invalid, Message: "address", Err: err}
		}
		return asciiLower(e), Email, nil
	}
	p, err := n.Phone(s)
	if err != nil {
		return "", "", &Error{Code: Invalid, Message: fmt.Sprintf("%q is neither an email address nor a phone number", s), Err: err}
	}
	return p, SMS, nil
}

// Suppress adds address to the suppression list with the reason, a note
// and who did it. address is read by Normalizer{} (national numbers as US
// numbers): callers with another region clean it first with their
// Normalizer's Address. When the address is already suppressed, the first
// suppression is kept and returned with added false. Errors: Invalid for a
// bad address or reason.
func (s *Store) Suppress(ctx context.Context, address string, reason SuppressionReason, note, by string) (sup Suppression, added bool, err error) {
	return s.SuppressFound(ctx, address, reason, note, by, 0)
}

// SuppressFound is Suppress for an address that the send of notice
// noticeID found out (a hard bounce, a 21610), which the suppression
// keeps to show (0: none).
func (s *Store) SuppressFound(ctx context.Context, address string, reason SuppressionReason, note, by string, noticeID int64) (sup Suppression, added bool, err error) {
	addr, ch, err := Normalizer{}.Address(address)
	if err != nil {
		return sup, false, err
	}
	if !reason.valid() {
		return sup, false, errorf(Invalid, "%q is not a suppression reason (use one of %s)", reason, reasonList())
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		sup, added, err = s.suppressIn(ctx, tx, Suppression{Address: addr, Channel: ch, Reason: reason, Note: note, By: by, NoticeID: noticeID})
		return err
	})
	if err != nil {
		return sup, false, fmt.Errorf("suppress %s: %w", addr, err)
	}
	return sup, added, nil
}

// suppressIn is Suppress inside tx, for a clean address and a valid reason
// (sup's At is set here).
//
// The insert decides, not a read before it: two suppressing one address at
// once (two crier serve, a STOP reply and a bounce) both insert; the
// second, having waited for the first, inserts nothing and returns the
// first's suppression.
func (s *Store) suppressIn(ctx context.Context, tx *sql.Tx, sup Suppression) (Suppression, bool, error) {
	now := s.now()
	var got string
	err := tx.QueryRowContext(ctx, `INSERT INTO suppressions (address, channel, reason, note, by_whom, created_at, notice_id) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (address) DO NOTHING RETURNING address`,
		sup.Address, string(sup.Channel), string(sup.Reason), sup.Note, sup.By, now, sql.NullInt64{Int64: sup.NoticeID, Valid: sup.NoticeID != 0}).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		old, _, err := suppressed(ctx, tx, sup.Address)
		return old, false, err
	}
	if err != nil {
		return sup, false, err
	}
	why := string(sup.Reason)
	if sup.Note != "" {
		why += ": " + sup.Note
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO suppression_events (address, action, reason, by_whom, at) VALUES (?, 'suppressed', ?, ?, ?)`,
		sup.Address, why, sup.By, now); err != nil {
		return sup, false, err
	}
	sup.At = parseTime(now)
	return sup, true, nil
}

func reasonList() string {
	var b strings.Builder
	for i, r := range SuppressionReasons {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(r))
	}
	return b.String()
}

// parseTime reads a time the store wrote, "" (NULL) as the zero time
// without trying it (a failed parse costs an error made and dropped: two
// for each delivery claimed).
func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// Resubscribe lets messages go to address again: it lifts its suppression
// and sets the channel of the contacts with this address back to
// subscribed (each change recorded in subscription_events), and records who
// (by) and why (reason) in the address's suppression history. It is the
// only way a suppression ends. Both reason and by are required. Errors:
// Invalid for a bad address or a missing reason or name; NotFound when the
// address is neither suppressed nor the unsubscribed address of a contact.
func (s *Store) Resubscribe(ctx context.Context, address, reason, by string) (Resubscription, error) {
	var r Resubscription
	addr, ch, err := Normalizer{}.Address(address)
	if err != nil {
		return r, err
	}
	reason, by = strings.TrimSpace(reason), strings.TrimSpace(by)
	if reason == "" {
		return r, errorf(Invalid, "resubscribe %s: say why (for example: customer called on 2026-11-28 and asked for texts again)", addr)
	}
	if by == "" {
		return r, errorf(Invalid, "resubscribe %s: say who is resubscribing it", addr)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		r, err = s.resubscribeIn(ctx, tx, addr, ch, reason, by)
		return err
	})
	if err != nil {
		return r, fmt.Errorf("resubscribe %s: %w", addr, err)
	}
	return r, nil
}

// resubscribeIn is Resubscribe inside tx, for a clean address on channel
// ch, a reason and a name.
func (s *Store) resubscribeIn(ctx context.Context, tx *sql.Tx, addr string, ch Channel, reason, by string) (Resubscription, error) {
	r := Resubscription{Address: addr, Channel: ch}
	old, found, err := suppressed(ctx, tx, addr)
	if err != nil {
		return r, err
	}
	if found {
		r.Lifted = &old
		if _, err := tx.ExecContext(ctx, `DELETE FROM suppressions WHERE address = ?`, addr); err != nil {
			return r, err
		}
	}
	now := s.now()
	ids, err := unsubscribedWithAddress(ctx, tx, addr, ch)
	if err != nil {
		return r, err
	}
	update := `UPDATE contacts SET email_state = 'subscribed', updated_at = ? WHERE id = ?`
	if ch == SMS {
		update = `UPDATE contacts SET sms_state = 'subscribed', updated_at = ? WHERE id = ?`
	}
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, update, now, id); err != nil {
			return r, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO subscription_events (contact_id, channel, state, how, by_whom, at) VALUES (?, ?, 'subscribed', ?, ?, ?)`,
			id, string(ch), "resubscribe: "+reason, by, now); err != nil {
			return r, err
		}
	}
	r.Contacts = len(ids)
	if !found && len(ids) == 0 {
		return r, errorf(NotFound, "%s is not suppressed and no contact has it unsubscribed: there is nothing to resubscribe", addr)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO suppression_events (address, action, reason, by_whom, at) VALUES (?, 'resubscribed', ?, ?, ?)`,
		addr, reason, by, now)
	return r, err
}

// unsubscribedWithAddress returns the ids of the contacts with addr on
// channel ch whose subscription is not active. Emails are compared
// case-insensitively, as suppressions are.
func unsubscribedWithAddress(ctx context.Context, tx *sql.Tx, addr string, ch Channel) ([]int64, error) {
	q := `SELECT id FROM contacts WHERE lower(email) = ? AND email_state <> 'subscribed'`
	if ch == SMS {
		q = `SELECT id FROM contacts WHERE mobile = ? AND sms_state <> 'subscribed'`
	}
	rows, err := tx.QueryContext(ctx, q, addr)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

const suppressionColumns = `address, channel, reason, note, by_whom, created_at, notice_id`

func scanSuppression(sc interface{ Scan(...any) error }) (Suppression, error) {
	var sup Suppression
	var ch, reason, at string
	var notice sql.NullInt64
	if err := sc.Scan(&sup.Address, &ch, &reason, &sup.Note, &sup.By, &at, &notice); err != nil {
		return sup, err
	}
	sup.Channel, sup.Reason, sup.At, sup.NoticeID = Channel(ch), SuppressionReason(reason), parseTime(at), notice.Int64
	return sup, nil
}

func suppressed(ctx context.Context, q queryer, addr string) (Suppression, bool, error) {
	sup, err := scanSuppression(q.QueryRowContext(ctx, `SELECT `+suppressionColumns+` FROM suppressions WHERE address = ?`, addr))
	if errors.Is(err, sql.ErrNoRows) {
		return sup, false, nil
	}
	return sup, err == nil, err
}

// Suppressed reports whether address is suppressed, and the suppression.
// address is read as Suppress reads it.
func (s *Store) Suppressed(ctx context.Context, address string) (Suppression, bool, error) {
	addr, _, err := Normalizer{}.Address(address)
	if err != nil {
		return Suppression{}, false, err
	}
	return suppressed(ctx, s.db, addr)
}

// EachSuppression calls fn for every suppression, newest first, streaming.
// fn must not use the store (it holds the store's one connection); its
// error stops the walk and is returned.
func (s *Store) EachSuppression(ctx context.Context, fn func(Suppression) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT `+suppressionColumns+` FROM suppressions ORDER BY created_at DESC, address`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		sup, err := scanSuppression(rows)
		if err != nil {
			return err
		}
		if err := fn(sup); err != nil {
			return err
		}
	}
	return rows.Err()
}

// SuppressionHistory returns every suppression and resubscription of
// address, oldest first.
func (s *Store) SuppressionHistory(ctx context.Context, address string) ([]SuppressionEvent, error) {
	addr, _, err := Normalizer{}.Address(address)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT address, action, reason, by_whom, at FROM suppression_events WHERE address = ? ORDER BY id`, addr)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var evs []SuppressionEvent
	for rows.Next() {
		var e SuppressionEvent
		var at string
		if err := rows.Scan(&e.Address, &e.Action, &e.Reason, &e.By, &at); err != nil {
			return nil, err
		}
		e.At = parseTime(at)
		evs = append(evs, e)
	}
	return evs, rows.Err()
}

// asciiLower lower-cases the ASCII letters of an email address and keeps
// the others, exactly as SQLite's lower() does, so that an address and
// lower(contacts.email) always compare alike, whatever its letters.
// (PostgreSQL's lower() folds every letter but in the C collation, which
// its migrations give the columns of email addresses.)
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
