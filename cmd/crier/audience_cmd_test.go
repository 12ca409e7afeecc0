package main

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/crier-notices/crier/notices"
)

// contactsStore writes a configuration naming a fresh database, fills it
// with a few contacts, and returns the configuration's path.
func contactsStore(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "crier.db")
	cfg := writeConfig(t, "database = \""+db+"\"\n")
	ctx := context.Background()
	s, err := notices.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, c := range []notices.Contact{
		{Account: "A-1", Name: "Ana Díaz", Email: "ana@example.org", Mobile: "+13155550142", Zone: "4", ServiceAddress: "12 Elm Street",
			Tags: []string{"senior"}, Language: "es", Attributes: map[string]string{"meter": "M-77"}},
		{Account: "A-2", Name: "=Bo", Email: "bo@example.org", Zone: "4", ServiceAddress: "14 ELM STREET", SMSState: notices.Unsubscribed, Mobile: "+13155550143"},
		{Account: "A-3", Name: "Cy", PostalAddress: "PO Box 3", Zone: "2", ServiceAddress: "3 Oak Avenue"},
	} {
		if _, err := s.SaveContact(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	return cfg
}

// row finds the counts line of channel ch in the audience table.
func row(out, ch string) string {
	m := regexp.MustCompile(`(?m)^` + ch + ` .*$`).FindString(out)
	return strings.Join(strings.Fields(m), " ")
}

func TestAudienceCommand(t *testing.T) {
	cfg := contactsStore(t)
	if code, stdout, stderr := crier(t, "--config", cfg, "contacts", "suppress", "ANA@example.org", "--reason", "hard-bounce"); code != 0 {
		t.Fatalf("suppress: exit %d\n%s%s", code, stdout, stderr)
	}
	tests := []struct {
		name string
		args []string
		want []string // lines: contacts, then email, sms, print rows
	}{
		{"all contacts", nil, []string{"3 contact(s)", "email 1 1 1 0", "sms 1 1 0 1", "print 1 0 - -"}},
		{"zone 4 and elm", []string{"--zone", "4", "--street", "elm"}, []string{"2 contact(s)", "email 1 0 1 0", "sms 1 0 0 1", "print 0 0 - -"}},
		{"tag", []string{"--tag", "senior"}, []string{"1 contact(s)", "email 0 0 1 0", "sms 1 0 0 0"}},
		{"language by name", []string{"--language", "Spanish"}, []string{"1 contact(s)"}},
		{"attribute", []string{"--attr", "meter=M-77"}, []string{"1 contact(s)"}},
		{"a comma is part of the value", []string{"--street", "Elm Street, Oak"}, []string{"0 contact(s)"}},
		{"has sms", []string{"--has", "sms"}, []string{"2 contact(s)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := crier(t, append([]string{"--config", cfg, "audience"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
			}
			if !strings.Contains(stdout, "\n"+tc.want[0]+"\n") {
				t.Errorf("want %q:\n%s", tc.want[0], stdout)
			}
			for _, w := range tc.want[1:] {
				ch, _, _ := strings.Cut(w, " ")
				if got := row(stdout, ch); got != w {
					t.Errorf("%s row %q; want %q\n%s", ch, got, w, stdout)
				}
			}
		})
	}
	code, _, stderr := crier(t, "--config", cfg, "audience", "--list", "nowhere")
	if code != 1 || !strings.Contains(stderr, `no list named "nowhere"`) {
		t.Errorf("unknown list: exit %d %s", code, stderr)
	}
	code, _, stderr = crier(t, "--config", cfg, "audience", "--has", "fax")
	if code != 2 {
		t.Errorf("bad channel: exit %d %s", code, stderr)
	}
}

