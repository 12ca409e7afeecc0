package config

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/channels/email"
	"github.com/crier-notices/crier/channels/outbox"
	printch "github.com/crier-notices/crier/channels/print"
	"github.com/crier-notices/crier/channels/sms"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
)

// Test values: a Twilio account SID of the right shape, and a secret
// distinctive enough that finding it in a message is no accident.
const (
	testSID    = "AC0123456789abcdef0123456789abcdef"
	testSecret = "Zx7SecretQ42vWk"
)

// clearSecrets empties the secret variables, whatever the machine has set.
func clearSecrets(t *testing.T) {
	t.Helper()
	for _, name := range []string{EnvSMTPPassword, EnvTwilioToken, EnvDatabaseURL} {
		t.Setenv(name, "")
		t.Setenv(name+"_FILE", "")
	}
}

// channelConfig loads body and the example utility as crier.toml in a new
// folder and returns the dispatcher's configuration built from it with the
// environment env.
func channelConfig(t *testing.T, body string, env map[string]string) (Config, scheduler.Config, func() error, error) {
	t.Helper()
	return bareChannelConfig(t, body+clearwaterConfig, env)
}

// bareChannelConfig is channelConfig without the example utility.
func bareChannelConfig(t *testing.T, body string, env map[string]string) (Config, scheduler.Config, func() error, error) {
	t.Helper()
	clearSecrets(t)
	for k, v := range env {
		t.Setenv(k, v)
	}
	cfg, err := Load(writeConfig(t, body))
	if err != nil {
		return cfg, scheduler.Config{}, nil, err
	}
	u, err := cfg.LoadUtility()
	if err != nil {
		t.Fatal(err)
	}
	sc, closeFn, err := cfg.DispatchConfig(nil, u)
	return cfg, sc, closeFn, err
}

