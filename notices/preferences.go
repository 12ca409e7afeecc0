package notices

import (
	"context"
	"crypto/hmac"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/crier-notices/crier/templates/category"
)

// Email preferences are kept by address, as suppressions are (see the
// migration 0011_email_preferences.sql): the person reading a mailbox
// chose, whichever contact carries the address now or after any later
// import. They cover email only; a text message's opt-out is a STOP reply.

// OptOutCategories are the categories of notices an email address may
// leave: every category but emergency, which reaches everyone reachable.
var OptOutCategories = []category.Category{category.Service, category.Information}

// How an address's preferences changed, as the record says.
const (
	OneClick        = "one-click"        // the List-Unsubscribe one-click POST (RFC 8058), or the page's button
	PreferencesPage = "preferences page" // the choices of the preferences page
)

// NoticeCategory is the category a notice goes out under: its template's
// category, except that a notice sent as an emergency is one whatever its
// template says, so no opt-out keeps it from anyone.
func NoticeCategory(template category.Category, u Urgency) category.Category {
	if u == Emergency {
		return category.Emergency
	}
	return template
}

// CategoryWith is the category notice n goes out under when its
// template's category is template: the one frozen when it was published
// (Notice.Category), else, for a notice not yet published or published
// before categories were kept, NoticeCategory's. The dispatcher, the
// preferences page and the feeds all read a notice's category so.
func (n Notice) CategoryWith(template category.Category) category.Category {
	if n.Category != "" {
		return n.Category
	}
	return NoticeCategory(template, n.Urgency)
}

// CanOptOut says whether an email address may opt out of category c:
// every category but emergency.
func CanOptOut(c category.Category) bool {
	return slices.Contains(OptOutCategories, c)
}

// optedOutSQL is the condition that the email of contacts c opted out of
// category cat, or "" when nobody can opt out of it. The category is one
// of OptOutCategories, a constant: never text from outside.
func optedOutSQL(cat category.Category) string {
	if !CanOptOut(cat) {
		return ""
	}
	return `EXISTS (SELECT 1 FROM email_opt_outs o WHERE o.address = lower(c.email) AND o.category = '` + string(cat) + `')`
}

// emailAddress reads address as a suppression is keyed: an email address,
// lower-cased. Errors: Invalid for anything else.
func emailAddress(address string) (string, error) {
	addr, ch, err := Normalizer{}.Address(address)
	if err != nil {
		return "", err
	}
	if ch != Email {
		return "", errorf(Invalid, "%q is not an email address: email preferences are for email (a text's opt-out is a STOP reply)", address)
	}
	return addr, nil
}

