// Package print is the print channel: it hands finished documents (a
// notice's flyer, the letters of a mailing and their manifest) to the mail
// house by writing them in the print folder, the mail house's input.
package print

import (
	"context"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/crier-notices/crier/channels"
)

// Printer writes each message's document to Dir/ID/Name: the documents of
// one notice share its folder. A document sent again (a retry after a
// crash) replaces its file, and a file is never seen half written.
type Printer struct {
	Dir string
	Now func() time.Time
}

var _ channels.Channel = (*Printer)(nil)

// New returns a printer writing under dir, which it creates when needed.
func New(dir string) *Printer {
	return &Printer{Dir: dir, Now: time.Now}
}

// filePerm lets the owner and its group (a mail house's pick-up job) read
// the documents, which hold customers' names and addresses, and no one else.
const filePerm = 0o640

// Send writes m.Document and returns the file's path relative to Dir, with
// forward slashes ("notice-42/letters.pdf"), as the receipt's ProviderID.
//
// Errors are *channels.Error. A message without a document, or whose ID or
// document name cannot name a file (empty, "." or "..", a path separator,
// a leading dot, a control character or a character Windows forbids), is
// permanent; a folder that cannot be written for good (permission denied,
// a read-only file system) breaks the channel (Broken and Permanent, see
// channels.UnwritableFolder); another failure to write, such as a full
// disk, is transient, as is a ctx already done (which it wraps).
// Send is safe for concurrent use.
func (p *Printer) Send(ctx context.Context, m channels.Message) (channels.Receipt, error) {
	if err := ctx.Err(); err != nil {
		return channels.Receipt{}, &channels.Error{Err: err}
	}
	doc := m.Document
	if doc == nil {
		return channels.Receipt{}, &channels.Error{Permanent: true, Reason: "the message has no document to print"}
	}
	if err := checkName(m.ID); err != nil {
		return channels.Receipt{}, &channels.Error{Permanent: true, Reason: fmt.Sprintf("message id %q cannot name a folder: %s", m.ID, err)}
	}
	if err := checkName(doc.Name); err != nil {
		return channels.Receipt{}, &channels.Error{Permanent: true, Reason: fmt.Sprintf("document name %q cannot name a file: %s", doc.Name, err)}
	}
	file := filepath.Join(p.Dir, m.ID, doc.Name)
	if err := channels.WriteFileAtomic(file, doc.Data, filePerm); err != nil {
		if e := channels.UnwritableFolder(filepath.Dir(file), err); e != nil {
			return channels.Receipt{}, e
		}
		return channels.Receipt{}, &channels.Error{Reason: "the print folder cannot be written", Err: err}
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	return channels.Receipt{ProviderID: path.Join(m.ID, doc.Name), At: now()}, nil
}

// checkName says why s cannot be one file or folder name on every system
// the print folder may be shared with, or returns nil.
func checkName(s string) error {
	switch {
	case s == "":
		return errors.New("it is empty")
	case s == "." || s == "..":
		return errors.New("it is a reference to a folder")
	case strings.HasPrefix(s, "."):
		// Hidden, and the prefix of the temporary files.
		return errors.New("it starts with a dot")
	case strings.HasSuffix(s, " ") || strings.HasSuffix(s, "."):
		return errors.New("it ends with a space or a dot, which Windows drops")
	case len(s) > 255:
		return errors.New("it is longer than 255 bytes")
	case !utf8.ValidString(s):
		return errors.New("it is not valid UTF-8")
	}
	for _, c := range s {
		switch {
		case c == '/' || c == '\\':
			return errors.New("it has a path separator")
		case strings.ContainsRune(`<>:"|?*`, c):
			return fmt.Errorf("it has %q, which Windows forbids", c)
		case unicode.IsControl(c):
			return fmt.Errorf("it has the control character %U", c)
		}
	}
	return nil
}
