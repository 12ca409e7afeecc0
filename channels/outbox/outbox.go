// Package outbox is the channel used when no SMTP server or Twilio account
// is configured: it writes each email as an .eml file and each SMS as a
// JSON file, so Crier does its whole job on a fresh machine and a person
// can look at what would have been sent.
package outbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"time"

	"github.com/crier-notices/crier/channels"
)

// Outbox writes messages under Dir: email/ID.eml and sms/ID.json. A message
// sent again (a retry after a crash) overwrites its file: at most one file
// per delivery.
type Outbox struct {
	Dir  string
	From string // the SMS sender recorded in the JSON files
	Now  func() time.Time
}

var _ channels.Channel = (*Outbox)(nil)

// New returns an outbox writing under dir.
func New(dir, from string) *Outbox {
	return &Outbox{Dir: dir, From: from, Now: time.Now}
}

// smsFile is the JSON written for a text message.
type smsFile struct {
	ID       string `json:"id"`
	To       string `json:"to"`
	From     string `json:"from,omitempty"`
	Body     string `json:"body"`
	Encoding string `json:"encoding"`
	Segments int    `json:"segments"`
}

var safeID = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// Send writes m's file. Errors writing are transient (a full disk can be
// freed), except a folder that cannot be written for good (permission
// denied, a read-only file system), which breaks the channel until someone
// fixes it (see channels.UnwritableFolder); a message without content or
// with an id unfit for a file name is permanent.
func (o *Outbox) Send(ctx context.Context, m channels.Message) (channels.Receipt, error) {
	if err := ctx.Err(); err != nil {
		return channels.Receipt{}, err
	}
	if !safeID.MatchString(m.ID) {
		return channels.Receipt{}, &channels.Error{Permanent: true, Reason: fmt.Sprintf("message id %q cannot name a file", m.ID)}
	}
	var path string
	var data bytes.Buffer
	switch {
	case m.Email != nil:
		path = filepath.Join(o.Dir, "email", m.ID+".eml")
		data.Grow(m.Email.Size())
		m.Email.WriteTo(&data) // a bytes.Buffer takes every byte
	case m.SMS != nil:
		path = filepath.Join(o.Dir, "sms", m.ID+".json")
		enc := json.NewEncoder(&data)
		enc.SetIndent("", "  ")
		if err := enc.Encode(smsFile{ID: m.ID, To: m.To, From: o.From, Body: m.SMS.Body, Encoding: m.SMS.Encoding, Segments: m.SMS.Segments}); err != nil {
			return channels.Receipt{}, &channels.Error{Permanent: true, Err: err}
		}
	default:
		return channels.Receipt{}, &channels.Error{Permanent: true, Reason: "the message has neither an email nor an SMS"}
	}
	// 0600: the files hold customers' addresses and messages.
	if err := channels.WriteFileAtomic(path, data.Bytes(), 0o600); err != nil {
		if e := channels.UnwritableFolder(filepath.Dir(path), err); e != nil {
			return channels.Receipt{}, e
		}
		return channels.Receipt{}, &channels.Error{Reason: "the outbox cannot be written", Err: err}
	}
	return channels.Receipt{ProviderID: path, At: o.Now()}, nil
}
