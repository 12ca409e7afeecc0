package main

import (
	"bytes"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// configSetup writes clearwaterConfig with extra before it (top-level keys
// and tables) and quiet hours off as crier.toml in a new folder, imports
// examples/customers.csv and returns the configuration's path.
func configSetup(t *testing.T, extra string) string {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "crier.toml")
	putFile(t, cfg, extra+clearwaterConfig+"\n[schedule]\nquiet_hours = \"off\"\n")
	customers, err := filepath.Abs(filepath.Join("..", "..", "examples", "customers.csv"))
	if err != nil {
		t.Fatal(err)
	}
	mustCrier(t, "--config", cfg, "contacts", "import", customers, "--list", "customers")
	return cfg
}

func putFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSendRefusesWhatDispatchWouldRefuse: a configuration whose mistake
// would stop every message is refused by crier send and crier campaigns
// add and edit, naming the key, before anything is queued or stored.
func TestSendRefusesWhatDispatchWouldRefuse(t *testing.T) {
	nonTerminalStdin(t)
	tests := []struct {
		name, config, want string
	}{
		{"public_url plain http to another machine", "public_url = \"http://notices.clearwater.example\"\n", `public_url: "http://notices.clearwater.example": give a full https:// address`},
		{"twilio api_url plain http to another machine", "[twilio]\naccount_sid = \"" + testSID + "\"\nfrom = \"+13155550142\"\napi_url = \"http://10.0.0.7:4010\"\n", "[twilio] api_url"},
		{"smtp from not an address", "[smtp]\nhost = \"127.0.0.1\"\nfrom = \"Clearwater Water\"\n", "[smtp] from"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearSecrets(t)
			cfg := configSetup(t, "")
			bad := filepath.Join(filepath.Dir(cfg), "bad.toml")
			putFile(t, bad, "database = \"crier.db\"\n"+tt.config+clearwaterConfig) // the same store
			code, stdout, stderr := crier(t, append([]string{"--config", bad}, sendArgs("--list", "customers", "--channels", "email,sms", "--yes")...)...)
			if code == 0 || !strings.Contains(stderr, tt.want) {
				t.Fatalf("send: exit %d; want a refusal saying %q\n%s%s", code, tt.want, stdout, stderr)
			}
			if out := mustCrier(t, "--config", cfg, "notices", "list"); strings.Contains(out, "boil-water-advisory") {
				t.Errorf("a notice was created:\n%s", out)
			}
			code, stdout, stderr = crier(t, "--config", bad, "campaigns", "add", "flushing", "--template", "hydrant-flushing", "--schedule", "0 9 1 4 *",
				"--list", "customers", "--channels", "email,sms", "--set", "area=Zone 4", "--set", "start_date=April 13, 2027", "--set", "end_date=April 24, 2027",
				"--set", "start_time=8:00 AM", "--set", "end_time=3:30 PM", "--set", "days=weekdays")
			if code == 0 || !strings.Contains(stderr, tt.want) {
				t.Fatalf("campaigns add: exit %d; want a refusal saying %q\n%s%s", code, tt.want, stdout, stderr)
			}
			if out := mustCrier(t, "--config", cfg, "campaigns", "list"); strings.Contains(out, "flushing") {
				t.Errorf("a campaign was created:\n%s", out)
			}
			code, stdout, stderr = crier(t, "--config", bad, "campaigns", "edit", "flushing", "--set", "area=Zone 5")
			if code == 0 || !strings.Contains(stderr, tt.want) {
				t.Errorf("campaigns edit: exit %d; want a refusal saying %q\n%s%s", code, tt.want, stdout, stderr)
			}
		})
	}
}

