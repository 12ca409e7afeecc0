package templates

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"net/url"
	"strings"

	"github.com/crier-notices/crier/internal/loopback"
)

//go:embed email.html.tmpl
var emailLayoutSource string

// emailLayout is checked when the program starts: a broken layout is a
// programming error caught by any test.
var emailLayout = template.Must(template.New("email").Parse(emailLayoutSource))

// Inline styles, because many mail clients drop <style> blocks. The body
// HTML comes from goldmark with every value escaped, so the only tags in it
// are the ones Markdown makes.
var emailStyles = strings.NewReplacer(
	"<h1>", `<h1 style="margin:24px 0 8px;font-size:24px;line-height:30px">`,
	"<h2>", `<h2 style="margin:24px 0 8px;font-size:20px;line-height:26px">`,
	"<h3>", `<h3 style="margin:20px 0 8px;font-size:17px;line-height:24px">`,
	"<h4>", `<h4 style="margin:16px 0 8px;font-size:16px">`,
	"<p>", `<p style="margin:0 0 16px">`,
	"<ul>", `<ul style="margin:0 0 16px;padding-left:24px">`,
	"<ol>", `<ol style="margin:0 0 16px;padding-left:24px">`,
	"<ol start=", `<ol style="margin:0 0 16px;padding-left:24px" start=`,
	"<li>", `<li style="margin:0 0 6px">`,
	"<a href=", `<a style="color:#0b4f8a" href=`,
	"<blockquote>", `<blockquote style="margin:0 0 16px;padding:8px 16px;border-left:4px solid #dde1e6">`,
)

// accent colours: red for emergencies, the utility blue otherwise.
func (r *Rendering) accent() string {
	if r.Template != nil && r.Template.Category == Emergency {
		return "#b3261e"
	}
	return "#0b4f8a"
}

// HTML returns the email's HTML part: the body rendered from the same
// Markdown as the text part, in a single-column, inline-styled layout with
// the utility's branding and contact footer. Every value is escaped.
func (r *Rendering) HTML() (string, error) {
	html, err := r.markedHTML()
	if err != nil {
		return "", err
	}
	head, tail := splitHole(html)
	return head + tail, nil
}

// markedHTML is the HTML part with the line of preferencesHole.
func (r *Rendering) markedHTML() (string, error) {
	if r.html != "" {
		return r.html, nil
	}
	return r.renderHTML()
}

// renderHTML renders the HTML part with the line of preferencesHole.
func (r *Rendering) renderHTML() (string, error) {
	body, err := r.BodyHTML()
	if err != nil {
		return "", err
	}
	logo, err := r.emailLogo()
	if err != nil {
		return "", err
	}
	logoWidth, logoHeight := logo.size()
	data := struct {
		Lang, Subject, Preheader, Accent, Title, DateLine, URL, Online, Footer string
		Tel, LogoSrc                                                           template.URL
		LogoWidth, LogoHeight                                                  int
		Body, PreferencesHole                                                  template.HTML
		Utility                                                                Utility
	}{
		Lang:       r.Lang,
		Subject:    r.Subject,
		Preheader:  r.SMS.Text,
		Accent:     r.accent(),
		Title:      r.Title,
		DateLine:   r.dateLine(),
		URL:        r.URL,
		Online:     r.phrase("online"),
		Tel:        template.URL(telURI(r.Utility.Phone)), // digits and + only: html/template would refuse tel:
		LogoSrc:    logo.src(),
		LogoWidth:  logoWidth,
		LogoHeight: logoHeight,
		Footer:     fmt.Sprintf(r.phrase("footer"), r.Utility.Name),
		// goldmark escapes every text it writes; values reach it escaped
		// for Markdown, so they are text, never markup.
		Body:            template.HTML(emailStyles.Replace(string(body))),
		PreferencesHole: preferencesHole,
		Utility:         r.Utility,
	}
	var out bytes.Buffer
	if err := emailLayout.Execute(&out, data); err != nil {
		return "", fmt.Errorf("render %s email layout: %w", r.Template.Name, err)
	}
	return out.String(), nil
}

// emailText is the email's plain text part: the same parts as the HTML
// layout (headline, date line, body, link to the notice, contact footer).
func (r *Rendering) emailText() string {
	if r.text != "" {
		return r.text
	}
	return r.renderEmailText()
}

