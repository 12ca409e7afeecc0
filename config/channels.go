package config

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crier-notices/crier/channels/email"
	"github.com/crier-notices/crier/channels/outbox"
	printch "github.com/crier-notices/crier/channels/print"
	"github.com/crier-notices/crier/channels/sms"
	"github.com/crier-notices/crier/internal/loopback"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
	"github.com/crier-notices/crier/templates"
)

// SMTPConfig is the [smtp] table: the mail server the emails go through.
// Without a host, emails go to the outbox. The password is never here: it
// comes from CRIER_SMTP_PASSWORD or CRIER_SMTP_PASSWORD_FILE.
type SMTPConfig struct {
	Host     string `toml:"host"`
	Port     int    `toml:"port"` // default 587
	TLS      string `toml:"tls"`  // STARTTLS: mandatory (default), opportunistic or none
	Username string `toml:"username"`
	// From heads every email, "Name <address>"; default the utility's
	// name and email. ReplyTo is optional.
	From    string `toml:"from"`
	ReplyTo string `toml:"reply_to"`
	HELO    string `toml:"helo"`
	Timeout string `toml:"timeout"` // a duration such as "30s"
	// Connections is the most messages in flight (default 4); Rate the
	// most messages a second, 0 for no limit.
	Connections int     `toml:"connections"`
	Rate        float64 `toml:"rate"`
}

// TwilioConfig is the [twilio] table: the account text messages go
// through. Without an account_sid, text messages go to the outbox. The auth
// token is never here: it comes from CRIER_TWILIO_AUTH_TOKEN or
// CRIER_TWILIO_AUTH_TOKEN_FILE.
type TwilioConfig struct {
	AccountSID          string `toml:"account_sid"`
	From                string `toml:"from"` // a Twilio number, a short code or an alphanumeric sender ID
	MessagingServiceSID string `toml:"messaging_service_sid"`
	// APIURL replaces https://api.twilio.com, for tests and proxies.
	APIURL  string `toml:"api_url"`
	Timeout string `toml:"timeout"` // a duration such as "15s"
	// Concurrency is the most requests in flight (default 4); Rate the
	// most messages a second (default 1, a US long code's limit; 0 for
	// none); Burst the most sent at once after a quiet spell.
	Concurrency int     `toml:"concurrency"`
	Rate        float64 `toml:"rate"`
	Burst       int     `toml:"burst"`
}

// DispatchConfig is the [dispatch] table: how the dispatcher claims,
// retries and gives up. Durations are text such as "10m".
type DispatchConfig struct {
	MaxAttempts int    `toml:"max_attempts"`
	MaxAge      string `toml:"max_age"`
	Lease       string `toml:"lease"`
	Backoff     string `toml:"backoff"`
	MaxBackoff  string `toml:"max_backoff"`
	PauseAfter  int    `toml:"pause_after"`
	Poll        string `toml:"poll"`
}

// The environment variables that hold the secrets. Each may instead be
// given as NAME_FILE, the path of a file holding the secret.
const (
	EnvSMTPPassword = "CRIER_SMTP_PASSWORD"
	EnvTwilioToken  = "CRIER_TWILIO_AUTH_TOKEN"
)

// twilioStatusPath is where web answers Twilio's status callbacks, under
// public_url.
const twilioStatusPath = "/webhooks/twilio/status"

// outboxConcurrency is how many files the outbox and the print channel
// write at once.
const outboxConcurrency = 4

