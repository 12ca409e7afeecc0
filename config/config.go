// Package config reads crier.toml, checks every key a message or the
// dispatcher needs, and builds from it what the commands, crier serve and
// the console share: the store, the template library, the utility's
// branding and the dispatcher's configuration. It prints nothing: its
// errors name the file, the table and the key, and what to write instead.
package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"net/mail"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/nyaruka/phonenumbers"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
	"github.com/crier-notices/crier/templates"
)

// Config is crier.toml. Each later capability adds its own table. Every
// key has a default, so crier runs with no file at all.
type Config struct {
	TemplatesDir string `toml:"templates_dir"`
	Database     string `toml:"database"` // a SQLite file path (default crier.db) or a postgres:// URL; CRIER_DATABASE_URL wins
	// OutboxDir receives the emails and text messages when no SMTP server
	// or Twilio account is configured (default outbox); PrintDir the
	// print channel's PDFs (default print). Both relative to the file.
	OutboxDir string `toml:"outbox_dir"`
	PrintDir  string `toml:"print_dir"`
	// PublicURL is the https:// address Crier answers at, for unsubscribe
	// links and Twilio's status callback; optional.
	PublicURL string `toml:"public_url"`

	Utility  UtilityConfig  `toml:"utility"`
	Contacts ContactsConfig `toml:"contacts"`
	SMTP     SMTPConfig     `toml:"smtp"`
	Twilio   TwilioConfig   `toml:"twilio"`
	Dispatch DispatchConfig `toml:"dispatch"`
	Schedule ScheduleConfig `toml:"schedule"`
	Serve    ServeConfig    `toml:"serve"`
	Web      WebConfig      `toml:"web"`
	Console  ConsoleConfig  `toml:"console"`
	// Fonts prints a language's flyer and letters in fonts of its own,
	// for the scripts the built-in font lacks (see FontConfig).
	Fonts map[string]FontConfig `toml:"fonts"`

	file string // where it was read from, "" for the defaults
}

// UtilityConfig is the [utility] table: the branding on every notice.
type UtilityConfig struct {
	Name            string `toml:"name"`
	Phone           string `toml:"phone"`
	Email           string `toml:"email"`
	Website         string `toml:"website"`
	Address         string `toml:"address"`
	Logo            string `toml:"logo"` // path to a PNG, relative to the config file
	Timezone        string `toml:"timezone"`
	DefaultLanguage string `toml:"default_language"`
}

// ScheduleConfig is the [schedule] table: campaigns and quiet hours.
type ScheduleConfig struct {
	// Timezone is a new campaign's zone when crier campaigns add is given
	// none; default: [utility] timezone.
	Timezone string `toml:"timezone"`
	// Grace is how late a campaign's firing, or a notice sent with --at,
	// may still be sent when no crier ran at its time; older firings are
	// recorded as missed, older notices pause with the reason.
	Grace string `toml:"grace"`
	// QuietHours holds the text messages of normal notices, as
	// "21:00-08:00" in the utility's zone, or "off"; emergencies go at once.
	QuietHours string `toml:"quiet_hours"`
}

// ServeConfig is the [serve] table: crier serve.
type ServeConfig struct {
	// AdminAddress is where /healthz, /readyz and /wake answer, host:port
	// (port 0 picks a free one); "off" for none. Keep it on loopback or a
	// private network: it has no login.
	AdminAddress string `toml:"admin_address"`
	// StopTimeout is how long a stop (SIGINT, SIGTERM) lets the sends in
	// flight finish before abandoning them.
	StopTimeout string `toml:"stop_timeout"`
}

// WebConfig is the [web] table: crier serve's public side.
type WebConfig struct {
	// Listen is where the public routes answer (unsubscribe links,
	// Twilio's webhooks, notice pages, feeds), host:port behind the
	// reverse proxy that public_url names; "off" for none.
	Listen string `toml:"listen"`
}

// ContactsConfig is the [contacts] table.
type ContactsConfig struct {
	DefaultRegion string `toml:"default_region"` // for national phone numbers: a two-letter country code
}

