package templates

import (
	"bytes"
	"errors"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/internal/emltest"
)

var testUtility = Utility{
	Name:    "Clearwater County Water Board",
	Phone:   "(315) 555-0142",
	Email:   "notices@clearwater.example",
	Website: "https://water.clearwater.example",
	Address: "120 Main Street, Clearwater, NY 13000",
}

var testDate = time.Date(2026, 11, 28, 23, 0, 0, 0, time.UTC)

const outageTemplate = `---
title: Water Service Interruption
category: service
subject: "Water off in {{.area}} on {{.day}}"
sms: "{{.utility.name}}: water off in {{.area}} on {{.day}}. Info {{.utility.phone}}"
fields:
  - name: area
    label: Affected area
    type: text
    required: true
    example: Elm Street
  - name: day
    label: Day
    type: date
    required: true
    example: 2026-12-01
  - name: cause
    label: Cause
    type: choice
    options: [repair, main-break]
    default: repair
---
# Water off in {{.area}}

Water will be **off** on *{{.day}}* in {{.area}}{{if eq .cause "main-break"}} while crews repair a broken main{{end}}.

1. Fill a pitcher before the work starts.
2. Run the cold tap after the work.

Details: [our website]({{.utility.website}}). Call {{.utility.phone}}.
`

func mustTemplate(t testing.TB, file, src string) *Template {
	t.Helper()
	tmpl, ps := Parse(file, []byte(src))
	if tmpl == nil {
		t.Fatalf("%s: %v", file, ps)
	}
	return tmpl
}

// emailParts parses an .eml as a mail client would.
func emailParts(t *testing.T, eml []byte) (header mail.Header, text, html string) {
	t.Helper()
	e := emltest.Read(t, eml)
	return e.Header, e.Text, e.HTML
}

func TestEmailParts(t *testing.T) {
	tmpl := mustTemplate(t, "outage.md", outageTemplate)
	r, err := Render(tmpl, Values{"area": "Calle Ñandú, Peña Street", "day": "December 1, 2026", "cause": "main-break"}, testUtility, Options{Date: testDate})
	if err != nil {
		t.Fatal(err)
	}
	var eml bytes.Buffer
	if err := r.WriteEmail(&eml, EmailHeader{}); err != nil {
		t.Fatal(err)
	}
	header, text, html := emailParts(t, eml.Bytes())

	dec := new(mime.WordDecoder)
	subject, _ := dec.DecodeHeader(header.Get("Subject"))
	if subject != "Water off in Calle Ñandú, Peña Street on December 1, 2026" {
		t.Errorf("Subject %q", subject)
	}
	from, err := mail.ParseAddress(header.Get("From"))
	if err != nil || from.Address != testUtility.Email || from.Name != testUtility.Name {
		t.Errorf("From %q (%v)", header.Get("From"), err)
	}
	if rt := header.Get("Reply-To"); !strings.Contains(rt, testUtility.Email) {
		t.Errorf("Reply-To %q", rt)
	}
	if id := header.Get("Message-Id"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@clearwater.example>") {
		t.Errorf("Message-ID %q", id)
	}
	if d, err := header.Date(); err != nil || !d.Equal(testDate) {
		t.Errorf("Date %v (%v), want the notice date %v", d, err, testDate)
	}
	for _, want := range []string{"Calle Ñandú, Peña Street", "December 1, 2026", "while crews repair a broken main", testUtility.Phone} {
		if !strings.Contains(text, want) {
			t.Errorf("text part lacks %q:\n%s", want, text)
		}
		if !strings.Contains(html, want) {
			t.Errorf("HTML part lacks %q", want)
		}
	}
	// Markdown became structure in both parts.
	for _, want := range []string{"Water off in Calle Ñandú, Peña Street\n=====", "1. Fill a pitcher", "our website (https://water.clearwater.example)"} {
		if !strings.Contains(text, want) {
			t.Errorf("text part lacks %q:\n%s", want, text)
		}
	}
	for _, want := range []string{"<ol", "<strong>off</strong>", "<em>December 1, 2026</em>", `href="https://water.clearwater.example"`, "max-width:600px", `href="tel:3155550142"`} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML part lacks %q", want)
		}
	}
}