// DispatchConfig checks the channel tables and [dispatch], reads the
// secrets from the environment and returns the dispatcher's configuration
// for lib and u: email through SMTP when [smtp] host is set, else to the
// outbox; SMS through Twilio when [twilio] account_sid is set, else to the
// outbox; print to print_dir. The function returned closes the senders
// (the SMTP connections); call it once the dispatcher has stopped. The
// error lists every problem, each naming its key or variable, and never
// holds a secret.
func (c Config) DispatchConfig(lib *templates.Library, u templates.Utility) (scheduler.Config, func() error, error) {
	k := c.newChecker()
	out, smtpCfg, smsCfg := c.settings(k, lib, u)

	// The secrets, after the file's checks so that one run lists both.
	password, passwordErr := ReadSecret(EnvSMTPPassword)
	if passwordErr != nil {
		k.errs = append(k.errs, passwordErr.Error())
	}
	token, tokenErr := ReadSecret(EnvTwilioToken)
	if tokenErr != nil {
		k.errs = append(k.errs, tokenErr.Error())
	}
	switch {
	case passwordErr != nil:
	case c.SMTP.Host == "" && password != "":
		k.errs = append(k.errs, fmt.Sprintf("%s is set but %s has no [smtp] host, so emails would go to the outbox: set host, or unset the variable", EnvSMTPPassword, k.where))
	case c.SMTP.Host != "" && c.SMTP.Username != "" && password == "":
		k.errs = append(k.errs, fmt.Sprintf("%s: [smtp] username %q needs a password: set %s (or %s_FILE, the path of a file holding it)", k.where, c.SMTP.Username, EnvSMTPPassword, EnvSMTPPassword))
	case c.SMTP.Host != "" && c.SMTP.Username == "" && password != "":
		k.errs = append(k.errs, fmt.Sprintf("%s is set but %s has no [smtp] username to log in with: set username, or unset the variable", EnvSMTPPassword, k.where))
	}
	switch {
	case tokenErr != nil:
	case c.Twilio.AccountSID == "" && token != "":
		k.errs = append(k.errs, fmt.Sprintf("%s is set but %s has no [twilio] account_sid, so text messages would go to the outbox: set account_sid, or unset the variable", EnvTwilioToken, k.where))
	case c.Twilio.AccountSID != "" && token == "":
		k.errs = append(k.errs, fmt.Sprintf("%s: [twilio] account_sid is set but the auth token is not: set %s (or %s_FILE, the path of a file holding it)", k.where, EnvTwilioToken, EnvTwilioToken))
	}
	if err := k.err(); err != nil {
		return scheduler.Config{}, nil, err
	}

	var closers []func() error
	closeAll := func() error {
		var errs []error
		for _, f := range closers {
			errs = append(errs, f())
		}
		return errors.Join(errs...)
	}
	if c.SMTP.Host != "" {
		smtpCfg.Password = password
		s, err := email.New(smtpCfg)
		if err != nil {
			return scheduler.Config{}, nil, fmt.Errorf("%s: [smtp] %s", k.where, strings.TrimPrefix(err.Error(), "smtp: "))
		}
		closers = append(closers, s.Close)
		out.Channels[notices.Email] = scheduler.Channel{Sender: s, Concurrency: c.SMTP.Connections, Rate: c.SMTP.Rate}
	} else {
		out.Channels[notices.Email] = scheduler.Channel{Sender: outbox.New(c.OutboxDir, ""), Concurrency: outboxConcurrency}
	}
	if c.Twilio.AccountSID != "" {
		smsCfg.AuthToken = token
		s, err := sms.New(smsCfg)
		if err != nil {
			closeAll()
			return scheduler.Config{}, nil, fmt.Errorf("%s: [twilio] %s", k.where, strings.TrimPrefix(err.Error(), "twilio: "))
		}
		closers = append(closers, s.Close)
		out.Channels[notices.SMS] = scheduler.Channel{Sender: s, Concurrency: c.Twilio.Concurrency, Rate: c.Twilio.Rate, Burst: c.Twilio.Burst}
	} else {
		from := smsCfg.From
		if from == "" {
			from = c.utilityPhone()
		}
		out.Channels[notices.SMS] = scheduler.Channel{Sender: outbox.New(c.OutboxDir, from), Concurrency: outboxConcurrency}
	}
	out.Channels[notices.Print] = scheduler.Channel{Sender: printch.New(c.PrintDir), Concurrency: outboxConcurrency}
	return out, closeAll, nil
}

// newChecker collects the problems of this configuration's file.
func (c Config) newChecker() *checker {
	k := &checker{where: c.file}
	if k.where == "" {
		k.where = "default configuration"
	}
	return k
}

