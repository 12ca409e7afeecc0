package templates

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

const limitsTemplate = `---
title: Limits
category: service
subject: "Notice for {{.area}}"
sms: "Notice for {{.area}}"
fields:
  - name: area
    label: Affected area
    type: text
    required: true
    example: Elm Street
  - name: details
    label: Details
    type: multiline
  - name: report_url
    label: Report
    type: url
  - name: day
    label: Day
    type: date
  - name: street_list
    label: Streets
    type: multiline
    max_length: 8000
---
{{.area}} {{.details}} {{.report_url}} {{.day}} {{.street_list}}
`

// TestFieldValueLimits: a value longer than its field takes is refused,
// naming the field's label and name and the limit, in an error that stays
// short however long the value.
func TestFieldValueLimits(t *testing.T) {
	tmpl := mustTemplate(t, "limits.md", limitsTemplate)
	url := func(n int) string {
		return "https://water.example/" + strings.Repeat("a", n-len("https://water.example/"))
	}
	tests := []struct {
		name   string
		values Values
		want   string // "" when the values are fine
	}{
		{name: "text at its limit", values: Values{"area": strings.Repeat("a", 300)}},
		{name: "text one over", values: Values{"area": strings.Repeat("a", 301)},
			want: `area (Affected area): "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…" is 301 characters long; field "area" takes at most 300 (for a text field; max_length in the template changes it); shorten it`},
		{name: "ten megabytes", values: Values{"area": strings.Repeat("Oak Hill Road ", 750_000)},
			want: `area (Affected area): "Oak Hill Road Oak Hill Road Oak Hill Road Oak Hill Road Oak …" is 10,499,999 characters long; field "area" takes at most 300`},
		{name: "characters, not bytes", values: Values{"area": strings.Repeat("ñ", 300)}},
		{name: "multiline at its limit", values: Values{"area": "x", "details": strings.Repeat("line\n", 800)[:4000]}},
		{name: "multiline one over", values: Values{"area": "x", "details": strings.Repeat("b", 4001)},
			want: `details (Details): "bbbb`},
		{name: "url at its limit", values: Values{"area": "x", "report_url": url(2000)}},
		{name: "url one over", values: Values{"area": "x", "report_url": url(2001)},
			want: `field "report_url" takes at most 2,000 (for a url field`},
		{name: "date too long to parse", values: Values{"area": "x", "day": strings.Repeat("2026-11-28 ", 100)},
			want: `field "day" takes at most 60`},
		{name: "max_length raises the limit", values: Values{"area": "x", "street_list": strings.Repeat("c", 8000)}},
		{name: "past max_length", values: Values{"area": "x", "street_list": strings.Repeat("c", 8001)},
			want: `street_list (Streets): "cccc`},
		{name: "a translation's value", values: Values{"area": "x", "area.es": strings.Repeat("d", 500)},
			want: `area.es (Affected area): "dddd`},
		{name: "a huge unknown key", values: Values{"area": "x", strings.Repeat("k", 1_000_000): "v"},
			want: `"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk…" is not a field of template limits`},
		{name: "many unknown keys", values: manyKeys(100_000),
			want: "and 99,990 more keys that are not fields of template limits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tmpl.Fill(tt.values)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Fill: %v", err)
				}
				return
			}
			var ves ValueErrors
			if !errors.As(err, &ves) {
				t.Fatalf("err = %v, want ValueErrors", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q\nwant it to contain %q", err, tt.want)
			}
			if len(err.Error()) > 1500 {
				t.Errorf("the error is %d bytes long", len(err.Error()))
			}
		})
	}
}

// TestMaxLengthIsChecked: templates check reads max_length and says what
// is wrong with it, with the line.
func TestMaxLengthIsChecked(t *testing.T) {
	field := func(typ, extra string) string {
		return "---\ntitle: T\ncategory: service\nsubject: \"S {{.f}}\"\nsms: \"S\"\nfields:\n  - name: f\n    label: F\n    type: " + typ + "\n" + extra + "---\nBody {{.f}}\n"
	}
	tests := []struct {
		name, src, want string
	}{
		{"zero", field("text", "    max_length: 0\n"), `t.md:10: max_length "0": use a whole number of characters from 1 to 10,000`},
		{"past the ceiling", field("multiline", "    max_length: 20000\n"), `t.md:10: max_length "20000": use a whole number`},
		{"not a number", field("text", "    max_length: long\n"), `t.md:10: max_length "long"`},
		{"on a date", field("date", "    max_length: 100\n"), `t.md:10: field "f": max_length is for text, multiline and url fields; a date value is short by its form`},
		{"example too long for it", field("text", "    max_length: 5\n    example: Elm Street\n"), `t.md:7: field "f": the example "Elm Street" is not valid: is 10 characters long; field "f" takes at most 5 (its max_length in the template)`},
		{"choice option too long", field("choice", "    options: [short, "+strings.Repeat("o", 201)+"]\n"), `t.md:7: choice field "f": the option "oooooo`},
		{"default too long for the type", field("text", "    default: "+strings.Repeat("e", 301)+"\n"), `field "f" takes at most 300`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, ps := Parse("t.md", []byte(tt.src))
			if tmpl != nil || !strings.Contains(ps.Error(), tt.want) {
				t.Errorf("problems:\n%v\nwant %q", ps, tt.want)
			}
		})
	}

	tmpl := mustTemplate(t, "t.md", field("text", "    max_length: 1000\n"))
	if f, _ := tmpl.Field("f"); f.Limit() != 1000 {
		t.Errorf("Limit() = %d, want 1000", f.Limit())
	}
}

// TestTranslationMaxLengthMustMatch: values are shared by the languages
// of a notice, so each must take the same length.
func TestTranslationMaxLengthMustMatch(t *testing.T) {
	orig := strings.Replace(limitsTemplate, "max_length: 8000", "max_length: 6000", 1)
	es := strings.Replace(limitsTemplate, "title: Limits", "title: Límites", 1)
	_, ps := Load(fstest.MapFS{"limits.md": {Data: []byte(orig)}, "limits.es.md": {Data: []byte(es)}}, ".")
	if want := "max_length 8000, original 6000"; !strings.Contains(ps.Error(), want) {
		t.Errorf("problems:\n%v\nwant %q", ps, want)
	}
}

// manyKeys is a filling with area and n keys that are not fields.
func manyKeys(n int) Values {
	v := Values{"area": "x"}
	for i := range n {
		v["key"+strconv.Itoa(i)] = "v"
	}
	return v
}

// TestREADMETemplateExample parses the template the README shows, with
// its max_length.
func TestREADMETemplateExample(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(readme), "## Templates")
	_, rest, ok := strings.Cut(rest, "```markdown\n")
	src, _, _ := strings.Cut(rest, "```\n")
	if !ok {
		t.Fatal("the README's Templates section has no ```markdown block")
	}
	tmpl, ps := Parse("hydrant-flushing.md", []byte(src))
	if tmpl == nil || len(ps) > 0 {
		t.Fatalf("the README's template:\n%v", ps)
	}
	if f, _ := tmpl.Field("area"); f.Limit() != 500 {
		t.Errorf("area takes %d characters, the README says max_length: 500", f.Limit())
	}
}
