package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/crier-notices/crier/templates"
)

type renderCmd struct {
	Name       string   `arg:"" help:"Template name: crier templates list shows them, crier templates show NAME its fields."`
	Set        []string `short:"s" sep:"none" help:"A field value, FIELD=VALUE; FIELD.LANG=VALUE for one language only. Repeat for each field." placeholder:"FIELD=VALUE"`
	Values     string   `help:"A YAML file of field values (FIELD: VALUE); --set wins over it." type:"existingfile" placeholder:"FILE"`
	Lang       string   `help:"Language to render: a code such as es, a comma list such as en,es, or all (default: the utility's default language)." placeholder:"LANG"`
	Out        string   `help:"Folder to write into." default:"." type:"path" placeholder:"DIR"`
	URL        string   `name:"url" help:"The notice's public web address, for the QR code and the email's link." placeholder:"URL"`
	Date       string   `help:"The notice's date, as YYYY-MM-DD or YYYY-MM-DD HH:MM in the utility's time zone (default: today). The same notice on the same date gives the same files." placeholder:"DATE"`
	SMSReplace *bool    `name:"sms-replace" help:"Replace curly quotes, dashes and the like with GSM-7 look-alikes before counting the SMS (default: the template's sms_replace)."`
	MessageID  string   `name:"message-id" help:"The email's Message-ID (default: derived from the content)." placeholder:"ID"`
}

func (c renderCmd) Run(e *env) error {
	cfg, lib, err := e.library()
	if err != nil {
		return err
	}
	u, err := cfg.LoadUtility()
	if err != nil {
		return err
	}
	fam, err := lib.Family(c.Name)
	if err != nil {
		return err
	}
	langs, err := c.languages(fam, cfg.Utility.DefaultLanguage)
	if err != nil {
		return usageError("render", err)
	}
	if _, ok := templates.MatchLanguage(cfg.Utility.DefaultLanguage, langs); c.Lang == "" && !ok {
		fmt.Fprintf(e.stderr, "warning: %s has no %s translation (default_language); rendering %s\n", c.Name, cfg.Utility.DefaultLanguage, langs[0])
	}
	values, err := c.values(fam)
	if err != nil {
		return err
	}
	date, err := c.noticeDate(u.Location)
	if err != nil {
		return usageError("render", err)
	}
	if c.URL != "" {
		if err := templates.CheckWebAddress(c.URL); err != nil {
			return usageError("render", fmt.Errorf("--url %q %w", c.URL, err))
		}
	}
	if c.MessageID != "" && !messageID.MatchString(c.MessageID) {
		return usageError("render", fmt.Errorf("--message-id %q: write it as left@right, for example notice-42@water.example.org, without angle brackets", c.MessageID))
	}

	var renderings []*templates.Rendering
	var smsErrs []error // an SMS over its limit stops only the SMS
	smsTooLong := map[*templates.Rendering]bool{}
	for _, lang := range langs {
		r, err := templates.Render(fam.ByLang[lang], values, u, templates.Options{Date: date, URL: c.URL, SMSReplace: c.SMSReplace})
		var smsErr *templates.SMSError
		if errors.As(err, &smsErr) {
			smsErrs = append(smsErrs, err)
			smsTooLong[r] = true
			err = nil
		}
		var ves templates.ValueErrors
		if errors.As(err, &ves) {
			return &exitError{code: 1, err: fmt.Errorf("template %s cannot be filled with these values:\n  %s", c.Name, strings.ReplaceAll(ves.Error(), "\n", "\n  "))}
		}
		if errors.Is(err, templates.ErrMissingContact) {
			return &exitError{code: 1, err: fmt.Errorf("%w; set them in the [utility] table of %s", err, cfg.Name())}
		}
		if err != nil {
			return &exitError{code: 1, err: err}
		}
		renderings = append(renderings, r)
	}

	if u.Email == "" {
		fmt.Fprintf(e.stderr, "warning: the email has no From address; set email in the [utility] table of %s\n", cfg.Name())
	}
	if missing := fam.Original.MissingBranding(u); len(missing) > 0 {
		fmt.Fprintf(e.stderr, "warning: %s shows the utility's %s, which the configuration leaves empty; set them in the [utility] table of %s\n",
			c.Name, strings.Join(missing, ", "), cfg.Name())
	}
	for _, r := range renderings {
		dir := c.Out
		if len(renderings) > 1 {
			dir = filepath.Join(c.Out, r.Lang)
		}
		written, err := writeRendering(dir, r, templates.EmailHeader{MessageID: c.MessageID}, !smsTooLong[r])
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s (%s): wrote %s\n", c.Name, r.Lang, strings.Join(written, ", "))
		fmt.Fprintf(e.stdout, "sms: %d characters, %s, %d segment(s)\n", r.SMS.Units, r.SMS.Encoding, r.SMS.Segments)
		if len(r.SMS.ForcedUCS2) > 0 {
			fmt.Fprintf(e.stdout, "sms: UCS-2 because of %s (70 characters per segment instead of 160)\n", quoteAll(r.SMS.ForcedUCS2))
		}
		fmt.Fprintf(e.stdout, "  %s\n", strings.ReplaceAll(r.SMS.Text, "\n", "\n  "))
	}
	if len(renderings) > 1 {
		path := filepath.Join(c.Out, "flyer.pdf")
		if err := writeFile(path, func(b *bytes.Buffer) error { return templates.Flyer(b, renderings...) }); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s (%s): wrote %s\n", c.Name, strings.Join(langs, "+"), path)
	}
	if len(smsErrs) > 0 {
		return &exitError{code: 1, err: fmt.Errorf("the SMS is too long, so no sms.txt was written:\n  %w", errors.Join(smsErrs...))}
	}
	return nil
}