// settings checks everything of the file that messages and the dispatcher
// need, without the secrets (which belong to the dispatcher's environment),
// into k; it returns the dispatcher's configuration without its channels,
// and the channels' configurations without their secrets.
func (c Config) settings(k *checker, lib *templates.Library, u templates.Utility) (scheduler.Config, email.Config, sms.Config) {
	out := scheduler.Config{Library: lib, Utility: u, DefaultLanguage: c.Utility.DefaultLanguage, Channels: map[notices.Channel]scheduler.Channel{}}
	out.PublicURL = c.publicURL(k)

	d := c.Dispatch
	out.MaxAttempts = k.atLeast("dispatch", "max_attempts", d.MaxAttempts, 1)
	out.MaxAge = k.duration("dispatch", "max_age", d.MaxAge, "24h")
	out.Lease = k.duration("dispatch", "lease", d.Lease, "2m")
	out.Backoff = k.duration("dispatch", "backoff", d.Backoff, "5s")
	out.MaxBackoff = k.duration("dispatch", "max_backoff", d.MaxBackoff, "10m")
	if out.Backoff > 0 && out.MaxBackoff > 0 && out.MaxBackoff < out.Backoff {
		k.bad("dispatch", "max_backoff", "%q is shorter than backoff %q; make it at least as long", d.MaxBackoff, d.Backoff)
	}
	out.PauseAfter = k.atLeast("dispatch", "pause_after", d.PauseAfter, 1)
	out.Poll = k.duration("dispatch", "poll", d.Poll, "1m")
	out.Grace = k.duration("schedule", "grace", c.Schedule.Grace, "1h")
	if q, err := c.QuietHours(u); err != nil {
		k.bad("schedule", "quiet_hours", "%s", strings.TrimPrefix(err.Error(), "quiet hours "))
	} else {
		out.QuietHours = q
	}

	out.From, out.ReplyTo = c.emailHeaders(k, u)
	return out, c.smtpConfig(k), c.twilioConfig(k, out.PublicURL)
}

// MessageConfig is the dispatcher's configuration as far as making
// messages goes, checked, without senders and secrets: what `crier send`
// renders a sample of each message with before it publishes.
func (c Config) MessageConfig(lib *templates.Library, u templates.Utility) (scheduler.Config, error) {
	k := c.newChecker()
	out, _, _ := c.settings(k, lib, u)
	return out, k.err()
}

// ChannelNames says in one line per channel where its messages go, for
// `crier send` and `crier dispatch` to print: "SMTP smtp.example.org:587
// (STARTTLS mandatory)", "outbox folder outbox/sms". It holds no secret.
func (c Config) ChannelNames() map[notices.Channel]string {
	names := map[notices.Channel]string{}
	if s := c.SMTP; s.Host != "" {
		name := fmt.Sprintf("SMTP %s (%s)", net.JoinHostPort(s.Host, strconv.Itoa(s.Port)), tlsWords(s.TLS))
		if s.Rate > 0 {
			name += fmt.Sprintf(", at most %g a second", s.Rate)
		}
		names[notices.Email] = name
	} else {
		names[notices.Email] = "outbox folder " + filepath.Join(c.OutboxDir, "email")
	}
	if t := c.Twilio; t.AccountSID != "" {
		from, err := c.twilioFrom()
		if err != nil {
			from = t.From
		}
		var name string
		switch {
		case from != "" && t.MessagingServiceSID != "":
			name = fmt.Sprintf("Twilio from %s in messaging service %s", from, t.MessagingServiceSID)
		case from != "":
			name = "Twilio from " + from
		default:
			name = "Twilio messaging service " + t.MessagingServiceSID
		}
		if t.APIURL != "" {
			// A proxy's address may hold a password; an address that
			// is not one (twilioConfig refuses it) is not shown at all.
			through := "the [twilio] api_url, which is not an address"
			if u, err := url.Parse(t.APIURL); err == nil && u.Host != "" {
				through = u.Redacted()
			}
			name += " through " + through
		}
		if t.Rate > 0 {
			name += fmt.Sprintf(", at most %g a second", t.Rate)
		}
		names[notices.SMS] = name
	} else {
		names[notices.SMS] = "outbox folder " + filepath.Join(c.OutboxDir, "sms")
	}
	names[notices.Print] = "documents for the mail house in folder " + c.PrintDir
	return names
}

// ChannelLines is ChannelNames as lines to print, "email: …", in the
// order email, sms, print.
func (c Config) ChannelLines() []string {
	names := c.ChannelNames()
	var lines []string
	for _, ch := range []notices.Channel{notices.Email, notices.SMS, notices.Print} {
		lines = append(lines, string(ch)+": "+names[ch])
	}
	return lines
}

func tlsWords(policy string) string {
	switch policy {
	case "opportunistic":
		return "STARTTLS when offered"
	case "none":
		return "no TLS"
	}
	return "STARTTLS mandatory"
}

