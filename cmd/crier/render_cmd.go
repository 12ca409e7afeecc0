package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/crier-notices/crier/templates"
)

type renderCmd struct {
	Name       string   `arg:"" help:"Template name (crier templates list)."`
	Set        []string `short:"s" sep:"none" help:"A field value, FIELD=VALUE; FIELD.LANG=VALUE for one language only. Repeat for each field." placeholder:"FIELD=VALUE"`
	Values     string   `help:"A YAML file of field values (FIELD: VALUE); --set wins over it." type:"existingfile" placeholder:"FILE"`
	Lang       string   `help:"Language to render: a code such as es, a comma list such as en,es, or all (default: the utility's default language)." placeholder:"LANG"`
	Out        string   `help:"Folder to write into." default:"." type:"path" placeholder:"DIR"`
	URL        string   `name:"url" help:"The notice's public web address, for the QR code and the email's link." placeholder:"URL"`
	Date       string   `help:"The notice's date, as YYYY-MM-DD or YYYY-MM-DD HH:MM in the utility's time zone (default: now)." placeholder:"DATE"`
	SMSReplace *bool    `name:"sms-replace" help:"Replace curly quotes, dashes and the like with GSM-7 look-alikes before counting the SMS (default: the template's sms_replace)."`
	MessageID  string   `name:"message-id" help:"The email's Message-ID (default: derived from the content)." placeholder:"ID"`
}

func (c renderCmd) Run(e *env) error {
	cfg, lib, err := e.library()
	if err != nil {
		return err
	}
	u, err := cfg.utility()
	if err != nil {
		return err
	}
	fam, err := lib.Family(c.Name)
	if err != nil {
		return err
	}
	langs, err := c.languages(fam, cfg.Utility.DefaultLanguage)
	if err != nil {
		return err
	}
	values, err := c.values()
	if err != nil {
		return err
	}
	date := time.Now()
	if c.Date != "" {
		if date, err = parseNoticeDate(c.Date, u.Location); err != nil {
			return err
		}
	}
	if c.URL != "" && !strings.HasPrefix(c.URL, "https://") && !strings.HasPrefix(c.URL, "http://") {
		return fmt.Errorf("--url %q: write the address in full, starting with https://", c.URL)
	}

	var renderings []*templates.Rendering
	for _, lang := range langs {
		r, err := templates.Render(fam.ByLang[lang], values, u, templates.Options{Date: date, URL: c.URL, SMSReplace: c.SMSReplace})
		var ves templates.ValueErrors
		if errors.As(err, &ves) {
			return &exitError{code: 1, err: fmt.Errorf("template %s cannot be filled with these values:\n  %s", c.Name, strings.ReplaceAll(ves.Error(), "\n", "\n  "))}
		}
		if err != nil {
			return &exitError{code: 1, err: err}
		}
		renderings = append(renderings, r)
	}

	if missing := fam.Original.MissingBranding(u); len(missing) > 0 {
		fmt.Fprintf(e.stderr, "warning: %s shows the utility's %s, which the configuration leaves empty; set them in the [utility] table of crier.toml\n",
			c.Name, strings.Join(missing, ", "))
	}
	for _, r := range renderings {
		dir := c.Out
		if len(renderings) > 1 {
			dir = filepath.Join(c.Out, r.Lang)
		}
		if err := writeRendering(dir, r, templates.EmailHeader{MessageID: c.MessageID}); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s (%s): wrote %s\n", c.Name, r.Lang, strings.Join([]string{
			filepath.Join(dir, "flyer.pdf"), filepath.Join(dir, "email.eml"), filepath.Join(dir, "email.html"), filepath.Join(dir, "sms.txt")}, ", "))
		fmt.Fprintf(e.stdout, "sms: %d characters, %s, %d segment(s)\n", r.SMS.Units, r.SMS.Encoding, r.SMS.Segments)
	}
	if len(renderings) > 1 {
		path := filepath.Join(c.Out, "flyer.pdf")
		if err := writeFile(path, func(b *bytes.Buffer) error { return templates.Flyer(b, renderings...) }); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s (%s): wrote %s\n", c.Name, strings.Join(langs, "+"), path)
	}
	return nil
}

// languages resolves --lang against the template's languages.
func (c renderCmd) languages(fam *templates.Family, def string) ([]string, error) {
	switch c.Lang {
	case "":
		if _, ok := fam.ByLang[def]; ok {
			return []string{def}, nil
		}
		return []string{fam.Original.Lang}, nil
	case "all":
		return fam.Languages(), nil
	}
	var langs []string
	for _, l := range strings.Split(c.Lang, ",") {
		l = strings.TrimSpace(l)
		if _, ok := fam.ByLang[l]; !ok {
			return nil, fmt.Errorf("--lang %s: template %s has no %q translation (it has: %s)", c.Lang, fam.Name, l, strings.Join(fam.Languages(), ", "))
		}
		langs = append(langs, l)
	}
	return langs, nil
}

// values reads --values and then --set, which wins.
func (c renderCmd) values() (templates.Values, error) {
	v := templates.Values{}
	if c.Values != "" {
		data, err := os.ReadFile(c.Values)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := yaml.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("%s: %w (write one FIELD: VALUE per line)", c.Values, err)
		}
		for k, x := range m {
			switch x := x.(type) {
			case string:
				v[k] = x
			case int, int64, float64, bool:
				v[k] = fmt.Sprint(x)
			case nil:
				v[k] = ""
			default:
				return nil, fmt.Errorf("%s: %s must be a single value, not a list or a mapping", c.Values, k)
			}
		}
	}
	for _, s := range c.Set {
		k, val, ok := strings.Cut(s, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("--set %q: write FIELD=VALUE", s)
		}
		v[strings.TrimSpace(k)] = val
	}
	return v, nil
}

func parseNoticeDate(s string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--date %q: write it as YYYY-MM-DD or YYYY-MM-DD HH:MM", s)
}

// writeRendering writes flyer.pdf, email.eml, email.html and sms.txt.
func writeRendering(dir string, r *templates.Rendering, h templates.EmailHeader) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	html, err := r.HTML()
	if err != nil {
		return err
	}
	files := []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"flyer.pdf", func(b *bytes.Buffer) error { return templates.Flyer(b, r) }},
		{"email.eml", func(b *bytes.Buffer) error { return r.WriteEmail(b, h) }},
		{"email.html", func(b *bytes.Buffer) error { _, err := b.WriteString(html); return err }},
		{"sms.txt", func(b *bytes.Buffer) error { _, err := b.WriteString(r.SMS.Text + "\n"); return err }},
	}
	for _, f := range files {
		if err := writeFile(filepath.Join(dir, f.name), f.write); err != nil {
			return err
		}
	}
	return nil
}

// writeFile renders into memory first, so a failed rendering never leaves a
// half-written file behind, then writes the file in one go.
func writeFile(path string, render func(*bytes.Buffer) error) error {
	var b bytes.Buffer
	if err := render(&b); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return err
	}
	return nil
}
