package channels

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// A Channel delivers one message to one recipient. Send honours ctx and
// returns an error that says, through IsPermanent and IsBroken, whether a
// retry can succeed and whether the channel itself is out of order. It is
// safe for concurrent use.
type Channel interface {
	Send(ctx context.Context, m Message) (Receipt, error)
}

// A Staged channel can take a message up to the step at which the
// provider accepts it and wait there: SendStaged sends m as Send does, but
// calls ready just before that step (an email's end of data, or the one
// write of its whole transaction to a server that offers CHUNKING) and goes on
// only when ready returns nil. ready runs on the caller's goroutine and
// never after SendStaged returns. When ready returns an error, the
// provider is not given the message, and SendStaged returns ready's error
// as it is. The dispatcher waits there for the commit of the sender's previous
// outcome, so that the rest of the send overlaps the commit while still
// at most one message per sender is accepted and not yet recorded.
type Staged interface {
	Channel
	SendStaged(ctx context.Context, m Message, ready func() error) (Receipt, error)
}

// Message is one rendered message for one recipient. Exactly one of Email,
// SMS and Document is set.
type Message struct {
	ID     string // the delivery's id: names files, ties logs and provider records to the delivery
	To     string // an email address, or a phone number in E.164
	ToName string

	Email    *Email // the email, its To header set for this recipient
	SMS      *SMS
	Document *Document // a finished file for the print channel
}

// Email is one recipient's email, tied to no mail library: its envelope,
// and the message as RFC 5322 has it (lines ending in CRLF) in pieces
// written one after another, so that the bytes every recipient of a
// notice shares (most headers, the encoded body) are made once and not
// copied for each. A sender writes Stuffed into SMTP's DATA as it is when
// it is set, without looking at each byte again.
type Email struct {
	From      string   // the envelope sender (MAIL FROM): an address alone, notices@water.example
	To        []string // the envelope recipients (RCPT TO): addresses alone
	MessageID string   // the Message-ID header's value without angle brackets: the receipt's id when the server gives none
	// Data is the message in pieces written one after another (a piece
	// may begin in the middle of a line). Pieces may be shared with other
	// emails: never write into them.
	Data [][]byte
	// Stuffed, when not nil, is Data as SMTP's DATA carries it (RFC 5321
	// 4.5.2: a dot doubled at the start of a line, every line ending in
	// CRLF), in as many pieces; a piece that stuffing leaves as it is is
	// Data's piece itself (the same slice), so that a sender can tell
	// without reading it. When nil, a sender stuffs Data itself.
	Stuffed [][]byte
}

// WriteTo writes the message, as an .eml file holds it, to w.
func (e *Email) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for _, p := range e.Data {
		k, err := w.Write(p)
		n += int64(k)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Size is the message's length in bytes.
func (e *Email) Size() int {
	n := 0
	for _, p := range e.Data {
		n += len(p)
	}
	return n
}

// Document is a finished file for the print channel, such as "flyer.pdf"
// or "letters.pdf".
type Document struct {
	Name string
	Data []byte
}

// SMS is a text message's body and how carriers count it.
type SMS struct {
	Body     string
	Encoding string // "GSM-7" or "UCS-2"
	Segments int
}

// Receipt is what a channel reports of a message it accepted.
type Receipt struct {
	ProviderID string    // the provider's id (Twilio's message SID, the SMTP queue id), or a file name
	At         time.Time // when the message was accepted
}

// Error is a failed send, classified for the dispatcher.
type Error struct {
	// Permanent: a retry cannot succeed (a bad address, an opted-out
	// number). Otherwise the failure is transient and worth a retry.
	Permanent bool
	// Broken: the channel itself is out of order (authentication refused,
	// an account suspended), so every other message would fail too.
	Broken bool
	// RetryAfter is the wait the provider asked for, if it said.
	RetryAfter time.Duration
	// Code is the provider's code ("550", "21211"), Reason its words.
	Code, Reason string
	Err          error
}

func (e *Error) Error() string {
	kind := "transient"
	switch {
	case e.Broken:
		kind = "channel broken"
	case e.Permanent:
		kind = "permanent"
	}
	msg := kind + " failure"
	if e.Code != "" {
		msg += " " + e.Code
	}
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	if e.Err != nil && (e.Reason == "" || e.Err.Error() != e.Reason) {
		msg += fmt.Sprintf(" (%v)", e.Err)
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// IsPermanent reports whether err says a retry of the message cannot succeed.
func IsPermanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Permanent
}

// IsBroken reports whether err says the channel itself is out of order.
func IsBroken(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Broken
}

// RetryAfter returns the wait the provider asked for, or 0.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}
