package templates

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// hostileFile is a template whose subject, SMS and body an attacker writes.
// The body starts on line 13.
func hostileFile(subject, sms, body string) string {
	return "---\ntitle: Hostile\ncategory: service\nsubject: " + yamlQuote(subject) + "\nsms: " + yamlQuote(sms) + `
fields:
  - name: area
    label: Area
    type: text
    required: true
    example: Elm Street
---
` + body + "\n"
}

func yamlQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

// checkLibrary runs what `crier templates check` runs on one custom
// template file: Load, then CheckExamples. It returns the problems and
// the bytes allocated meanwhile.
func checkLibrary(t testing.TB, file string) (Problems, uint64) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	lib, ps := Load(fstest.MapFS{"hostile.md": {Data: []byte(file)}}, ".")
	ps = append(ps, CheckExamples(lib, testUtility)...)
	runtime.ReadMemStats(&after)
	return ps, after.TotalAlloc - before.TotalAlloc
}

// TestHostileTemplatesAreRefused lists the ways text/template can be made
// to run for ever or fill memory. Each is refused by the check with the
// file, line and reason, or stops when it runs with the limit it passed;
// none makes the check take more than a few megabytes.
func TestHostileTemplatesAreRefused(t *testing.T) {
	double := strings.Repeat("{{$x = print $x $x}}", 40)
	tests := []struct {
		name          string
		subject, sms  string
		body          string
		want          string // in the problems
		wantLine      int    // of the problem, 0 for any
		refusedStatic bool   // by Load (the template is unusable), else when it runs
	}{
		{name: "range over a big number", body: "{{range 100000000}}Boil your water. {{end}}",
			want: "body: this {{range}} repeats its content 100,000,000 times", wantLine: 13, refusedStatic: true},
		{name: "range that writes nothing", body: "Hi\n{{range 1000000000000000000}}{{end}}",
			want: "repeats its content 1,000,000,000,000,000,000 times", wantLine: 14, refusedStatic: true},
		{name: "three nested ranges of 2000", body: "{{range 2000}}{{range 2000}}{{range 2000}}x{{end}}{{end}}{{end}}",
			want: "body: this {{range}} repeats its content 2,000 times", wantLine: 13, refusedStatic: true},
		{name: "ranges in a row", body: strings.Repeat("{{range 900}}x{{end}}\n", 20),
			want: "body: runs more than the 10,000 steps", refusedStatic: true},
		{name: "range over a variable", body: "{{$n := 100000000}}{{range $n}}x{{end}}",
			want: "body: {{range $n}}: a notice template can only range over a whole number", wantLine: 13, refusedStatic: true},
		{name: "range over a length", body: "{{range len .area}}x{{end}}",
			want: "can only range over a whole number", wantLine: 13, refusedStatic: true},
		{name: "template that calls itself", body: "{{define \"a\"}}{{template \"a\" .}}{{end}}{{template \"a\" .}}",
			want: "body: {{template}} and {{block}} are not supported", wantLine: 13, refusedStatic: true},
		{name: "templates that call each other", body: "{{define \"a\"}}{{template \"b\" .}}{{end}}\n{{define \"b\"}}{{template \"a\" .}}{{end}}\n{{template \"a\" .}}",
			want: "body: {{template}} and {{block}} are not supported", wantLine: 15, refusedStatic: true},
		{name: "block that calls itself", body: "{{block \"a\" .}}{{template \"a\" .}}{{end}}",
			want: "body: {{template}} and {{block}} are not supported", wantLine: 13, refusedStatic: true},
		{name: "define", body: "Hello\n{{define \"x\"}}hi{{end}}",
			want: `body: {{define "x"}} is not supported`, wantLine: 14, refusedStatic: true},
		{name: "printf with a huge width", body: `{{printf "%999999999d" 1}}`,
			want: "body: printf \"%999999999d\": a width or precision over 100", wantLine: 13, refusedStatic: true},
		{name: "printf with many wide verbs", body: "{{printf \"" + strings.Repeat("%999999d", 2000) + "\" 1}}",
			want: "a width or precision over 100", wantLine: 13, refusedStatic: true},
		{name: "printf with a wide precision", body: `{{printf "%.999999f" 1.5}}`,
			want: "a width or precision over 100", wantLine: 13, refusedStatic: true},
		{name: "printf with a width from an argument", body: `{{printf "%*d" 999999 1}}`,
			want: "given as * is not supported", wantLine: 13, refusedStatic: true},
		{name: "printf with a format from a value", body: `{{printf .area 1}}`,
			want: "body: printf .area: write the format in the template", wantLine: 13, refusedStatic: true},
		{name: "printf with a piped format", body: `{{"%999999d" | printf}}`,
			want: "body: printf needs its format written after it", wantLine: 13, refusedStatic: true},
		{name: "subject range", subject: "{{range 100000000}}x{{end}}", body: "Hi {{.area}}",
			want: "subject: this {{range}} repeats its content", wantLine: 4, refusedStatic: true},
		{name: "doubling a variable", body: "{{$x := \"Boil your water. \"}}\n" + double + "{{len $x}}",
			want: "body: its functions made more than 64 KB of text", wantLine: 14},
		{name: "doubling in a range", body: "{{$x := \"ab\"}}{{range 60}}\n{{$x = printf \"%s%s\" $x $x}}{{end}}{{len $x}}",
			want: "body: its functions made more than 64 KB of text", wantLine: 14},
		{name: "escaping again and again", body: "{{$x := \"&&&&\"}}{{range 30}}{{$x = html $x $x}}{{end}}{{len $x}}",
			want: "body: its functions made more than 64 KB of text", wantLine: 13},
		{name: "urlquery again and again", body: "{{$x := \"%%%%\"}}{{range 30}}{{$x = urlquery $x $x}}{{end}}{{len $x}}",
			want: "body: its functions made more than 64 KB of text", wantLine: 13},
		{name: "js again and again", body: "{{$x := \"<<<<\"}}{{range 30}}{{$x = js $x $x}}{{end}}{{len $x}}",
			want: "body: its functions made more than 64 KB of text", wantLine: 13},
		{name: "println again and again", body: "{{$x := \"ab\"}}{{range 60}}{{$x = println $x $x}}{{end}}{{len $x}}",
			want: "body: its functions made more than 64 KB of text", wantLine: 13},
		{name: "a wide print of one big variable", body: "{{$x := \"" + strings.Repeat("x", 30000) + "\"}}{{print " + strings.Repeat("$x ", 1000) + "}}",
			want: "body: print would make up to", wantLine: 13},
		{name: "a long body", body: "{{range 2000}}" + strings.Repeat("Boil all water. ", 4) + "{{end}}",
			want: "body: its text comes to more than 64 KB"},
		{name: "a long subject", subject: "{{range 3000}}abc{{end}}", body: "Hi {{.area}}",
			want: "subject: its text comes to more than 2 KB"},
		{name: "a long SMS", sms: "{{range 4000}}xyz{{end}}", body: "Hi {{.area}}",
			want: "sms: its text comes to more than 8 KB"},
		{name: "lists nested deep", body: strings.Repeat("- ", 20000) + "x {{.area}}",
			want: "body: lists and quotes inside one another go more than 16 deep"},
		{name: "quotes nested deep", body: strings.Repeat(">", 20000) + " x {{.area}}",
			want: "body: lists and quotes inside one another go more than 16 deep"},
		{name: "numbered lists nested deep", body: "{{range 4000}}1. {{end}}x {{.area}}",
			want: "body: lists and quotes inside one another go more than 16 deep"},
		{name: "lists nested over lines", body: nestedList(17),
			want: "body: lists and quotes inside one another go more than 16 deep"},
		{name: "a file too large", body: strings.Repeat("Boil all water before use.\n", 3000),
			want: "the file is larger than 64 KB", refusedStatic: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			subject, sms := tt.subject, tt.sms
			if subject == "" {
				subject = "Notice for {{.area}}"
			}
			if sms == "" {
				sms = "Notice for {{.area}}"
			}
			problems, allocated := checkLibrary(t, hostileFile(subject, sms, tt.body))
			var found *Problem
			for i, p := range problems.Errors() {
				if strings.Contains(p.String(), tt.want) {
					found = &problems.Errors()[i]
				}
			}
			if found == nil {
				t.Fatalf("the check does not say %q; it says:\n%v", tt.want, problems)
			}
			if !strings.HasPrefix(found.String(), "hostile.md:") {
				t.Errorf("%q does not name the file", found)
			}
			if tt.wantLine > 0 && found.Line != tt.wantLine {
				t.Errorf("%q: want line %d", found, tt.wantLine)
			}
			static := !strings.HasPrefix(found.Message, "with the example values")
			if static != tt.refusedStatic {
				t.Errorf("refused when loaded: %t, want %t (%s)", static, tt.refusedStatic, found)
			}
			if allocated > 64<<20 {
				t.Errorf("the check allocated %d MB", allocated>>20)
			}
		})
	}
}

