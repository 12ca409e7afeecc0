package templates

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	netmail "net/mail"
	"slices"
	"strings"
	"testing"

	"github.com/wneessen/go-mail"

	"github.com/crier-notices/crier/internal/dotstuff"
)

// This file keeps the way Crier built each email before it wrote them as
// bytes itself: a go-mail Msg per recipient, headers set one by one and
// the body given as a writer. Email must write what go-mail wrote.

// gomailEmail is Rendering.Email as it was: the email as a go-mail Msg.
func gomailEmail(r *Rendering, h EmailHeader) (*mail.Msg, error) {
	content, bodyType, body := r.digest, r.bodyType, r.body
	if body == nil {
		html, err := r.markedHTML()
		if err != nil {
			return nil, err
		}
		logo, err := r.emailLogo()
		if err != nil {
			return nil, err
		}
		text := r.emailText()
		content = emailDigest(r.Subject, text, html)
		if bodyType, body, err = emailBody(content, text, html, logo); err != nil {
			return nil, err
		}
	}
	textLine, htmlLine, err := gomailPreferencesLines(r, h.Preferences)
	if err != nil {
		return nil, err
	}
	m := mail.NewMsg(mail.WithNoDefaultUserAgent())
	m.SetGenHeader(mail.HeaderXMailer, "Crier")
	if h.Unsubscribe != "" {
		if err := CheckUnsubscribeAddress(h.Unsubscribe); err != nil {
			return nil, fmt.Errorf("email unsubscribe address %w", err)
		}
		m.SetGenHeader(mail.HeaderListUnsubscribe, "<"+h.Unsubscribe+">")
		m.SetGenHeader(mail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	}
	from := h.From
	if from == "" && r.Utility.Email != "" {
		from = (&netmail.Address{Name: r.Utility.Name, Address: r.Utility.Email}).String()
	}
	if from != "" {
		a, err := parseFrom(from)
		if err != nil {
			return nil, fmt.Errorf("email From %q: %w", from, err)
		}
		m.SetAddrHeaderFromMailAddress(mail.HeaderFrom, a)
	}
	replyTo := h.ReplyTo
	if replyTo == "" {
		replyTo = r.Utility.Email
	}
	if replyTo != "" {
		if err := gomailSetAddress(m, mail.HeaderReplyTo, replyTo); err != nil {
			return nil, fmt.Errorf("email Reply-To %q: %w", replyTo, err)
		}
	}
	if h.To != "" {
		if err := gomailSetAddress(m, mail.HeaderTo, h.To); err != nil {
			return nil, fmt.Errorf("email To %q: %w", h.To, err)
		}
	}
	id := h.MessageID
	if id == "" {
		sum := sha256.New()
		sum.Write(content[:])
		for _, s := range []string{h.From, h.ReplyTo, h.To, h.Unsubscribe, h.Preferences} {
			io.WriteString(sum, s)
			sum.Write([]byte{0})
		}
		domain := "crier.invalid"
		if from := m.GetFrom(); len(from) > 0 {
			if i := strings.LastIndexByte(from[0].Address, '@'); i >= 0 {
				domain = from[0].Address[i+1:]
			}
		}
		id = hex.EncodeToString(sum.Sum(nil))[:24] + "@" + domain
	}
	m.SetMessageIDWithValue(id)
	m.SetDateWithValue(r.Date)
	m.Subject(headerText(r.Subject))
	m.SetBodyWriter(mail.ContentType(bodyType), func(w io.Writer) (int64, error) {
		var n int64
		for _, p := range [][]byte{body.b[:body.holes[0]], textLine, body.b[body.holes[0]:body.holes[1]], htmlLine, body.b[body.holes[1]:]} {
			k, err := w.Write(p)
			n += int64(k)
			if err != nil {
				return n, err
			}
		}
		return n, nil
	}, mail.WithPartEncoding(mail.NoEncoding))
	return m, nil
}

// gomailSetAddress is setAddress as it was.
func gomailSetAddress(m *mail.Msg, h mail.AddrHeader, value string) error {
	a, err := netmail.ParseAddress(value)
	if err != nil {
		return err
	}
	if plainHeaderText(a.Name) || strings.ContainsFunc(a.Name, mimeEncodes) && !strings.ContainsAny(a.Name, phraseSpecials) {
		m.SetAddrHeaderFromMailAddress(h, a)
		return nil
	}
	bare := &netmail.Address{Address: a.Address}
	m.SetGenHeaderPreformatted(mail.Header(h), encodedWords(a.Name, "\r\n ")+"\r\n "+bare.String())
	if h == mail.HeaderTo {
		m.SetAddrHeaderFromMailAddress(mail.HeaderBcc, bare)
	}
	return nil
}

// gomailPreferencesLines is preferencesLines as it was: the HTML line by
// html/template, both lines quoted-printable.
func gomailPreferencesLines(r *Rendering, address string) (text, html []byte, err error) {
	if address == "" {
		return nil, nil, nil
	}
	if err := CheckUnsubscribeAddress(address); err != nil {
		return nil, nil, fmt.Errorf("email preferences address %w", err)
	}
	words := r.plainPhrase("preferences")
	var h, qt, qh bytes.Buffer
	if err := preferencesHTML.Execute(&h, struct{ URL, Words string }{address, words}); err != nil {
		return nil, nil, err
	}
	if err := writeQuotedPrintable(&qt, words+": "+address+"\n"); err != nil {
		return nil, nil, err
	}
	if err := writeQuotedPrintable(&qh, h.String()); err != nil {
		return nil, nil, err
	}
	return qt.Bytes(), qh.Bytes(), nil
}

// gomailBytes is what go-mail wrote of m, with its preformatted headers
// in Email's order: go-mail wrote them in a map's order, which varies
// from run to run, so a To and a Reply-To both preformatted come To
// first.
func gomailBytes(t testing.TB, m *mail.Msg) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	out := b.Bytes()
	head, body, _ := bytes.Cut(out, []byte("\r\n\r\n"))
	lines := headerFields(head)
	i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "Reply-To:") })
	j := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "To:") })
	bothPreformatted := len(m.GetAddrHeader(mail.HeaderTo)) == 0 && len(m.GetAddrHeader(mail.HeaderReplyTo)) == 0
	if bothPreformatted && i >= 0 && j == i+1 {
		lines[i], lines[j] = lines[j], lines[i]
	}
	return []byte(strings.Join(lines, "") + "\r\n" + string(body))
}