func TestListsCommands(t *testing.T) {
	cfg := contactsStore(t)
	steps := []struct {
		name   string
		args   []string
		code   int
		output string
	}{
		{"create", []string{"lists", "create", "hospitals"}, 0, "created list hospitals"},
		{"duplicate", []string{"lists", "create", "hospitals"}, 1, `a list named "hospitals" exists already`},
		{"add", []string{"lists", "add", "hospitals", "A-1", "A-3"}, 0, "added 2 contact(s) to hospitals"},
		{"add unknown", []string{"lists", "add", "hospitals", "A-9"}, 1, `no contact with account "A-9"`},
		{"list", []string{"lists", "list"}, 0, "hospitals  2"},
		{"audience of the list", []string{"audience", "--list", "hospitals"}, 0, "2 contact(s)"},
		{"remove", []string{"lists", "remove", "hospitals", "A-3"}, 0, "removed 1 contact(s) from hospitals"},
		{"delete", []string{"lists", "delete", "hospitals"}, 0, "deleted list hospitals (its 1 contact(s) stay)"},
		{"delete again", []string{"lists", "delete", "hospitals"}, 1, `no list named "hospitals"`},
		{"contacts stay", []string{"contacts", "list"}, 0, "3 contact(s)"},
	}
	for _, st := range steps {
		code, stdout, stderr := crier(t, append([]string{"--config", cfg}, st.args...)...)
		if code != st.code || !strings.Contains(stdout+stderr, st.output) {
			t.Errorf("%s: exit %d; want %d and %q\n%s%s", st.name, code, st.code, st.output, stdout, stderr)
		}
	}
}