// PublicURLChecked is public_url checked, without its trailing slash so
// that paths can be added to it; "" when it is not set. The error names
// the key and what to write instead.
func (c Config) PublicURLChecked() (string, error) {
	k := c.newChecker()
	u := c.publicURL(k)
	return u, k.err()
}

// publicURL checks public_url and returns it without a trailing slash, so
// that paths can be added to it.
func (c Config) publicURL(k *checker) string {
	if c.PublicURL == "" {
		return ""
	}
	if err := templates.CheckWebAddress(c.PublicURL); err != nil {
		k.bad("", "public_url", "%q %v", c.PublicURL, err)
		return ""
	}
	u, _ := url.Parse(c.PublicURL)
	if u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(c.PublicURL, "?") || strings.HasSuffix(c.PublicURL, "#") {
		k.bad("", "public_url", "%q: give the address Crier answers at without ? or #, such as https://notices.water.example.org", c.PublicURL)
		return ""
	}
	// crier serve answers at the root of its address: its pages link
	// /assets/, /n/ and /notices from there, so a path before them (a
	// proxy stripping /notices) would leave every page without its style,
	// language switch and flyer.
	if strings.Trim(u.Path, "/") != "" {
		k.bad("", "public_url", "%q: give the address without a path, such as https://notices.water.example.org (a host name, or a port, of its own): crier serve answers at the root of it", c.PublicURL)
		return ""
	}
	// Every email's unsubscribe link starts with it: the link's rule is
	// the address's rule, found here rather than at each email.
	if err := templates.CheckUnsubscribeAddress(c.PublicURL); err != nil {
		k.bad("", "public_url", "%v; it starts every email's one-click unsubscribe link", err)
		return ""
	}
	return strings.TrimRight(c.PublicURL, "/")
}

// emailHeaders checks [smtp] from and reply_to and returns the From
// header: the one configured, else the utility's name and email.
func (c Config) emailHeaders(k *checker, u templates.Utility) (from, replyTo string) {
	example := "Clearwater County Water Board <notices@clearwater.example>"
	from = strings.TrimSpace(c.SMTP.From)
	if from != "" {
		if _, err := mail.ParseAddress(from); err != nil {
			k.bad("smtp", "from", "%q is not an email address; write it like %q", c.SMTP.From, example)
			from = ""
		}
	} else if u.Email != "" {
		from = (&mail.Address{Name: u.Name, Address: u.Email}).String()
	} else if c.SMTP.Host != "" {
		k.bad("smtp", "from", "is not set and neither is [utility] email; set one of them, for example from = %q", example)
	}
	if from != "" {
		// A name mail clients would show as other text: refused now, not
		// found at dispatch by every email.
		if err := templates.CheckFrom(from); err != nil {
			table, key := "smtp", "from"
			if strings.TrimSpace(c.SMTP.From) == "" {
				table, key = "utility", "name"
			}
			k.bad(table, key, "%v", err)
			from = ""
		}
	}
	replyTo = strings.TrimSpace(c.SMTP.ReplyTo)
	if replyTo != "" {
		if _, err := mail.ParseAddress(replyTo); err != nil {
			k.bad("smtp", "reply_to", "%q is not an email address; write it like %q", c.SMTP.ReplyTo, example)
			replyTo = ""
		}
	}
	return from, replyTo
}

// smtpConfig checks the [smtp] table and returns the email channel's
// configuration without its password.
func (c Config) smtpConfig(k *checker) email.Config {
	s := c.SMTP
	if s.Host != "" {
		switch {
		case strings.Contains(s.Host, "://"):
			k.bad("smtp", "host", "%q: give the server's name alone, such as smtp.example.org, without a scheme", s.Host)
		case strings.ContainsAny(s.Host, " \t/@") || (strings.Contains(s.Host, ":") && net.ParseIP(s.Host) == nil):
			k.bad("smtp", "host", "%q: give the server's name alone, such as smtp.example.org; the port goes in port", s.Host)
		}
	}
	if s.Port < 1 || s.Port > 65535 {
		k.bad("smtp", "port", "%d is out of range; use a port from 1 to 65535, usually 587 (STARTTLS) or 25", s.Port)
	}
	switch s.TLS {
	case "mandatory", "opportunistic", "none":
	default:
		k.bad("smtp", "tls", "%q: use mandatory (refuse to send without STARTTLS), opportunistic (STARTTLS when offered) or none", s.TLS)
	}
	if s.TLS == "none" && s.Username != "" && s.Host != "" && !loopback.Host(s.Host) {
		// The password would cross the network readable by anyone on the
		// way (and go-mail would refuse to log in at the first email).
		k.bad("smtp", "tls", `"none" with a username would send the password to %s unencrypted; use mandatory (or opportunistic), or tls = "none" only to a server on this machine (127.0.0.1, ::1, localhost)`, s.Host)
	}
	if strings.ContainsFunc(s.HELO, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		k.bad("smtp", "helo", "%q: give one host name, such as crier.water.example.org", s.HELO)
	}
	timeout := k.duration("smtp", "timeout", s.Timeout, "30s")
	k.atLeast("smtp", "connections", s.Connections, 1)
	k.rate("smtp", "rate", s.Rate)
	return email.Config{
		Host:        s.Host,
		Port:        s.Port,
		TLS:         s.TLS,
		Username:    s.Username,
		HELO:        s.HELO,
		Timeout:     timeout,
		Connections: s.Connections,
	}
}