// headerFields splits a header block into its fields, each with its
// folded lines and its last CRLF.
func headerFields(head []byte) []string {
	var fields []string
	for _, line := range strings.SplitAfter(string(head)+"\r\n", "\r\n") {
		if strings.HasPrefix(line, " ") && len(fields) > 0 {
			fields[len(fields)-1] += line
		} else if line != "" {
			fields = append(fields, line)
		}
	}
	return fields
}

// emailBytes is everything Email makes of h: the message, its envelope
// as go-mail gave it to SMTP, and its Message-ID.
func emailBytes(t testing.TB, e *Email) (data []byte, sender string, rcpts []string) {
	t.Helper()
	var b bytes.Buffer
	if _, err := e.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	if e.Stuffed != nil {
		var s []byte
		for _, p := range e.Stuffed {
			s = append(s, p...)
		}
		if want := dotstuff.Append(nil, b.Bytes()); !bytes.Equal(s, want) {
			t.Errorf("the stuffed email is\n%q\nwant\n%q", s, want)
		}
		// A piece stuffing leaves as it is is Data's own: a sender tells
		// so without reading it (BDAT then carries Data as it is).
		if len(e.Stuffed) != len(e.Data) {
			t.Errorf("%d stuffed pieces for %d", len(e.Stuffed), len(e.Data))
		}
		for i := range min(len(e.Stuffed), len(e.Data)) {
			if p, d := e.Stuffed[i], e.Data[i]; len(d) > 0 && bytes.Equal(p, d) && &p[0] != &d[0] {
				t.Errorf("stuffed piece %d is a copy of Data's, not Data's own", i)
			}
		}
	}
	if e.From != "" {
		sender = (&netmail.Address{Address: e.From}).String()
	}
	for _, a := range e.To {
		rcpts = append(rcpts, (&netmail.Address{Address: a}).String())
	}
	return b.Bytes(), sender, rcpts
}