func TestValuesAreEscapedInHTMLAndVerbatimInText(t *testing.T) {
	hostile := `<script>alert(1)</script> & "quotes"`
	tmpl := mustTemplate(t, "outage.md", outageTemplate)
	tests := []struct {
		name   string
		values Values
		u      Utility
	}{
		{"field value", Values{"area": hostile, "day": "2026-12-01"}, testUtility},
		{"character references stay as typed", Values{"area": "AT&amp;T &copy; &#60;b&#62; Q&A", "day": "2026-12-01"}, testUtility},
		{"markdown in a value stays text", Values{"area": "**bold** [link](javascript:alert(1)) # not a heading", "day": "2026-12-01"}, testUtility},
		{"utility name from the configuration", Values{"area": "Elm Street", "day": "2026-12-01"}, Utility{Name: hostile, Email: "n@clearwater.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Render(tmpl, tt.values, tt.u, Options{Date: testDate})
			if err != nil {
				t.Fatal(err)
			}
			var eml bytes.Buffer
			if err := r.WriteEmail(&eml, EmailHeader{}); err != nil {
				t.Fatal(err)
			}
			_, text, html := emailParts(t, eml.Bytes())
			raw := tt.values["area"]
			if tt.u.Name != testUtility.Name {
				raw = tt.u.Name
			}
			if !strings.Contains(text, raw) {
				t.Errorf("text part lacks the value verbatim %q:\n%s", raw, text)
			}
			if strings.Contains(html, "<script>") || strings.Contains(html, `href="javascript:`) || strings.Contains(html, "<strong>bold</strong>") {
				t.Errorf("HTML part contains the value as markup:\n%s", html)
			}
			if strings.HasPrefix(raw, "AT&amp;T") && !strings.Contains(html, "AT&amp;amp;T &amp;copy; &amp;#60;b&amp;#62; Q&amp;A") {
				t.Errorf("HTML part lacks the value escaped as typed:\n%s", html)
			}
			if raw == hostile && !strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quotes&#34;") && !strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;") {
				t.Errorf("HTML part lacks the escaped value:\n%s", html)
			}
		})
	}
}

func TestSameNoticeSameBytes(t *testing.T) {
	tmpl := mustTemplate(t, "outage.md", outageTemplate)
	values := Values{"area": "Elm Street", "day": "2026-12-01"}
	render := func() []byte {
		r, err := Render(tmpl, values, testUtility, Options{Date: testDate, URL: "https://water.clearwater.example/n/1"})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := r.WriteEmail(&b, EmailHeader{MessageID: "notice-1@clearwater.example"}); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	a, b := render(), render()
	if !bytes.Equal(a, b) {
		t.Errorf("two renderings of the same notice differ:\n%s\n---\n%s", a, b)
	}
	if !bytes.Contains(a, []byte("Message-ID: <notice-1@clearwater.example>")) {
		t.Errorf("the fixed Message-ID is not used")
	}
}

func TestRenderChecksSMSLength(t *testing.T) {
	tmpl := mustTemplate(t, "outage.md", outageTemplate)
	_, err := Render(tmpl, Values{"area": strings.Repeat("Calle Juárez, ", 20), "day": "2026-12-01"}, testUtility, Options{Date: testDate})
	if err == nil || !strings.Contains(err.Error(), "sms") || !strings.Contains(err.Error(), "segment") {
		t.Errorf("err = %v, want an SMS length error", err)
	}
}

// TestEmailGolden keeps the whole .eml of a fixed notice under testdata:
// headers, MIME structure, both parts. Run with -update after an intended
// change and read the diff.
func TestEmailGolden(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		values Values
		url    string
		logo   string // a PNG under testdata, the utility's logo
	}{
		{"outage", "testdata/email/outage.eml", Values{"area": "Elm Street & 5th Ave", "day": "Tuesday, December 1, 2026", "cause": "main-break"}, "https://water.clearwater.example/n/7", ""},
		{"outage without url", "testdata/email/outage-nourl.eml", Values{"area": "Peña Street", "day": "2026-12-01"}, "", ""},
		{"outage with logo", "testdata/email/outage-logo.eml", Values{"area": "Elm Street", "day": "2026-12-01"}, "https://water.clearwater.example/n/8", "testdata/email/logo.png"},
	}
	tmpl := mustTemplate(t, "outage.md", outageTemplate)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := testUtility
			if tt.logo != "" {
				u.Logo = readFile(t, tt.logo)
			}
			r, err := Render(tmpl, tt.values, u, Options{Date: testDate, URL: tt.url})
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := r.WriteEmail(&got, EmailHeader{To: "Ana Customer <ana@example.com>", MessageID: "notice-7.en@clearwater.example"}); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.file, got.Bytes())
		})
	}
}

// golden compares got with the file, or rewrites the file with -update.
func golden(t *testing.T, file string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from what was rendered; if the change is intended, run go test ./templates -update and review the diff\ngot:\n%s", file, got)
	}
}