var (
	accountSIDShape = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	serviceSIDShape = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)
	shortCode       = regexp.MustCompile(`^[0-9]{5,6}$`)
	// An alphanumeric sender ID: up to 11 letters, digits and spaces, with
	// at least one letter.
	senderID = regexp.MustCompile(`^[A-Za-z0-9 ]{0,10}[A-Za-z][A-Za-z0-9 ]{0,10}$`)
)

// twilioConfig checks the [twilio] table and returns the SMS channel's
// configuration without its auth token; statuses go to publicURL's Twilio
// webhook when publicURL is set.
func (c Config) twilioConfig(k *checker, publicURL string) sms.Config {
	t := c.Twilio
	if t.AccountSID != "" && !accountSIDShape.MatchString(t.AccountSID) {
		k.bad("twilio", "account_sid", "%q is not AC followed by 32 hexadecimal digits; copy it from the Twilio console", t.AccountSID)
	}
	if t.MessagingServiceSID != "" && !serviceSIDShape.MatchString(t.MessagingServiceSID) {
		k.bad("twilio", "messaging_service_sid", "%q is not MG followed by 32 hexadecimal digits; copy it from the Twilio console", t.MessagingServiceSID)
	}
	from, err := c.twilioFrom()
	if err != nil {
		k.bad("twilio", "from", "%q %v", t.From, err)
	}
	if t.AccountSID != "" && t.From == "" && t.MessagingServiceSID == "" {
		k.bad("twilio", "from", "is not set and neither is messaging_service_sid; give the Twilio number messages come from, such as from = \"+13155550142\"")
	}
	if t.APIURL != "" {
		if err := sms.CheckBaseURL(t.APIURL); err != nil {
			k.bad("twilio", "api_url", "%v", err)
		}
	}
	timeout := k.duration("twilio", "timeout", t.Timeout, "15s")
	k.atLeast("twilio", "concurrency", t.Concurrency, 1)
	k.rate("twilio", "rate", t.Rate)
	if t.Burst < 0 {
		k.bad("twilio", "burst", "%d is negative; use 1 or more (0 means 1)", t.Burst)
	}
	cfg := sms.Config{
		AccountSID:          t.AccountSID,
		From:                from,
		MessagingServiceSID: t.MessagingServiceSID,
		Timeout:             timeout,
		BaseURL:             t.APIURL,
	}
	if publicURL != "" {
		cfg.StatusCallback = publicURL + twilioStatusPath
	}
	return cfg
}

// twilioFrom is [twilio] from as Twilio wants it: a phone number in E.164
// (read with the contacts' default region), a short code or an
// alphanumeric sender ID.
func (c Config) twilioFrom() (string, error) {
	from := strings.TrimSpace(c.Twilio.From)
	switch {
	case from == "":
		return "", nil
	case shortCode.MatchString(from):
		return from, nil
	case strings.Trim(from, "+0123456789 ()-.") == "":
		n, err := c.Normalizer()
		if err != nil {
			return "", err
		}
		e164, err := n.Phone(from)
		if err != nil {
			return "", errors.New("is not a phone number; write it like +13155550142")
		}
		return e164, nil
	case senderID.MatchString(from):
		return from, nil
	}
	return "", errors.New("is not a phone number, a short code or an alphanumeric sender ID; write it like +13155550142")
}

