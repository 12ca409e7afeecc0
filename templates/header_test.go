package templates

import (
	"bytes"
	"errors"
	"mime"
	netmail "net/mail"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/crier-notices/crier/internal/emltest"
)

// hostileHeaderText is typed text a mail client must show as it is: what
// looks like encoded words, header injection, folding whitespace, control
// characters, non-ASCII and very long words.
var hostileHeaderText = []struct{ name, text string }{
	{"plain", "Ana Customer"},
	{"encoded word and Bcc", "=?utf-8?q?x?= Bcc"},
	{"encoded word alone", "=?utf-8?b?QmNjOiBldmlsQGV4YW1wbGUuY29t?="},
	{"encoded words adjacent", "=?utf-8?q?a?= =?utf-8?q?b?="},
	{"half an encoded word", "price =? unknown"},
	{"injected Bcc line", "Elm Street\r\nBcc: evil@example.com"},
	{"injected LF", "Elm Street\nBcc: evil@example.com"},
	{"bare CR", "Elm\rStreet"},
	{"NUL and escape", "Elm\x00Street\x1b[31m"},
	{"tab", "Elm\tStreet"},
	{"leading and trailing spaces", "  Elm Street  "},
	{"doubled spaces", "Elm  Street   North"},
	{"non-ASCII", "Peña Street, Müllerstraße, 水道"},
	{"non-ASCII with encoded word", "Peña =?utf-8?q?x?="},
	{"emoji", "Boil water 🚱 now"},
	{"long word", strings.Repeat("x", 200)},
	{"long text", strings.Repeat("Boil your water before drinking it. ", 30)},
	{"quotes and specials", `"Ana" <ana@evil.example>, (comment) \ ;:@`},
	{"empty", ""},
}

// emailWith renders the test notice's email with its Subject and the To
// and Reply-To display names set to typed text, and reads it back as a
// mail client does.
func emailWith(t *testing.T, subject, toName, replyName string) (emltest.Email, []string) {
	t.Helper()
	r, err := Render(mustTemplate(t, "outage.md", outageTemplate), Values{"area": "Elm Street", "day": "2026-12-01"}, testUtility, Options{Date: testDate})
	if err != nil {
		t.Fatal(err)
	}
	r.Subject = subject
	h := EmailHeader{
		To:        Address(toName, "ana@example.com"),
		ReplyTo:   Address(replyName, "help@clearwater.example"),
		MessageID: "notice-7.en@clearwater.example",
	}
	m, err := r.Email(h)
	if err != nil {
		t.Fatalf("Email: %v", err)
	}
	data, _, rcpts := emailBytes(t, m)
	return emltest.Read(t, data), rcpts
}

// checkHeaders fails unless e's headers give back the typed texts exactly,
// each header once, with no header the plain email does not have, and
// the envelope goes to the To address alone.
func checkHeaders(t *testing.T, e emltest.Email, rcpts []string, subject, toName, replyName string) {
	t.Helper()
	want := []string{"Content-Transfer-Encoding", "Content-Type", "Date", "From", "Message-Id", "Mime-Version", "Reply-To", "Subject", "To", "X-Mailer"}
	var keys []string
	for k, v := range e.Header {
		keys = append(keys, k)
		if len(v) != 1 {
			t.Errorf("%d %s headers: %q", len(v), k, v)
		}
	}
	slices.Sort(keys)
	if !slices.Equal(keys, want) {
		t.Errorf("headers %v, want %v", keys, want)
	}
	if !slices.Equal(rcpts, []string{"<ana@example.com>"}) {
		t.Errorf("envelope recipients %q, want <ana@example.com> alone", rcpts)
	}
	got, err := new(mime.WordDecoder).DecodeHeader(e.Header.Get("Subject"))
	if err != nil || got != subject {
		t.Errorf("Subject %q reads as %q (%v), want %q", e.Header.Get("Subject"), got, err, subject)
	}
	for _, a := range []struct{ header, name, addr string }{{"To", toName, "ana@example.com"}, {"Reply-To", replyName, "help@clearwater.example"}} {
		if q := quoted(e.Header.Get(a.header)); strings.Contains(q, "=?") {
			t.Errorf("%s %q holds =? in quotes, which mail clients decode (Mailpit does)", a.header, e.Header.Get(a.header))
		}
		list, err := e.Header.AddressList(a.header)
		if err != nil || len(list) != 1 {
			t.Errorf("%s %q reads as %v (%v), want one address", a.header, e.Header.Get(a.header), list, err)
			continue
		}
		if list[0].Name != a.name || list[0].Address != a.addr {
			t.Errorf("%s %q reads as %q <%s>, want %q <%s>", a.header, e.Header.Get(a.header), list[0].Name, list[0].Address, a.name, a.addr)
		}
	}
}

// quoted returns the text inside the quoted strings of a header value.
func quoted(v string) string {
	var b strings.Builder
	in := false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '"':
			in = !in
		case c == '\\' && in && i+1 < len(v):
			i++
			b.WriteByte(v[i])
		case in:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func TestHeadersShowWhatWasTyped(t *testing.T) {
	for _, tt := range hostileHeaderText {
		t.Run(tt.name, func(t *testing.T) {
			e, rcpts := emailWith(t, tt.text, tt.text, tt.text)
			checkHeaders(t, e, rcpts, tt.text, tt.text, tt.text)
		})
	}
}

// TestFromNameLikeEncodedWord: the From name is written by go-mail as
// net/mail quotes it, which mail clients would decode; such a name is
// refused with the settings to change. Other names come back as typed.
func TestFromNameLikeEncodedWord(t *testing.T) {
	tests := []struct {
		name, from string
		refused    bool
	}{
		{name: "plain", from: "Clearwater County Water Board"},
		{name: "non-ASCII", from: "Agua de Peña"},
		{name: "non-ASCII with encoded word", from: "Peña =?utf-8?q?x?="},
		{name: "encoded word", from: "=?utf-8?q?Evil?= Board", refused: true},
	}
	r, err := Render(mustTemplate(t, "outage.md", outageTemplate), Values{"area": "Elm Street", "day": "2026-12-01"}, testUtility, Options{Date: testDate})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from := (&netmail.Address{Name: tt.from, Address: "notices@clearwater.example"}).String()
			if err := CheckFrom(from); (err != nil) != tt.refused {
				t.Errorf("CheckFrom(%s): %v; want refused %v", from, err, tt.refused)
			}
			var b bytes.Buffer
			err := r.WriteEmail(&b, EmailHeader{From: from, To: "ana@example.com"})
			if tt.refused {
				if !errors.Is(err, errEncodedWordName) || !strings.Contains(err.Error(), "[utility] name") {
					t.Fatalf("WriteEmail with From %s: %v; want it refused, naming the setting", from, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			e := emltest.Read(t, b.Bytes())
			list, err := e.Header.AddressList("From")
			if err != nil || len(list) != 1 || list[0].Name != tt.from {
				t.Errorf("From %q reads as %v (%v), want the name %q", e.Header.Get("From"), list, err, tt.from)
			}
		})
	}
}

// FuzzHeaderText: any typed text, as Subject and as display names, comes
// back exactly from the built email, with no header added.
func FuzzHeaderText(f *testing.F) {
	for _, tt := range hostileHeaderText {
		f.Add(tt.text)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			t.Skip("values are UTF-8: the import and the forms refuse anything else")
		}
		e, rcpts := emailWith(t, s, s, s)
		checkHeaders(t, e, rcpts, s, s, s)
	})
}
