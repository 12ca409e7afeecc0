package main

import (
	"bytes"
	"flag"
	"fmt"
	"github.com/crier-notices/crier/scheduler"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crier-notices/crier/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// TestSendNamesItsAudience: send without a list or filter is refused and
// names --all; --all sends to every contact and says so; --all beside a
// list, and --proof beside an audience or --at, are refused.
func TestSendNamesItsAudience(t *testing.T) {
	nonTerminalStdin(t)
	cfg := exampleSetup(t)
	refusals := []struct {
		name string
		args []string
		want string
	}{
		{name: "no audience", args: sendArgs("--channels", "email", "--yes"), want: "name the audience: --list NAME or a filter"},
		{name: "--all and a list", args: sendArgs("--all", "--list", "customers", "--channels", "email", "--yes"), want: "--all is every contact"},
		{name: "--proof and a list", args: sendArgs("--proof", "me@example.org", "--list", "customers", "--channels", "email"), want: "--proof sends to its addresses only"},
		{name: "--proof and --at", args: sendArgs("--proof", "me@example.org", "--at", time.Now().Add(48*time.Hour).Format("2006-01-02 15:04"), "--channels", "email"), want: "--proof sends at once"},
		{name: "--proof by print only", args: sendArgs("--proof", "me@example.org", "--channels", "print"), want: "print is not a proof channel"},
		{name: "--proof by a channel left out", args: sendArgs("--proof", "me@example.org", "--channels", "sms"), want: "goes by email, which --channels sms leaves out"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := crier(t, append([]string{"--config", cfg}, tt.args...)...)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, want 2 and %q\n%s%s", code, tt.want, stdout, stderr)
			}
			if out := mustCrier(t, "--config", cfg, "notices", "list"); !strings.Contains(out, "no notices yet") {
				t.Errorf("a refused send queued a notice:\n%s", out)
			}
		})
	}
	out := mustCrier(t, append([]string{"--config", cfg}, sendArgs("--all", "--channels", "email", "--yes")...)...)
	if !strings.Contains(out, "audience:  ALL contacts (24)\n") || !strings.Contains(out, "notice 1 sending: email 14") {
		t.Errorf("send --all does not say it goes to all 24 contacts and queue 14 emails:\n%s", out)
	}
}

