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

// preferencesLines returns the footer lines that link to the preferences
// page at address, quoted-printable, for the text and the HTML part; none
// without an address.
func (r *Rendering) preferencesLines(address string) (text, html []byte, err error) {
	if address == "" {
		return nil, nil, nil
	}
	if err := CheckUnsubscribeAddress(address); err != nil {
		return nil, nil, fmt.Errorf("email preferences address %w", err)
	}
	words := r.plainPhrase("preferences")
	var t, h, qt, qh bytes.Buffer
	t.WriteString(words + ": " + address + "\n")
	if err := preferencesHTML.Execute(&h, struct{ URL, Words string }{address, words}); err != nil {
		return nil, nil, err
	}
	if err := writeQuotedPrintable(&qt, t.String()); err != nil {
		return nil, nil, err
	}
	if err := writeQuotedPrintable(&qh, h.String()); err != nil {
		return nil, nil, err
	}
	return qt.Bytes(), qh.Bytes(), nil
}
