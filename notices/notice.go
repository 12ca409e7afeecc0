package notices

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crier-notices/crier/templates/category"
	"github.com/crier-notices/crier/templates/lang"
)

// Urgency says how a notice goes out. An emergency (a boil water advisory)
// goes before normal notices.
type Urgency string

// The urgencies.
const (
	Normal    Urgency = "normal"
	Emergency Urgency = "emergency"
)

// NoticeStatus is where a notice is in its life: draft, then scheduled
// (published with a send time to come) or sending, then done; or cancelled.
type NoticeStatus string

// The notice statuses.
const (
	Draft     NoticeStatus = "draft"
	Scheduled NoticeStatus = "scheduled"
	Sending   NoticeStatus = "sending"
	Done      NoticeStatus = "done"
	Cancelled NoticeStatus = "cancelled"
)

// DeliveryStatus is where one delivery is: queued until a dispatcher claims
// it (sending), then sent, delivered (the provider confirmed), undelivered
// (the provider accepted it but the carrier could not hand it over),
// failed, suppressed (the address was suppressed after publishing) or
// cancelled. Every status but queued and sending is final for the
// dispatcher; only a provider's report moves a sent one on (ProviderReport).
type DeliveryStatus string

// The delivery statuses.
const (
	DeliveryQueued      DeliveryStatus = "queued"
	DeliverySending     DeliveryStatus = "sending"
	DeliverySent        DeliveryStatus = "sent"
	DeliveryDelivered   DeliveryStatus = "delivered"
	DeliveryUndelivered DeliveryStatus = "undelivered"
	DeliveryFailed      DeliveryStatus = "failed"
	DeliverySuppressed  DeliveryStatus = "suppressed"
	DeliveryCancelled   DeliveryStatus = "cancelled"
)

// NoticeChannels lists the channels a notice can use, in a fixed order.
var NoticeChannels = []Channel{Email, SMS, Print}

// Notice is one message to an audience: a template filled with values, in
// some languages, on some channels, now or at a send time.
type Notice struct {
	ID        int64
	Template  string            // the template family's name
	Values    map[string]string // field values by field name ("field.lang" for one language); see templates.Values
	Languages []string          // the languages to send in; empty for every language of the template
	Audience  Audience
	Channels  []Channel // Email, SMS, Print
	Urgency   Urgency
	SendAt    time.Time // zero: at once
	Status    NoticeStatus
	// Proof marks a notice sent to the coordinator's own addresses
	// (CreateProof), kept out of Notices and so of every list and report.
	Proof bool
	// Code names the notice's public page ({public_url}/n/{code}, see
	// PageURL) and its CAP document: short, so it fits a text message,
	// and unguessable, so a page is found only through what was sent or
	// published.
	Code string
	// Category is the notice's category (NoticeCategory), frozen when it
	// is published; "" before. OptedOut counts the email addresses
	// publishing left out for having opted out of it.
	Category category.Category
	OptedOut int

	CreatedAt   time.Time
	UpdatedAt   time.Time
	PublishedAt time.Time // zero until published

	secret string // signs the recipients' unsubscribe links; never shown
}

// newSecret returns a notice's secret: 16 random bytes in hex.
func newSecret() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// codeAlphabet spells notice codes: lower-case letters and digits without
// those read alike (0 o, 1 l i), so a code copied by hand still works.
const codeAlphabet = "23456789abcdefghjkmnpqrstuvwxyz"

// codeLength gives a code about 50 bits: guessing one is hopeless behind
// the public server's rate limit.
const codeLength = 10

// newCode returns a new notice code.
func newCode() string {
	b := make([]byte, codeLength)
	for i := range b {
		b[i] = codeAlphabet[randIntn(len(codeAlphabet))]
	}
	return string(b)
}

// randIntn returns a uniform random int in [0, n) from crypto/rand.
func randIntn(n int) int {
	v, _ := rand.Int(rand.Reader, big.NewInt(int64(n))) // never fails (crypto/rand)
	return int(v.Int64())
}

