package templates

import (
	"strings"
	"testing"
	"testing/fstest"
)

// goodTemplate is a small valid template; the cases below break one thing
// in it at a time.
const goodTemplate = `---
title: Hydrant Flushing
category: information
subject: "Hydrant flushing in {{.area}}"
sms: "{{.utility.name}}: hydrant flushing in {{.area}} on {{.day}}."
fields:
  - name: area
    label: Area
    type: text
    required: true
    example: Zone 4
  - name: day
    label: Day
    type: date
    required: true
    example: 2026-04-14
---
# Flushing in {{.area}}

We flush hydrants on {{.day}}. Call {{.utility.phone}}.
`

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		content string
		want    string // "file:line: message" prefix and a substring, as one string
		warning bool
		only    bool // the only problem reported
	}{
		{
			name:    "undeclared field in body",
			content: strings.Replace(goodTemplate, "Call {{.utility.phone}}", "Call {{.phone_number}}", 1),
			want:    "flush.md:20: body: {{.phone_number}} refers to a field that is not declared",
		},
		{
			name:    "misspelt field gets a suggestion",
			content: strings.Replace(goodTemplate, "# Flushing in {{.area}}", "# Flushing in {{.aera}}", 1),
			want:    "flush.md:18: body: {{.aera}} refers to a field that is not declared in fields (did you mean .area?)",
		},
		{
			name:    "undeclared field in subject",
			content: strings.Replace(goodTemplate, `subject: "Hydrant flushing in {{.area}}"`, `subject: "Hydrant flushing in {{.zone}}"`, 1),
			want:    "flush.md:4: subject: {{.zone}} refers to a field that is not declared",
		},
		{
			name:    "unknown notice value",
			content: strings.Replace(goodTemplate, "{{.utility.phone}}", "{{.notice.link}}", 1),
			want:    "flush.md:20: body: {{.notice.link}} is not a notice value (use {{.notice.url}}",
		},
		{
			name:    "a field cannot be called notice",
			content: strings.Replace(goodTemplate, "name: area", "name: notice", 1),
			want:    `flush.md:7: field name "notice" is reserved`,
		},
		{
			name:    "unknown utility value",
			content: strings.Replace(goodTemplate, "{{.utility.phone}}", "{{.utility.fax}}", 1),
			want:    "flush.md:20: body: {{.utility.fax}} is not a utility value",
		},
		{
			name:    "body syntax error",
			content: strings.Replace(goodTemplate, "We flush hydrants on {{.day}}.", "We flush hydrants on {{.day}.", 1),
			want:    "flush.md:20: body: template syntax: bad character",
		},
		{
			name:    "unclosed if in sms",
			content: strings.Replace(goodTemplate, `on {{.day}}."`, `on {{if .day}}{{.day}}."`, 1),
			want:    "flush.md:5: sms: template syntax:",
		},
		{
			name:    "bad yaml",
			content: strings.Replace(goodTemplate, "    type: date", "    type: date\n   required: [", 1),
			want:    "flush.md:",
		},
		{
			name:    "unquoted value with a colon",
			content: strings.Replace(goodTemplate, `sms: "{{.utility.name}}: hydrant flushing in {{.area}} on {{.day}}."`, `sms: Flushing: in {{.area}} on {{.day}}.`, 1),
			want:    `flush.md:5: front matter: mapping values are not allowed in this context (put a value that contains ": " or starts with {{ in double quotes`,
			only:    true,
		},
		{
			name:    "key set twice in a field",
			content: strings.Replace(goodTemplate, "    type: date\n", "    type: date\n    type: text\n", 1),
			want:    `flush.md:15: type is set twice in this field`,
		},
		{
			name:    "unknown front matter key",
			content: strings.Replace(goodTemplate, "category: information", "category: information\ncolour: blue", 1),
			want:    `flush.md:4: unknown key "colour"`,
		},
		{
			name:    "bad category",
			content: strings.Replace(goodTemplate, "category: information", "category: urgent", 1),
			want:    `flush.md:3: category "urgent": use emergency, service or information`,
		},
		{
			name:    "bad field type",
			content: strings.Replace(goodTemplate, "type: date", "type: calendar", 1),
			want:    `flush.md:14: field type "calendar"`,
		},
		{
			name:    "example of the wrong type",
			content: strings.Replace(goodTemplate, "example: 2026-04-14", "example: next Tuesday", 1),
			want:    `flush.md:12: field "day": the example "next Tuesday" is not valid: is not a date`,
		},
		{
			name:    "no front matter",
			content: "# Just a body\n",
			want:    "flush.md:1: no front matter",
		},
		{
			name:    "missing subject",
			content: strings.Replace(goodTemplate, `subject: "Hydrant flushing in {{.area}}"`+"\n", "", 1),
			want:    "flush.md:2: the front matter has no subject",
		},
		{
			name:    "choice comparison with a value that is not an option",
			content: strings.Replace(strings.Replace(goodTemplate, "fields:\n", "fields:\n  - name: kind\n    label: Kind\n    type: choice\n    options: [spring, fall]\n", 1), "# Flushing", `{{if eq .kind "summer"}}x{{end}}`+"\n# Flushing", 1),
			want:    `flush.md:22: body: "summer" is not an option of field "kind"`,
		},
		{
			name:    "required field never used in the body",
			content: strings.Replace(goodTemplate, "We flush hydrants on {{.day}}.", "We flush hydrants soon.", 1),
			want:    `flush.md:12: warning: required field "day" is never used in the body`,
			warning: true,
		},
		{
			name:    "duplicate field",
			content: strings.Replace(goodTemplate, "  - name: day", "  - name: area", 1),
			want:    `flush.md:12: field "area" is declared twice (first on line 7)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := tt.file
			if file == "" {
				file = "flush.md"
			}
			tmpl, ps := Parse(file, []byte(tt.content))
			if tt.only && len(ps) != 1 {
				t.Errorf("want this to be the only problem reported, got:\n%v", ps)
			}
			found := false
			for _, p := range ps {
				if strings.HasPrefix(p.String(), tt.want) || strings.Contains(p.String(), tt.want) && strings.HasPrefix(tt.want, p.File+":") {
					found = true
				}
			}
			if !found {
				t.Errorf("problems:\n%v\nwant one starting with %q", ps, tt.want)
			}
			if tt.warning && tmpl == nil {
				t.Errorf("a warning must not make the template unusable")
			}
			if !tt.warning && tmpl != nil {
				t.Errorf("an error must make the template unusable")
			}
		})
	}
}

func TestParseGood(t *testing.T) {
	tmpl, ps := Parse("hydrant-flushing.md", []byte(goodTemplate))
	if len(ps) > 0 {
		t.Fatalf("problems: %v", ps)
	}
	if tmpl.Name != "hydrant-flushing" || tmpl.Lang != "en" || tmpl.Category != Information || len(tmpl.Fields) != 2 {
		t.Errorf("got %+v", tmpl)
	}
	if tmpl.SMSMaxSegments != 3 || !tmpl.SMSReplace {
		t.Errorf("defaults: max segments %d, replace %t; want 3, true", tmpl.SMSMaxSegments, tmpl.SMSReplace)
	}
	// CRLF line ends and a BOM, as an editor on Windows saves them.
	crlf := "\ufeff" + strings.ReplaceAll(goodTemplate, "\n", "\r\n")
	if _, ps := Parse("hydrant-flushing.md", []byte(crlf)); len(ps) > 0 {
		t.Errorf("CRLF and BOM: %v", ps)
	}
}

func TestTranslationOfABrokenOriginal(t *testing.T) {
	broken := strings.Replace(goodTemplate, "category: information", "category: urgent", 1)
	_, ps := Load(fstest.MapFS{"flush.md": {Data: []byte(broken)}, "flush.es.md": {Data: []byte(goodTemplate)}}, ".")
	if !strings.Contains(ps.Error(), "flush.es.md: not used until its original flush.md is fixed") {
		t.Errorf("problems:\n%v", ps)
	}
}

func TestTranslationMustMatchFields(t *testing.T) {
	es := strings.NewReplacer("title: Hydrant Flushing", "title: Lavado de hidrantes",
		"label: Area", "label: Zona").Replace(goodTemplate)
	tests := []struct {
		name string
		es   string
		want string
	}{
		{"same fields", es, ""},
		{"different type", strings.Replace(es, "type: date", "type: text", 1), `flush.es.md:12: field "day" differs from the original (flush.md line 12): type text, original date`},
		{"missing field", strings.Replace(strings.Replace(es, "  - name: day\n    label: Day\n    type: date\n    required: true\n    example: 2026-04-14\n", "", 1), "{{.day}}", "pronto", -1), `flush.es.md:6: field "day" of the original (flush.md line 12) is missing`},
		{"extra field", strings.Replace(es, "fields:\n", "fields:\n  - name: extra\n    label: Extra\n    type: text\n", 1), `flush.es.md:7: field "extra" is not in the original`},
		{"different options", strings.Replace(es, "required: true\n    example: Zone 4", "required: false\n    example: Zone 4", 1), `field "area" differs from the original (flush.md line 7): required false, original true`},
		{"a date that may be past in the translation only", strings.Replace(es, "type: date\n", "type: date\n    past: true\n", 1), `field "day" differs from the original (flush.md line 12): after "" past true, original after "" past false`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"flush.md":    {Data: []byte(goodTemplate)},
				"flush.es.md": {Data: []byte(tt.es)},
			}
			lib, ps := Load(fsys, ".")
			if tt.want == "" {
				if len(ps) > 0 {
					t.Fatalf("problems: %v", ps)
				}
				if _, err := lib.Get("flush", "es"); err != nil {
					t.Fatal(err)
				}
				return
			}
			if !strings.Contains(ps.Error(), tt.want) {
				t.Errorf("problems:\n%v\nwant %q", ps, tt.want)
			}
			if _, err := lib.Get("flush", "es"); err == nil {
				t.Errorf("a translation with different fields must not be used")
			}
		})
	}
}

func TestCheckExamplesWarnsOfAnSMSThatOnlyFitsInGSM7(t *testing.T) {
	long := strings.Replace(goodTemplate, `sms: "{{.utility.name}}: hydrant flushing in {{.area}} on {{.day}}."`,
		`sms: "{{.utility.name}}: hydrant flushing in {{.area}} on {{.day}}. `+strings.Repeat("Run the cold tap until the water is clear. ", 5)+`"`, 1)
	lib, ps := Load(fstest.MapFS{"flush.md": {Data: []byte(long)}}, ".")
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	got := CheckExamples(lib, testUtility)
	if len(got) != 1 || !got[0].Warning || !strings.Contains(got[0].String(), "flush.md:5: warning: sms: with the example values it takes 2 segment(s) in GSM-7, but 5 in UCS-2") {
		t.Errorf("got %v", got)
	}
}

func TestMissingBranding(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string // the missing values reported for a utility with only a name
	}{
		{"printed", "Call {{.utility.phone}}.", "phone"},
		{"guarded", "{{if .utility.website}}Visit {{.utility.website}}.{{end}}", ""},
		{"guarded by and", "{{if and .utility.website .utility.phone}}{{.utility.website}} {{.utility.phone}}{{end}}", ""},
		{"or proves nothing", "{{if or .utility.phone .utility.website}}Info: {{.utility.website}}{{end}}", "website"},
		{"not guards the else branch", "{{if not .utility.website}}No website.{{else}}{{.utility.website}}{{end}}", ""},
		{"not leaves its own branch unguarded", "{{if not .utility.email}}{{.utility.email}}{{end}}", "email"},
		{"a condition is not a use", "{{if .utility.address}}We have an office.{{end}}", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(goodTemplate, "Call {{.utility.phone}}.", tt.body, 1)
			tmpl := mustTemplate(t, "flush.md", src)
			if got := strings.Join(tmpl.MissingBranding(Utility{Name: "X"}), ","); got != tt.want {
				t.Errorf("MissingBranding = %q, want %q", got, tt.want)
			}
		})
	}
}