// languages resolves --lang against the template's languages.
func (c renderCmd) languages(fam *templates.Family, def string) ([]string, error) {
	switch c.Lang {
	case "":
		if l, ok := templates.MatchLanguage(def, fam.Languages()); ok {
			return []string{l}, nil
		}
		// The default language has no translation: the original is
		// rendered, and the caller warns.
		return []string{fam.Original.Lang}, nil
	case "all":
		return fam.Languages(), nil
	}
	return sendLanguages(c.Lang, fam)
}

// values reads --values and then --set, which wins. A FIELD.LANG key must
// name one of the template's languages. A bad --set is a usage error (exit
// 2); a bad values file is bad input (exit 1).
func (c renderCmd) values(fam *templates.Family) (templates.Values, error) {
	return fieldValues("render", fam, c.Values, c.Set)
}

// fieldValues reads a notice's values: the YAML file (if any), then each
// --set FIELD=VALUE over it. cmd names the command for usage errors.
func fieldValues(cmd string, fam *templates.Family, file string, sets []string) (templates.Values, error) {
	v := templates.Values{}
	if file != "" {
		if err := readValuesFile(file, v); err != nil {
			return nil, &exitError{code: 1, err: err}
		}
	}
	for _, s := range sets {
		k, val, ok := strings.Cut(s, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, usageError(cmd, fmt.Errorf("--set %q: write FIELD=VALUE", s))
		}
		v[strings.TrimSpace(k)] = val
	}
	keys := slices.Sorted(maps.Keys(v))
	for _, k := range keys {
		if _, lang, ok := strings.Cut(k, "."); ok {
			if _, known := fam.ByLang[lang]; !known {
				return nil, usageError(cmd, fmt.Errorf("%s: template %s has no %q translation, so this value would never be used (it has: %s)", k, fam.Name, lang, strings.Join(fam.Languages(), ", ")))
			}
		}
	}
	return v, nil
}

// maxValuesFile is the largest --values file read.
const maxValuesFile = 1 << 20

func readValuesFile(path string, v templates.Values) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	// Values have limits (the longest a template may allow is 10,000
	// characters), so a bigger file is a mistake and is not read whole.
	if fi, err := f.Stat(); err == nil && fi.Size() > maxValuesFile {
		return fmt.Errorf("%s is %d KB; a values file is at most %d KB", path, fi.Size()>>10, maxValuesFile>>10)
	}
	dec := yaml.NewDecoder(io.LimitReader(f, maxValuesFile))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // an empty file
		}
		return fmt.Errorf("%s: %w (write one FIELD: VALUE per line)", path, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s:%d: a second document (after ---); put every value in one", path, extra.Line)
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("%s:%d: write one FIELD: VALUE per line", path, root.Line)
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, n := root.Content[i], root.Content[i+1]
		if first, dup := seen[k.Value]; dup {
			return fmt.Errorf("%s:%d: %s is given twice (first on line %d)", path, k.Line, k.Value, first)
		}
		seen[k.Value] = k.Line
		switch {
		case n.Kind == yaml.AliasNode:
			return fmt.Errorf("%s:%d: %s: write the value itself, not a YAML alias", path, n.Line, k.Value)
		case n.Kind != yaml.ScalarNode:
			return fmt.Errorf("%s:%d: %s must be a single value, not a list or a mapping", path, n.Line, k.Value)
		case n.Tag == "!!null":
			v[k.Value] = ""
		default:
			v[k.Value] = n.Value
		}
	}
	return nil
}

// noticeDate is --date, or the start of today in the utility's zone: the
// flyer shows the day, and the same notice rendered twice in a day gives
// the same files.
func (c renderCmd) noticeDate(loc *time.Location) (time.Time, error) {
	if c.Date == "" {
		y, m, d := time.Now().In(loc).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, loc), nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, c.Date, loc); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse(time.RFC3339, c.Date); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--date %q: write it as YYYY-MM-DD or YYYY-MM-DD HH:MM", c.Date)
}

var messageID = regexp.MustCompile(`^[^<>@\s]+@[^<>@\s]+$`)

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// writeRendering writes flyer.pdf, email.eml, email.html and, withSMS,
// sms.txt. It returns the paths written.
func writeRendering(dir string, r *templates.Rendering, h templates.EmailHeader, withSMS bool) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	html, err := r.PreviewHTML()
	if err != nil {
		return nil, err
	}
	files := []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"flyer.pdf", func(b *bytes.Buffer) error { return templates.Flyer(b, r) }},
		{"email.eml", func(b *bytes.Buffer) error { return r.WriteEmail(b, h) }},
		{"email.html", func(b *bytes.Buffer) error { _, err := b.WriteString(html); return err }},
	}
	if withSMS {
		files = append(files, struct {
			name  string
			write func(*bytes.Buffer) error
		}{"sms.txt", func(b *bytes.Buffer) error { _, err := b.WriteString(r.SMS.Text + "\n"); return err }})
	}
	var written []string
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		if err := writeFile(path, f.write); err != nil {
			return written, err
		}
		written = append(written, path)
	}
	return written, nil
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