// PageURL returns the address of a notice's public page under publicURL
// (crier.toml's public_url), or "" when there is none: without a public
// address Crier gives out no link to a page.
func PageURL(publicURL, code string) string {
	if publicURL == "" || code == "" {
		return ""
	}
	return strings.TrimRight(publicURL, "/") + "/n/" + code
}

// LanguagePage returns the address of a notice's page (PageURL) in one of
// its languages: each language's text message and flyer link to the page
// in their own language, whatever the language of the phone that opens
// it. It is "" when page is.
func LanguagePage(page, lang string) string {
	if page == "" || lang == "" {
		return page
	}
	return page + "/" + lang
}

// UnsubscribeToken returns the token that proves an unsubscribe link was
// sent for that delivery of the notice: the first 16 bytes of
// HMAC-SHA256(secret, delivery id), in unpadded base64url.
func (n Notice) UnsubscribeToken(deliveryID int64) string {
	mac := hmac.New(sha256.New, []byte(n.secret))
	var buf [len("unsubscribe:") + 20]byte
	mac.Write(strconv.AppendInt(append(buf[:0], "unsubscribe:"...), deliveryID, 10))
	var sum [sha256.Size]byte
	return base64.RawURLEncoding.EncodeToString(mac.Sum(sum[:0])[:16])
}

// Delivery is one message of a notice to one address on one channel. Its
// address, name and language are frozen when the notice is published.
type Delivery struct {
	ID            int64
	NoticeID      int64
	ContactID     int64 // 0 once the contact is deleted
	Channel       Channel
	Address       string // the email address, the E.164 mobile number, or the postal address
	Name          string
	Language      string
	Status        DeliveryStatus
	Attempts      int
	NextAttemptAt time.Time
	ClaimedBy     string
	LeaseUntil    time.Time // zero when not claimed
	ProviderID    string
	Error         string // the last error, kept after a retry succeeds
	CreatedAt     time.Time
	UpdatedAt     time.Time

	Priority       int       // 0 for an emergency notice, 1 otherwise: the claim order
	FirstAttemptAt time.Time // zero until an attempt ended: the start of the retry age
	SentAt         time.Time // when the provider accepted it
}

// check validates n for CreateNotice and fills its defaults.
func (n *Notice) check() error {
	n.Template = strings.TrimSpace(n.Template)
	if n.Template == "" {
		return errorf(Invalid, "a notice needs a template (crier templates list shows them)")
	}
	if len(n.Channels) == 0 {
		return errorf(Invalid, "a notice needs at least one channel: email, sms or print")
	}
	seen := map[Channel]bool{}
	for _, ch := range n.Channels {
		if !slices.Contains(NoticeChannels, ch) {
			return errorf(Invalid, "%q is not a channel (use email, sms or print)", ch)
		}
		if seen[ch] {
			return errorf(Invalid, "channel %s is named twice", ch)
		}
		seen[ch] = true
	}
	switch n.Urgency {
	case "":
		n.Urgency = Normal
	case Normal, Emergency:
	default:
		return errorf(Invalid, "%q is not an urgency (use normal or emergency)", n.Urgency)
	}
	for i, l := range n.Languages {
		code, err := lang.Code(l)
		if err != nil {
			return errorf(Invalid, "%v", err)
		}
		n.Languages[i] = code
	}
	return nil
}

func joinChannels(chs []Channel) string {
	ss := make([]string, len(chs))
	for i, ch := range chs {
		ss[i] = string(ch)
	}
	return strings.Join(ss, ",")
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(timeLayout)
}

// CreateNotice stores n as a draft and returns its id. The template and
// values are checked when the notice is published, against the template.
// Errors: Invalid for a missing template, a bad channel, urgency or
// language, or a bad audience filter; NotFound for an audience list that
// does not exist.
func (s *Store) CreateNotice(ctx context.Context, n Notice) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) (err error) {
		id, err = s.createNotice(ctx, tx, n)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("create notice: %w", err)
	}
	return id, nil
}

