package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// InboundText is a text a customer sent to the utility's number.
type InboundText struct {
	SID        string // the provider's message id (Twilio's MessageSid): the same id is recorded once
	From, To   string // E.164
	Body       string
	Kind       ReplyKind // what it asks for (ClassifyReply)
	ReceivedAt time.Time
	// DueOn is, for a review, the date a person must decide by
	// (BusinessDaysAfter in the utility's zone), as YYYY-MM-DD.
	DueOn string
}

// InboundResult says what RecordInbound did and found.
type InboundResult struct {
	ID     int64
	Replay bool // the message was recorded before: nothing was done now
	// Before is the number's suppression when the text came, if it was
	// suppressed.
	Before *Suppression
	// Suppressed: a stop suppressed the number now.
	Suppressed bool
	// Resubscribed: a start lifted the number's stop-reply suppression.
	Resubscribed bool
	// Language is the customer's: the language of a contact with this
	// mobile, else of the last text sent to it; "" when neither is known.
	Language string
	NoticeID int64 // the last notice the number was sent by text; 0 for none
}

// ReplyBy is the name a suppression or resubscription by a customer's own
// text is recorded under.
const ReplyBy = "sms reply"

// RecordInbound records a customer's text and does what it asks, in one
// transaction: a stop suppresses the number (reason stop-reply) and
// resolves its open reviews; a start lifts the number's suppression only
// when it is a stop-reply one (never one made by hand, for an invalid number
// or a bounce); a review waits in the queue until in.DueOn; feedback is
// linked to the last notice the number got. It is idempotent: a text whose
// SID was recorded before changes nothing and comes back with Replay set,
// so that a replayed webhook neither repeats an answer nor an action.
// Errors: Invalid for a sender that is no phone number, a missing SID or
// kind.
func (s *Store) RecordInbound(ctx context.Context, in InboundText) (InboundResult, error) {
	var res InboundResult
	from, ch, err := Normalizer{}.Address(in.From)
	if err != nil || ch != SMS {
		return res, errorf(Invalid, "inbound text %s: the sender %q is no phone number", in.SID, in.From)
	}
	if strings.TrimSpace(in.SID) == "" || !in.Kind.valid() {
		return res, errorf(Invalid, "inbound text from %s: a message id and a kind are needed", from)
	}
	in.From = from
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		res, err = s.recordInbound(ctx, tx, in)
		return err
	})
	if err != nil {
		return res, fmt.Errorf("inbound text %s: %w", in.SID, err)
	}
	return res, nil
}