func TestRenderStopsAtTheTimeLimit(t *testing.T) {
	tmpl := mustTemplate(t, "slow.md", hostileFile("Hi", "Hi", "{{range 20}}A line.\n{{end}}"))
	data, _, err := tmpl.data(Values{"area": "Elm Street"}, testUtility, "")
	if err != nil {
		t.Fatal(err)
	}
	// A clock that moves half the limit at each look: the run passes its
	// deadline at the third write.
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time {
		clock = clock.Add(MaxRunTime / 2)
		return clock
	}
	_, err = executeAt(tmpl, "body", tmpl.body, data, now)
	var le *LimitError
	if !errors.As(err, &le) || !errors.Is(err, ErrLimit) {
		t.Fatalf("err = %v, want a *LimitError", err)
	}
	if want := "slow.md: body: it ran longer than 1s"; !strings.HasPrefix(le.Error(), want) {
		t.Errorf("err = %q, want it to start %q", le, want)
	}
}

// TestBuiltInTemplatesRunWellWithinTheLimits keeps the limits far from
// what a real notice takes.
func TestBuiltInTemplatesRunWellWithinTheLimits(t *testing.T) {
	lib, _ := Builtin()
	for _, name := range lib.Names() {
		fam, _ := lib.Family(name)
		for _, lang := range fam.Languages() {
			tm := fam.ByLang[lang]
			r, err := Render(tm, fam.Examples(), testUtility, Options{Date: testDate})
			if err != nil {
				t.Fatalf("%s: %v", tm.File, err)
			}
			if len(r.Source) > MaxBody/4 || len(r.Subject) > MaxSubject/4 {
				t.Errorf("%s: body %d bytes, subject %d: within a quarter of the limits, a real notice has room", tm.File, len(r.Source), len(r.Subject))
			}
		}
	}
}

