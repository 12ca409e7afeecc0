package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTemplatesCheckRefusesEndlessTemplates is the case: a body
// with {{range 100000000}} (or three nested {{range 2000}}) made
// `crier templates check` grow until the kernel killed it. It now says
// where (the file in its folder, the line) and why, and exits 1.
func TestTemplatesCheckRefusesEndlessTemplates(t *testing.T) {
	front := "---\ntitle: Test\ncategory: service\nsubject: \"Test {{.area}}\"\nsms: \"Test {{.area}}\"\nfields:\n  - name: area\n    label: Area\n    type: text\n    example: Elm Street\n---\n"
	tests := []struct {
		name, body, want string
	}{
		{"range", "Boil water in {{.area}}.\n{{range 100000000}}Boil water. {{end}}\n", "big.md:13: body: this {{range}} repeats its content 100,000,000 times"},
		{"nested", "Boil water in {{.area}}.\n{{range 2000}}{{range 2000}}{{range 2000}}x{{end}}{{end}}{{end}}\n", "big.md:13: body: this {{range}} repeats its content 2,000 times"},
		{"doubling", "Boil water in {{.area}}.\n{{$x := \"ab\"}}{{range 60}}{{$x = printf \"%s%s\" $x $x}}{{end}}{{$x}}\n", "big.md:13: with the example values: body: its functions made more than 64 KB of text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "big.md"), []byte(front+tt.body), 0o644); err != nil {
				t.Fatal(err)
			}
			code, stdout, _ := crier(t, "templates", "check", dir)
			if code != 1 || !strings.Contains(stdout, filepath.Join(dir, tt.want)) {
				t.Errorf("exit %d, want 1 and %q:\n%s", code, tt.want, stdout)
			}
		})
	}
}

// TestRenderRefusesAHugeValuesFile: a --values file is read only up to
// 1 MB, with an error naming it.
func TestRenderRefusesAHugeValuesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "values.yaml")
	if err := os.WriteFile(path, []byte("area: "+strings.Repeat("Oak Hill Road ", 150_000)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := crier(t, "render", "boil-water-advisory", "--values", path, "--out", t.TempDir())
	if want := path + " is 2050 KB; a values file is at most 1024 KB"; code != 1 || !strings.Contains(stderr, want) {
		t.Errorf("exit %d, want 1 and %q:\n%s", code, want, stderr)
	}
}

// TestTemplatesCheckWarnsOfCostlierTranslations runs `templates check` on
// a custom folder whose Spanish SMS takes more segments than its English
// original: a warning naming both, exit status 0.
func TestTemplatesCheckWarnsOfCostlierTranslations(t *testing.T) {
	dir, err := filepath.Abs("../../templates/testdata/translations")
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := crier(t, "templates", "check", dir)
	want := filepath.Join(dir, "outage.es.md") + `:5: warning: sms: outage (es) with the example values takes 3 segment(s) in UCS-2, its en original 1 in GSM-7; UCS-2 because of "ó" (U+00F3), "í" (U+00ED), "á" (U+00E1): set sms_gsm7: true to write letters such as á as a (1 segment(s) in GSM-7)`
	if code != 0 || !strings.Contains(stdout, want) || !strings.Contains(stdout, "0 error(s), 2 warning(s)") {
		t.Errorf("exit %d, want 0 and %q:\n%s%s", code, want, stdout, stderr)
	}
}

// TestTemplatesShowSaysSMSGSM7 shows a built-in Spanish template, which
// writes its SMS in GSM-7, and its English original, which does not.
func TestTemplatesShowSaysSMSGSM7(t *testing.T) {
	tests := []struct{ name, lang, want string }{
		{"Spanish", "es", "sms: at most 3 segment(s); sms_gsm7: true, letters outside GSM-7 are sent as their closest GSM-7 letters (á as a)\n"},
		{"English", "en", "sms: at most 3 segment(s); sms_gsm7: false, a letter outside GSM-7 (such as á) makes the SMS UCS-2\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := crier(t, "templates", "show", "main-break", "--lang", tt.lang)
			if code != 0 || !strings.Contains(stdout, tt.want) {
				t.Errorf("exit %d, want 0 and %q:\n%s%s", code, tt.want, stdout, stderr)
			}
		})
	}
}
