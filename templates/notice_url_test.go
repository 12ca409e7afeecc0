package templates

import (
	"strings"
	"testing"
	"testing/fstest"
)

// pageTemplate uses the notice's page in its SMS and its body.
const pageTemplate = `---
title: Water Service Interruption
category: service
subject: "Water off in {{.area}}"
sms: "Water off in {{.area}}.{{with .notice.url}} More: {{.}}{{end}}"
fields:
  - name: area
    label: Affected area
    type: text
    required: true
    example: Elm Street
---
# Water off in {{.area}}

Read this notice online: {{.notice.url}}
`

const testPageURL = "https://notices.clearwater.example/n/2345678abc"

// TestNoticeURLInSMSAndBody: {{.notice.url}} is the notice's page in the
// SMS and a live link in the email; without a page both read right.
func TestNoticeURLInSMSAndBody(t *testing.T) {
	tmpl := mustTemplate(t, "outage.md", pageTemplate)
	tests := []struct {
		name, url, sms, html string
	}{
		{"with a page", testPageURL, "Water off in Elm Street. More: " + testPageURL, `<a href="` + testPageURL + `"`},
		{"without a page", "", "Water off in Elm Street.", "Read this notice online:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Render(tmpl, Values{"area": "Elm Street"}, testUtility, Options{Date: testDate, URL: tt.url})
			if err != nil {
				t.Fatal(err)
			}
			if r.SMS.Text != tt.sms {
				t.Errorf("SMS %q, want %q", r.SMS.Text, tt.sms)
			}
			if html, err := r.HTML(); err != nil || !strings.Contains(html, tt.html) {
				t.Errorf("HTML lacks %q (%v):\n%s", tt.html, err, html)
			}
			if !strings.Contains(r.Text(), strings.TrimSpace("Read this notice online: "+tt.url)) {
				t.Errorf("text part lacks the page:\n%s", r.Text())
			}
		})
	}
}

// TestBuiltinSMSReadsRightWithoutAPage: with no public_url, every
// built-in SMS is its text with the page's address left out, and no
// trace of it (no dangling word or space).
func TestBuiltinSMSReadsRightWithoutAPage(t *testing.T) {
	lib := builtinLibrary(t)
	for _, name := range builtinNames {
		fam, _ := lib.Family(name)
		for _, lang := range fam.Languages() {
			with, err := Render(fam.ByLang[lang], fam.Examples(), testUtility, Options{Date: testDate, URL: ExamplePageURL})
			if err != nil {
				t.Fatalf("%s (%s): %v", name, lang, err)
			}
			without, err := Render(fam.ByLang[lang], fam.Examples(), testUtility, Options{Date: testDate})
			if err != nil {
				t.Fatalf("%s (%s): %v", name, lang, err)
			}
			if want := strings.Replace(with.SMS.Text, " "+ExamplePageURL, "", 1); without.SMS.Text != want {
				t.Errorf("%s (%s) without a page: SMS %q, want %q", name, lang, without.SMS.Text, want)
			}
			if with.SMS.Segments > fam.ByLang[lang].SMSMaxSegments {
				t.Errorf("%s (%s): %d segments with the page, over its %d", name, lang, with.SMS.Segments, fam.ByLang[lang].SMSMaxSegments)
			}
		}
	}
}

// TestPageLeftOutOfAnSMSItWouldPutOverItsLimit: a value that forces
// UCS-2 leaves no room for the page's address; the SMS goes without it
// rather than not at all.
func TestPageLeftOutOfAnSMSItWouldPutOverItsLimit(t *testing.T) {
	src := strings.Replace(pageTemplate, "category: service\n", "category: service\nsms_max_segments: 1\n", 1)
	tmpl := mustTemplate(t, "outage.md", src)
	tests := []struct {
		name, area, want string
	}{
		{"GSM-7 leaves room", "Elm Street between Oak Avenue and Pine Road", "Water off in Elm Street between Oak Avenue and Pine Road. More: " + testPageURL},
		{"UCS-2 leaves none", "Calle Ñandú between Oak Avenue and Peña Road", "Water off in Calle Ñandú between Oak Avenue and Peña Road."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Render(tmpl, Values{"area": tt.area}, testUtility, Options{Date: testDate, URL: testPageURL})
			if err != nil {
				t.Fatal(err)
			}
			if r.SMS.Text != tt.want || r.SMS.Segments != 1 {
				t.Errorf("SMS %q in %d segment(s), want %q in 1", r.SMS.Text, r.SMS.Segments, tt.want)
			}
		})
	}
}

// TestCheckKnowsTheNoticeURL: templates check takes {{.notice.url}} as a
// value every template has, and renders it with a page address.
func TestCheckKnowsTheNoticeURL(t *testing.T) {
	lib, ps := Load(fstest.MapFS{"outage.md": {Data: []byte(pageTemplate)}}, ".")
	ps = append(ps, CheckExamples(lib, testUtility)...)
	if len(ps) > 0 {
		t.Fatalf("problems: %v", ps)
	}
}
