package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// withPublicURL sets public_url in the example configuration cfg.
func withPublicURL(t *testing.T, cfg string) {
	t.Helper()
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.Replace(string(data), `# public_url = "https://notices.clearwater.example"`, `public_url = "https://notices.clearwater.example"`, 1))
	if err := os.WriteFile(cfg, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

var pageLine = regexp.MustCompile(`(?m)^page: +(https://notices\.clearwater\.example/n/[a-z0-9]{10})( \(it answers once the notice goes out\))?$`)

// TestNoticesShowGivesThePage: with public_url, notices show prints the
// page the notice's texts link to, each in its own language, which send's
// confirmation showed in the text (and says when a scheduled one's page
// answers); without it, no page line.
func TestNoticesShowGivesThePage(t *testing.T) {
	nonTerminalStdin(t)
	cfg := exampleSetup(t)
	mustCrier(t, append([]string{"--config", cfg}, sendArgs("--list", "customers", "--channels", "sms", "--yes")...)...)
	if out := mustCrier(t, "--config", cfg, "notices", "show", "1"); strings.Contains(out, "page:") {
		t.Errorf("without public_url, notices show gives a page:\n%s", out)
	}

	withPublicURL(t, cfg)
	sent := mustCrier(t, append([]string{"--config", cfg}, sendArgs("--list", "customers", "--channels", "sms", "--yes")...)...)
	mustCrier(t, "--config", cfg, "dispatch")
	out := mustCrier(t, "--config", cfg, "notices", "show", "2")
	m := pageLine.FindStringSubmatch(out)
	if m == nil || m[2] != "" {
		t.Fatalf("notices show gives no page:\n%s", out)
	}
	if !strings.Contains(sent, "Info: (315) 555-0142 "+m[1]+"/en\n") {
		t.Errorf("send's confirmation does not show the text as sent, with its page %s:\n%s", m[1], sent)
	}
	texts, _ := filepath.Glob(filepath.Join(filepath.Dir(cfg), "outbox", "sms", "2-*.json"))
	if len(texts) == 0 {
		t.Fatal("no text message of notice 2 in the outbox")
	}
	for _, f := range texts {
		if data, _ := os.ReadFile(f); !strings.Contains(string(data), m[1]+`/en"`) && !strings.Contains(string(data), m[1]+`/es"`) {
			t.Errorf("%s does not link the page %s notices show gives:\n%s", filepath.Base(f), m[1], data)
		}
	}

	at := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
	mustCrier(t, append([]string{"--config", cfg}, sendArgs("--list", "customers", "--channels", "sms", "--at", at.Format("2006-01-02 15:04"), "--yes")...)...)
	if m := pageLine.FindStringSubmatch(mustCrier(t, "--config", cfg, "notices", "show", "3")); m == nil || m[2] == "" {
		t.Errorf("notices show of a scheduled notice does not say its page answers once it goes out")
	}
}

// TestRenderURLIsTheTextsLink: crier render --url gives the notice's
// address to the text message's {{.notice.url}} too, as the QR code's.
func TestRenderURLIsTheTextsLink(t *testing.T) {
	cfg := writeConfig(t, clearwaterConfig)
	out := t.TempDir()
	mustCrier(t, append([]string{"--config", cfg}, append(boilArgs, "--out", out, "--url", "https://water.clearwater.example/n/42")...)...)
	sms, err := os.ReadFile(filepath.Join(out, "sms.txt"))
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(sms)), "Info: (315) 555-0142 https://water.clearwater.example/n/42") {
		t.Errorf("sms.txt = %q, %v; want it to end with the phone and the page", sms, err)
	}
}