// TestPublicURLOnLoopbackSends is the newcomer's loop on one machine:
// public_url = "http://127.0.0.1:9999" is accepted, and every email goes
// out with its preferences link on that address; none fails. The notice
// is an emergency, so no email carries the one-click header.
func TestPublicURLOnLoopbackSends(t *testing.T) {
	nonTerminalStdin(t)
	clearSecrets(t)
	cfg := configSetup(t, "public_url = \"http://127.0.0.1:9999\"\n")
	mustCrier(t, append([]string{"--config", cfg}, sendArgs("--list", "customers", "--channels", "email", "--yes")...)...)
	mustCrier(t, "--config", cfg, "dispatch")
	out := mustCrier(t, "--config", cfg, "report", "1")
	counts := reportCounts(t, out)
	if n := counts["email"]["TOTAL"]; n == 0 || counts["email"]["SENT"] != n || counts["email"]["FAILED"] != 0 {
		t.Fatalf("report:\n%s\nwant every email sent", out)
	}
	emls, _ := filepath.Glob(filepath.Join(filepath.Dir(cfg), "outbox", "email", "*.eml"))
	if len(emls) != counts["email"]["TOTAL"] {
		t.Fatalf("%d emails in the outbox; want %d", len(emls), counts["email"]["TOTAL"])
	}
	for _, f := range emls {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := mail.ReadMessage(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Header.Get("List-Unsubscribe"); got != "" {
			t.Errorf("%s: an emergency's email has List-Unsubscribe %q; want none", f, got)
		}
		// The body is quoted-printable: join its soft line breaks.
		body := strings.NewReplacer("=\r\n", "", "=\n", "").Replace(string(data))
		if !strings.Contains(body, "http://127.0.0.1:9999/unsubscribe/") {
			t.Errorf("%s: no preferences link on http://127.0.0.1:9999", f)
		}
	}
}

// TestNoticeFaultAtDispatchPausesThenResumes: a fault that shows only at
// dispatch and is the notice's, not a recipient's (its custom template
// changed after sending, so the values no longer fill it), pauses the
// channels with the reason and fails nobody; once the template is put
// back, crier notices resume sends every message.
func TestNoticeFaultAtDispatchPausesThenResumes(t *testing.T) {
	nonTerminalStdin(t)
	clearSecrets(t)
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "water-main-repair.md")
	const fields = "fields:\n  - name: street\n    label: Street\n    type: text\n    required: true\n    example: Elm Street\n"
	const good = "---\ntitle: Water Main Repair\ncategory: service\nsubject: \"Water main repair on {{.street}}\"\nsms: \"{{.utility.name}}: water main repair on {{.street}} today.\"\n" + fields + "---\n# Water main repair on {{.street}}\n\nCrews repair the main on {{.street}} today.\n"
	changed := strings.Replace(good, fields, fields+"  - name: hours\n    label: Hours\n    type: text\n    required: true\n    example: 9 AM to 3 PM\n", 1)
	changed = strings.Replace(changed, "today.\n", "today, {{.hours}}.\n", 1)
	putFile(t, tmpl, good)
	cfg := configSetup(t, "templates_dir = \""+dir+"\"\n")

	mustCrier(t, "--config", cfg, "send", "water-main-repair", "--set", "street=Oak Hill Road", "--list", "customers", "--channels", "email,sms", "--yes")
	putFile(t, tmpl, changed)
	code, stdout, stderr := crier(t, "--config", cfg, "dispatch")
	if code != 1 || !strings.Contains(stderr, "email paused") || !strings.Contains(stderr, "crier notices resume 1") {
		t.Fatalf("dispatch: exit %d; want 1, the email paused and how to resume\n%s%s", code, stdout, stderr)
	}
	out := mustCrier(t, "--config", cfg, "report", "1")
	counts := reportCounts(t, out)
	for _, ch := range []string{"email", "sms"} {
		if n := counts[ch]["TOTAL"]; n == 0 || counts[ch]["QUEUED"] != n || counts[ch]["FAILED"] != 0 {
			t.Errorf("%s after the dispatch: %v; want every message queued, none failed\n%s", ch, counts[ch], out)
		}
	}
	if !strings.Contains(out, "Hours") && !strings.Contains(out, "hours") {
		t.Errorf("report does not say why:\n%s", out)
	}

	putFile(t, tmpl, good)
	mustCrier(t, "--config", cfg, "notices", "resume", "1")
	mustCrier(t, "--config", cfg, "dispatch")
	out = mustCrier(t, "--config", cfg, "report", "1")
	counts = reportCounts(t, out)
	for _, ch := range []string{"email", "sms"} {
		if n := counts[ch]["TOTAL"]; counts[ch]["SENT"] != n || counts[ch]["FAILED"] != 0 {
			t.Errorf("%s after the resume: %v; want all %d sent, none failed\n%s", ch, counts[ch], n, out)
		}
	}
}

// TestStoppingDespiteAConfigurationMistake: a configuration that became
// wrong after a notice was sent (a public_url made plain http:// to
// another machine, which an older Crier accepted) stops every command that
// makes messages, but never the coordinator's cancel, nor the report.
func TestStoppingDespiteAConfigurationMistake(t *testing.T) {
	nonTerminalStdin(t)
	cfg := exampleSetup(t)
	mustCrier(t, append([]string{"--config", cfg}, sendArgs("--list", "customers", "--channels", "email", "--yes")...)...)
	body, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, append([]byte("public_url = \"http://notices.clearwater.example\"\n"), body...), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"dispatch"}, sendArgs("--list", "customers", "--channels", "email", "--yes")} {
		if code, _, stderr := crier(t, append([]string{"--config", cfg}, args...)...); code == 0 || !strings.Contains(stderr, "public_url") {
			t.Errorf("crier %s with the mistake: exit %d\n%s; want a refusal naming public_url", args[0], code, stderr)
		}
	}
	for _, args := range [][]string{{"notices", "cancel", "1"}, {"report", "1"}, {"notices", "list"}} {
		code, stdout, stderr := crier(t, append([]string{"--config", cfg}, args...)...)
		if code != 0 || !strings.Contains(stderr, "warning") || !strings.Contains(stderr, "public_url") {
			t.Errorf("crier %s with the mistake: exit %d\n%s%s; want it done, with a warning naming public_url", strings.Join(args, " "), code, stdout, stderr)
		}
	}
	if out := mustCrier(t, "--config", cfg, "report", "1"); !strings.Contains(out, "cancelled") {
		t.Errorf("report after the cancel:\n%s", out)
	}
}
