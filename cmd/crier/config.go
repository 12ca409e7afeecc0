package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/nyaruka/phonenumbers"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// Config is crier.toml. Each later capability adds its own table. Every
// key has a default, so crier runs with no file at all.
type Config struct {
	TemplatesDir string         `toml:"templates_dir"`
	Database     string         `toml:"database"` // a SQLite file path (default crier.db)
	Utility      UtilityConfig  `toml:"utility"`
	Contacts     ContactsConfig `toml:"contacts"`

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

// ContactsConfig is the [contacts] table.
type ContactsConfig struct {
	DefaultRegion string `toml:"default_region"` // for national phone numbers: a two-letter country code
}

func defaultConfig() Config {
	return Config{
		Database: "crier.db",
		Contacts: ContactsConfig{DefaultRegion: "US"},
		Utility: UtilityConfig{
			Name:            "Water Utility",
			Timezone:        "America/New_York",
			DefaultLanguage: "en",
		},
	}
}

// loadConfig reads the configuration: the path given (by --config or
// CRIER_CONFIG), else crier.toml in the working folder if there is one, else
// the defaults. Unknown keys are an error that names them.
func loadConfig(path string) (Config, error) {
	cfg := defaultConfig()
	explicit := path != ""
	if !explicit {
		path = "crier.toml"
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if !explicit && errors.Is(err, os.ErrNotExist) {
			return cfg, nil
		}
		return cfg, fmt.Errorf("read configuration: %w", err)
	}
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&cfg)
	if err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			return cfg, fmt.Errorf("%s:%d: %s", path, perr.Position.Line, perr.Message)
		}
		// Every value crier reads is text: phone = 3155550142 needs quotes.
		return cfg, fmt.Errorf("%s: %w (put values in double quotes, as in phone = \"(315) 555-0142\")", path, err)
	}
	if unknown := md.Undecoded(); len(unknown) > 0 {
		keys := make([]string, len(unknown))
		for i, k := range unknown {
			keys[i] = k.String()
		}
		sort.Strings(keys)
		return cfg, fmt.Errorf("%s: unknown key %s (known: templates_dir, database, [utility] name, phone, email, website, address, logo, timezone, default_language, [contacts] default_region)", path, strings.Join(keys, ", "))
	}
	cfg.file = path
	// Paths in the file are relative to the file, not the working folder.
	dir := filepath.Dir(path)
	for _, p := range []*string{&cfg.TemplatesDir, &cfg.Utility.Logo, &cfg.Database} {
		if *p != "" && !filepath.IsAbs(*p) && !strings.Contains(*p, "://") {
			*p = filepath.Join(dir, *p)
		}
	}
	return cfg, nil
}

// store opens the database named by the configuration, migrated.
func (c Config) store(ctx context.Context) (*notices.Store, error) {
	s, err := notices.Open(ctx, c.Database)
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", c.databaseName(), err)
	}
	return s, nil
}

// databaseName is the database for messages: a URL without its password.
func (c Config) databaseName() string {
	if u, err := url.Parse(c.Database); err == nil && u.User != nil {
		return u.Redacted()
	}
	return c.Database
}

// normalizer cleans contact values with the configured phone region.
func (c Config) normalizer() (notices.Normalizer, error) {
	r := strings.ToUpper(c.Contacts.DefaultRegion)
	if !phonenumbers.GetSupportedRegions()[r] {
		return notices.Normalizer{}, fmt.Errorf("%s: [contacts] default_region %q: use a two-letter country code such as US", c.name(), c.Contacts.DefaultRegion)
	}
	return notices.Normalizer{Region: r}, nil
}

// name says where the configuration came from, for messages.
func (c Config) name() string {
	if c.file == "" {
		return "crier.toml (there is none yet: the defaults are in use)"
	}
	return c.file
}

var langCode = regexp.MustCompile(`^[a-z]{2,3}$`)

// utility checks the [utility] table and turns it into the templates'
// branding, reading the logo.
func (c Config) utility() (templates.Utility, error) {
	u := c.Utility
	where := c.file
	if where == "" {
		where = "default configuration"
	}
	var errs []string
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Sprintf("%s: [utility] %s: %s", where, key, fmt.Sprintf(format, args...)))
	}
	out := templates.Utility{Name: u.Name, Phone: u.Phone, Email: u.Email, Website: u.Website, Address: u.Address}
	if strings.TrimSpace(u.Name) == "" {
		bad("name", "is empty; give the utility's name as customers know it")
	}
	if u.Phone != "" {
		if n, err := c.normalizer(); err != nil {
			bad("phone", "%v", err)
		} else if _, err := n.Phone(u.Phone); err != nil {
			bad("phone", "%q is not a phone number (write it like (315) 555-0142)", u.Phone)
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
	loc, err := time.LoadLocation(u.Timezone)
	if err != nil || u.Timezone == "" {
		bad("timezone", "%q is not a time zone name (use an IANA name such as America/New_York)", u.Timezone)
	}
	out.Location = loc
	if !langCode.MatchString(u.DefaultLanguage) {
		bad("default_language", "%q: use a two- or three-letter code such as en", u.DefaultLanguage)
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
	if len(errs) > 0 {
		return out, errors.New(strings.Join(errs, "\n"))
	}
	return out, nil
}

// library is the built-in template library with the custom templates of
// templates_dir added and overriding by name.
func (c Config) library() (*templates.Library, templates.Problems, error) {
	lib, problems := templates.Builtin()
	if len(problems.Errors()) > 0 {
		return nil, problems, fmt.Errorf("the built-in template library has problems:\n%w", problems)
	}
	if c.TemplatesDir == "" {
		return lib, problems, nil
	}
	if _, err := os.Stat(c.TemplatesDir); err != nil {
		return nil, nil, fmt.Errorf("%s: templates_dir %s: %w; create the folder or remove the key", c.name(), c.TemplatesDir, err)
	}
	custom, cp := templates.Load(os.DirFS(c.TemplatesDir), ".")
	for i := range cp {
		cp[i].File = filepath.Join(c.TemplatesDir, cp[i].File)
	}
	if len(cp.Errors()) > 0 {
		return nil, cp, fmt.Errorf("templates_dir %s has problems (`crier templates check %s` lists them):\n%w", c.TemplatesDir, c.TemplatesDir, cp.Errors())
	}
	return lib.Merge(custom), append(problems, cp...), nil
}
