package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOneLanguageCodeRule: a language code is read by one rule wherever it
// is typed (--lang, default_language, a template's file name, the
// contacts' language column, audience --language): case and an underscore
// do not matter, a language's name or a one-letter code is refused with
// the same words, and a customer who reads es-MX counts among the Spanish
// readers.
func TestOneLanguageCodeRule(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "crier.db")
	csv := "Acct #,Customer Name,Cell Phone,Preferred Language\n" +
		"1,Ana,(315) 555-0101,es\n2,Bea,(315) 555-0102,es_MX\n3,Cy,(315) 555-0103,Spanish\n4,Di,(315) 555-0104,vi\n5,Ed,(315) 555-0105,Martian\n"
	if err := os.WriteFile(filepath.Join(dir, "c.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	tmpl, err := os.ReadFile(filepath.Join("..", "..", "templates", "testdata", "lang", "water-off.md"))
	if err != nil {
		t.Fatal(err)
	}
	tdir := filepath.Join(dir, "tpl")
	if err := os.MkdirAll(tdir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"water-off.md", "water-off.es_MX.md"} {
		if err := os.WriteFile(filepath.Join(tdir, f), tmpl, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// database is a top-level key: it comes before [utility].
	base := "database = \"" + db + "\"\n" + clearwaterConfig
	cfg := writeConfig(t, base)
	if code, stdout, stderr := crier(t, "--config", cfg, "contacts", "import", filepath.Join(dir, "c.csv")); code != 0 ||
		!strings.Contains(stdout, "added 4") || !strings.Contains(stdout, "rejected 1") {
		t.Fatalf("import: exit %d\n%s%s", code, stdout, stderr)
	}
	rejects, _ := os.ReadFile(filepath.Join(dir, "c.rejects.csv"))
	const rule = "is not a language code: write one like en, es, es-MX or zh-Hant"
	if !strings.Contains(string(rejects), `""Martian"" `+rule) {
		t.Errorf("the rejects file lacks the rule's words for Martian:\n%s", rejects)
	}

	tests := []struct {
		name   string
		config string
		args   []string
		ok     bool
		want   string
	}{
		{"--lang in capitals", base, append(hydrantArgs, "--lang", "ES"), true, "hydrant-flushing (es)"},
		{"--lang a name", base, append(hydrantArgs, "--lang", "spanish"), false, `--lang spanish: "spanish" ` + rule},
		{"--lang one letter", base, append(hydrantArgs, "--lang", "e"), false, `"e" ` + rule},
		{"default_language in capitals", strings.Replace(base, `default_language = "en"`, `default_language = "ES"`, 1), hydrantArgs, true, "hydrant-flushing (es)"},
		{"default_language a name", strings.Replace(base, `default_language = "en"`, `default_language = "english"`, 1), hydrantArgs, false, `[utility] default_language: "english" ` + rule},
		{"file name not canonical", base, []string{"templates", "check", tdir}, false, "write the language in the file name as es-MX: water-off.es-MX.md"},
		{"audience: es takes es-MX", base, []string{"audience", "--language", "es"}, true, "\n3 contact(s)\n"},
		{"audience: es_mx", base, []string{"audience", "--language", "es_mx"}, true, "\n1 contact(s)\n"},
		{"audience: a name", base, []string{"audience", "--language", "Vietnamese"}, true, "\n1 contact(s)\n"},
		{"audience: not a code", base, []string{"audience", "--language", "e"}, false, `--language e: "e" ` + rule},
		{"audience: blank", base, []string{"audience", "--language", " "}, false, `--language  : "" ` + rule},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"--config", writeConfig(t, tt.config)}, tt.args...)
			if tt.args[0] == "render" {
				args = append(args, "--out", t.TempDir())
			}
			code, stdout, stderr := crier(t, args...)
			if (code == 0) != tt.ok || !strings.Contains(stdout+stderr, tt.want) {
				t.Errorf("exit %d; want ok %t and %q in:\n%s%s", code, tt.ok, tt.want, stdout, stderr)
			}
		})
	}
}

// TestCustomLanguageTable renders a custom Vietnamese translation whose
// folder brings languages/vi.yaml, and a French one without a table:
// Vietnamese dates come out in Vietnamese; French ones in English, and
// render, send and templates check say so, naming the file to add.
func TestCustomLanguageTable(t *testing.T) {
	lang, err := filepath.Abs(filepath.Join("..", "..", "templates", "testdata", "lang"))
	if err != nil {
		t.Fatal(err)
	}
	tdir := t.TempDir()
	for _, f := range []string{"water-off.md", "water-off.vi.md", "languages/vi.yaml"} {
		data, err := os.ReadFile(filepath.Join(lang, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(tdir, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tdir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
		if f == "water-off.md" {
			if err := os.WriteFile(filepath.Join(tdir, "water-off.fr.md"), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	cfg := writeConfig(t, "templates_dir = \""+tdir+"\"\n"+clearwaterConfig)
	const warning = "water-off.fr.md: warning: language fr has no translation table"
	out := t.TempDir()
	code, stdout, stderr := crier(t, "--config", cfg, "render", "water-off", "--lang", "vi,fr", "--out", out,
		"--set", "area=Elm Street", "--set", "day=2026-11-28", "--set", "starts=7 PM")
	if code != 0 || !strings.Contains(stderr, warning) || !strings.Contains(stderr, "add languages/fr.yaml") {
		t.Fatalf("render: exit %d; want the warning %q:\n%s%s", code, warning, stdout, stderr)
	}
	for lang, want := range map[string]string{
		"vi": "cúp nước tại Elm Street ngày 28 tháng 11 năm 2026 từ 19:00",
		"fr": "water off in Elm Street on November 28, 2026 from 7:00 PM",
	} {
		sms, err := os.ReadFile(filepath.Join(out, lang, "sms.txt"))
		if err != nil || !strings.Contains(string(sms), want) {
			t.Errorf("%s sms.txt = %q, %v; want %q", lang, sms, err, want)
		}
	}
	code, stdout, stderr = crier(t, "--config", cfg, "templates", "check", tdir)
	if code != 0 || !strings.Contains(stdout, warning) {
		t.Errorf("templates check: exit %d; want the warning:\n%s%s", code, stdout, stderr)
	}
	// send warns before anything else (here it then finds no contacts).
	cfg = writeConfig(t, "database = \""+filepath.Join(t.TempDir(), "crier.db")+"\"\ntemplates_dir = \""+tdir+"\"\n"+clearwaterConfig)
	_, stdout, stderr = crier(t, "--config", cfg, "send", "water-off", "--channels", "sms",
		"--set", "area=Elm Street", "--set", "day=2026-11-28", "--set", "starts=7 PM")
	if !strings.Contains(stderr, warning) {
		t.Errorf("send: want the warning %q:\n%s%s", warning, stdout, stderr)
	}
}