func TestSuppressResubscribeCommands(t *testing.T) {
	cfg := contactsStore(t)
	t.Setenv("USER", "maria")
	steps := []struct {
		name   string
		args   []string
		code   int
		output string
	}{
		{"suppress a national number", []string{"contacts", "suppress", "(315) 555-0142", "--reason", "stop-reply", "--note", "replied STOP"}, 0, "suppressed +13155550142 (stop-reply)"},
		{"again", []string{"contacts", "suppress", "+13155550142"}, 0, "+13155550142 was already suppressed (stop-reply, since 2"},
		{"bad reason", []string{"contacts", "suppress", "+13155550142", "--reason", "annoyed"}, 2, "--reason"},
		{"bad address", []string{"contacts", "suppress", "ana@"}, 1, "not an email address"},
		{"audience excludes it", []string{"audience", "--has", "sms"}, 0, "sms 0 0 1 1"},
		{"resubscribe needs a reason", []string{"contacts", "resubscribe", "+13155550142"}, 2, "--reason"},
		{"resubscribe", []string{"contacts", "resubscribe", "3155550142", "--reason", "customer called on 2026-11-28"}, 0,
			"recorded: resubscribed by maria because \"customer called on 2026-11-28\""},
		{"resubscribe again", []string{"contacts", "resubscribe", "+13155550142", "--reason", "x"}, 1, "nothing to resubscribe"},
		{"resubscribe an unsubscribed contact", []string{"contacts", "resubscribe", "+13155550143", "--reason", "signed form", "--by", "jo"}, 0,
			"subscribed 1 contact(s) with this address to sms again"},
		{"audience reaches both", []string{"audience", "--has", "sms"}, 0, "sms 2 0 0 0"},
	}
	for _, st := range steps {
		code, stdout, stderr := crier(t, append([]string{"--config", cfg}, st.args...)...)
		out := stdout + stderr
		if st.name == "audience excludes it" || st.name == "audience reaches both" {
			out = row(stdout, "sms")
		}
		if code != st.code || !strings.Contains(out, st.output) {
			t.Errorf("%s: exit %d; want %d and %q\n%s%s", st.name, code, st.code, st.output, stdout, stderr)
		}
	}
	s, err := notices.Open(context.Background(), strings.TrimSuffix(strings.TrimPrefix(mustRead(t, cfg), "database = \""), "\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h, err := s.SuppressionHistory(context.Background(), "+13155550142")
	if err != nil || len(h) != 2 || h[0].By != "maria" || h[0].Reason != "stop-reply: replied STOP" || h[1].By != "maria" || h[1].Reason != "customer called on 2026-11-28" {
		t.Errorf("history %+v %v", h, err)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestContactsExportCommand(t *testing.T) {
	cfg := contactsStore(t)
	code, stdout, stderr := crier(t, "--config", cfg, "contacts", "export")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	recs, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := "account,name,email,mobile,landline,postal_address,service_address,zone,tags,language,email_state,sms_state,meter"
	if len(recs) != 4 || strings.Join(recs[0], ",") != wantHeader {
		t.Fatalf("export:\n%s", stdout)
	}
	if recs[1][3] != "+13155550142" || recs[2][1] != "'=Bo" || recs[2][11] != "unsubscribed" || recs[1][12] != "M-77" || recs[1][8] != "senior" {
		t.Errorf("rows: %q", recs[1:])
	}

	out := filepath.Join(t.TempDir(), "north.csv")
	crier(t, "--config", cfg, "lists", "create", "north")
	crier(t, "--config", cfg, "lists", "add", "north", "A-3")
	code, stdout, stderr = crier(t, "--config", cfg, "contacts", "export", "--list", "north", "--out", out)
	if code != 0 || stdout != "" || !strings.Contains(stderr, "exported 1 contact(s) to "+out) {
		t.Fatalf("export --list --out: exit %d\n%s%s", code, stdout, stderr)
	}
	if got := mustRead(t, out); !strings.HasPrefix(got, "account,") || !strings.Contains(got, "\nA-3,Cy,") || strings.Count(got, "\n") != 2 {
		t.Errorf("north.csv:\n%s", got)
	}
	code, _, stderr = crier(t, "--config", cfg, "contacts", "export", "--list", "nowhere", "--out", filepath.Join(t.TempDir(), "x.csv"))
	if code != 1 || !strings.Contains(stderr, `no list named "nowhere"`) {
		t.Errorf("unknown list: exit %d %s", code, stderr)
	}
}

func TestSuppressionsCommand(t *testing.T) {
	cfg := contactsStore(t)
	if code, _, stderr := crier(t, "--config", cfg, "contacts", "suppress", "(315) 555-0142", "--reason", "stop-reply", "--by", "twilio"); code != 0 {
		t.Fatalf("suppress: %s", stderr)
	}
	code, stdout, _ := crier(t, "--config", cfg, "contacts", "show", "A-1")
	if code != 0 || !strings.Contains(stdout, "+13155550142 (suppressed: stop-reply on ") {
		t.Errorf("show must say the mobile is suppressed:\n%s", stdout)
	}
	code, stdout, _ = crier(t, "--config", cfg, "contacts", "suppressions")
	if code != 0 || !regexp.MustCompile(`\+13155550142 +sms +stop-reply +twilio`).MatchString(stdout) || !strings.Contains(stdout, "1 suppressed address(es)") {
		t.Errorf("suppressions:\n%s", stdout)
	}
	if code, _, stderr := crier(t, "--config", cfg, "contacts", "resubscribe", "+13155550142", "--reason", "customer called", "--by", "Maria"); code != 0 {
		t.Fatalf("resubscribe: %s", stderr)
	}
	// A-2 had unsubscribed from texts: resubscribing subscribes it again,
	// and its record says when, how and by whom.
	if code, _, stderr := crier(t, "--config", cfg, "contacts", "resubscribe", "+13155550143", "--reason", "asked for texts again", "--by", "Maria"); code != 0 {
		t.Fatalf("resubscribe: %s", stderr)
	}
	code, stdout, _ = crier(t, "--config", cfg, "contacts", "show", "A-2")
	if code != 0 || !regexp.MustCompile(`subscription changes:\n.* sms +subscribed +resubscribe: asked for texts again by Maria`).MatchString(stdout) {
		t.Errorf("show must list the subscription changes:\n%s", stdout)
	}
	code, stdout, _ = crier(t, "--config", cfg, "contacts", "suppressions", "315-555-0142")
	if code != 0 || !strings.Contains(stdout, "suppressed") || !regexp.MustCompile(`resubscribed +customer called +by Maria`).MatchString(stdout) {
		t.Errorf("history:\n%s", stdout)
	}
}