func TestChannelConfigDefaults(t *testing.T) {
	cfg, sc, closeFn, err := channelConfig(t, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	dir := filepath.Dir(cfg.file)

	mail, ok := sc.Channels[notices.Email].Sender.(*outbox.Outbox)
	if !ok || mail.Dir != filepath.Join(dir, "outbox") {
		t.Errorf("email goes to %#v; want the outbox in %s", sc.Channels[notices.Email].Sender, filepath.Join(dir, "outbox"))
	}
	text, ok := sc.Channels[notices.SMS].Sender.(*outbox.Outbox)
	if !ok || text.Dir != filepath.Join(dir, "outbox") || text.From != "+13155550142" {
		t.Errorf("sms goes to %#v; want the outbox in %s from the utility's phone +13155550142", sc.Channels[notices.SMS].Sender, filepath.Join(dir, "outbox"))
	}
	if p, ok := sc.Channels[notices.Print].Sender.(*printch.Printer); !ok || p.Dir != filepath.Join(dir, "print") {
		t.Errorf("print goes to %#v; want the print channel in %s", sc.Channels[notices.Print].Sender, filepath.Join(dir, "print"))
	}
	for _, ch := range []notices.Channel{notices.Email, notices.SMS, notices.Print} {
		if c := sc.Channels[ch]; c.Concurrency != 4 || c.Rate != 0 {
			t.Errorf("%s: concurrency %d, rate %v; want 4 and no limit", ch, c.Concurrency, c.Rate)
		}
	}
	if want := `"Clearwater County Water Board" <notices@clearwater.example>`; sc.From != want {
		t.Errorf("From %q; want %q", sc.From, want)
	}
	if sc.PublicURL != "" || sc.ReplyTo != "" {
		t.Errorf("PublicURL %q, ReplyTo %q; want neither", sc.PublicURL, sc.ReplyTo)
	}
	if sc.MaxAttempts != 8 || sc.MaxAge != 24*time.Hour || sc.Lease != 2*time.Minute || sc.Backoff != 5*time.Second ||
		sc.MaxBackoff != 10*time.Minute || sc.PauseAfter != 25 || sc.Poll != time.Minute ||
		sc.QuietHours.String() != "21:00-08:00 America/New_York" {
		t.Errorf("dispatch settings %+v; want the defaults", sc)
	}

	names := cfg.ChannelNames()
	for ch, want := range map[notices.Channel]string{
		notices.Email: "outbox folder " + filepath.Join(dir, "outbox", "email"),
		notices.SMS:   "outbox folder " + filepath.Join(dir, "outbox", "sms"),
		notices.Print: "documents for the mail house in folder " + filepath.Join(dir, "print"),
	} {
		if names[ch] != want {
			t.Errorf("%s: %q; want %q", ch, names[ch], want)
		}
	}
}

// TestChannelConfigNoFile: without a file, the folders are relative to
// the working folder.
func TestChannelConfigNoFile(t *testing.T) {
	clearSecrets(t)
	cfg := Default()
	u, err := cfg.LoadUtility()
	if err != nil {
		t.Fatal(err)
	}
	sc, closeFn, err := cfg.DispatchConfig(nil, u)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	if o, ok := sc.Channels[notices.Email].Sender.(*outbox.Outbox); !ok || o.Dir != "outbox" {
		t.Errorf("email goes to %#v; want the outbox folder outbox", sc.Channels[notices.Email].Sender)
	}
	if got := strings.Join(cfg.ChannelLines(), "\n"); got != "email: outbox folder outbox/email\nsms: outbox folder outbox/sms\nprint: documents for the mail house in folder print" {
		t.Errorf("channel lines:\n%s", got)
	}
}

func TestChannelConfigFolders(t *testing.T) {
	abs := t.TempDir()
	cfg, sc, closeFn, err := channelConfig(t, "outbox_dir = \"mail/out\"\nprint_dir = \""+abs+"\"\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	want := filepath.Join(filepath.Dir(cfg.file), "mail", "out")
	if o := sc.Channels[notices.Email].Sender.(*outbox.Outbox); o.Dir != want {
		t.Errorf("outbox %s; want %s (relative to the file)", o.Dir, want)
	}
	if got := cfg.ChannelNames()[notices.Print]; got != "documents for the mail house in folder "+abs {
		t.Errorf("print: %q; want the absolute folder as given", got)
	}
}

func TestChannelConfigProviders(t *testing.T) {
	tests := []struct {
		name   string
		config string
		env    map[string]string
		check  func(t *testing.T, sc scheduler.Config)
		names  map[notices.Channel]string
	}{
		{
			name:   "smtp without login",
			config: "[smtp]\nhost = \"smtp.example.org\"\n",
			check: func(t *testing.T, sc scheduler.Config) {
				c := sc.Channels[notices.Email]
				if _, ok := c.Sender.(*email.Sender); !ok || c.Concurrency != 4 || c.Rate != 0 {
					t.Errorf("email: %#v; want SMTP, 4 connections, no rate limit", c)
				}
				if _, ok := sc.Channels[notices.SMS].Sender.(*outbox.Outbox); !ok {
					t.Errorf("sms: %#v; want the outbox", sc.Channels[notices.SMS].Sender)
				}
			},
			names: map[notices.Channel]string{notices.Email: "SMTP smtp.example.org:587 (STARTTLS mandatory)"},
		},
		{
			name: "smtp with everything",
			config: `public_url = "https://notices.clearwater.example/"
[smtp]
host = "mail.clearwater.example"
port = 25
tls = "opportunistic"
username = "crier"
from = "Clearwater Water <alerts@clearwater.example>"
reply_to = "help@clearwater.example"
helo = "crier.clearwater.example"
timeout = "1m"
connections = 2
rate = 12.5
`,
			env: map[string]string{EnvSMTPPassword: testSecret},
			check: func(t *testing.T, sc scheduler.Config) {
				c := sc.Channels[notices.Email]
				if _, ok := c.Sender.(*email.Sender); !ok || c.Concurrency != 2 || c.Rate != 12.5 {
					t.Errorf("email: %#v; want SMTP, 2 connections, 12.5 a second", c)
				}
				if sc.From != "Clearwater Water <alerts@clearwater.example>" || sc.ReplyTo != "help@clearwater.example" {
					t.Errorf("From %q, ReplyTo %q", sc.From, sc.ReplyTo)
				}
				if sc.PublicURL != "https://notices.clearwater.example" {
					t.Errorf("PublicURL %q; want it without the trailing slash", sc.PublicURL)
				}
			},
			names: map[notices.Channel]string{notices.Email: "SMTP mail.clearwater.example:25 (STARTTLS when offered), at most 12.5 a second"},
		},
		{
			name:   "smtp without tls",
			config: "[smtp]\nhost = \"127.0.0.1\"\nport = 1025\ntls = \"none\"\n",
			names:  map[notices.Channel]string{notices.Email: "SMTP 127.0.0.1:1025 (no TLS)"},
		},
		{
			name:   "twilio with the defaults",
			config: "[twilio]\naccount_sid = \"" + testSID + "\"\nfrom = \"(315) 555-0100\"\n",
			env:    map[string]string{EnvTwilioToken: testSecret},
			check: func(t *testing.T, sc scheduler.Config) {
				c := sc.Channels[notices.SMS]
				if _, ok := c.Sender.(*sms.Sender); !ok || c.Concurrency != 4 || c.Rate != 1 || c.Burst != 1 {
					t.Errorf("sms: %#v; want Twilio, 4 at once, 1 a second, burst 1", c)
				}
				if _, ok := sc.Channels[notices.Email].Sender.(*outbox.Outbox); !ok {
					t.Errorf("email: %#v; want the outbox", sc.Channels[notices.Email].Sender)
				}
			},
			names: map[notices.Channel]string{notices.SMS: "Twilio from +13155550100, at most 1 a second"},
		},
		{
			name:   "twilio limits",
			config: "[twilio]\naccount_sid = \"" + testSID + "\"\nmessaging_service_sid = \"MG0123456789abcdef0123456789abcdef\"\nconcurrency = 10\nrate = 30\nburst = 5\ntimeout = \"5s\"\n",
			env:    map[string]string{EnvTwilioToken: testSecret},
			check: func(t *testing.T, sc scheduler.Config) {
				c := sc.Channels[notices.SMS]
				if _, ok := c.Sender.(*sms.Sender); !ok || c.Concurrency != 10 || c.Rate != 30 || c.Burst != 5 {
					t.Errorf("sms: %#v; want Twilio, 10 at once, 30 a second, burst 5", c)
				}
			},
			names: map[notices.Channel]string{notices.SMS: "Twilio messaging service MG0123456789abcdef0123456789abcdef, at most 30 a second"},
		},
		{
			name:   "twilio without a rate limit",
			config: "[twilio]\naccount_sid = \"" + testSID + "\"\nfrom = \"CLEARWATER\"\nrate = 0\napi_url = \"http://127.0.0.1:4010\"\n",
			env:    map[string]string{EnvTwilioToken: testSecret},
			check: func(t *testing.T, sc scheduler.Config) {
				if c := sc.Channels[notices.SMS]; c.Rate != 0 {
					t.Errorf("sms rate %v; want none", c.Rate)
				}
			},
			names: map[notices.Channel]string{notices.SMS: "Twilio from CLEARWATER through http://127.0.0.1:4010"},
		},
		{
			name:   "twilio through a proxy with a password",
			config: "[twilio]\naccount_sid = \"" + testSID + "\"\nfrom = \"CLEARWATER\"\nrate = 0\napi_url = \"https://crier:" + testSecret + "@proxy.clearwater.example\"\n",
			env:    map[string]string{EnvTwilioToken: "token"},
			names:  map[notices.Channel]string{notices.SMS: "Twilio from CLEARWATER through https://crier:xxxxx@proxy.clearwater.example"},
		},
		{
			name:   "outbox sms from the twilio from",
			config: "[twilio]\nfrom = \"+13155550100\"\n",
			check: func(t *testing.T, sc scheduler.Config) {
				if o, ok := sc.Channels[notices.SMS].Sender.(*outbox.Outbox); !ok || o.From != "+13155550100" {
					t.Errorf("sms: %#v; want the outbox from +13155550100", sc.Channels[notices.SMS].Sender)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, sc, closeFn, err := channelConfig(t, tt.config, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if tt.check != nil {
				tt.check(t, sc)
			}
			names := cfg.ChannelNames()
			for ch, want := range tt.names {
				if names[ch] != want {
					t.Errorf("%s: %q; want %q", ch, names[ch], want)
				}
			}
			for ch, name := range names {
				if strings.Contains(name, testSecret) {
					t.Errorf("%s: %q shows the secret", ch, name)
				}
			}
			if err := closeFn(); err != nil {
				t.Errorf("close: %v", err)
			}
		})
	}
}

// twilioStub answers Twilio's Messages API and records what it was sent.
type twilioStub struct {
	user, password string
	form           map[string]string
}

func (s *twilioStub) start(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.user, s.password, _ = r.BasicAuth()
		r.ParseForm()
		s.form = map[string]string{}
		for k := range r.PostForm {
			s.form[k] = r.PostForm.Get(k)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]any{"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued"})
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestChannelConfigTwilioSends sends through the configured sender to see
// that the token from the environment or its file, the From number and
// the status callback reach Twilio.
func TestChannelConfigTwilioSends(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(testSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
	}{
		{"token in the variable", map[string]string{EnvTwilioToken: testSecret}},
		{"token in a file", map[string]string{EnvTwilioToken + "_FILE": tokenFile}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stub twilioStub
			config := "public_url = \"https://notices.clearwater.example\"\n[twilio]\naccount_sid = \"" + testSID + "\"\nfrom = \"315-555-0100\"\napi_url = \"" + stub.start(t) + "\"\n"
			_, sc, closeFn, err := channelConfig(t, config, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			defer closeFn()
			_, err = sc.Channels[notices.SMS].Sender.Send(context.Background(), channels.Message{
				ID: "d1", To: "+13155550101", SMS: &channels.SMS{Body: "Boil water advisory", Encoding: "GSM-7", Segments: 1},
			})
			if err != nil {
				t.Fatal(err)
			}
			if stub.user != testSID || stub.password != testSecret {
				t.Errorf("Twilio got the credentials %q, %q; want the account SID and the token", stub.user, stub.password)
			}
			if stub.form["From"] != "+13155550100" || stub.form["StatusCallback"] != "https://notices.clearwater.example/webhooks/twilio/status" {
				t.Errorf("Twilio got From %q, StatusCallback %q", stub.form["From"], stub.form["StatusCallback"])
			}
		})
	}
}

func TestReadSecret(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tests := []struct {
		name    string
		value   string
		file    string
		want    string
		wantErr []string // each in the error
	}{
		{name: "neither"},
		{name: "variable", value: testSecret, want: testSecret},
		{name: "file with a newline", file: write("nl", testSecret+"\n"), want: testSecret},
		{name: "file with CRLF", file: write("crlf", testSecret+"\r\n"), want: testSecret},
		{name: "file without a newline", file: write("bare", testSecret), want: testSecret},
		{name: "both", value: testSecret, file: write("both", testSecret), wantErr: []string{"CRIER_SMTP_PASSWORD and CRIER_SMTP_PASSWORD_FILE", "only one"}},
		{name: "missing file", file: filepath.Join(dir, "nowhere"), wantErr: []string{"CRIER_SMTP_PASSWORD_FILE", filepath.Join(dir, "nowhere"), "no such file"}},
		{name: "a folder", file: dir, wantErr: []string{"CRIER_SMTP_PASSWORD_FILE", dir}},
		{name: "empty file", file: write("empty", "\n"), wantErr: []string{"CRIER_SMTP_PASSWORD_FILE", "empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvSMTPPassword, tt.value)
			t.Setenv(EnvSMTPPassword+"_FILE", tt.file)
			got, err := ReadSecret(EnvSMTPPassword)
			if len(tt.wantErr) == 0 {
				if err != nil || got != tt.want {
					t.Errorf("got %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("got %q; want an error", got)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q; want it to say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Errorf("error %q shows the secret", err)
			}
		})
	}
}

func TestChannelConfigErrors(t *testing.T) {
	twilio := "[twilio]\naccount_sid = \"" + testSID + "\"\nfrom = \"+13155550100\"\n"
	token := map[string]string{EnvTwilioToken: testSecret}
	missing := filepath.Join(os.TempDir(), "crier-no-such-secret")
	tests := []struct {
		name   string
		config string
		env    map[string]string
		want   []string // each in the error
		bare   bool     // without the example utility
	}{
		{"public_url not an address", "public_url = \"notices.example.org\"\n", nil, []string{"public_url", "is not a full web address"}, false},
		{"public_url with a query", "public_url = \"https://notices.example.org/?a=b\"\n", nil, []string{"public_url", "without ? or #"}, false},
		{"public_url with a path", "public_url = \"https://water.clearwater.example/notices\"\n", nil, []string{"public_url", "without a path", "the root"}, false},
		{"smtp host with a port", "[smtp]\nhost = \"smtp.example.org:587\"\n", nil, []string{"[smtp] host", "the port goes in port"}, false},
		{"smtp host as a URL", "[smtp]\nhost = \"smtp://smtp.example.org\"\n", nil, []string{"[smtp] host", "without a scheme"}, false},
		{"smtp port out of range", "[smtp]\nport = 70000\n", nil, []string{"[smtp] port", "70000", "1 to 65535"}, false},
		{"smtp port zero", "[smtp]\nport = 0\n", nil, []string{"[smtp] port"}, false},
		{"smtp tls", "[smtp]\ntls = \"starttls\"\n", nil, []string{"[smtp] tls", `"starttls"`, "mandatory", "opportunistic", "none"}, false},
		{"smtp from", "[smtp]\nfrom = \"Clearwater Water\"\n", nil, []string{"[smtp] from", "is not an email address"}, false},
		{name: "smtp from missing", config: "[smtp]\nhost = \"smtp.example.org\"\n", want: []string{"[smtp] from", "[utility] email"}, bare: true},
		{"smtp reply_to", "[smtp]\nreply_to = \"help at clearwater\"\n", nil, []string{"[smtp] reply_to"}, false},
		{"smtp helo", "[smtp]\nhelo = \"crier host\"\n", nil, []string{"[smtp] helo"}, false},
		{"smtp timeout", "[smtp]\ntimeout = \"30\"\n", nil, []string{"[smtp] timeout", `"30" is not a duration`, `write it like "30s"`}, false},
		{"smtp connections", "[smtp]\nconnections = 0\n", nil, []string{"[smtp] connections", "1 or more"}, false},
		{"smtp rate", "[smtp]\nrate = -1\n", nil, []string{"[smtp] rate", "0 for no limit"}, false},
		{"smtp rate infinite", "[smtp]\nrate = inf\n", nil, []string{"[smtp] rate"}, false},
		{"smtp username without password", "[smtp]\nhost = \"smtp.example.org\"\nusername = \"crier\"\n", nil, []string{"[smtp] username", "CRIER_SMTP_PASSWORD"}, false},
		{"smtp password without username", "[smtp]\nhost = \"smtp.example.org\"\n", map[string]string{EnvSMTPPassword: testSecret}, []string{"CRIER_SMTP_PASSWORD is set", "[smtp] username"}, false},
		{"smtp password without host", "", map[string]string{EnvSMTPPassword: testSecret}, []string{"CRIER_SMTP_PASSWORD is set", "[smtp] host"}, false},
		{"smtp password twice", "[smtp]\nhost = \"smtp.example.org\"\nusername = \"crier\"\n", map[string]string{EnvSMTPPassword: testSecret, EnvSMTPPassword + "_FILE": missing}, []string{"both CRIER_SMTP_PASSWORD and CRIER_SMTP_PASSWORD_FILE"}, false},
		{"smtp password file missing", "[smtp]\nhost = \"smtp.example.org\"\nusername = \"crier\"\n", map[string]string{EnvSMTPPassword + "_FILE": missing}, []string{"CRIER_SMTP_PASSWORD_FILE", missing}, false},
		{"twilio account_sid", "[twilio]\naccount_sid = \"AC123\"\nfrom = \"+13155550100\"\n", token, []string{"[twilio] account_sid", `"AC123"`}, false},
		{"twilio messaging_service_sid", "[twilio]\nmessaging_service_sid = \"MG1\"\n", nil, []string{"[twilio] messaging_service_sid"}, false},
		{"twilio from not a number", "[twilio]\naccount_sid = \"" + testSID + "\"\nfrom = \"(315) 555\"\n", token, []string{"[twilio] from", `"(315) 555"`}, false},
		{"twilio from garbage", "[twilio]\nfrom = \"call us!\"\n", nil, []string{"[twilio] from", `"call us!"`}, false},
		{"twilio from not a phone", "[twilio]\nfrom = \"+1 555\"\n", nil, []string{"[twilio] from", "is not a phone number"}, false},
		{"twilio without a sender", "[twilio]\naccount_sid = \"" + testSID + "\"\n", token, []string{"[twilio] from", "messaging_service_sid"}, false},
		{"twilio api_url", "[twilio]\napi_url = \"ftp://127.0.0.1\"\n", nil, []string{"[twilio] api_url"}, false},
		{"twilio api_url with a path", "[twilio]\napi_url = \"http://127.0.0.1:4010/2010-04-01\"\n", nil, []string{"[twilio] api_url"}, false},
		{"twilio api_url plain http to another machine", "[twilio]\napi_url = \"http://twilio-proxy.clearwater.example\"\n", nil, []string{"[twilio] api_url", "auth token", "use https://"}, false},
		{"twilio api_url plain http with a password", "[twilio]\napi_url = \"http://crier:" + testSecret + "@10.0.0.7:8080\"\n", nil, []string{"[twilio] api_url", "use https://"}, false},
		{"public_url plain http to another machine", "public_url = \"http://notices.clearwater.example\"\n", nil, []string{"public_url", "https://", "unsubscribe"}, false},
		{"smtp tls none with a login to another machine", "[smtp]\nhost = \"smtp.clearwater.example\"\ntls = \"none\"\nusername = \"crier\"\n", map[string]string{EnvSMTPPassword: testSecret}, []string{"[smtp] tls", "unencrypted", "mandatory"}, false},
		{"twilio timeout", "[twilio]\ntimeout = \"soon\"\n", nil, []string{"[twilio] timeout", `"15s"`}, false},
		{"twilio concurrency", "[twilio]\nconcurrency = -2\n", nil, []string{"[twilio] concurrency"}, false},
		{"twilio rate", "[twilio]\nrate = -0.5\n", nil, []string{"[twilio] rate"}, false},
		{"twilio burst", "[twilio]\nburst = -1\n", nil, []string{"[twilio] burst"}, false},
		{"twilio without a token", twilio, nil, []string{"[twilio] account_sid", "CRIER_TWILIO_AUTH_TOKEN"}, false},
		{"twilio token without an account", "", token, []string{"CRIER_TWILIO_AUTH_TOKEN is set", "[twilio] account_sid"}, false},
		{"twilio token twice", twilio, map[string]string{EnvTwilioToken: testSecret, EnvTwilioToken + "_FILE": missing}, []string{"both CRIER_TWILIO_AUTH_TOKEN and CRIER_TWILIO_AUTH_TOKEN_FILE"}, false},
		{"twilio token file missing", twilio, map[string]string{EnvTwilioToken + "_FILE": missing}, []string{"CRIER_TWILIO_AUTH_TOKEN_FILE", missing}, false},
		{"twilio token refused by the adapter", twilio, map[string]string{EnvTwilioToken: testSecret + "-!"}, []string{"[twilio]", "CRIER_TWILIO_AUTH_TOKEN"}, false},
		{"dispatch max_attempts", "[dispatch]\nmax_attempts = 0\n", nil, []string{"[dispatch] max_attempts"}, false},
		{"dispatch max_age", "[dispatch]\nmax_age = \"1 day\"\n", nil, []string{"[dispatch] max_age", `"1 day" is not a duration`, `"24h"`}, false},
		{"dispatch lease", "[dispatch]\nlease = \"0s\"\n", nil, []string{"[dispatch] lease", `"2m"`}, false},
		{"dispatch backoff", "[dispatch]\nbackoff = \"\"\n", nil, []string{"[dispatch] backoff"}, false},
		{"dispatch max_backoff", "[dispatch]\nmax_backoff = \"1s\"\n", nil, []string{"[dispatch] max_backoff", "shorter than backoff"}, false},
		{"dispatch pause_after", "[dispatch]\npause_after = -1\n", nil, []string{"[dispatch] pause_after"}, false},
		{"dispatch poll", "[dispatch]\npoll = \"-1s\"\n", nil, []string{"[dispatch] poll"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			load := channelConfig
			if tt.bare {
				load = bareChannelConfig
			}
			cfg, _, closeFn, err := load(t, tt.config, tt.env)
			if err == nil {
				closeFn()
			}
			file := cfg.file
			if err == nil {
				t.Fatalf("no error; want one saying %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error:\n%v\nwant it to say %q", err, w)
				}
			}
			if strings.Contains(tt.want[0], "[") && !strings.Contains(err.Error(), file+": ") {
				t.Errorf("error:\n%v\nwant it to name the file %s", err, file)
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Errorf("error:\n%v\nshows the secret", err)
			}
		})
	}
}

// TestPlainOnLoopback: plain http:// (and SMTP without TLS with a login)
// is accepted to this machine, where a newcomer tries the whole loop and
// the tests run.
func TestPlainOnLoopback(t *testing.T) {
	tests := []struct {
		name, config string
		env          map[string]string
	}{
		{"public_url", "public_url = \"http://127.0.0.1:9999\"\n", nil},
		{"public_url on localhost", "public_url = \"http://localhost:9999\"\n", nil},
		{"twilio api_url", "[twilio]\naccount_sid = \"" + testSID + "\"\nfrom = \"CLEARWATER\"\napi_url = \"http://[::1]:4010\"\n", map[string]string{EnvTwilioToken: testSecret}},
		{"smtp tls none with a login", "[smtp]\nhost = \"127.0.0.1\"\ntls = \"none\"\nusername = \"crier\"\n", map[string]string{EnvSMTPPassword: testSecret}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, closeFn, err := channelConfig(t, tt.config, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			closeFn()
		})
	}
}

// TestChannelConfigAllErrors: one run lists every problem: reading the
// file lists the file's, and the dispatcher's check adds the secrets'.
func TestChannelConfigAllErrors(t *testing.T) {
	clearSecrets(t)
	t.Setenv(EnvTwilioToken, testSecret)
	cfg, readErr := Load(writeConfig(t, "[smtp]\nport = 0\ntls = \"always\"\n[dispatch]\npoll = \"often\"\n"+clearwaterConfig))
	u, err := cfg.LoadUtility()
	if err != nil {
		t.Fatal(err)
	}
	_, _, dispatchErr := cfg.DispatchConfig(nil, u)
	for _, tt := range []struct {
		name string
		err  error
		want []string
	}{
		{"read", readErr, []string{"[smtp] port", "[smtp] tls", "[dispatch] poll"}},
		{"dispatch", dispatchErr, []string{"[smtp] port", "[smtp] tls", "[dispatch] poll", "CRIER_TWILIO_AUTH_TOKEN is set"}},
	} {
		if tt.err == nil {
			t.Fatalf("%s: no error", tt.name)
		}
		for _, w := range tt.want {
			if !strings.Contains(tt.err.Error(), w) {
				t.Errorf("%s error:\n%v\nwant it to say %q", tt.name, tt.err, w)
			}
		}
	}
}

func TestConfigSecretsInFile(t *testing.T) {
	tests := []struct {
		name   string
		config string
		want   []string
	}{
		{"smtp password", "[smtp]\nhost = \"smtp.example.org\"\npassword = \"" + testSecret + "\"\n", []string{"[smtp] password", "CRIER_SMTP_PASSWORD", "CRIER_SMTP_PASSWORD_FILE"}},
		{"twilio auth_token", "[twilio]\nauth_token = \"" + testSecret + "\"\n", []string{"[twilio] auth_token", "CRIER_TWILIO_AUTH_TOKEN"}},
		{"password without quotes", "[smtp]\npassword = " + testSecret + "\n", []string{"crier.toml:2:", "[smtp] password", "CRIER_SMTP_PASSWORD"}},
		{"token with a broken quote", "[twilio]\nauth_token = \"" + testSecret + "\n", []string{"[twilio] auth_token", "CRIER_TWILIO_AUTH_TOKEN"}},
		{"password at the top", "smtp_password = \"" + testSecret + "\"\n", []string{"smtp_password", "CRIER_SMTP_PASSWORD"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(writeConfig(t, tt.config))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q; want it to say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), testSecret) || strings.Contains(err.Error(), testSecret[:6]) {
				t.Errorf("error %q shows the secret", err)
			}
		})
	}
}

func TestConfigChannelKeys(t *testing.T) {
	tests := []struct {
		name   string
		config string
		want   []string
	}{
		{"unknown key lists the new keys", "[smtp]\nprot = 25\n", []string{
			"unknown key smtp.prot",
			"outbox_dir, print_dir, public_url",
			"[smtp] host, port, tls, username, from, reply_to, helo, timeout, connections, rate",
			"[twilio] account_sid, from, messaging_service_sid, api_url, timeout, concurrency, rate, burst",
			"[dispatch] max_attempts, max_age, lease, backoff, max_backoff, pause_after, poll",
			"[utility] name", "[contacts] default_region",
		}},
		{"a top-level key after a table", "[utility]\npublic_url = \"https://notices.example.org\"\n", []string{"unknown key utility.public_url", "public_url belongs at the top of the file"}},
		{"a number in quotes", "[smtp]\nport = \"587\"\n", []string{"smtp.port", "write numbers without quotes"}},
		{"a duration without quotes", "[dispatch]\npoll = 1\n", []string{"dispatch.poll", `durations too, as in timeout = "30s"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(writeConfig(t, tt.config))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q; want it to say %q", err, w)
				}
			}
		})
	}
}

// TestConfigChannelValues reads every channel key from a file.
func TestConfigChannelValues(t *testing.T) {
	cfg, sc, closeFn, err := channelConfig(t, `
[dispatch]
max_attempts = 3
max_age = "6h"
lease = "90s"
backoff = "1s"
max_backoff = "1m"
pause_after = 10
poll = "250ms"
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	if sc.MaxAttempts != 3 || sc.MaxAge != 6*time.Hour || sc.Lease != 90*time.Second || sc.Backoff != time.Second ||
		sc.MaxBackoff != time.Minute || sc.PauseAfter != 10 || sc.Poll != 250*time.Millisecond {
		t.Errorf("dispatch settings from %s: %+v", cfg.file, sc)
	}
}

// TestExampleConfigChannels: crier.example.toml loads and leaves every
// channel on its default.
func TestExampleConfigChannels(t *testing.T) {
	clearSecrets(t)
	cfg, err := Load("../crier.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	u, err := cfg.LoadUtility()
	if err != nil {
		t.Fatal(err)
	}
	sc, closeFn, err := cfg.DispatchConfig(nil, u)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	if _, ok := sc.Channels[notices.Email].Sender.(*outbox.Outbox); !ok {
		t.Errorf("the example sends email through %#v; want the outbox", sc.Channels[notices.Email].Sender)
	}
	def := Default()
	if cfg.SMTP != def.SMTP || cfg.Twilio != def.Twilio || cfg.Dispatch != def.Dispatch {
		t.Errorf("the example changes a default:\n%+v\n%+v\n%+v", cfg.SMTP, cfg.Twilio, cfg.Dispatch)
	}
}

// TestExampleConfigEveryKey: crier.example.toml shows every key in its
// table, and with every commented key switched on it still loads and
// builds the channels.
func TestExampleConfigEveryKey(t *testing.T) {
	data, err := os.ReadFile("../crier.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	// The file's sections: "" for the top, then one per [table].
	sections := map[string]string{}
	table := ""
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if strings.HasPrefix(line, "[") {
			table = strings.Trim(strings.TrimSpace(line), "[]")
		}
		sections[table] += line
	}
	shows := func(table, key string) {
		if !regexp.MustCompile(`(?m)^(# )?` + key + ` = `).MatchString(sections[table]) {
			t.Errorf("crier.example.toml does not show %s in [%s]", key, table)
		}
	}
	ct := reflect.TypeFor[Config]()
	for i := range ct.NumField() {
		f := ct.Field(i)
		name := f.Tag.Get("toml")
		switch {
		case name == "":
		case f.Type.Kind() == reflect.Struct:
			for j := range f.Type.NumField() {
				shows(name, f.Type.Field(j).Tag.Get("toml"))
			}
		case f.Type.Kind() == reflect.Map: // a table of the user's keys
			if _, ok := sections[name]; !ok {
				t.Errorf("crier.example.toml has no [%s] table", name)
			}
		default:
			shows("", name)
		}
	}

	t.Setenv(EnvSMTPPassword, testSecret)
	t.Setenv(EnvTwilioToken, testSecret)
	path := filepath.Join(t.TempDir(), "crier.toml")
	commented := regexp.MustCompile(`(?m)^# ([a-z_]+ = )`)
	if err := os.WriteFile(path, commented.ReplaceAll(data, []byte("$1")), 0o644); err != nil {
		t.Fatal(err)
	}
	writePNG(t, filepath.Join(filepath.Dir(path), "logo.png")) // the logo the example names
	for _, font := range regexp.MustCompile(`"(fonts/[^"]+\.ttf)"`).FindAllStringSubmatch(string(data), -1) {
		copyBuiltinFont(t, filepath.Join(filepath.Dir(path), font[1])) // the fonts it names
	}
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg.TemplatesDir, cfg.Utility.Logo = "", "" // files the example only names
	u, err := cfg.LoadUtility()
	if err != nil {
		t.Fatal(err)
	}
	_, closeFn, err := cfg.DispatchConfig(nil, u)
	if err != nil {
		t.Fatal(err)
	}
	closeFn()
	want := map[notices.Channel]string{
		notices.Email: "SMTP smtp.clearwater.example:587 (STARTTLS mandatory)",
		notices.SMS:   "Twilio from +13155550142 in messaging service MG0123456789abcdef0123456789abcdef through http://127.0.0.1:4010, at most 1 a second",
	}
	for ch, name := range cfg.ChannelNames() {
		if w, ok := want[ch]; ok && name != w {
			t.Errorf("%s: %q; want %q", ch, name, w)
		}
	}
}

// TestChannelNamesHideAnAPIURLNotChecked: crier send shows the channels
// even when the configuration fails its checks, so an api_url that is not
// an address is not shown, lest it hold a password.
func TestChannelNamesHideAnAPIURLNotChecked(t *testing.T) {
	for _, apiURL := range []string{"crier:" + testSecret + "@proxy.clearwater.example", "https://crier:" + testSecret + "@proxy\x7f"} {
		cfg := Config{Twilio: TwilioConfig{AccountSID: testSID, From: "CLEARWATER", APIURL: apiURL}}
		if name := cfg.ChannelNames()[notices.SMS]; strings.Contains(name, testSecret) || !strings.Contains(name, "api_url") {
			t.Errorf("api_url %q: sms: %q; want it named, not shown", apiURL, name)
		}
	}
}

// writePNG writes a small PNG image to path.
func writePNG(t *testing.T, path string) {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// copyBuiltinFont writes the built-in regular font, a TrueType file, to path.
func copyBuiltinFont(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile("../templates/fonts/DejaVuSansCondensed.ttf")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