// utilityPhone is the utility's phone in E.164 if it reads as one, else as
// written: the sender the outbox records for text messages.
func (c Config) utilityPhone() string {
	p := c.Utility.Phone
	if p == "" {
		return ""
	}
	if n, err := c.Normalizer(); err == nil {
		if e164, err := n.Phone(p); err == nil {
			return e164
		}
	}
	return p
}

// ReadSecret returns the secret in the environment variable name, or in
// the file named by name_FILE with its trailing newline removed; "" when
// neither is set. Its errors name the variable and the file, never what
// the file holds.
func ReadSecret(name string) (string, error) {
	value, path := os.Getenv(name), os.Getenv(name+"_FILE")
	switch {
	case value != "" && path != "":
		return "", fmt.Errorf("both %s and %s_FILE are set; set only one", name, name)
	case path == "":
		return value, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is said below
		}
		return "", fmt.Errorf("%s_FILE names %s, which cannot be read: %v", name, path, err)
	}
	secret := strings.TrimRight(string(data), "\r\n")
	if secret == "" {
		return "", fmt.Errorf("%s_FILE names %s, which is empty", name, path)
	}
	return secret, nil
}

// secretKey returns key (a TOML key path such as "smtp.password") if it
// names a secret, else "".
func secretKey(key string) string {
	last := strings.ToLower(key[strings.LastIndex(key, ".")+1:])
	last = strings.Trim(last, `"'`)
	if strings.Contains(last, "password") || strings.Contains(last, "token") || strings.Contains(last, "secret") {
		return key
	}
	return ""
}

// secretInFile says that the secret key found in the file belongs in the
// environment.
func secretInFile(key string) string {
	env := EnvSMTPPassword
	if strings.Contains(strings.ToLower(key), "twilio") || strings.Contains(strings.ToLower(key), "token") {
		env = EnvTwilioToken
	}
	name := key
	if table, k, ok := strings.Cut(key, "."); ok {
		name = "[" + table + "] " + k
	}
	return fmt.Sprintf("%s: secrets do not belong in the configuration file; remove the key and set %s (or %s_FILE, the path of a file holding it) in the environment", name, env, env)
}

// checker collects a configuration's problems, each naming its key.
type checker struct {
	where string // the file
	errs  []string
}

func (k *checker) bad(table, key, format string, args ...any) {
	name := key
	if table != "" {
		name = "[" + table + "] " + key
	}
	k.errs = append(k.errs, fmt.Sprintf("%s: %s: %s", k.where, name, fmt.Sprintf(format, args...)))
}

// duration parses v, a duration such as example.
func (k *checker) duration(table, key, v, example string) time.Duration {
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil || d <= 0 {
		k.bad(table, key, "%q is not a duration; write it like %q (units ms, s, m, h)", v, example)
		return 0
	}
	return d
}

func (k *checker) atLeast(table, key string, v, least int) int {
	if v < least {
		k.bad(table, key, "%d: use %d or more", v, least)
	}
	return v
}

// rate checks a number of messages a second.
func (k *checker) rate(table, key string, v float64) {
	if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		k.bad(table, key, "%v: give messages a second, such as 10 or 0.5, or 0 for no limit", v)
	}
}

func (k *checker) err() error {
	if len(k.errs) == 0 {
		return nil
	}
	return errors.New(strings.Join(k.errs, "\n"))
}

// QuietHours reads [schedule] quiet_hours in the utility's zone.
func (c Config) QuietHours(u templates.Utility) (scheduler.QuietHours, error) {
	return scheduler.ParseQuietHours(c.Schedule.QuietHours, u.Location)
}

// QuietNote says, when a normal notice's text messages going at t would
// be held by quiet hours, until when; "" otherwise (and for a bad
// quiet_hours, which the dispatcher reports).
func (c Config) QuietNote(u templates.Utility, t time.Time, chs []notices.Channel, urgency notices.Urgency) string {
	q, err := c.QuietHours(u)
	if err != nil || urgency == notices.Emergency || !slices.Contains(chs, notices.SMS) {
		return ""
	}
	end := q.Until(t)
	if end.IsZero() {
		return ""
	}
	return fmt.Sprintf("quiet hours (%s): the text messages wait until %s; the emails do not (an emergency would not wait)",
		strings.TrimSuffix(q.String(), " "+q.Location.String()), end.In(q.Location).Format("Monday 15:04"))
}
