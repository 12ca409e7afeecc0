// Package emltest reads an email the way a mail client does, for tests:
// net/mail for the headers, mime/multipart for the alternatives and the
// inline images beside them, each part decoded from its transfer encoding.
package emltest

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
)

// Email is a parsed multipart/alternative email, or a multipart/related
// one holding the alternatives and inline parts.
type Email struct {
	Header mail.Header
	Text   string // the text/plain part, decoded, with \n line ends
	HTML   string // the text/html part, decoded, with \n line ends
	Inline []Part // the parts beside the alternatives in multipart/related
}

// Part is an inline part of a multipart/related email, such as a logo.
type Part struct {
	ContentID   string // without angle brackets
	ContentType string // the media type, without parameters
	Disposition string // "inline" or "attachment", without parameters
	Data        []byte // decoded
}

// Read parses eml and fails the test unless it is a multipart/alternative
// email with a text part and an HTML part, alone or first in a
// multipart/related email whose other parts have a Content-ID.
func Read(t testing.TB, eml []byte) Email {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(eml))
	if err != nil {
		t.Fatalf("net/mail cannot read the email: %v", err)
	}
	e := Email{Header: msg.Header}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	switch {
	case err == nil && mt == "multipart/related":
		readRelated(t, &e, msg.Body, params["boundary"])
	case err == nil && mt == "multipart/alternative":
		readAlternative(t, &e, msg.Body, params["boundary"])
	default:
		t.Fatalf("Content-Type %q, want multipart/alternative or multipart/related (%v)", msg.Header.Get("Content-Type"), err)
	}
	if e.Text == "" || e.HTML == "" {
		t.Fatalf("want a text part and an HTML part; text %d bytes, HTML %d bytes", len(e.Text), len(e.HTML))
	}
	return e
}

// readRelated reads a multipart/related body: the alternatives first (its
// root, RFC 2387), then the parts they refer to.
func readRelated(t testing.TB, e *Email, body io.Reader, boundary string) {
	t.Helper()
	mr := multipart.NewReader(body, boundary)
	for i := 0; ; i++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("multipart/related: %v", err)
		}
		ct, params, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if i == 0 {
			if ct != "multipart/alternative" {
				t.Fatalf("the first part of multipart/related is %s, want multipart/alternative", ct)
			}
			readAlternative(t, e, p, params["boundary"])
			continue
		}
		id := strings.TrimSuffix(strings.TrimPrefix(p.Header.Get("Content-ID"), "<"), ">")
		if id == "" {
			t.Errorf("part %d of multipart/related (%s) has no Content-ID", i, ct)
		}
		disp, _, _ := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
		e.Inline = append(e.Inline, Part{ContentID: id, ContentType: ct, Disposition: disp, Data: decode(t, p)})
	}
}

// readAlternative reads a multipart/alternative body's text and HTML parts.
func readAlternative(t testing.TB, e *Email, body io.Reader, boundary string) {
	t.Helper()
	mr := multipart.NewReader(body, boundary)
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("multipart: %v", err)
		}
		text := strings.ReplaceAll(string(decode(t, p)), "\r\n", "\n")
		switch ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct {
		case "text/plain":
			e.Text = text
		case "text/html":
			e.HTML = text
		default:
			t.Errorf("unexpected part %s", ct)
		}
	}
}

// decode reads a part's body decoded from its transfer encoding.
func decode(t testing.TB, p *multipart.Part) []byte {
	t.Helper()
	var r io.Reader = p
	switch strings.ToLower(p.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		r = quotedprintable.NewReader(p)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, p)
	}
	body, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decode part: %v", err)
	}
	return body
}
