package templates

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
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
	words            string
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
	b := bytes.NewBuffer(dst)
	if err := writeQuotedPrintable(b, p.words, ": ", address, "\n"); err != nil {
		return nil, 0, 0, err
	}
	textEnd = b.Len()
	if !attributeSafe(address) {
		var h strings.Builder
		if err := preferencesHTML.Execute(&h, struct{ URL, Words string }{address, p.words}); err != nil {
			return nil, 0, 0, err
		}
		err = writeQuotedPrintable(b, h.String())
	} else {
		err = writeQuotedPrintable(b, p.htmlHead, address, p.htmlTail)
	}
	if err != nil {
		return nil, 0, 0, err
	}
	return b.Bytes(), textEnd, b.Len(), nil
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