// Default is the configuration without a file: every key at its default.
func Default() Config {
	return Config{
		Database:  "crier.db",
		OutboxDir: "outbox",
		PrintDir:  "print",
		Contacts:  ContactsConfig{DefaultRegion: "US"},
		Utility: UtilityConfig{
			Name:            "Water Utility",
			Timezone:        "America/New_York",
			DefaultLanguage: "en",
		},
		SMTP: SMTPConfig{
			Port:        587,
			TLS:         "mandatory",
			Timeout:     "30s",
			Connections: 4,
		},
		Twilio: TwilioConfig{
			Timeout:     "15s",
			Concurrency: 4,
			Rate:        1, // a US long code's limit
			Burst:       1,
		},
		Dispatch: DispatchConfig{
			MaxAttempts: 8,
			MaxAge:      "24h",
			Lease:       "2m",
			Backoff:     "5s",
			MaxBackoff:  "10m",
			PauseAfter:  25,
			Poll:        "1m",
		},
		Schedule: ScheduleConfig{
			Grace:      "1h",
			QuietHours: "21:00-08:00",
		},
		Serve: ServeConfig{
			AdminAddress: "127.0.0.1:8086",
			StopTimeout:  "30s",
		},
		Web:     WebConfig{Listen: "127.0.0.1:8080"},
		Console: ConsoleConfig{IdleTimeout: "30m"},
	}
}