// quietNow sets the configuration's quiet hours to the hour either side
// of now, in the example's time zone, and returns that now and the span.
func quietNow(t *testing.T, cfg string) (now time.Time, span string) {
	t.Helper()
	now = time.Now().In(mustLoad(t, "America/New_York"))
	span = now.Add(-time.Hour).Format("15:04") + "-" + now.Add(time.Hour).Format("15:04")
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.Replace(data, []byte(`quiet_hours = "off"`), []byte(`quiet_hours = "`+span+`"`), 1)
	if err := os.WriteFile(cfg, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return now, span
}

// TestUrgencyFromTheTemplate: in quiet hours, the boil water advisory
// (category emergency) sent without --urgency is an emergency and its
// texts go; with --urgency normal they wait. campaigns add takes the
// same default.
func TestUrgencyFromTheTemplate(t *testing.T) {
	cfg := exampleSetup(t)
	quietNow(t, cfg)
	out := mustCrier(t, append([]string{"--config", cfg}, sendArgs("--list", "customers", "--channels", "sms", "--yes")...)...)
	if !strings.Contains(out, "urgency:   emergency (the template's category); texts go at once, even in quiet hours\n") {
		t.Errorf("send does not say the advisory is an emergency by its category:\n%s", out)
	}
	out = mustCrier(t, append([]string{"--config", cfg}, sendArgs("--list", "customers", "--channels", "sms", "--urgency", "normal", "--yes")...)...)
	if !strings.Contains(out, "urgency:   normal (--urgency); texts wait out quiet hours") {
		t.Errorf("send --urgency normal does not say the texts wait:\n%s", out)
	}
	mustCrier(t, "--config", cfg, "dispatch")
	wantCounts(t, reportCounts(t, mustCrier(t, "--config", cfg, "report", "1")), "sms", map[string]int{"TOTAL": 14, "SENT": 14})
	wantCounts(t, reportCounts(t, mustCrier(t, "--config", cfg, "report", "2")), "sms", map[string]int{"TOTAL": 14, "QUEUED": 14})

	mustCrier(t, append([]string{"--config", cfg, "campaigns", "add", "drill", "--template", "boil-water-advisory", "--schedule", "0 9 1 * *",
		"--list", "customers", "--channels", "email"}, readmeValues...)...)
	if out := mustCrier(t, "--config", cfg, "campaigns", "show", "drill"); !strings.Contains(out, "urgency:   emergency\n") {
		t.Errorf("campaigns add does not take the template's urgency:\n%s", out)
	}
	// A campaign names its audience as send does: --all for everyone.
	if out := mustCrier(t, append([]string{"--config", cfg, "campaigns", "add", "everyone", "--template", "boil-water-advisory", "--schedule", "0 9 1 * *",
		"--all", "--channels", "email"}, readmeValues...)...); !strings.Contains(out, "ALL contacts") && !strings.Contains(out, "all contacts") {
		t.Errorf("campaigns add --all does not say it reaches every contact:\n%s", out)
	}
}

// TestSendConfirmationGolden: what send shows before it publishes, per
// language (subject, text message with its counts), per channel (how many,
// who is left out and why) and the customers who get another language.
func TestSendConfirmationGolden(t *testing.T) {
	tests := []struct {
		name, golden string
		args         []string
	}{
		{name: "every language", golden: "send_confirmation.golden", args: []string{"--channels", "email,sms,print"}},
		{name: "spanish only", golden: "send_confirmation_es.golden", args: []string{"--channels", "email,sms", "--lang", "es", "--urgency", "normal", "--set", "area=Calle Peña"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := exampleSetup(t)
			mustCrier(t, "--config", cfg, "contacts", "suppress", "bo.chen@example.org", "--reason", "hard-bounce")
			out := mustCrier(t, append([]string{"--config", cfg}, sendArgs(append(tt.args, "--list", "customers", "--yes")...)...)...)
			out, _, _ = strings.Cut(out, "notice 1 ")
			out = strings.ReplaceAll(out, filepath.Dir(cfg), "DIR") // the outbox's folder
			golden := filepath.Join("testdata", tt.golden)
			if *update {
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if out != string(want) {
				t.Errorf("confirmation differs from %s (go test -run TestSendConfirmationGolden -update rewrites it):\n%s", golden, out)
			}
		})
	}
}

// TestSendProof: --proof sends the notice, in each language, to the
// coordinator's email through Mailpit and to their mobile (the outbox,
// no Twilio configured), at once and in quiet hours, by the send command
// itself when no crier serve runs; a suppressed address is said to be;
// the proofs are not in notices list nor counted in the notice's report,
// and report of a proof says it is one.
func TestSendProof(t *testing.T) {
	mp := testenv.Mailpit(t)
	cfg := exampleSetup(t)
	quietNow(t, cfg)
	host, port := mp.SMTPAddr()
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.Replace(data, []byte(`# host = "smtp.clearwater.example"`), []byte(fmt.Sprintf("host = %q\nport = %d\ntls = \"none\"", host, port)), 1)
	if err := os.WriteFile(cfg, data, 0o644); err != nil {
		t.Fatal(err)
	}
	mustCrier(t, append([]string{"--config", cfg}, sendArgs("--list", "customers", "--channels", "email", "--yes")...)...)
	mustCrier(t, "--config", cfg, "contacts", "suppress", "(315) 555-0101", "--reason", "manual")

	out := mustCrier(t, append([]string{"--config", cfg}, sendArgs("--channels", "email,sms", "--urgency", "normal",
		"--proof", "Coordinator@Clearwater.example", "--proof", "(315) 555-0199", "--proof", "315-555-0101")...)...)
	for _, want := range []string{
		"proof to +13155550101 not sent: the address is suppressed",
		"proof 2 (en) of boil-water-advisory queued: email to coordinator@clearwater.example, sms to +13155550199",
		"proof 3 (es) of boil-water-advisory queued",
		"proof 2: email to coordinator@clearwater.example sent -> SMTP " + net.JoinHostPort(host, strconv.Itoa(port)),
		"proof 3: sms to +13155550199 sent -> outbox folder",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("send --proof does not say %q:\n%s", want, out)
		}
	}
	rs, _ := expectedRenderings(t, cfg)
	var subjects []string
	for _, m := range mp.Messages(t) {
		if len(m.To) == 1 && m.To[0].Address == "coordinator@clearwater.example" {
			subjects = append(subjects, m.Subject)
		}
	}
	slices.Sort(subjects)
	if want := []string{scheduler.ProofSubjectPrefix + rs["es"].Subject, scheduler.ProofSubjectPrefix + rs["en"].Subject}; !slices.Equal(subjects, want) {
		t.Errorf("Mailpit holds proofs with subjects %q; want %q", subjects, want)
	}
	texts, err := filepath.Glob(filepath.Join(filepath.Dir(cfg), "outbox", "sms", "*.json"))
	if err != nil || len(texts) != 2 {
		t.Errorf("the outbox holds %d text messages (%v); want the 2 proofs, in quiet hours too", len(texts), err)
	}

	list := mustCrier(t, "--config", cfg, "notices", "list")
	if strings.Contains(list, "\n2 ") || strings.Contains(list, "\n3 ") || !strings.Contains(list, "\n1 ") {
		t.Errorf("notices list shows a proof, or not the notice:\n%s", list)
	}
	wantCounts(t, reportCounts(t, mustCrier(t, "--config", cfg, "report", "1")), "email", map[string]int{"TOTAL": 14, "QUEUED": 14})
	if out := mustCrier(t, "--config", cfg, "report", "2"); !strings.Contains(out, "PROOF: sent by crier send --proof") {
		t.Errorf("report of a proof does not say it is one:\n%s", out)
	}
	if out := mustCrier(t, "--config", cfg, "notices", "show", "2"); !strings.Contains(out, "PROOF: sent by crier send --proof") ||
		!strings.Contains(out, "audience:  the --proof addresses only, no customer") {
		t.Errorf("notices show of a proof does not say it is one, sent to no customer:\n%s", out)
	}
}

// TestSendProofWokenServe: with crier serve running (its poll an hour),
// send --proof hands the proof to the server, which sends it to Mailpit;
// the send command does not send it itself.
func TestSendProofWokenServe(t *testing.T) {
	if testing.Short() {
		t.Skip("builds crier and runs crier serve")
	}
	mp := testenv.Mailpit(t)
	bin := buildCrier(t)
	cfg := serveConfig(t, mp, "[dispatch]\npoll = \"1h\"\n")
	srv := startServe(t, bin, cfg)
	out := runBin(t, bin, cfg, append([]string{"send", "boil-water-advisory", "--channels", "email", "--lang", "en", "--proof", "coordinator@clearwater.example"}, readmeValues...)...)
	if !strings.Contains(out, "proof 1 (en) of boil-water-advisory queued: email to coordinator@clearwater.example") ||
		!strings.Contains(out, "crier serve ("+srv.admin+") has it now") || strings.Contains(out, "sent ->") {
		t.Errorf("send --proof does not hand the proof to the server:\n%s", out)
	}
	waitFor(t, 30*time.Second, "the proof in Mailpit", func() bool { return len(mp.Messages(t)) == 1 }, srv.log)
	if _, err := srv.stop(t, syscall.SIGTERM, 20*time.Second); err != nil {
		t.Errorf("crier serve exited with %v after SIGTERM; want 0\n%s", err, srv.log())
	}
}
