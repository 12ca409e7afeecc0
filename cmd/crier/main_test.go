package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/internal/emltest"
	"github.com/crier-notices/crier/internal/testenv"
	"github.com/crier-notices/crier/notices"
)

// crier runs the command in-process and returns its exit status and output.
func crier(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	t.Setenv("CRIER_CONFIG", "") // the tests say which configuration they mean
	t.Setenv("CRIER_DATABASE_URL", "")
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// needTool finds a poppler tool such as pdftotext.
func needTool(t *testing.T, name string) string {
	t.Helper()
	return testenv.Tool(t, name, "poppler-utils")
}

// writeConfig writes a crier.toml and returns its path.
func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "crier.toml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const clearwaterConfig = `
[utility]
name = "Clearwater County Water Board"
phone = "(315) 555-0142"
email = "notices@clearwater.example"
website = "https://water.clearwater.example"
address = "120 Main Street, Clearwater, NY 13000"
timezone = "America/New_York"
default_language = "en"
`

// boilArgs are the README's example of a boil water advisory.
var boilArgs = []string{
	"render", "boil-water-advisory",
	"--set", "area=Calle Peña and Rue Émile, Zone 4",
	"--set", "cause=main-break",
	"--set", "occurred=Saturday, November 28, 2026",
	"--set", "occurred_time=6:30 AM",
	"--set", "expected=Monday, November 30, 2026",
	"--date", "2026-11-28 18:00",
}

func TestRenderBoilWaterAdvisory(t *testing.T) {
	pdftotext := needTool(t, "pdftotext")
	cfg := writeConfig(t, clearwaterConfig)
	out := t.TempDir()
	code, stdout, stderr := crier(t, append([]string{"--config", cfg}, append(boilArgs, "--out", out, "--url", "https://water.clearwater.example/n/42")...)...)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "sms: ") || !strings.Contains(stdout, " characters, GSM-7, 2 segment(s)") {
		t.Errorf("stdout lacks the sms line:\n%s", stdout)
	}
	values := []string{"Calle Peña and Rue Émile, Zone 4", "Saturday, November 28, 2026", "Monday, November 30, 2026", "(315) 555-0142"}

	text, err := exec.Command(pdftotext, "-layout", filepath.Join(out, "flyer.pdf"), "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	flat := strings.Join(strings.Fields(string(text)), " ")
	for _, v := range values {
		if !strings.Contains(flat, v) {
			t.Errorf("flyer text lacks %q:\n%s", v, text)
		}
	}

	eml, err := os.ReadFile(filepath.Join(out, "email.eml"))
	if err != nil {
		t.Fatal(err)
	}
	plain, html := mailParts(t, eml)
	for _, v := range values {
		if !strings.Contains(plain, v) {
			t.Errorf("email text part lacks %q", v)
		}
		if !strings.Contains(html, v) {
			t.Errorf("email HTML part lacks %q", v)
		}
	}
	page, err := os.ReadFile(filepath.Join(out, "email.html"))
	if err != nil || !strings.Contains(string(page), "Calle Peña") {
		t.Errorf("email.html: %v", err)
	}
	sms, err := os.ReadFile(filepath.Join(out, "sms.txt"))
	if err != nil || !strings.Contains(string(sms), "BOIL WATER ADVISORY for Calle Peña and Rue Émile, Zone 4") {
		t.Errorf("sms.txt = %q, %v", sms, err)
	}
}

// mailParts reads an .eml as a mail client does.
func mailParts(t *testing.T, eml []byte) (text, html string) {
	t.Helper()
	e := emltest.Read(t, eml)
	return e.Text, e.HTML
}

func TestRenderAllLanguages(t *testing.T) {
	pdftotext := needTool(t, "pdftotext")
	out := t.TempDir()
	cfg := writeConfig(t, clearwaterConfig)
	code, stdout, stderr := crier(t, append([]string{"--config", cfg}, append(boilArgs, "--lang", "all", "--out", out)...)...)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	for _, f := range []string{"en/flyer.pdf", "en/email.eml", "en/sms.txt", "es/flyer.pdf", "es/email.eml", "es/email.html", "es/sms.txt", "flyer.pdf"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	if n := strings.Count(stdout, "sms: "); n != 2 {
		t.Errorf("want an sms line per language, got %d:\n%s", n, stdout)
	}
	text, err := exec.Command(pdftotext, filepath.Join(out, "flyer.pdf"), "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	en, es := strings.Index(string(text), "Boil Water Advisory"), strings.Index(string(text), "Aviso para hervir el agua")
	if en < 0 || es < 0 || es < en {
		t.Errorf("the bilingual flyer must have English then Spanish (en at %d, es at %d)", en, es)
	}
}

// hydrantArgs fill the hydrant flushing notice, which has no tier.
var hydrantArgs = []string{
	"render", "hydrant-flushing",
	"--set", "area=Zone 3", "--set", "start_date=April 13, 2027", "--set", "end_date=April 23, 2027",
	"--set", "start_time=8:00 AM", "--set", "end_time=3:30 PM", "--set", "days=weekdays",
}

func TestRenderWarnsOfMissingBranding(t *testing.T) {
	code, _, stderr := crier(t, append(hydrantArgs, "--out", t.TempDir())...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "warning: hydrant-flushing shows the utility's phone, which the configuration leaves empty") {
		t.Errorf("stderr:\n%s", stderr)
	}
	cfg := writeConfig(t, clearwaterConfig)
	if _, _, stderr := crier(t, append([]string{"--config", cfg}, append(hydrantArgs, "--out", t.TempDir())...)...); strings.Contains(stderr, "warning") {
		t.Errorf("a full configuration gives no warning:\n%s", stderr)
	}
}

func TestTier1NoticeNeedsThePhoneAndAddress(t *testing.T) {
	out := t.TempDir()
	code, _, stderr := crier(t, append(boilArgs, "--out", out)...)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(stderr, "boil-water-advisory is a Tier 1 public notice, which must give the utility's phone and address") || !strings.Contains(stderr, "[utility] table of crier.toml") {
		t.Errorf("stderr:\n%s", stderr)
	}
	if entries, _ := os.ReadDir(out); len(entries) > 0 {
		t.Errorf("nothing may be written, found %d files", len(entries))
	}
}

func TestRenderUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"set without =", []string{"--set", "area"}, `--set "area": write FIELD=VALUE`},
		{"unknown language", []string{"--lang", "fr"}, `template hydrant-flushing has no "fr" translation`},
		{"value for an unknown language", []string{"--set", "area.sp=Zona 3"}, `area.sp: template hydrant-flushing has no "sp" translation`},
		{"bad date", []string{"--date", "tomorrow"}, `--date "tomorrow": write it as YYYY-MM-DD`},
		{"bad url", []string{"--url", "https://"}, `--url "https://" is not a full web address`},
		{"bad message id", []string{"--message-id", "<x@y>"}, `--message-id "<x@y>": write it as left@right`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := crier(t, append(append(hydrantArgs, "--out", t.TempDir()), tt.args...)...)
			if code != 2 || !strings.Contains(stderr, tt.want) || !strings.Contains(stderr, "see crier render --help") {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2 and %q", code, stderr, tt.want)
			}
		})
	}
}

func TestRenderValuesFileKeepsValuesAsWritten(t *testing.T) {
	dir := t.TempDir()
	values := filepath.Join(dir, "values.yaml")
	body := "area: 0421\nstart_date: 2027-04-13\nend_date: 2027-04-23\nstart_time: 8:00 AM\nend_time: \"3:30 PM\"\ndays: weekdays\n"
	if err := os.WriteFile(values, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	code, _, stderr := crier(t, "render", "hydrant-flushing", "--values", values, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	sms, _ := os.ReadFile(filepath.Join(out, "sms.txt"))
	// 2027-04-13 is read as the text typed, not a YAML timestamp, and
	// shown in the notice's long form.
	if !strings.Contains(string(sms), "0421") || !strings.Contains(string(sms), "April 13, 2027") {
		t.Errorf("sms.txt = %q: values must be read as written (0421, 2027-04-13 shown as April 13, 2027)", sms)
	}

	for _, bad := range []struct{ body, want string }{
		{"area: [a, b]\n", "values.yaml:1: area must be a single value"},
		{"area: a\ndays: weekdays\narea: b\n", "values.yaml:3: area is given twice (first on line 1)"},
		{"x: &z Zone 3\narea: *z\n", "values.yaml:2: area: write the value itself, not a YAML alias"},
		{"area: a\n---\narea: b\n", "values.yaml:2: a second document"},
	} {
		if err := os.WriteFile(values, []byte(bad.body), 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, stderr = crier(t, "render", "hydrant-flushing", "--values", values, "--out", out)
		if code != 1 || !strings.Contains(stderr, bad.want) {
			t.Errorf("%q: exit %d, want 1 and %q:\n%s", bad.body, code, bad.want, stderr)
		}
	}
}

func TestRenderBadValues(t *testing.T) {
	out := t.TempDir()
	code, _, stderr := crier(t, "--config", writeConfig(t, clearwaterConfig), "render", "boil-water-advisory", "--set", "occurred=Friday, November 28, 2026", "--set", "cause=flood", "--set", "aera=Elm", "--out", out)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, stderr)
	}
	for _, want := range []string{
		"area (Affected area): required",
		"cause (Cause): \"flood\" is not one of the choices",
		"occurred (Date it happened): \"Friday, November 28, 2026\" is not right: November 28, 2026 is a Saturday",
		"Expected resolution",
		`"aera" is not a field of template boil-water-advisory (did you mean area?)`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if entries, _ := os.ReadDir(out); len(entries) > 0 {
		t.Errorf("bad values must write no file, found %d", len(entries))
	}
}

func TestTemplatesCommands(t *testing.T) {
	names := []string{"boil-water-advisory", "boil-water-advisory-lifted", "do-not-drink", "planned-service-interruption",
		"main-break", "low-pressure-advisory", "hydrant-flushing", "water-quality-report", "bill-due-reminder", "water-use-restrictions"}

	code, stdout, stderr := crier(t, "templates", "list")
	if code != 0 {
		t.Fatalf("list: exit %d: %s", code, stderr)
	}
	for _, n := range names {
		if !strings.Contains(stdout, n+" ") {
			t.Errorf("templates list lacks %s", n)
		}
	}
	if !regexp.MustCompile(`(?m)^boil-water-advisory +Boil Water Advisory +emergency +1 +en,es$`).MatchString(stdout) {
		t.Errorf("templates list should show category, tier and languages:\n%s", stdout)
	}

	code, stdout, _ = crier(t, "templates", "show", "boil-water-advisory", "--lang", "es")
	if code != 0 || !strings.Contains(stdout, "cause (choice, required)") || !strings.Contains(stdout, "options: e-coli") {
		t.Errorf("templates show: exit %d\n%s", code, stdout)
	}

	code, stdout, stderr = crier(t, "templates", "check")
	if code != 0 {
		t.Fatalf("the built-in library must pass check: exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "20 template files, 0 error(s), 0 warning(s)") {
		t.Errorf("check summary:\n%s", stdout)
	}
}

func TestTemplatesCheckReportsFileAndLine(t *testing.T) {
	dir := t.TempDir()
	bad := "---\ntitle: Test\ncategory: service\nsubject: \"Test {{.area}}\"\nsms: \"Test\"\nfields:\n  - name: area\n    label: Area\n    type: text\n---\nBody {{.street}}\n"
	if err := os.WriteFile(filepath.Join(dir, "test.md"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ := crier(t, "templates", "check", dir)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{
		filepath.Join(dir, "test.md") + ":11: body: {{.street}} refers to a field that is not declared",
		dir + ": 1 template files, 1 error(s), 0 warning(s)",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}

	// Without a folder, check covers the built-in library and templates_dir.
	cfg := writeConfig(t, "templates_dir = \""+dir+"\"\n")
	code, stdout, _ = crier(t, "--config", cfg, "templates", "check")
	if code != 1 || !strings.Contains(stdout, "built-in library: 20 template files, 0 error(s)") || !strings.Contains(stdout, dir+": 1 template files, 1 error(s)") {
		t.Errorf("exit %d\n%s", code, stdout)
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name   string
		config string
		want   string
	}{
		{"unknown key", "[utility]\nnmae = \"X\"\n", "unknown key utility.nmae"},
		{"unknown table", "[smtpp]\nhost = \"x\"\n", "unknown key smtpp"},
		{"bad phone", "[utility]\nphone = \"555\"\n", `[utility] phone: "555" is not a phone number (write it like (201) 555-0123 or +1 201-555-0123)`},
		{"bad phone in GB", "[utility]\nphone = \"555\"\n[contacts]\ndefault_region = \"GB\"\n", `[utility] phone: "555" is not a phone number (write it like 0121 234 5678 or +44 121 234 5678)`},
		{"bad time zone", "[utility]\ntimezone = \"Eastern\"\n", `[utility] timezone: "Eastern" is not a time zone name`},
		{"bad toml", "[utility\n", "crier.toml:2: expected"},
		{"missing logo", "[utility]\nlogo = \"nowhere.png\"\n", "[utility] logo:"},
		{"missing templates_dir", "templates_dir = \"nowhere\"\n", "templates_dir "},
		{"a number where text is wanted", "[utility]\nphone = 3155550142\n", `put values in double quotes, as in phone = "(315) 555-0142"`},
		{"email with a name", "[utility]\nemail = \"Board <a@b.org>\"\n", "is not an email address"},
		{"twilio api_url plain http to another machine", "[twilio]\napi_url = \"http://10.0.0.7:4010\"\n", `[twilio] api_url: "http://10.0.0.7:4010" is plain http:// to another machine`},
		{"public_url plain http to another machine", "public_url = \"http://notices.example.org\"\n", `public_url: "http://notices.example.org": give a full https:// address`},
		{"smtp from not an address", "[smtp]\nfrom = \"Clearwater Water\"\n", `[smtp] from: "Clearwater Water" is not an email address`},
		{"smtp from name like an encoded word", "[smtp]\nfrom = '\"=?utf-8?q?Bank?= x\" <notices@clearwater.example>'\n", `[smtp] from: the name holds "=?"`},
		{"utility name like an encoded word", "[utility]\nname = \"=?utf-8?q?Bank?=\"\nemail = \"notices@clearwater.example\"\n", `[utility] name: the name holds "=?"`},
		{"twilio from not a number", "[twilio]\nfrom = \"+1 555\"\n", `[twilio] from: "+1 555" is not a phone number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := writeConfig(t, tt.config)
			code, _, stderr := crier(t, "--config", cfg, "render", "hydrant-flushing", "--out", t.TempDir())
			if code == 0 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant %q", code, stderr, tt.want)
			}
		})
	}
}

func TestDefaultLanguageWithoutTranslation(t *testing.T) {
	cfg := writeConfig(t, "[utility]\ndefault_language = \"fr\"\n")
	code, stdout, stderr := crier(t, append([]string{"--config", cfg}, append(hydrantArgs, "--out", t.TempDir())...)...)
	if code != 0 || !strings.Contains(stderr, "warning: hydrant-flushing has no fr translation (default_language); rendering en") || !strings.Contains(stdout, "hydrant-flushing (en)") {
		t.Errorf("exit %d\n%s%s", code, stdout, stderr)
	}
}

func TestCustomTemplatesOverrideBuiltIn(t *testing.T) {
	dir := t.TempDir()
	custom := "---\ntitle: Our Own Flushing Notice\ncategory: information\nsubject: \"Flushing\"\nsms: \"Flushing in {{.zone}}\"\nfields:\n  - name: zone\n    label: Zone\n    type: text\n    required: true\n    example: \"4\"\n---\nFlushing in zone {{.zone}}.\n"
	if err := os.WriteFile(filepath.Join(dir, "hydrant-flushing.md"), []byte(custom), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, "templates_dir = \""+dir+"\"\n")
	code, stdout, stderr := crier(t, "--config", cfg, "templates", "list")
	if code != 0 || !strings.Contains(stdout, "Our Own Flushing Notice") || !strings.Contains(stdout, "boil-water-advisory") {
		t.Errorf("exit %d\n%s%s", code, stdout, stderr)
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"render", "--help"}, {"templates", "check", "--help"}} {
		code, stdout, _ := crier(t, args...)
		if code != 0 || !strings.Contains(stdout, "Usage: crier") {
			t.Errorf("%v: exit %d\n%s", args, code, stdout)
		}
	}
}

func TestRenderSMSTooLongStillWritesFlyerAndEmail(t *testing.T) {
	out := t.TempDir()
	long := "Calle Juárez entre Avenida Hidalgo y Calle Morelos, Colonia Centro, " + strings.Repeat("Barrio Norte ", 6)
	args := append([]string{"--config", writeConfig(t, clearwaterConfig)}, hydrantArgs...)
	code, stdout, stderr := crier(t, append(args, "--set", "area="+long, "--out", out)...)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(stderr, "no sms.txt was written") || !strings.Contains(stderr, `those characters come from area (Area or zone) with "á"`) {
		t.Errorf("stderr:\n%s", stderr)
	}
	for _, f := range []string{"flyer.pdf", "email.eml", "email.html"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s must be written: %v\n%s", f, err, stdout)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "sms.txt")); err == nil {
		t.Errorf("sms.txt must not be written")
	}
}

// TestRenderTwiceGivesTheSameFiles: without --date the notice is dated
// today, so rendering it again the same day gives byte-identical files.
func TestRenderTwiceGivesTheSameFiles(t *testing.T) {
	pdftotext := needTool(t, "pdftotext")
	cfg := writeConfig(t, clearwaterConfig)
	var outs []string
	for range 2 {
		out := t.TempDir()
		if code, _, stderr := crier(t, append([]string{"--config", cfg}, append(hydrantArgs, "--out", out)...)...); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		outs = append(outs, out)
	}
	for _, f := range []string{"flyer.pdf", "email.eml", "email.html", "sms.txt"} {
		a, _ := os.ReadFile(filepath.Join(outs[0], f))
		b, _ := os.ReadFile(filepath.Join(outs[1], f))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s differs between two renderings of the same notice", f)
		}
	}
	ny, _ := time.LoadLocation("America/New_York")
	today := time.Now().In(ny).Format("January 2, 2006")
	text, err := exec.Command(pdftotext, filepath.Join(outs[0], "flyer.pdf"), "-").Output()
	if err != nil || !strings.Contains(string(text), "Issued "+today) {
		t.Errorf("the flyer must be dated today (%s): %v\n%s", today, err, text)
	}
}

func TestDBCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "crier.db")
	cfg := writeConfig(t, "database = \""+db+"\"\n")
	code, stdout, stderr := crier(t, "--config", cfg, "db", "status")
	if code != 0 || !strings.Contains(stdout, "no database at "+db+" yet") {
		t.Errorf("status without a database: exit %d\n%s%s", code, stdout, stderr)
	}
	if _, err := os.Stat(db); err == nil {
		t.Errorf("db status must not create the database")
	}
	migrateNamesTheDatabase(t, cfg, "database "+db+" (sqlite)")
	code, stdout, _ = crier(t, "--config", cfg, "db", "status")
	if want := fmt.Sprintf("schema version %d, 0 pending", latestMigration(t)); code != 0 || !strings.Contains(stdout, want) {
		t.Errorf("status after migrate: exit %d\n%s", code, stdout)
	}
}

// latestMigration is the version of the last migration Crier has.
func latestMigration(t *testing.T) int {
	t.Helper()
	s, err := notices.OpenWithoutMigrating(context.Background(), filepath.Join(t.TempDir(), "empty.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ms, err := s.Migrations(context.Background())
	if err != nil || len(ms) == 0 {
		t.Fatalf("migrations: %v %v", ms, err)
	}
	return ms[len(ms)-1].Version
}

func TestContactsListShowDelete(t *testing.T) {
	db := filepath.Join(t.TempDir(), "crier.db")
	cfg := writeConfig(t, "database = \""+db+"\"\n")
	s, err := notices.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveContact(context.Background(), notices.Contact{Account: "A-1", Name: "Ana Díaz", Mobile: "+13155550142", Zone: "4",
		Attributes: map[string]string{"meter": "M-77"}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	code, stdout, _ := crier(t, "--config", cfg, "contacts", "list")
	if code != 0 || !strings.Contains(stdout, "Ana Díaz") || !strings.Contains(stdout, "•••0142") || strings.Contains(stdout, "5550142") || !strings.Contains(stdout, "1 contact(s)") {
		t.Errorf("list: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = crier(t, "--config", cfg, "contacts", "show", "A-1")
	if code != 0 || !strings.Contains(stdout, "+13155550142 (subscribed)") || !strings.Contains(stdout, "meter:") {
		t.Errorf("show: exit %d\n%s", code, stdout)
	}
	if code, _, _ = crier(t, "--config", cfg, "contacts", "delete", "A-1", "--yes"); code != 0 {
		t.Errorf("delete: exit %d", code)
	}
	code, _, stderr := crier(t, "--config", cfg, "contacts", "show", "A-1")
	if code != 1 || !strings.Contains(stderr, `no contact with account "A-1"`) {
		t.Errorf("show after delete: exit %d %s", code, stderr)
	}
}