// createNotice is CreateNotice inside the transaction tx.
func (s *Store) createNotice(ctx context.Context, tx *sql.Tx, n Notice) (int64, error) {
	if err := n.check(); err != nil {
		return 0, err
	}
	if _, _, err := s.audienceWhere(ctx, tx, n.Audience); err != nil {
		return 0, err
	}
	values, err := json.Marshal(n.Values)
	if err != nil {
		return 0, err
	}
	if n.Values == nil {
		values = []byte("{}")
	}
	audience, err := json.Marshal(n.Audience)
	if err != nil {
		return 0, err
	}
	code, err := n.code()
	if err != nil {
		return 0, err
	}
	now := s.now()
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO notices (template, field_values, languages, audience, channels, urgency, send_at, status, created_at, updated_at, secret, code)
		VALUES (?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?, ?) RETURNING id`,
		n.Template, string(values), strings.Join(n.Languages, ","), string(audience), joinChannels(n.Channels), string(n.Urgency),
		nullTime(n.SendAt), now, now, newSecret(), code).Scan(&id)
	return id, err
}

const noticeColumns = `id, template, field_values, languages, audience, channels, urgency, send_at, status, created_at, updated_at, published_at, secret, proof, code, category, opted_out`

func scanNotice(sc interface{ Scan(...any) error }) (Notice, error) {
	var n Notice
	var values, langs, audience, chans, created, updated string
	var sendAt, published sql.NullString
	if err := sc.Scan(&n.ID, &n.Template, &values, &langs, &audience, &chans, &n.Urgency, &sendAt, &n.Status, &created, &updated, &published, &n.secret, &n.Proof, &n.Code, &n.Category, &n.OptedOut); err != nil {
		return n, err
	}
	if err := json.Unmarshal([]byte(values), &n.Values); err != nil {
		return n, fmt.Errorf("notice %d: values: %w", n.ID, err)
	}
	if err := json.Unmarshal([]byte(audience), &n.Audience); err != nil {
		return n, fmt.Errorf("notice %d: audience: %w", n.ID, err)
	}
	n.Languages = splitList(langs)
	for _, ch := range splitList(chans) {
		n.Channels = append(n.Channels, Channel(ch))
	}
	n.SendAt, n.PublishedAt = parseTime(sendAt.String), parseTime(published.String)
	n.CreatedAt, n.UpdatedAt = parseTime(created), parseTime(updated)
	return n, nil
}

func notice(ctx context.Context, q queryer, id int64) (Notice, error) {
	n, err := scanNotice(q.QueryRowContext(ctx, `SELECT `+noticeColumns+` FROM notices WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return n, errorf(NotFound, "no notice %d (crier notices list shows them)", id)
	}
	return n, err
}

// Notice returns the notice with that id. Errors: NotFound.
func (s *Store) Notice(ctx context.Context, id int64) (Notice, error) {
	return notice(ctx, s.db, id)
}

