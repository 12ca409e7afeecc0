// Package emltest reads an email the way a mail client does, for tests:
// net/mail for the headers, mime/multipart for the alternatives, each part
// decoded from its transfer encoding.
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

// Email is a parsed multipart/alternative email.
type Email struct {
	Header mail.Header
	Text   string // the text/plain part, decoded, with \n line ends
	HTML   string // the text/html part, decoded, with \n line ends
}

// Read parses eml and fails the test unless it is a multipart/alternative
// email with a text part and an HTML part.
func Read(t testing.TB, eml []byte) Email {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(eml))
	if err != nil {
		t.Fatalf("net/mail cannot read the email: %v", err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q, want multipart/alternative (%v)", msg.Header.Get("Content-Type"), err)
	}
	e := Email{Header: msg.Header}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("multipart: %v", err)
		}
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
		text := strings.ReplaceAll(string(body), "\r\n", "\n")
		switch ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct {
		case "text/plain":
			e.Text = text
		case "text/html":
			e.HTML = text
		default:
			t.Errorf("unexpected part %s", ct)
		}
	}
	if e.Text == "" || e.HTML == "" {
		t.Fatalf("want a text part and an HTML part; text %d bytes, HTML %d bytes", len(e.Text), len(e.HTML))
	}
	return e
}