func (r *Rendering) renderEmailText() string {
	var b strings.Builder
	b.WriteString(r.Title + "\n" + r.dateLine() + "\n\n")
	b.WriteString(r.Text())
	if r.URL != "" {
		b.WriteString("\n" + r.phrase("online") + ": " + r.URL + "\n")
	}
	b.WriteString("\n-- \n" + r.Utility.Name + "\n")
	for _, s := range []string{r.Utility.Address, r.Utility.Phone, r.Utility.Email, r.Utility.Website} {
		if s != "" {
			b.WriteString(s + "\n")
		}
	}
	b.WriteString(fmt.Sprintf(r.phrase("footer"), r.Utility.Name) + "\n")
	return b.String()
}

func contentDigest(parts ...string) [32]byte {
	sum := sha256.New()
	for _, s := range parts {
		io.WriteString(sum, s)
		sum.Write([]byte{0})
	}
	var d [32]byte
	sum.Sum(d[:0])
	return d
}

// EmailHeader holds the addresses and identity of an email. Empty From and
// ReplyTo default to the utility's name and email address.
type EmailHeader struct {
	From      string // "Name <address>" or an address
	ReplyTo   string
	To        string // optional: a preview has no recipient
	MessageID string // without angle brackets; empty: derived from the content, so the same notice gives the same id
	// Unsubscribe is the recipient's one-click unsubscribe address
	// (https://…, or http:// on this machine; see CheckUnsubscribeAddress):
	// it becomes the List-Unsubscribe header with
	// List-Unsubscribe-Post (RFC 8058), which large mailbox providers
	// require of bulk senders. Empty for a preview, and for an emergency,
	// which nobody can leave.
	Unsubscribe string
	// Preferences is the address of the recipient's preferences page
	// (checked as Unsubscribe is): a line at the end of the text and HTML
	// footers links to it. Empty: no line.
	Preferences string
}

// CheckUnsubscribeAddress checks a one-click unsubscribe address, or the
// public_url it is made from: a full https:// address (RFC 8058 requires
// it, and the link carries the recipient's token), or plain http:// to
// this machine only (127.0.0.0/8, ::1, localhost), so that the whole loop
// can be tried on one machine. Its error starts with the address quoted.
func CheckUnsubscribeAddress(s string) error {
	u, err := url.Parse(s)
	if err != nil || strings.ContainsAny(s, " <>\r\n") || u.Host == "" || !loopback.Secure(u) {
		return fmt.Errorf("%q: give a full https:// address (plain http:// only to this machine: 127.0.0.1, ::1 or localhost)", s)
	}
	return nil
}

// boundaryOf is the MIME boundary of a notice's email: from its content,
// so the same notice gives the same bytes, and never found inside it.
func boundaryOf(content [32]byte) string {
	return "crier-" + hex.EncodeToString(content[:16])
}

// alternativeBody encodes the email's body once: multipart/alternative,
// the plain text then the HTML part, each quoted-printable in UTF-8, with
// a hole at the end of the text and at the line of preferencesHole in the
// HTML for each recipient's preferences link (see mimeBody).
func alternativeBody(content [32]byte, text, html string) (*mimeBody, error) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if err := w.SetBoundary(boundaryOf(content)); err != nil {
		return nil, err
	}
	head, tail := splitHole(html)
	body := &mimeBody{}
	for i, p := range []struct {
		kind string
		s    []string // the part's pieces, a hole after each but the last
	}{{"text/plain", []string{text, ""}}, {"text/html", []string{head, tail}}} {
		pw, err := w.CreatePart(textproto.MIMEHeader{
			"Content-Transfer-Encoding": {"quoted-printable"},
			"Content-Type":              {p.kind + "; charset=UTF-8"},
		})
		if err != nil {
			return nil, err
		}
		for j, s := range p.s {
			if err := writeQuotedPrintable(pw, s); err != nil {
				return nil, err
			}
			if j == 0 {
				body.holes[i] = b.Len()
			}
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	body.b = b.Bytes()
	return body, nil
}

// writeQuotedPrintable writes the pieces of text to w quoted-printable,
// as one text. Pieces that end a line encode alone as they would
// together: quoted-printable encodes each line on its own.
func writeQuotedPrintable(w io.Writer, text ...string) error {
	qp := quotedprintable.NewWriter(w)
	for _, s := range text {
		if _, err := io.WriteString(qp, s); err != nil {
			return err
		}
	}
	return qp.Close()
}

// WriteEmail writes the email as a standard .eml file.
func (r *Rendering) WriteEmail(w io.Writer, h EmailHeader) error {
	e, err := r.Email(h)
	if err != nil {
		return err
	}
	if _, err := e.WriteTo(w); err != nil {
		return fmt.Errorf("write %s email: %w", r.Template.Name, err)
	}
	return nil
}
