package templates

import (
	"bytes"
	"fmt"
	"html/template"
	"mime/quotedprintable"
	"strings"
	"sync"
)

// Each recipient's email ends with a link to their own preferences page,
// yet the body is encoded once per notice (see Rendering.body): the link
// goes into holes left in the encoded body, one at the end of the text
// part and one at the line of preferencesHole in the HTML part. Both holes
// are at the start of a line, where quoted-printable starts afresh, so a
// line encoded on its own fits there.

// preferencesHole marks, on a line of its own in the HTML part, where the
// preferences link goes; no link leaves the line out.
const preferencesHole template.HTML = "<!--crier:preferences-->"

// splitHole returns the HTML part before and after the line of
// preferencesHole (the last one: the footer comes after the body).
func splitHole(html string) (head, tail string) {
	line := "\n" + string(preferencesHole) + "\n"
	i := strings.LastIndex(html, line)
	if i < 0 {
		return html, ""
	}
	return html[:i+1], html[i+len(line):]
}

// emailDigest is the digest of an email's content (subject, text, and
// HTML given with its preferencesHole line), which the MIME boundary and
// the default Message-ID derive from: that of the HTML without the line,
// so that an email without a preferences link is what it was before
// there were any.
func emailDigest(subject, text, html string) [32]byte {
	head, tail := splitHole(html)
	return contentDigest(subject, text, head+tail)
}

// mimeBody is an encoded email body with its two holes (byte offsets into
// b): the text part's preferences line goes at holes[0], the HTML's at
// holes[1].
type mimeBody struct {
	b     []byte
	holes [2]int
	// stuffed is b cut at the holes, each piece dot-stuffed for SMTP (see
	// stuff); nil when a hole is not at a line start.
	stuffed [][]byte
}

var preferencesHTML = template.Must(template.New("preferences").Parse(
	`<br><a href="{{.URL}}" style="color:#555555;">{{.Words}}</a>` + "\n"))

// preferencesLink is the footer line that links to a recipient's
// preferences page, made once per notice and language around the
// address: the words, and the HTML line as preferencesHTML writes it
// before and after the address.
type preferencesLink struct {
	words              string
	htmlHead, htmlTail string
}

// preferencesSentinel stands for the address while the HTML line is made
// once: html/template leaves it as it is.
const preferencesSentinel = "https://crier.invalid/preferences-address"

// newPreferencesLink makes the notice's preferences line in r's language.
func (r *Rendering) newPreferencesLink() (preferencesLink, error) {
	words := r.plainPhrase("preferences")
	var h strings.Builder
	if err := preferencesHTML.Execute(&h, struct{ URL, Words string }{preferencesSentinel, words}); err != nil {
		return preferencesLink{}, err
	}
	head, tail, ok := strings.Cut(h.String(), preferencesSentinel)
	if !ok {
		return preferencesLink{}, fmt.Errorf("the preferences line %q lost its address", h.String())
	}
	return preferencesLink{words: words, htmlHead: head, htmlTail: tail}, nil
}

// appendLines appends to dst the footer lines that link to the
// preferences page at address (checked by the caller), quoted-printable,
// for the text and the HTML part, and returns where each ends; none
// without an address. html/template escapes the address only when it
// holds a character it would change.
func (p *preferencesLink) appendLines(dst []byte, address string) (out []byte, textEnd, htmlEnd int, err error) {
	if address == "" {
		return dst, len(dst), len(dst), nil
	}
	dst = appendQuotedPrintable(dst, p.words, ": ", address, "\n")
	textEnd = len(dst)
	if attributeSafe(address) {
		dst = appendQuotedPrintable(dst, p.htmlHead, address, p.htmlTail)
		return dst, textEnd, len(dst), nil
	}
	var h strings.Builder
	if err := preferencesHTML.Execute(&h, struct{ URL, Words string }{address, p.words}); err != nil {
		return nil, 0, 0, err
	}
	dst = appendQuotedPrintable(dst, h.String())
	return dst, textEnd, len(dst), nil
}

// qpScratch is a quoted-printable writer with its input and output
// buffers, kept for the next recipient's lines (see qpScratches).
type qpScratch struct {
	in  []byte
	out bytes.Buffer
	qp  *quotedprintable.Writer
}

// qpScratches spare each recipient's preferences lines a writer and its
// buffers.
var qpScratches = sync.Pool{New: func() any {
	s := &qpScratch{}
	s.qp = quotedprintable.NewWriter(&s.out)
	return s
}}

// appendQuotedPrintable appends the pieces of text, quoted-printable as
// one text, to dst.
func appendQuotedPrintable(dst []byte, text ...string) []byte {
	s := qpScratches.Get().(*qpScratch)
	s.in = s.in[:0]
	for _, t := range text {
		s.in = append(s.in, t...)
	}
	s.out.Reset()
	s.qp.Write(s.in) // into a bytes.Buffer, which takes every byte
	s.qp.Close()
	dst = append(dst, s.out.Bytes()...)
	if bytes.HasSuffix(s.in, []byte("\r")) {
		// The writer would take a line feed next as the end of this
		// line: a new one starts afresh.
		s.qp = quotedprintable.NewWriter(&s.out)
	}
	qpScratches.Put(s)
	return dst
}

// attributeSafe reports whether html/template writes address into a
// quoted href as it is: an http(s) address of letters, digits and the
// URL characters neither its URL normaliser nor its attribute escaper
// changes (not &, +, %, quotes, parentheses, spaces or non-ASCII).
func attributeSafe(address string) bool {
	if !strings.HasPrefix(address, "https://") && !strings.HasPrefix(address, "http://") {
		return false
	}
	for i := 0; i < len(address); i++ {
		c := address[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			continue
		}
		if !strings.ContainsRune("-._~!#$*,/:;=?@[]", rune(c)) {
			return false
		}
	}
	return true
}