// compareWithGoMail fails unless r.Email(h) gives the bytes, envelope and
// errors go-mail gave.
func compareWithGoMail(t *testing.T, r *Rendering, h EmailHeader) {
	t.Helper()
	m, werr := gomailEmail(r, h)
	e, err := r.Email(h)
	if (err != nil) != (werr != nil) || err != nil && err.Error() != werr.Error() {
		t.Fatalf("Email(%+v): error %v; go-mail's way: %v", h, err, werr)
	}
	if err != nil {
		return
	}
	data, sender, rcpts := emailBytes(t, e)
	if want := gomailBytes(t, m); !bytes.Equal(data, want) {
		t.Errorf("Email(%+v) wrote\n%s\nwant, as go-mail wrote it,\n%s", h, data, want)
	}
	wantSender, _ := m.GetSender(false)
	wantRcpts, _ := m.GetRecipients()
	if sender != wantSender || !slices.Equal(rcpts, wantRcpts) {
		t.Errorf("Email(%+v): envelope %q to %q; go-mail's %q to %q", h, sender, rcpts, wantSender, wantRcpts)
	}
	if want := strings.Trim(m.GetMessageID(), "<>"); e.MessageID != want {
		t.Errorf("Email(%+v): Message-ID %q; go-mail's %q", h, e.MessageID, want)
	}
}

// recipientNames are display names a mail client must show as typed:
// the hostile texts, and names from the languages notices go out in.
var recipientNames = append([]struct{ name, text string }{
	{"Spanish", "José Peña Muñoz"},
	{"Vietnamese", "Nguyễn Thị Minh Khai"},
	{"Chinese", "王小明"},
	{"comma", "Peña, José"},
	{"quotes inside", `Ana "the boss" Díaz`},
	{"apostrophe", "O'Brien"},
	{"dots", "J. R. R. Tolkien"},
	{"dot and non-ASCII", "Dr. Đặng"},
	{"long non-ASCII", strings.Repeat("Nguyễn ", 20)},
}, hostileHeaderText...)