// OptedOut returns the categories the email address opted out of, in the
// order of OptOutCategories. Errors: Invalid for a bad address.
func (s *Store) OptedOut(ctx context.Context, address string) ([]category.Category, error) {
	addr, err := emailAddress(address)
	if err != nil {
		return nil, err
	}
	cats, err := columnValues[category.Category](ctx, s.db, `SELECT category FROM email_opt_outs WHERE address = ?`, addr)
	if err != nil {
		return nil, fmt.Errorf("email preferences of %s: %w", addr, err)
	}
	var out []category.Category
	for _, c := range OptOutCategories {
		if slices.Contains(cats, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// OptOut stops notices of category cat going to the email address, from
// now on and for deliveries already queued, and records it with how and
// the notice whose link was followed (0: none). It says whether anything
// changed: opting out twice is no error. Errors: Invalid for a bad
// address, or a category nobody may leave (emergency).
func (s *Store) OptOut(ctx context.Context, address string, cat category.Category, noticeID int64, how string) (changed bool, err error) {
	if !CanOptOut(cat) {
		return false, errorf(Invalid, "%q notices cannot be left by email preferences: only service and information", cat)
	}
	addr, err := emailAddress(address)
	if err != nil {
		return false, err
	}
	err = s.inTx(ctx, func(tx *sql.Tx) (err error) {
		changed, err = s.setOptOut(ctx, tx, addr, cat, true, noticeID, how)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("opt %s out of %s notices: %w", addr, cat, err)
	}
	return changed, nil
}

// SetEmailPreferences records which categories of OptOutCategories the
// email address wants (wanted[c]; a category missing from wanted is not
// wanted), in one transaction, each change recorded with how and the
// notice whose link was followed (0: none). It says whether anything
// changed. Errors: Invalid for a bad address.
func (s *Store) SetEmailPreferences(ctx context.Context, address string, wanted map[category.Category]bool, noticeID int64, how string) (changed bool, err error) {
	addr, err := emailAddress(address)
	if err != nil {
		return false, err
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		for _, c := range OptOutCategories {
			ch, err := s.setOptOut(ctx, tx, addr, c, !wanted[c], noticeID, how)
			if err != nil {
				return err
			}
			changed = changed || ch
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("email preferences of %s: %w", addr, err)
	}
	return changed, nil
}

// setOptOut opts addr out of (out) or back into category cat, and records
// the change; it says whether there was one.
func (s *Store) setOptOut(ctx context.Context, tx *sql.Tx, addr string, cat category.Category, out bool, noticeID int64, how string) (bool, error) {
	now := s.now()
	notice := sql.NullInt64{Int64: noticeID, Valid: noticeID > 0}
	var res sql.Result
	var err error
	action := "opted-in"
	if out {
		action = "opted-out"
		res, err = tx.ExecContext(ctx, `INSERT INTO email_opt_outs (address, category, notice_id, how, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (address, category) DO NOTHING`, addr, string(cat), notice, how, now)
	} else {
		res, err = tx.ExecContext(ctx, `DELETE FROM email_opt_outs WHERE address = ? AND category = ?`, addr, string(cat))
	}
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO email_opt_out_events (address, category, action, how, notice_id, at) VALUES (?, ?, ?, ?, ?, ?)`,
		addr, string(cat), action, how, notice, now)
	return err == nil, err
}

// LinkedDelivery is what an email's unsubscribe or preferences link
// names, once its token is checked: an email delivery of a notice.
type LinkedDelivery struct {
	Delivery Delivery
	Notice   Notice
}

// OpenUnsubscribeLink returns the email delivery deliveryID and its notice
// when token is the notice's token for it (Notice.UnsubscribeToken),
// compared in constant time. Errors: NotFound, whatever the fault (no
// such delivery, not an email, a wrong token), so that an answer tells a
// stranger nothing.
func (s *Store) OpenUnsubscribeLink(ctx context.Context, deliveryID int64, token string) (LinkedDelivery, error) {
	notFound := errorf(NotFound, "no unsubscribe link %d with this token", deliveryID)
	d, err := scanDelivery(s.db.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE id = ?`, deliveryID))
	if errors.Is(err, sql.ErrNoRows) {
		return LinkedDelivery{}, notFound
	}
	if err != nil {
		return LinkedDelivery{}, fmt.Errorf("unsubscribe link %d: %w", deliveryID, err)
	}
	n, err := s.Notice(ctx, d.NoticeID)
	if err != nil {
		return LinkedDelivery{}, fmt.Errorf("unsubscribe link %d: %w", deliveryID, err)
	}
	if d.Channel != Email || !n.validUnsubscribeToken(deliveryID, token) {
		return LinkedDelivery{}, notFound
	}
	return LinkedDelivery{Delivery: d, Notice: n}, nil
}

// validUnsubscribeToken says, in constant time, whether token is the
// notice's token for the delivery. A notice without a secret has no valid
// token: an empty key would let anyone forge one.
func (n Notice) validUnsubscribeToken(deliveryID int64, token string) bool {
	if n.secret == "" {
		return false
	}
	return hmac.Equal([]byte(n.UnsubscribeToken(deliveryID)), []byte(token))
}

// UnsubscribePath is the path of the preferences page of an email
// delivery, which is also its one-click unsubscribe address:
// /unsubscribe/{delivery id}/{token}. The web server parses it back.
func UnsubscribePath(deliveryID int64, token string) string {
	return "/unsubscribe/" + strconv.FormatInt(deliveryID, 10) + "/" + token
}

// PreferencesURL returns the address of the preferences page of email
// delivery deliveryID of notice n under publicURL (crier.toml's
// public_url), or "" when there is none: without a public address Crier
// gives out no link.
func PreferencesURL(publicURL string, n Notice, deliveryID int64) string {
	if publicURL == "" {
		return ""
	}
	return strings.TrimRight(publicURL, "/") + UnsubscribePath(deliveryID, n.UnsubscribeToken(deliveryID))
}