// Load reads the configuration: the path given (by --config or
// CRIER_CONFIG), else crier.toml in the working folder if there is one, else
// the defaults; CRIER_DATABASE_URL, when set, names the database instead.
// Unknown keys are an error that names them.
func Load(path string) (Config, error) {
	cfg := Default()
	explicit := path != ""
	if !explicit {
		path = "crier.toml"
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if !explicit && errors.Is(err, os.ErrNotExist) {
			err := cfg.databaseFromEnv()
			return cfg, err
		}
		return cfg, fmt.Errorf("read configuration: %w", err)
	}
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&cfg)
	if err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			if k := secretKey(perr.LastKey); k != "" {
				// The parser quotes what it found, which here is a secret.
				return cfg, fmt.Errorf("%s:%d: %s", path, perr.Position.Line, secretInFile(k))
			}
			return cfg, fmt.Errorf("%s:%d: %s", path, perr.Position.Line, perr.Message)
		}
		return cfg, fmt.Errorf("%s: %w%s", path, err, typeHint(err))
	}
	if unknown := md.Undecoded(); len(unknown) > 0 {
		keys := make([]string, len(unknown))
		for i, k := range unknown {
			keys[i] = k.String()
			if s := secretKey(keys[i]); s != "" {
				return cfg, fmt.Errorf("%s: %s", path, secretInFile(s))
			}
		}
		sort.Strings(keys)
		hint := ""
		for _, k := range keys {
			if _, key, ok := strings.Cut(k, "."); ok && slices.Contains(topKeys(), key) {
				hint = fmt.Sprintf("; %s belongs at the top of the file, before the first [table]", key)
				break
			}
		}
		return cfg, fmt.Errorf("%s: unknown key %s (known: %s)%s", path, strings.Join(keys, ", "), knownKeys(), hint)
	}
	if err := databaseSecret(path, cfg.Database); err != nil {
		return cfg, err
	}
	cfg.file = path
	if code, err := templates.Language(cfg.Utility.DefaultLanguage); err == nil {
		cfg.Utility.DefaultLanguage = code // "ES" is es (check reports a bad one)
	}
	// Paths in the file are relative to the file, not the working folder.
	dir := filepath.Dir(path)
	for _, p := range []*string{&cfg.TemplatesDir, &cfg.Utility.Logo, &cfg.Database, &cfg.OutboxDir, &cfg.PrintDir} {
		if *p != "" && !filepath.IsAbs(*p) && !notices.IsURL(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	resolveFontPaths(cfg.Fonts, dir)
	if err := cfg.databaseFromEnv(); err != nil {
		return cfg, err
	}
	if err := cfg.check(); err != nil {
		return cfg, &CheckError{Err: err}
	}
	return cfg, nil
}

// CheckError is a mistake in a configuration that was read whole: a
// command that sends nothing may go on despite it (cmd/crier's env.config).
// Err lists every mistake, one a line.
type CheckError struct{ Err error }

func (e *CheckError) Error() string { return e.Err.Error() }
func (e *CheckError) Unwrap() error { return e.Err }

// check runs every check of the file that messages need (the utility and
// its logo, public_url, the senders, the channel tables, [dispatch],
// [console] approval_over), so that a mistake stops the command that read
// it, not the dispatcher with a notice queued. Only the secrets wait for
// the dispatcher: the coordinator's shell need not hold them.
func (c Config) check() error {
	_, _, err := c.checked(nil)
	return err
}

// checked is check for lib: the utility and the dispatcher's message
// configuration as far as the file allows (the utility in UTC when its
// zone is wrong), and every mistake found.
func (c Config) checked(lib *templates.Library) (templates.Utility, scheduler.Config, error) {
	u, uerr := c.LoadUtility()
	if u.Location == nil {
		u.Location = time.UTC // said by uerr; the other checks go on
	}
	k := c.newChecker()
	out, _, _ := c.settings(k, lib, u)
	c.approvalOver(k) // crier send asks for the approval too
	return u, out, errors.Join(uerr, c.scheduleZone(), k.err())
}

// typeHint says how to write a value of the wrong TOML type: text in
// double quotes, numbers without.
func typeHint(err error) string {
	switch msg := err.Error(); {
	case strings.Contains(msg, "destination has type string"):
		return ` (put values in double quotes, as in phone = "(315) 555-0142"; durations too, as in timeout = "30s")`
	case strings.Contains(msg, "destination has type integer"), strings.Contains(msg, "destination has type float"):
		return " (write numbers without quotes, as in port = 587 or rate = 0.5)"
	}
	return ""
}

// knownKeys lists the keys crier.toml may hold, read from Config's tags so
// that the list cannot fall behind: "templates_dir, …, [utility] name, …".
func knownKeys() string {
	var tables []string
	t := reflect.TypeFor[Config]()
	for i := range t.NumField() {
		f := t.Field(i)
		if name := f.Tag.Get("toml"); name == "fonts" {
			tables = append(tables, "[fonts] LANGUAGE = \"FILE.ttf\" or { regular, bold }")
		} else if name != "" && f.Type.Kind() == reflect.Struct {
			var keys []string
			for j := range f.Type.NumField() {
				if k := f.Type.Field(j).Tag.Get("toml"); k != "" {
					keys = append(keys, k)
				}
			}
			tables = append(tables, "["+name+"] "+strings.Join(keys, ", "))
		}
	}
	return strings.Join(append(topKeys(), tables...), ", ")
}

// topKeys lists the keys outside any table.
func topKeys() []string {
	var keys []string
	t := reflect.TypeFor[Config]()
	for i := range t.NumField() {
		f := t.Field(i)
		if name := f.Tag.Get("toml"); name != "" && f.Type.Kind() != reflect.Struct && f.Type.Kind() != reflect.Map {
			keys = append(keys, name)
		}
	}
	return keys
}

// Store opens the database named by the configuration, migrated, and
// makes it when there is none.
func (c Config) Store(ctx context.Context) (*notices.Store, error) {
	return c.openStore(ctx, notices.Open)
}

// openStore opens the database named by the configuration with open
// (notices.Open or notices.OpenExisting), reading phone numbers in its
// region.
func (c Config) openStore(ctx context.Context, open func(context.Context, string) (*notices.Store, error)) (*notices.Store, error) {
	s, err := open(ctx, c.Database)
	if notices.ErrorCode(err) == notices.NotFound {
		return nil, c.NoDatabase()
	}
	if err != nil {
		return nil, err // it names the database
	}
	s.PhoneRegion = c.PhoneRegion()
	return s, nil
}

// PhoneRegion is [contacts] default_region, the country of national phone
// numbers in imports and in field values; "" (US) when it is not one, a
// mistake the import and the [utility] phone check name.
func (c Config) PhoneRegion() string {
	n, err := c.Normalizer()
	if err != nil {
		return ""
	}
	return n.Region
}

// DatabaseName is the database for messages: a URL without its password.
func (c Config) DatabaseName() string { return notices.RedactDSN(c.Database) }

// Normalizer cleans contact values with the configured phone region.
func (c Config) Normalizer() (notices.Normalizer, error) {
	r := strings.ToUpper(c.Contacts.DefaultRegion)
	if !phonenumbers.GetSupportedRegions()[r] {
		return notices.Normalizer{}, fmt.Errorf("%s: [contacts] default_region %q: use a two-letter country code such as US", c.Name(), c.Contacts.DefaultRegion)
	}
	return notices.Normalizer{Region: r}, nil
}

// Name says where the configuration came from, for messages.
func (c Config) Name() string {
	if c.file == "" {
		return "crier.toml (there is none yet: the defaults are in use)"
	}
	return c.file
}

// LoadUtility checks the [utility] table and turns it into the templates'
// branding, reading the logo.
func (c Config) LoadUtility() (templates.Utility, error) {
	u := c.Utility
	where := c.file
	if where == "" {
		where = "default configuration"
	}
	var errs []string
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Sprintf("%s: [utility] %s: %s", where, key, fmt.Sprintf(format, args...)))
	}
	out := templates.Utility{Name: u.Name, Phone: u.Phone, Email: u.Email, Website: u.Website, Address: u.Address, Region: c.PhoneRegion(), ConfigFile: c.file}
	if strings.TrimSpace(u.Name) == "" {
		bad("name", "is empty; give the utility's name as customers know it")
	}
	if u.Phone != "" {
		if n, err := c.Normalizer(); err != nil {
			bad("phone", "%v", err)
		} else if _, err := n.Phone(u.Phone); err != nil {
			bad("phone", "%q is not a phone number (write it like %s)", u.Phone, templates.PhoneHint(n.Region))
		}
	}
	if u.Email != "" {
		if a, err := mail.ParseAddress(u.Email); err != nil || a.Address != u.Email {
			bad("email", "%q is not an email address (write it like notices@water.example.org, without a name)", u.Email)
		}
	}
	if u.Website != "" {
		if err := templates.CheckWebAddress(u.Website); err != nil {
			bad("website", "%q %v", u.Website, err)
		}
	}
	loc, err := app.LoadZone(u.Timezone)
	if err != nil {
		bad("timezone", "%v", err)
	}
	out.Location = loc
	if _, err := templates.Language(u.DefaultLanguage); err != nil {
		bad("default_language", "%v", err)
	}
	if u.Logo != "" {
		logo, err := os.ReadFile(u.Logo)
		if err != nil {
			bad("logo", "%v", err)
		} else if _, err := png.DecodeConfig(bytes.NewReader(logo)); err != nil {
			bad("logo", "%s is not a PNG image: %v", u.Logo, err)
		} else {
			out.Logo = logo
		}
	}
	out.Fonts, errs = c.fonts(where, errs)
	if len(errs) > 0 {
		return out, errors.New(strings.Join(errs, "\n"))
	}
	return out, nil
}

// Library is the built-in template library with the custom templates of
// templates_dir added and overriding by name; the custom templates' phone
// examples and defaults are read in [contacts] default_region.
func (c Config) Library() (*templates.Library, templates.Problems, error) {
	lib, problems := templates.Builtin()
	if len(problems.Errors()) > 0 {
		return nil, problems, fmt.Errorf("the built-in template library has problems:\n%w", problems)
	}
	if c.TemplatesDir == "" {
		return lib, problems, nil
	}
	if _, err := os.Stat(c.TemplatesDir); err != nil {
		return nil, nil, fmt.Errorf("%s: templates_dir %s: %w; create the folder or remove the key", c.Name(), c.TemplatesDir, err)
	}
	custom, cp := templates.LoadIn(os.DirFS(c.TemplatesDir), ".", c.PhoneRegion())
	for i := range cp {
		cp[i].File = filepath.Join(c.TemplatesDir, cp[i].File)
	}
	if len(cp.Errors()) > 0 {
		return nil, cp, fmt.Errorf("templates_dir %s has problems (`crier templates check %s` lists them):\n%w", c.TemplatesDir, c.TemplatesDir, cp.Errors())
	}
	return lib.Merge(custom), append(problems, cp...), nil
}
