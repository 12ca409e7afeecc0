package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crier-notices/crier/config"
	"github.com/crier-notices/crier/internal/testenv"
)

// TestLogsShortenAddresses: the SMTP server's refusal, which names the
// recipient, and Twilio's, which names the number, reach crier dispatch
// -v's log (every level) shortened; crier report keeps them whole for the
// coordinator.
func TestLogsShortenAddresses(t *testing.T) {
	nonTerminalStdin(t)
	const refusedEmail, refusedNumber = "bo.chen@example.org", "+13155550105"
	mp := testenv.Mailpit(t, "--smtp-allowed-recipients", `^[^b]`) // refuses bo.chen@ only
	twilio := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		to := r.PostForm.Get("To")
		w.Header().Set("Content-Type", "application/json")
		if to == refusedNumber {
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]any{"code": 21211, "message": "Invalid 'To' Phone Number: " + to, "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400})
			return
		}
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]any{"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued", "to": to})
	}))
	t.Cleanup(twilio.Close)

	host, port := mp.SMTPAddr()
	cfg := filepath.Join(t.TempDir(), "crier.toml")
	body := clearwaterConfig + fmt.Sprintf(`
[schedule]
quiet_hours = "off"
[smtp]
host = %q
port = %d
tls = "none"
[twilio]
account_sid = %q
from = "+13155550100"
rate = 0
api_url = %q
`, host, port, testSID, twilio.URL)
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(config.EnvTwilioToken, testSecret)
	customers, err := filepath.Abs(filepath.Join("..", "..", "examples", "customers.csv"))
	if err != nil {
		t.Fatal(err)
	}
	mustCrier(t, "--config", cfg, "contacts", "import", customers, "--list", "customers")
	mustCrier(t, append([]string{"--config", cfg}, sendArgs("--list", "customers", "--channels", "email,sms", "--yes")...)...)

	code, stdout, stderr := crier(t, "--config", cfg, "dispatch", "-v")
	if code != 0 {
		t.Fatalf("dispatch: exit %d\n%s%s", code, stdout, stderr)
	}
	t.Logf("dispatch -v says:\n%s", stderr)
	for _, whole := range []string{refusedEmail, refusedNumber, "3155550105", "555-0105"} {
		if strings.Contains(stderr, whole) {
			t.Errorf("the log shows %s whole:\n%s", whole, stderr)
		}
	}
	for _, short := range []string{"bo…@example.org", "Invalid 'To' Phone Number: …0105"} {
		if !strings.Contains(stderr, short) {
			t.Errorf("the log lacks the refusal %q:\n%s", short, stderr)
		}
	}
	report := mustCrier(t, "--config", cfg, "report", "1")
	for _, whole := range []string{refusedEmail, "Invalid 'To' Phone Number: " + refusedNumber} {
		if !strings.Contains(report, whole) {
			t.Errorf("the report lacks %q:\n%s", whole, report)
		}
	}
}
