package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/config"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// commandApp is the application core over the store s for a command
// (config.Config.App), waking the running crier serve through s. A
// mistake in crier.toml stays in the App's ConfigErr, which the use cases
// that compose refuse while the others go on, as the commands do (those
// that make messages refused the file when they read it); secrets missing
// here belong to the dispatcher's environment and refuse nothing.
func commandApp(cfg config.Config, lib *templates.Library, s *notices.Store) *app.App {
	a, _ := cfg.App(context.Background(), s, lib) // the mistake is a.ConfigErr
	useStore(a, s)
	return a
}

// actingContext is a context that names who acts in the audit log: by,
// else the unix user (unixUser), as admin by the command line.
func actingContext(ctx context.Context, by string) context.Context {
	name := strings.TrimSpace(by)
	if name == "" {
		name = unixUser()
	}
	return app.WithActor(ctx, app.Actor{Name: name, Role: notices.RoleAdmin, Via: "cli"})
}

// campaignFlags name the flag of each field of a campaign's input.
var campaignFlags = map[string]string{
	"cron": "--schedule", "zone": "--timezone", "starts": "--starts", "ends": "--ends", "template": "--template",
	"urgency": "--urgency", "channels": "--channels", "languages": "--lang", "name": "",
}

// campaignWords turn the app's words for the other fields into the flags.
var campaignWords = strings.NewReplacer(
	"the start time", "--starts",
	"the end time", "--ends",
	"remove them, or give every value anew", "--unset them, or give every value anew with --values FILE",
	"does not load on this machine: give another", "does not load on this machine: give --timezone",
)

// campaignError presents an error of app's campaign use cases as crier
// campaigns does: the flags at fault as a usage error (exit status 2),
// the rest (values, dates, the audience) with exit status 1 and what to
// run to see more. fam names the template in advice (nil: none).
func campaignError(cmd string, fam *templates.Family, err error) error {
	var ie *app.InvalidError
	if !errors.As(err, &ie) {
		return err
	}
	if flagProblems(ie.Problems) {
		lines := make([]string, len(ie.Problems))
		for i, p := range ie.Problems {
			lines[i] = flagLine(p)
		}
		return usageError(cmd, errors.New(strings.Join(lines, "\n")))
	}
	if len(ie.Problems) == 1 && ie.Problems[0].Field == "audience" {
		msg := ie.Problems[0].Message
		if strings.HasSuffix(msg, "check the list and filters") {
			msg += " (crier audience counts them)"
		} else {
			msg += " (crier audience shows whom it misses and why)"
		}
		return &exitError{code: 1, err: errors.New(msg)}
	}
	var b strings.Builder
	b.WriteString(ie.Message + ":")
	for _, p := range ie.Problems {
		b.WriteString("\n  " + strings.ReplaceAll(p.Message, "\n", "\n  "))
	}
	if strings.HasPrefix(ie.Message, "the next firing") && fam != nil {
		fmt.Fprintf(&b, "\n(give the dates in order with --set; crier templates show %s says which comes after which)", fam.Name)
	}
	return &exitError{code: 1, err: errors.New(b.String())}
}

// flagProblems reports whether every problem is a flag's.
func flagProblems(ps []app.Problem) bool {
	for _, p := range ps {
		if _, ok := campaignFlags[p.Field]; !ok && !strings.HasPrefix(p.Field, "unset.") {
			return false
		}
	}
	return len(ps) > 0
}

// flagLine says a problem with its flag: "--schedule: spec ... never
// fires"; a message that starts with the value reads on after the flag.
func flagLine(p app.Problem) string {
	msg := campaignWords.Replace(p.Message)
	flag := campaignFlags[p.Field]
	if f, ok := strings.CutPrefix(p.Field, "unset."); ok {
		flag = "--unset " + f
	}
	if flag == "" {
		return msg
	}
	first, _, _ := strings.Cut(msg, " ")
	if strings.ContainsAny(msg[:1], `"'0123456789`) || strings.HasSuffix(first, ":") {
		return flag + " " + msg
	}
	return flag + ": " + msg
}

// firingTime shows a firing in the campaign's zone and in UTC:
// "2027-03-01 09:00 EST  (2027-03-01 14:00 UTC)".
func firingTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02 15:04 MST") + "  (" + t.UTC().Format("2006-01-02 15:04") + " UTC)"
}

// writeFiring writes one firing of a campaign: its time in the campaign's
// zone and in UTC, what its relative dates become, and why it would not
// be sent.
func writeFiring(w io.Writer, indent string, f app.Firing, loc *time.Location) {
	line := indent + firingTime(f.At, loc)
	var pairs []string
	for _, v := range f.Resolved {
		pairs = append(pairs, v.Field+": "+v.Value)
	}
	if len(pairs) > 0 {
		line += "  " + strings.Join(pairs, ", ")
	}
	fmt.Fprintln(w, line)
	if f.Why != "" {
		fmt.Fprintf(w, "%s  not sent (it would be recorded missed): %s\n", indent, f.Why)
	}
}

// campaignFirings is app.Firings for show and next: the library's
// trouble, or the template's, is a warning, and the times are shown
// alone.
func campaignFirings(e *env, s *notices.Store, c notices.Campaign, n int) ([]app.Firing, error) {
	cfg, lib, err := e.library()
	if err != nil {
		fmt.Fprintln(e.stderr, "warning:", err)
	}
	a := commandApp(cfg, lib, s)
	// show and next read the schedule first: an error here is the
	// template's, and the times come all the same.
	fs, err := a.Firings(context.Background(), c, n)
	if err != nil {
		fmt.Fprintln(e.stderr, "warning:", err)
	}
	return fs, nil
}