// TestListsNestedSixteenDeepRender: the nesting limit leaves room for any
// real notice.
func TestListsNestedSixteenDeepRender(t *testing.T) {
	tmpl := mustTemplate(t, "nested.md", hostileFile("S", "S", nestedList(16)))
	if _, err := Render(tmpl, Values{"area": "Elm Street"}, testUtility, Options{Date: testDate}); err != nil {
		t.Fatal(err)
	}
}

// nestedList is a list n deep, one level a line.
func nestedList(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.Repeat("  ", i) + "- item {{.area}}\n")
	}
	return b.String()
}

// TestBoundedConstructsStillWork: what the check can bound is allowed.
func TestBoundedConstructsStillWork(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"range over a number", "{{range 3}}Boil. {{end}}{{.area}}", "Boil. Boil. Boil. Elm Street"},
		{"range over the utility", "{{range $k, $v := .utility}}{{if eq $k \"phone\"}}{{$v}}{{end}}{{end}} {{.area}}", `\(315\) 555\-0142 Elm Street`},
		{"printf with a small width", `{{printf "%-12s|" .area}}`, `Elm Street  |`},
		{"print and html", `{{print .area "!"}} {{html "a<b"}}`, `Elm Street! a&lt;b`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl := mustTemplate(t, "ok.md", hostileFile("S {{printf \"%s\" .area}}", "S", tt.body))
			r, err := Render(tmpl, Values{"area": "Elm Street"}, testUtility, Options{Date: testDate})
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(string(r.Source)); got != tt.want {
				t.Errorf("body %q, want %q", got, tt.want)
			}
			if r.Subject != "S Elm Street" {
				t.Errorf("subject %q", r.Subject)
			}
		})
	}
}
