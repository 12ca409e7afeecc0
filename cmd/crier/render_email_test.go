package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crier-notices/crier/internal/emltest"
)

// TestRenderEmailLogoAndLink renders the README's boil water advisory in
// Spanish with a logo configured and --url: email.eml carries the logo as
// an inline part and the link in its text part, in Spanish; email.html,
// opened alone in a browser, shows the logo from its own bytes; the SMS
// is GSM-7 (the template's sms_gsm7).
func TestRenderEmailLogoAndLink(t *testing.T) {
	cfg := writeConfig(t, clearwaterConfig+`logo = "logo.png"`+"\n")
	writePNG(t, filepath.Join(filepath.Dir(cfg), "logo.png"))
	logo, err := os.ReadFile(filepath.Join(filepath.Dir(cfg), "logo.png"))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	const url = "https://water.clearwater.example/n/42"
	code, stdout, stderr := crier(t, append([]string{"--config", cfg}, append(boilArgs, "--lang", "es", "--out", out, "--url", url)...)...)
	if code != 0 {
		t.Fatalf("exit %d:\n%s%s", code, stdout, stderr)
	}
	eml, err := os.ReadFile(filepath.Join(out, "email.eml"))
	if err != nil {
		t.Fatal(err)
	}
	e := emltest.Read(t, eml)
	if len(e.Inline) != 1 || string(e.Inline[0].Data) != string(logo) {
		t.Errorf("email.eml has %d inline parts; want the logo", len(e.Inline))
	}
	if want := "Lea este aviso en línea: " + url + "\n"; !strings.Contains(e.Text, want) {
		t.Errorf("the text part lacks %q:\n%s", want, e.Text)
	}
	html, err := os.ReadFile(filepath.Join(out, "email.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(html), `<img src="data:image/png;base64,`) || strings.Contains(string(html), "cid:") {
		t.Errorf("email.html does not show the logo from its own bytes")
	}
	if !strings.Contains(stdout, "GSM-7") {
		t.Errorf("the Spanish SMS is not GSM-7:\n%s", stdout)
	}
}