// TestEmailBytesAsGoMailWroteThem: each recipient's email, now written as
// bytes from parts made once per notice, is byte for byte the email
// go-mail wrote, with its envelope and Message-ID: across languages,
// with and without a logo, preferences and unsubscribe links, and with
// display names a mail client must show as typed.
func TestEmailBytesAsGoMailWroteThem(t *testing.T) {
	lib, _ := Builtin()
	logo := readFile(t, "testdata/email/logo.png")
	link := "https://water.clearwater.example/preferences/1234567/AbCdEfGhIjKlMnOpQr-_Uv.x"
	renders := []struct {
		name, family, lang, subject string
		logo                        bool
		noEmail                     bool
	}{
		{name: "english", family: "boil-water-advisory", lang: "en"},
		{name: "english with a logo", family: "hydrant-flushing", lang: "en", logo: true},
		{name: "spanish", family: "boil-water-advisory", lang: "es"},
		{name: "spanish with a logo", family: "main-break", lang: "es", logo: true},
		{name: "vietnamese subject", family: "boil-water-advisory", lang: "en", subject: "Thông báo đun sôi nước trước khi uống cho khu vực Phường Bến Nghé, Quận 1"},
		{name: "chinese subject", family: "boil-water-advisory", lang: "en", subject: "煮沸饮用水通知：请在饮用前将自来水煮沸至少一分钟"},
		{name: "subject like an encoded word", family: "main-break", lang: "en", subject: "=?utf-8?q?x?= Bcc: evil@example.com"},
		{name: "a utility without an address", family: "main-break", lang: "en", noEmail: true},
	}
	headers := []struct {
		name string
		h    EmailHeader
	}{
		{"a preview", EmailHeader{}},
		{"a recipient", EmailHeader{To: "Ana Customer <ana@example.com>", MessageID: "crier-7-42@clearwater.example"}},
		{"links", EmailHeader{To: "ana@example.com", MessageID: "crier-7-42@clearwater.example", Unsubscribe: link, Preferences: link}},
		{"an emergency's links", EmailHeader{To: "ana@example.com", MessageID: "crier-7-42@clearwater.example", Preferences: link}},
		{"a long link that folds", EmailHeader{To: "ana@example.com", Unsubscribe: link + strings.Repeat("/.x", 30), Preferences: link + strings.Repeat("/.x", 30)}},
		{"a link with markup and +", EmailHeader{To: "ana@example.com", Unsubscribe: "https://water.example/p?a=1&b=it's+\"x\"", Preferences: "https://water.example/p?a=1&b=it's+\"x\"%20"}},
		{"links the escaper changes", EmailHeader{To: "ana@example.com", Unsubscribe: "HTTPS://water.example/p/(1)/%41", Preferences: "https://water.example/p/peña/(1)/%41/%zz/a b"}},
		{"a link with & and + alone", EmailHeader{To: "ana@example.com", Unsubscribe: "https://water.example/p?a=1&b=2", Preferences: "https://water.example/p?a=1&b=2+3"}},
		{"a link the escaper keeps", EmailHeader{To: "ana@example.com", Preferences: "https://water.example/p/a-b.c_d~e!f#g$h*i,j/k:l;m=n?o@p[q]r/" + strings.Repeat("Az09", 20)}},
		{"configured sender", EmailHeader{From: "Clearwater Water <notices@clearwater.example>", ReplyTo: "Help Desk <help@clearwater.example>", To: "Ana <ana@example.com>"}},
		{"sender names not ASCII", EmailHeader{From: "Agua de Peña <agua@peña.example>", ReplyTo: "Atención, Clientes <ayuda@clearwater.example>", To: "José <jose@example.com>"}},
		{"a long Message-ID", EmailHeader{To: "ana@example.com", MessageID: "crier-7-42@" + strings.Repeat("clearwater.", 7) + "example"}},
		{"a bad To", EmailHeader{To: "not an address"}},
		{"a bad From", EmailHeader{From: "=?utf-8?q?x?= <a@example.com>", To: "ana@example.com"}},
		{"a bad link", EmailHeader{To: "ana@example.com", Preferences: "http://water.example/p"}},
	}
	for _, name := range recipientNames {
		headers = append(headers, struct {
			name string
			h    EmailHeader
		}{"To and Reply-To " + name.name, EmailHeader{To: Address(name.text, "ana@example.com"), ReplyTo: Address(name.text, "help@clearwater.example"), Unsubscribe: link, Preferences: link}})
	}
	for _, rc := range renders {
		fam, err := lib.Family(rc.family)
		if err != nil {
			t.Fatal(err)
		}
		u := testUtility
		if rc.logo {
			u.Logo = logo
		}
		if rc.noEmail {
			u.Email = ""
		}
		r, err := Render(fam.ByLang[rc.lang], fam.Examples(), u, Options{Date: testDate, URL: "https://water.clearwater.example/n/7"})
		if err != nil {
			t.Fatal(err)
		}
		if rc.subject != "" {
			r.Subject = rc.subject
		}
		for _, hc := range headers {
			t.Run(rc.name+"/"+hc.name, func(t *testing.T) { compareWithGoMail(t, r, hc.h) })
		}
	}
}

// FuzzEmailBytesAsGoMailWroteThem: whatever the names, subject and links,
// Email writes what go-mail wrote, or fails as it failed.
func FuzzEmailBytesAsGoMailWroteThem(f *testing.F) {
	for _, n := range recipientNames {
		f.Add(n.text, "Help Desk", "Boil water advisory", "https://water.example/p/1")
	}
	f.Add("Ana", "", "Aviso: hierva el agua", "https://water.example/p/"+strings.Repeat(".x", 40))
	lib, _ := Builtin()
	fam, err := lib.Family("boil-water-advisory")
	if err != nil {
		f.Fatal(err)
	}
	r, err := Render(fam.ByLang["en"], fam.Examples(), testUtility, Options{Date: testDate})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, toName, replyName, subject, link string) {
		r.Subject = subject // the next Email makes the shared header lines anew
		compareWithGoMail(t, r, EmailHeader{
			To:          Address(toName, "ana@example.com"),
			ReplyTo:     Address(replyName, "help@clearwater.example"),
			MessageID:   "crier-7-42@clearwater.example",
			Unsubscribe: link,
			Preferences: link,
		})
	})
}
