package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/crier-notices/crier/templates"
)

type templatesCmd struct {
	List  templatesListCmd  `cmd:"" help:"List the templates: name, title, category, tier, languages."`
	Show  templatesShowCmd  `cmd:"" help:"Show a template's fields with their types and help."`
	Check templatesCheckCmd `cmd:"" help:"Check the built-in library, or a folder of custom templates; exit status 1 if any has an error."`
}

type templatesListCmd struct{}

func (templatesListCmd) Run(e *env) error {
	_, lib, err := e.library()
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTITLE\tCATEGORY\tTIER\tLANGUAGES")
	for _, name := range lib.Names() {
		fam, _ := lib.Family(name)
		t := fam.Original
		tier := "-"
		if t.Tier > 0 {
			tier = strconv.Itoa(t.Tier)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.Name, t.Title, t.Category, tier, strings.Join(fam.Languages(), ","))
	}
	return tw.Flush()
}

type templatesShowCmd struct {
	Name string `arg:"" help:"Template name."`
	Lang string `help:"Language of the labels and help (default: the template's original)." placeholder:"LANG"`
}

func (c templatesShowCmd) Run(e *env) error {
	_, lib, err := e.library()
	if err != nil {
		return err
	}
	t, err := lib.Get(c.Name, c.Lang)
	if err != nil {
		return err
	}
	fam, _ := lib.Family(c.Name)
	w := e.stdout
	fmt.Fprintf(w, "%s — %s\n", t.Name, t.Title)
	if t.Description != "" {
		fmt.Fprintf(w, "%s\n", t.Description)
	}
	fmt.Fprintf(w, "category: %s", t.Category)
	if t.Tier > 0 {
		fmt.Fprintf(w, ", Tier %d public notice", t.Tier)
	}
	fmt.Fprintf(w, "\nlanguages: %s\nfile: %s\n", strings.Join(fam.Languages(), ", "), t.File)
	fmt.Fprintf(w, "sms: at most %d segment(s); %s\n\nfields:\n", t.SMSMaxSegments, smsGSM7Line(t))
	for _, f := range t.Fields {
		req := "optional"
		if f.Required {
			req = "required"
		}
		fmt.Fprintf(w, "  %s (%s, %s) — %s\n", f.Name, f.Type, req, f.Label)
		if len(f.Options) > 0 {
			fmt.Fprintf(w, "      options: %s\n", strings.Join(f.Options, ", "))
		}
		if f.Type == templates.TypeText || f.Type == templates.TypeMultiline || f.Type == templates.TypeURL {
			fmt.Fprintf(w, "      at most %d characters\n", f.Limit())
		}
		if f.After != "" {
			fmt.Fprintf(w, "      on or after %s (send warns, and a campaign's firing is not sent, when it is before)\n", f.After)
		}
		if f.Past {
			fmt.Fprintln(w, "      may be in the past")
		} else if f.Type == templates.TypeDate || f.Type == templates.TypeDateTime {
			fmt.Fprintln(w, "      in a campaign: +14d, +2w, day:15 or day:5+1m give a date relative to each firing")
		}
		if f.Default != "" {
			fmt.Fprintf(w, "      default: %s\n", f.Default)
		}
		if f.Example != "" {
			fmt.Fprintf(w, "      example: %s\n", f.Example)
		}
		if f.Help != "" {
			fmt.Fprintf(w, "      %s\n", f.Help)
		}
	}
	return nil
}

type templatesCheckCmd struct {
	Dir string `arg:"" optional:"" help:"Folder of custom templates (default: the built-in library)." type:"path"`
}

func (c templatesCheckCmd) Run(e *env) error {
	cfg, err := e.config()
	if err != nil {
		return err
	}
	dirs := []string{c.Dir}
	if c.Dir == "" {
		dirs = []string{""} // the built-in library
		if cfg.TemplatesDir != "" {
			dirs = append(dirs, cfg.TemplatesDir)
		}
	}
	// A configuration problem is reported, but the templates are still
	// checked: that is what was asked.
	u, err := cfg.LoadUtility()
	if err != nil {
		fmt.Fprintln(e.stderr, "warning:", err)
	}
	failed := false
	for _, dir := range dirs {
		lib, problems, where, err := loadForCheck(dir, u)
		if err != nil {
			return err
		}
		for _, p := range problems {
			fmt.Fprintln(e.stdout, p)
		}
		errs, warns := len(problems.Errors()), len(problems.Warnings())
		fmt.Fprintf(e.stdout, "%s: %d template files, %d error(s), %d warning(s)\n", where, lib.Files(), errs, warns)
		failed = failed || errs > 0
	}
	if failed {
		return &exitError{code: 1, err: errors.New("templates have errors; fix the lines listed above")}
	}
	return nil
}

// loadForCheck reads the built-in library (dir "") or a folder of custom
// templates and renders each with its examples and u, with the problems'
// file names as the user knows them. A folder's phone examples are read in
// u's region, the built-in library's in the US, for which they are written.
func loadForCheck(dir string, u templates.Utility) (*templates.Library, templates.Problems, string, error) {
	if dir == "" {
		lib, problems := templates.Builtin()
		return lib, append(problems, templates.CheckExamples(lib, u)...), "built-in library", nil
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, nil, "", fmt.Errorf("template folder: %w", err)
	}
	lib, problems := templates.LoadIn(os.DirFS(dir), ".", u.Region)
	problems = append(problems, templates.CheckExamples(lib, u)...)
	for i := range problems {
		problems[i].File = filepath.Join(dir, problems[i].File)
	}
	return lib, problems, dir, nil
}

// smsGSM7Line says what the template's sms_gsm7 does to its SMS.
func smsGSM7Line(t *templates.Template) string {
	if t.SMSGSM7 {
		return "sms_gsm7: true, letters outside GSM-7 are sent as their closest GSM-7 letters (á as a)"
	}
	return "sms_gsm7: false, a letter outside GSM-7 (such as á) makes the SMS UCS-2"
}