func (s *Store) recordInbound(ctx context.Context, tx *sql.Tx, in InboundText) (InboundResult, error) {
	var res InboundResult
	err := tx.QueryRowContext(ctx, `SELECT id FROM replies WHERE message_sid = ?`, in.SID).Scan(&res.ID)
	if err == nil {
		res.Replay = true
		return res, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return res, err
	}
	if res.Language, res.NoticeID, err = replyContext(ctx, tx, in.From); err != nil {
		return res, err
	}
	before, found, err := suppressed(ctx, tx, in.From)
	if err != nil {
		return res, err
	}
	if found {
		res.Before = &before
	}
	if err := s.actOnReply(ctx, tx, in, &res); err != nil {
		return res, err
	}
	var notice, due any
	if res.NoticeID != 0 && in.Kind == ReplyFeedback {
		notice = res.NoticeID
	}
	if in.Kind == ReplyReview {
		due = in.DueOn
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO replies (message_sid, from_number, to_number, body, kind, notice_id, received_at, due_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		in.SID, in.From, in.To, in.Body, string(in.Kind), notice, in.ReceivedAt.UTC().Format(timeLayout), due).Scan(&res.ID)
	return res, err
}

// actOnReply suppresses or resubscribes the sender of a stop or a start,
// unless the number has since sent a later stop or start: a text kept in
// the web server's spool while the store was busy can be recorded after
// one that came after it, and the customer's last word must win (a START
// replayed after a STOP must not restart the texts).
func (s *Store) actOnReply(ctx context.Context, tx *sql.Tx, in InboundText, res *InboundResult) error {
	if in.Kind == ReplyStop || in.Kind == ReplyStart {
		var later int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM replies WHERE from_number = ? AND kind IN ('stop', 'start') AND received_at > ?`,
			in.From, in.ReceivedAt.UTC().Format(timeLayout)).Scan(&later)
		if err != nil || later > 0 {
			return err
		}
	}
	switch {
	case in.Kind == ReplyStop && res.Before == nil:
		note := fmt.Sprintf("replied %q", shortenNote(in.Body, 40))
		if _, _, err := s.suppressIn(ctx, tx, Suppression{Address: in.From, Channel: SMS, Reason: StopReply, Note: note, By: ReplyBy}); err != nil {
			return err
		}
		res.Suppressed = true
		_, err := tx.ExecContext(ctx, `UPDATE replies SET resolution = 'suppressed', resolved_by = ?, resolved_at = ? WHERE from_number = ? AND kind = 'review' AND resolution = ''`,
			ReplyBy, s.now(), in.From)
		return err
	case in.Kind == ReplyStart && res.Before != nil && res.Before.Reason == StopReply:
		if _, err := s.resubscribeIn(ctx, tx, in.From, SMS, fmt.Sprintf("replied %q", shortenNote(in.Body, 40)), ReplyBy); err != nil {
			return err
		}
		res.Resubscribed = true
	}
	return nil
}

// replyContext returns what is known of the number from: its customer's
// language and the last notice it was sent by text (proofs left out).
func replyContext(ctx context.Context, q queryer, from string) (lang string, notice int64, err error) {
	err = q.QueryRowContext(ctx, `SELECT language FROM contacts WHERE mobile = ? AND language <> '' ORDER BY updated_at DESC, id DESC LIMIT 1`, from).Scan(&lang)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", 0, err
	}
	var last string
	err = q.QueryRowContext(ctx, `SELECT d.notice_id, d.language FROM deliveries d JOIN notices n ON n.id = d.notice_id
		WHERE d.address = ? AND d.channel = 'sms' AND d.status IN ('sent', 'delivered') AND n.proof = 0
		ORDER BY coalesce(d.sent_at, d.updated_at) DESC, d.id DESC LIMIT 1`, from).Scan(&notice, &last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", 0, err
	}
	if lang == "" {
		lang = last
	}
	return lang, notice, nil
}

func (k ReplyKind) valid() bool {
	switch k {
	case ReplyStop, ReplyStart, ReplyHelp, ReplyReview, ReplyFeedback:
		return true
	}
	return false
}

// shortenNote cuts s to at most n characters, marking a cut with "…".
func shortenNote(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// Reply is a recorded text from a customer.
type Reply struct {
	ID         int64
	SID        string
	From, To   string
	Body       string
	Kind       ReplyKind
	NoticeID   int64 // feedback: the last notice the number was sent by text; 0 for none
	ReceivedAt time.Time
	DueOn      string          // review: YYYY-MM-DD in the utility's zone
	Resolution ReplyResolution // "" while a review is open
	ResolvedBy string
	ResolvedAt time.Time // zero while open
}

// ReplyResolution is how a person (or the customer's own STOP) closed a
// review.
type ReplyResolution string

// The resolutions of a review.
const (
	ReplySuppressed ReplyResolution = "suppressed" // the number was suppressed (reason stop-reply)
	ReplyDismissed  ReplyResolution = "dismissed"  // it was no opt-out: nothing changed
)

// ReplyQuery selects replies for EachReply.
type ReplyQuery struct {
	Kind ReplyKind // ReplyReview or ReplyFeedback
	// Open: reviews not yet resolved only.
	Open bool
	// DueBy: reviews due on or before this date (YYYY-MM-DD) only.
	DueBy string
}

const replyColumns = `id, message_sid, from_number, to_number, body, kind, coalesce(notice_id, 0), received_at, coalesce(due_on, ''), resolution, resolved_by, coalesce(resolved_at, '')`

func scanReply(sc interface{ Scan(...any) error }) (Reply, error) {
	var r Reply
	var kind, res, received, resolved string
	if err := sc.Scan(&r.ID, &r.SID, &r.From, &r.To, &r.Body, &kind, &r.NoticeID, &received, &r.DueOn, &res, &r.ResolvedBy, &resolved); err != nil {
		return r, err
	}
	r.Kind, r.Resolution = ReplyKind(kind), ReplyResolution(res)
	r.ReceivedAt, r.ResolvedAt = parseTime(received), parseTime(resolved)
	return r, nil
}

// EachReply calls fn for every reply q selects, streaming: reviews by due
// date, then by arrival; feedback newest first. fn must not use the store;
// its error stops the walk and is returned.
func (s *Store) EachReply(ctx context.Context, q ReplyQuery, fn func(Reply) error) error {
	where, args := []string{"kind = ?"}, []any{string(q.Kind)}
	order := "received_at DESC, id DESC"
	if q.Kind == ReplyReview {
		order = "due_on, received_at, id"
	}
	if q.Open {
		where = append(where, "resolution = ''")
	}
	if q.DueBy != "" {
		where, args = append(where, "due_on <= ?"), append(args, q.DueBy)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+replyColumns+` FROM replies WHERE `+strings.Join(where, " AND ")+` ORDER BY `+order, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanReply(rows)
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ResolveReply closes the review id: ReplySuppressed suppresses its number
// (reason stop-reply, by by) in the same transaction, ReplyDismissed
// changes nothing else; who and when are recorded on the reply. Errors:
// NotFound for no such reply, Invalid for a reply that is no review or a
// bad resolution or a missing name, Conflict for a review resolved before
// (the message says how, by whom and when).
func (s *Store) ResolveReply(ctx context.Context, id int64, how ReplyResolution, by string) (Reply, error) {
	var r Reply
	by = strings.TrimSpace(by)
	if how != ReplySuppressed && how != ReplyDismissed {
		return r, errorf(Invalid, "resolve reply %d: %q is no resolution (suppressed or dismissed)", id, how)
	}
	if by == "" {
		return r, errorf(Invalid, "resolve reply %d: say who is resolving it", id)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if r, err = openReview(ctx, tx, id); err != nil {
			return err
		}
		now := s.now()
		if how == ReplySuppressed {
			note := fmt.Sprintf("reply %d reviewed: %q", id, shortenNote(r.Body, 40))
			if _, _, err := s.suppressIn(ctx, tx, Suppression{Address: r.From, Channel: SMS, Reason: StopReply, Note: note, By: by}); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE replies SET resolution = ?, resolved_by = ?, resolved_at = ? WHERE id = ?`, string(how), by, now, id)
		r.Resolution, r.ResolvedBy, r.ResolvedAt = how, by, parseTime(now)
		return err
	})
	if err != nil {
		return r, fmt.Errorf("resolve reply %d: %w", id, err)
	}
	return r, nil
}

// openReview reads reply id and checks that it is a review still open.
func openReview(ctx context.Context, tx *sql.Tx, id int64) (Reply, error) {
	r, err := scanReply(tx.QueryRowContext(ctx, `SELECT `+replyColumns+` FROM replies WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, errorf(NotFound, "there is no reply %d (crier replies list shows the review queue)", id)
	}
	if err != nil {
		return r, err
	}
	if r.Kind != ReplyReview {
		return r, errorf(Invalid, "reply %d is %s, not a reply waiting for review: there is nothing to resolve", id, r.Kind)
	}
	if r.Resolution != "" {
		return r, errorf(Conflict, "reply %d was already resolved: %s by %s at %s; nothing changed",
			id, r.Resolution, r.ResolvedBy, r.ResolvedAt.Format("2006-01-02 15:04 UTC"))
	}
	return r, nil
}