func TestAddressesBecomeLiveLinks(t *testing.T) {
	src := `---
title: Water Quality Report
category: information
subject: "Report"
sms: "Report: {{.report_url}}"
fields:
  - name: report_url
    label: Report address
    type: url
    required: true
---
Read it at {{.report_url}}. Write to {{.utility.email}} or visit {{.utility.website}}.

[The agenda]({{.report_url}}/agenda), [mail us](mailto:{{.utility.email}}), or {{.report_url}}/extra.
`
	tmpl := mustTemplate(t, "report.md", src)
	tests := []struct {
		name     string
		url      string
		wantHTML string
	}{
		{"plain address", "https://water.clearwater.example/ccr/2026.pdf", `href="https://water.clearwater.example/ccr/2026.pdf">https://water.clearwater.example/ccr/2026.pdf</a>`},
		{"address with query and ampersand", "https://water.clearwater.example/ccr?year=2026&lang=en", `href="https://water.clearwater.example/ccr?year=2026&amp;lang=en">https://water.clearwater.example/ccr?year=2026&amp;lang=en</a>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Render(tmpl, Values{"report_url": tt.url}, testUtility, Options{Date: testDate})
			if err != nil {
				t.Fatal(err)
			}
			html, err := r.HTML()
			if err != nil {
				t.Fatal(err)
			}
			// Where the template's own Markdown puts an address, it stays
			// part of that Markdown: no link in a link, no lost path.
			agenda := strings.ReplaceAll(tt.url, "&", "&amp;") + "/agenda"
			for _, want := range []string{tt.wantHTML, `href="mailto:notices@clearwater.example">notices@clearwater.example</a>`, `href="https://water.clearwater.example">https://water.clearwater.example</a>`,
				`href="` + agenda + `">The agenda</a>`, `href="mailto:notices@clearwater.example">mail us</a>`, "or " + strings.ReplaceAll(tt.url, "&", "&amp;") + "/extra."} {
				if !strings.Contains(html, want) {
					t.Errorf("HTML lacks the live link %s:\n%s", want, html)
				}
			}
			if text := r.Text(); !strings.Contains(text, "Read it at "+tt.url+". Write to notices@clearwater.example") {
				t.Errorf("text part: %q", text)
			}
		})
	}
}

func TestTieredNoticeNeedsTheUtilitysContact(t *testing.T) {
	lib := builtinLibrary(t)
	fam, _ := lib.Family("boil-water-advisory")
	tests := []struct {
		name string
		u    Utility
		want string
	}{
		{"no phone", Utility{Name: "X", Address: "1 Main St"}, "must give the utility's phone (40 CFR"},
		{"no address", Utility{Name: "X", Phone: "(315) 555-0142"}, "must give the utility's address (40 CFR"},
		{"no phone nor address", Utility{Name: "X"}, "must give the utility's phone and address (40 CFR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Render(fam.Original, fam.Examples(), tt.u, Options{Date: testDate})
			if !errors.Is(err, ErrMissingContact) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want ErrMissingContact saying %q", err, tt.want)
			}
		})
	}
	hydrants, _ := lib.Family("hydrant-flushing")
	if _, err := Render(hydrants.Original, hydrants.Examples(), Utility{Name: "X"}, Options{Date: testDate}); err != nil {
		t.Errorf("a notice without a tier needs no contact details: %v", err)
	}
}

func TestSMSTooLongNamesTheFieldAndKeepsTheRendering(t *testing.T) {
	tmpl := mustTemplate(t, "outage.md", outageTemplate)
	area := "Calle Juárez entre Avenida Hidalgo y Calle Morelos, Colonia Centro, " + strings.Repeat("Barrio Norte ", 8)
	r, err := Render(tmpl, Values{"area": area, "day": "2026-12-01"}, testUtility, Options{Date: testDate})
	var smsErr *SMSError
	if !errors.As(err, &smsErr) {
		t.Fatalf("err = %v, want an *SMSError", err)
	}
	if !strings.Contains(err.Error(), `those characters come from area (Affected area) with "á"`) {
		t.Errorf("the error must name the field that forced UCS-2: %v", err)
	}
	if r == nil || r.SMS.Encoding != UCS2 {
		t.Fatalf("the rendering must come back with the error: %+v", r)
	}
	var eml bytes.Buffer
	if err := r.WriteEmail(&eml, EmailHeader{}); err != nil || !strings.Contains(r.Text(), "Calle Juárez") {
		t.Errorf("the email must still render: %v", err)
	}
}

func TestEmailForOneRecipient(t *testing.T) {
	tmpl := mustTemplate(t, "outage.md", outageTemplate)
	r, err := Render(tmpl, Values{"area": "Elm Street", "day": "2026-12-01"}, testUtility, Options{Date: testDate})
	if err != nil {
		t.Fatal(err)
	}
	var eml bytes.Buffer
	if err := r.WriteEmail(&eml, EmailHeader{To: "Ana Díaz <ana@example.org>", Unsubscribe: "https://water.clearwater.example/u/tok3n"}); err != nil {
		t.Fatal(err)
	}
	header, _, _ := emailParts(t, eml.Bytes())
	if got := header.Get("List-Unsubscribe"); got != "<https://water.clearwater.example/u/tok3n>" {
		t.Errorf("List-Unsubscribe %q", got)
	}
	if got := header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post %q", got)
	}
	if to, err := mail.ParseAddress(header.Get("To")); err != nil || to.Name != "Ana Díaz" || to.Address != "ana@example.org" {
		t.Errorf("To %q: %v", header.Get("To"), err)
	}
	if err := r.WriteEmail(&eml, EmailHeader{Unsubscribe: "http://x\r\nBcc: evil@example.org"}); err == nil {
		t.Errorf("an unsubscribe address that could inject headers must be refused")
	}
}
