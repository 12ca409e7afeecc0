package templates

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	netmail "net/mail"
	"strings"
	"time"

	"github.com/crier-notices/crier/internal/dotstuff"
)

// Email is one recipient's email as bytes, tied to no mail library: the
// envelope, and the message as RFC 5322 has it (lines ending in CRLF) in
// pieces written one after another, so that the bytes every recipient of
// a notice shares (most of the headers, the encoded body) are not copied
// per recipient. The bytes are those go-mail wrote when it built each
// email (see TestEmailBytesAsGoMailWroteThem).
type Email struct {
	From      string   // the envelope sender: the From address alone; "" without a From
	To        []string // the envelope recipients: the To address alone
	MessageID string   // the Message-ID without angle brackets
	// Data is the message in pieces written one after another (a piece
	// may begin in the middle of a line). Its pieces share their bytes
	// with the notice's other emails: never write into them.
	Data [][]byte
	// Stuffed is Data as SMTP's DATA carries it: a dot doubled at the
	// start of a line (RFC 5321 4.5.2), done once per notice for the
	// shared pieces, in as many pieces as Data; a piece that stuffing
	// leaves as it is is Data's own (the same slice). Nil when the body
	// could not be cut at line starts; a sender then stuffs Data itself.
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

// emailHead is what every email of a notice in one language shares, with
// one From and Reply-To: the header lines, written as go-mail wrote them,
// and the envelope sender. The lines are in go-mail's order: its general
// headers sorted by name (Date, List-Unsubscribe, List-Unsubscribe-Post,
// MIME-Version, Message-ID, Subject, X-Mailer), then the headers it takes
// preformatted (a To or Reply-To with names as encoded words), then From,
// To, Reply-To, and the body's Content-Transfer-Encoding and
// Content-Type.
type emailHead struct {
	// The inputs it was made of: another subject, date (and time zone,
	// which the Date header shows) or sender makes another head.
	from, replyTo, subject string
	date                   time.Time

	sender string // the envelope sender, "" without a From
	domain string // of default Message-IDs

	dateLine    []byte // Date
	subjectLine []byte // Subject, X-Mailer
	replyToPre  []byte // a preformatted Reply-To, or nil
	fromLine    []byte // From, or nil
	replyToLine []byte // Reply-To when not preformatted, or nil
	bodyHead    []byte // Content-Transfer-Encoding, Content-Type and the blank line

	content     [32]byte  // the digest of the content, for default Message-IDs
	body        *mimeBody // the encoded body with its holes
	preferences preferencesLink
}

// head returns the notice's shared email parts for h's From and
// Reply-To, made once and kept while they stay the same.
func (r *Rendering) head(h EmailHeader) (*emailHead, error) {
	if hd := r.heads.Load(); hd != nil && hd.from == h.From && hd.replyTo == h.ReplyTo && hd.subject == r.Subject && hd.date == r.Date {
		return hd, nil
	}
	hd, err := r.newHead(h)
	if err != nil {
		return nil, err
	}
	r.heads.Store(hd)
	return hd, nil
}

// newHead makes the shared email parts for h's From and Reply-To. Its
// errors name the header and say what is wrong.
func (r *Rendering) newHead(h EmailHeader) (*emailHead, error) {
	hd := &emailHead{from: h.From, replyTo: h.ReplyTo, subject: r.Subject, date: r.Date, domain: "crier.invalid"}
	if err := r.headBody(hd); err != nil {
		return nil, err
	}
	var err error
	if hd.preferences, err = r.newPreferencesLink(); err != nil {
		return nil, err
	}
	from := h.From
	if from == "" && r.Utility.Email != "" {
		from = (&netmail.Address{Name: r.Utility.Name, Address: r.Utility.Email}).String()
	}
	if from != "" { // a preview without a configured address has no From
		a, err := parseFrom(from)
		if err != nil {
			return nil, fmt.Errorf("email From %q: %w", from, err)
		}
		hd.sender = a.Address
		if i := strings.LastIndexByte(a.Address, '@'); i >= 0 {
			hd.domain = a.Address[i+1:]
		}
		hd.fromLine = appendHeader(nil, "From", a.String())
	}
	replyTo := h.ReplyTo
	if replyTo == "" {
		replyTo = r.Utility.Email
	}
	if replyTo != "" {
		f, err := readAddress(replyTo)
		if err != nil {
			return nil, fmt.Errorf("email Reply-To %q: %w", replyTo, err)
		}
		if f.pre {
			hd.replyToPre = f.appendLine(nil, "Reply-To")
		} else {
			hd.replyToLine = f.appendLine(nil, "Reply-To")
		}
	}
	hd.dateLine = appendHeader(nil, "Date", headerValue(r.Date.Format(time.RFC1123Z)))
	hd.subjectLine = appendHeader(nil, "Subject", headerValue(headerText(r.Subject)))
	hd.subjectLine = append(hd.subjectLine, "X-Mailer: Crier\r\n"...)
	return hd, nil
}

// headBody puts the notice's encoded body, made by Render or else now,
// and the header lines that describe it into hd.
func (r *Rendering) headBody(hd *emailHead) error {
	content, bodyType, body := r.digest, r.bodyType, r.body
	if body == nil {
		html, err := r.markedHTML()
		if err != nil {
			return err
		}
		logo, err := r.emailLogo()
		if err != nil {
			return err
		}
		text := r.emailText()
		content = emailDigest(r.Subject, text, html)
		if bodyType, body, err = emailBody(content, text, html, logo); err != nil {
			return err
		}
	}
	hd.content, hd.body = content, body
	// The body is already MIME: it goes as it is, under its multipart
	// header ("8bit" is what a multipart entity's transfer encoding must
	// say; its parts are 7-bit quoted-printable and base64).
	hd.bodyHead = appendHeader(nil, "Content-Transfer-Encoding", "8bit")
	hd.bodyHead = appendHeader(hd.bodyHead, "Content-Type", bodyType+"; charset=UTF-8")
	hd.bodyHead = append(hd.bodyHead, "\r\n"...)
	return nil
}

// Email builds recipient h's email: multipart/alternative with the plain
// text part and the HTML part (inside multipart/related beside the
// utility's logo, an inline image, when it has one), subject, From,
// Reply-To, Date (the notice's date) and a Message-ID. The MIME boundary
// is derived from the content, so the same notice with the same
// Message-ID gives the same bytes. The content and the headers every
// recipient shares are made once per notice (and From and Reply-To); an
// email costs its own header lines and preferences links.
func (r *Rendering) Email(h EmailHeader) (*Email, error) {
	hd, err := r.head(h)
	if err != nil {
		return nil, err
	}
	if h.Preferences != "" {
		if err := CheckUnsubscribeAddress(h.Preferences); err != nil {
			return nil, fmt.Errorf("email preferences address %w", err)
		}
	}
	if h.Unsubscribe != "" && h.Unsubscribe != h.Preferences {
		if err := CheckUnsubscribeAddress(h.Unsubscribe); err != nil {
			return nil, fmt.Errorf("email unsubscribe address %w", err)
		}
	}
	var to addressField
	if h.To != "" {
		if to, err = readAddress(h.To); err != nil {
			return nil, fmt.Errorf("email To %q: %w", h.To, err)
		}
	}
	re := &recipientEmail{}
	e := &re.email
	e.From, e.MessageID = hd.sender, h.MessageID
	if to.addr != "" {
		re.to[0] = to.addr
		e.To = re.to[:]
	}
	if e.MessageID == "" {
		e.MessageID = hd.defaultMessageID(h)
	}
	b := hd.appendHeader(re.buf[:0], h, e.MessageID, to)
	headerEnd := len(b)
	b, textEnd, htmlEnd, err := hd.preferences.appendLines(b, h.Preferences)
	if err != nil {
		return nil, err
	}
	e.Data, e.Stuffed = hd.body.pieces(re.pieces[:0], b[:headerEnd], b[headerEnd:textEnd], b[textEnd:htmlEnd])
	return e, nil
}

// recipientEmail is a recipient's email with room for its envelope, its
// pieces, its header and its preferences lines, allocated at once.
type recipientEmail struct {
	email  Email
	to     [1]string
	pieces [12][]byte
	buf    [1536]byte
}

// appendHeader appends the whole header of h's email, To being h.To
// read, to dst.
func (hd *emailHead) appendHeader(b []byte, h EmailHeader, messageID string, to addressField) []byte {
	b = append(b, hd.dateLine...)
	if h.Unsubscribe != "" {
		b = appendBracketed(b, "List-Unsubscribe", h.Unsubscribe)
		b = append(b, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"...)
	}
	b = append(b, "MIME-Version: 1.0\r\n"...)
	b = appendBracketed(b, "Message-ID", messageID)
	b = append(b, hd.subjectLine...)
	// go-mail wrote its preformatted headers in a map's order, which
	// varies from run to run: here To comes first.
	if to.pre {
		b = to.appendLine(b, "To")
	}
	b = append(b, hd.replyToPre...)
	b = append(b, hd.fromLine...)
	if to.addr != "" && !to.pre {
		b = to.appendLine(b, "To")
	}
	b = append(b, hd.replyToLine...)
	return append(b, hd.bodyHead...)
}

// defaultMessageID is derived from the content and the headers: the same
// notice to the same recipient gets the same id. (Senders give their
// own.)
func (hd *emailHead) defaultMessageID(h EmailHeader) string {
	sum := sha256.New()
	sum.Write(hd.content[:])
	for _, s := range []string{h.From, h.ReplyTo, h.To, h.Unsubscribe, h.Preferences} {
		io.WriteString(sum, s)
		sum.Write([]byte{0})
	}
	return hex.EncodeToString(sum.Sum(nil))[:24] + "@" + hd.domain
}

// pieces appends to all the email's pieces, header then the body with
// the preferences lines in its holes, and the same dot-stuffed for SMTP
// (nil when the body's holes are not at line starts).
func (m *mimeBody) pieces(all [][]byte, header, textLine, htmlLine []byte) (data, stuffed [][]byte) {
	data = append(all, header, m.b[:m.holes[0]], textLine, m.b[m.holes[0]:m.holes[1]], htmlLine, m.b[m.holes[1]:])
	if m.stuffed == nil {
		return data, nil
	}
	stuffed = append(data[len(data):], header, m.stuffed[0], stuffLine(textLine), m.stuffed[1], stuffLine(htmlLine), m.stuffed[2])
	return data, stuffed
}

// stuffLine is a recipient's line dot-stuffed, itself when that changes
// nothing (nearly always).
func stuffLine(b []byte) []byte {
	if !dotstuff.Needed(b) {
		return b
	}
	return dotstuff.Append(nil, b)
}

// stuff dot-stuffs the body's three pieces once, if each begins a line.
func (m *mimeBody) stuff() {
	for _, h := range m.holes {
		if h > 0 && m.b[h-1] != '\n' {
			return
		}
	}
	parts := [3][]byte{m.b[:m.holes[0]], m.b[m.holes[0]:m.holes[1]], m.b[m.holes[1]:]}
	m.stuffed = make([][]byte, 3)
	for i, p := range parts {
		m.stuffed[i] = stuffLine(p)
	}
}

// addressField is an address header's value read: the address alone,
// and the name as setAddress had go-mail write it: as net/mail writes it
// (written: encoded words when it holds more than printable ASCII,
// quoted otherwise), or, for a quoted name that is not plain, as encoded
// words in a preformatted line (pre).
type addressField struct {
	name, addr, written string
	pre                 bool
}

// readAddress reads value, "Name <address>" or an address.
func readAddress(value string) (addressField, error) {
	name, addr, written, ok := quickAddress(value)
	if !ok {
		a, err := netmail.ParseAddress(value)
		if err != nil {
			return addressField{}, err
		}
		name, addr, written = a.Name, a.Address, a.String()
	}
	plain := plainHeaderText(name) || strings.ContainsFunc(name, mimeEncodes) && !strings.ContainsAny(name, phraseSpecials)
	return addressField{name: name, addr: addr, written: written, pre: !plain}, nil
}

// appendLine appends the header line key: f to dst.
func (f addressField) appendLine(dst []byte, key string) []byte {
	if !f.pre {
		return appendHeader(dst, key, f.written)
	}
	bare := &netmail.Address{Address: f.addr}
	return append(dst, key+": "+encodedWords(f.name, "\r\n ")+"\r\n "+bare.String()+"\r\n"...)
}

// headerValue is a general header's value as go-mail wrote it: Q-encoded
// words when it holds more than printable ASCII.
func headerValue(s string) string { return mime.QEncoding.Encode("UTF-8", s) }

// maxHeaderLength is the length go-mail folds header lines to (RFC 2047's
// 76).
const maxHeaderLength = 76

// appendHeader appends the header line "key: value" to dst, folded at
// spaces as go-mail's message writer folds it: before a word that would
// take the line past maxHeaderLength, with the space before the fold
// dropped.
func appendHeader[V string | []byte](dst []byte, key string, value V) []byte {
	start := len(dst)
	dst = append(dst, key...)
	dst = append(dst, ": "...)
	room := maxHeaderLength - 4 - len(key)
	for {
		end := 0
		for end < len(value) && value[end] != ' ' {
			end++
		}
		if room-end <= 1 {
			dst = append(dst, "\r\n "...)
			room = maxHeaderLength - 3
		}
		dst = append(dst, value[:end]...)
		room -= end
		if end == len(value) {
			break
		}
		dst = append(dst, ' ')
		room--
		value = value[end+1:]
	}
	dst = dropSpaceBeforeFold(dst, start)
	return append(dst, "\r\n"...)
}

// appendBracketed appends the header line "key: <value>" (an address in
// angle brackets: a Message-ID, a List-Unsubscribe address) as go-mail
// wrote it: Q-encoded when value holds more than printable ASCII, and
// folded.
func appendBracketed(dst []byte, key, value string) []byte {
	if strings.ContainsFunc(value, mimeEncodes) {
		return appendHeader(dst, key, headerValue("<"+value+">"))
	}
	var buf [256]byte
	return appendHeader(dst, key, append(append(append(buf[:0], '<'), value...), '>'))
}

// dropSpaceBeforeFold removes the space before each line break of
// dst[start:], as go-mail does after folding.
func dropSpaceBeforeFold(dst []byte, start int) []byte {
	line := dst[start:]
	if !bytes.Contains(line, spaceCRLF) {
		return dst
	}
	out := line[:0]
	for {
		i := bytes.Index(line, spaceCRLF)
		if i < 0 {
			out = append(out, line...)
			return dst[:start+len(out)]
		}
		out = append(out, line[:i]...)
		line = line[i+1:]
	}
}

var spaceCRLF = []byte(" \r\n")