// Notices returns every notice, newest first, proofs left out: a proof
// went to the coordinator, not to customers.
func (s *Store) Notices(ctx context.Context) ([]Notice, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+noticeColumns+` FROM notices WHERE proof = 0 ORDER BY id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ns []Notice
	for rows.Next() {
		n, err := scanNotice(rows)
		if err != nil {
			return nil, err
		}
		ns = append(ns, n)
	}
	return ns, rows.Err()
}

// CancelNotice cancels the notice and every one of its deliveries still
// queued, in one transaction, and returns how many deliveries it
// cancelled. Deliveries a dispatcher holds at that moment (sending) are
// left to it. A notice already done is withdrawn all the same, with none
// to cancel: what was sent cannot be taken back, but its public page,
// feeds and CAP document must say it no longer holds (an advisory sent to
// the wrong area). Errors: NotFound; Conflict when the notice is already
// cancelled.
func (s *Store) CancelNotice(ctx context.Context, id int64) (int, error) {
	var cancelled int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockNotice(ctx, tx, id); err != nil {
			return err
		}
		n, err := notice(ctx, tx, id)
		if err != nil {
			return err
		}
		if n.Status == Cancelled {
			return errorf(Conflict, "notice %d is cancelled: there is nothing left to cancel", id)
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE notices SET status = 'cancelled', updated_at = ? WHERE id = ?`, now, id); err != nil {
			return err
		}
		// A paused channel of a cancelled notice waits for nothing.
		if _, err := tx.ExecContext(ctx, `UPDATE notice_channels SET paused_at = NULL, pause_reason = '' WHERE notice_id = ?`, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, cancelQueued, now, id)
		if err != nil {
			return err
		}
		cancelled, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("cancel notice %d: %w", id, err)
	}
	return int(cancelled), nil
}

const deliveryColumns = `id, notice_id, contact_id, channel, address, name, language, status, attempts, next_attempt_at,
	claimed_by, lease_until, provider_id, error, created_at, updated_at, priority, first_attempt_at, sent_at`

func scanDelivery(sc interface{ Scan(...any) error }) (Delivery, error) {
	var d Delivery
	var contact sql.NullInt64
	var next, created, updated string
	var lease, first, sent sql.NullString
	err := sc.Scan(&d.ID, &d.NoticeID, &contact, &d.Channel, &d.Address, &d.Name, &d.Language, &d.Status, &d.Attempts, &next,
		&d.ClaimedBy, &lease, &d.ProviderID, &d.Error, &created, &updated, &d.Priority, &first, &sent)
	d.ContactID = contact.Int64
	d.FirstAttemptAt, d.SentAt = parseTime(first.String), parseTime(sent.String)
	d.NextAttemptAt, d.LeaseUntil = parseTime(next), parseTime(lease.String)
	d.CreatedAt, d.UpdatedAt = parseTime(created), parseTime(updated)
	return d, err
}

// EachDelivery calls fn for every delivery of the notice, by channel
// (email, sms, print) and id, streaming. fn must not use the store (it
// holds the store's one connection); its error stops the walk and is
// returned.
func (s *Store) EachDelivery(ctx context.Context, noticeID int64, fn func(Delivery) error) error {
	return s.EachDeliveryIn(ctx, noticeID, nil, fn)
}

// RescheduleNotice moves a scheduled notice, not yet begun, to send at
// at, which must be in the future. Errors: NotFound; Conflict when the
// notice is not scheduled (it is sending, done or cancelled); Invalid
// for a time past.
func (s *Store) RescheduleNotice(ctx context.Context, id int64, at time.Time) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockNotice(ctx, tx, id); err != nil {
			return err
		}
		n, err := notice(ctx, tx, id)
		if err != nil {
			return err
		}
		now := s.Now()
		switch {
		case n.Status != Scheduled:
			return errorf(Conflict, "notice %d is %s: only a notice still waiting for its send time can be rescheduled", id, n.Status)
		case !n.SendAt.After(now) && !n.PublishedAt.IsZero():
			return errorf(Conflict, "notice %d's send time %s has come: it is going out (crier notices cancel %d stops it)", id, n.SendAt.Format(time.RFC3339), id)
		}
		// A notice not yet published may be moved even past its time: one
		// paused because it could not be published then waits for a new one.
		if !at.After(now) {
			return errorf(Invalid, "the new time %s is past; crier notices cancel %d and send again to send at once", at.Format(time.RFC3339), id)
		}
		when, stamp := at.UTC().Format(timeLayout), s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE notices SET send_at = ?, updated_at = ? WHERE id = ?`, when, stamp, id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, rescheduleQueued, when, stamp, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("reschedule notice %d: %w", id, err)
	}
	return nil
}
