package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/config"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// sendCmd is `crier send`: a notice from a template, to an audience, on
// channels, now or at a time; published (queued) once the coordinator
// confirms. `crier dispatch` or `crier serve` sends what is queued. With
// --proof it goes to the coordinator's own addresses only, at once.
type sendCmd struct {
	Template string   `arg:"" help:"Template name: crier templates list shows them, crier templates show NAME its fields."`
	Set      []string `short:"s" sep:"none" help:"A field value, FIELD=VALUE; FIELD.LANG=VALUE for one language only. Repeat for each field." placeholder:"FIELD=VALUE"`
	Values   string   `help:"A YAML file of field values (FIELD: VALUE); --set wins over it." type:"existingfile" placeholder:"FILE"`
	audienceFlags
	urgencyFlags
	All      bool     `help:"Send to every contact. A notice needs its audience named: --list or a filter, or --all for everyone."`
	Channels string   `required:"" help:"The channels, a comma list of email, sms and print (print: a flyer for posting and letters to the customers with only a postal address)." placeholder:"LIST"`
	Lang     string   `help:"The languages to send in, a comma list such as en,es (default: every language of the template). A customer whose language is not among them gets the default language if it is one of them, else the template's own language, else the first." placeholder:"LIST"`
	At       string   `help:"Send at this time, YYYY-MM-DD HH:MM in the utility's time zone (default: at once)." placeholder:"TIME"`
	Proof    []string `sep:"none" help:"Send a proof to this address only, at once: an email address (by email) or a mobile number (by sms, read in [contacts] default_region), in every language of the notice. Repeat for several. Kept apart from real notices: not in crier notices list or notices schedule, nor counted in any notice's report (crier report ID of the proof shows it, marked PROOF). No audience flags, no --at." placeholder:"ADDRESS"`
	Yes      bool     `short:"y" help:"Do not ask for confirmation (needed when standard input is not a terminal)."`
}

// sendDraft is a notice composed by crier send and checked by the
// application core, with what the command needs to say of it.
type sendDraft struct {
	*app.Draft
	cfg  config.Config
	u    templates.Utility
	core *app.App
}

func (c sendCmd) Run(e *env) error {
	d, err := c.compose(e)
	if err != nil {
		return err
	}
	if len(c.Proof) > 0 {
		return c.sendProofs(e, d)
	}
	s, err := d.cfg.Store(context.Background())
	if err != nil {
		return err
	}
	defer s.Close()
	useStore(d.core, s)
	total, err := c.confirmation(e, d)
	if err != nil {
		return err
	}
	if !c.Yes {
		if err := confirmOrCancel(e, "send", "send", fmt.Sprintf("Send these %d message(s)? [y/N] ", total), "not sent", "nothing was queued"); err != nil {
			return err
		}
	}
	return publishNotice(e, d)
}

// compose reads the flags into a notice and has the application core
// check it: its values in every language, its messages as the dispatcher
// will make them. The audience comes after: what to fix in the notice
// comes first.
func (c sendCmd) compose(e *env) (*sendDraft, error) {
	d := &sendDraft{}
	cfg, lib, err := e.library()
	if err != nil {
		return nil, err
	}
	d.cfg = cfg
	if d.u, err = cfg.LoadUtility(); err != nil {
		return nil, err
	}
	fam, err := lib.Family(c.Template)
	if err != nil {
		return nil, err
	}
	req := app.NoticeRequest{Template: fam.Name, All: c.All, Urgency: notices.Urgency(c.Urgency)}
	if req.Values, err = fieldValues("send", fam, c.Values, c.Set); err != nil {
		return nil, err
	}
	if req.Channels, err = parseChannels(c.Channels); err != nil {
		return nil, usageError("send", err)
	}
	if req.Languages, err = sendLanguages(c.Lang, fam); err != nil {
		return nil, usageError("send", err)
	}
	if req.At, err = parseLocalTime("--at", c.At, d.u.Location, "the utility's time zone", false); err != nil {
		return nil, usageError("send", err)
	}
	if d.core, err = newApp(cfg, lib); err != nil {
		return nil, err
	}
	if d.Draft, err = d.core.Compose(cliContext(), req); err != nil {
		return nil, appError(err, c.flagProblem(d.u.Location))
	}
	printWarnings(e, d.Draft)
	if c.Urgency != "" {
		d.Why = "--urgency"
	}
	d.Notice.Audience, err = c.chosenAudience(cfg)
	return d, err
}

// flagProblem says a problem the application core found with the field a
// flag gives as that flag's usage error, times in loc; nil for a field no
// flag gives.
func (c sendCmd) flagProblem(loc *time.Location) func(app.Problem) error {
	return func(p app.Problem) error {
		var err error
		switch p.Field {
		case "channels":
			err = fmt.Errorf("--channels %q: %s", c.Channels, p.Message)
		case "languages":
			err = fmt.Errorf("--lang %s: %s", c.Lang, p.Message)
		case "at":
			err = fmt.Errorf("--at %q is past (it is %s now); leave --at out to send at once", c.At, time.Now().In(loc).Format("2006-01-02 15:04"))
		case "audience":
			err = audienceFlagError(c.All)
		default:
			return nil
		}
		return usageError("send", err)
	}
}

// chosenAudience is the audience the flags name; the application core
// checks that one is named (or --all). A proof takes none.
func (c sendCmd) chosenAudience(cfg config.Config) (notices.Audience, error) {
	named := c.audienceFlags.given()
	switch {
	case len(c.Proof) > 0 && (named || c.All):
		return notices.Audience{}, usageError("send", errors.New("--proof sends to its addresses only: leave out --all, --list and the filters (send the notice to the customers with a second crier send)"))
	case len(c.Proof) > 0 && c.At != "":
		return notices.Audience{}, usageError("send", errors.New("--proof sends at once: leave out --at"))
	case len(c.Proof) > 0 || !named:
		return notices.Audience{}, nil
	case c.All:
		// Refused with --all whatever the filters say: left unread.
		a := notices.Audience{Lists: c.List, Zones: c.Zone, Languages: c.Language, Streets: c.Street, Tags: c.Tag, AllTags: c.AllTags, Attributes: c.Attr}
		for _, h := range c.Has {
			a.Has = append(a.Has, notices.Channel(h))
		}
		return a, nil
	}
	return c.audienceFlags.audience(cfg, "send")
}

// given reports whether any flag that chooses an audience was given.
func (c audienceFlags) given() bool {
	return len(c.List)+len(c.Zone)+len(c.Tag)+len(c.AllTags)+len(c.Language)+len(c.Street)+len(c.Attr)+len(c.Has) > 0
}

// publishNotice sends the confirmed notice and says what it did.
func publishNotice(e *env, d *sendDraft) error {
	sent, err := d.core.Send(cliContext(), d.Draft)
	if sent.Status == "" {
		return appError(err, noFlag)
	}
	writeSent(e.stdout, sent, sendWhen(d))
	return err // the audit log's, when it could not record the send
}

// writeSent says what sending a notice did: the messages queued on each
// channel (reached, for a notice scheduled), and when it goes; or that
// it awaits a second coordinator's approval.
func writeSent(w io.Writer, sent app.Sent, when string) {
	if sent.AwaitingApproval {
		fmt.Fprintf(w, "notice %d awaits approval: it reaches more contacts than [console] approval_over lets one coordinator send to alone; nothing is queued until another user approves it (crier notices approve %d, or the console)\n", sent.ID, sent.ID)
		return
	}
	var parts []string
	for _, ch := range sent.Summary.Channels {
		n := ch.Queued
		if sent.Status == notices.Scheduled {
			n = ch.Reached // published when it goes: counted now
		}
		p := fmt.Sprintf("%s %d", ch.Channel, n)
		if ch.Duplicates > 0 {
			p += fmt.Sprintf(" (%d sharing an address)", ch.Duplicates)
		}
		parts = append(parts, p)
	}
	fmt.Fprintf(w, "notice %d %s: %s\n", sent.ID, sent.Status, strings.Join(parts, ", "))
	switch sent.Status {
	case notices.Scheduled:
		fmt.Fprintf(w, "it goes out at %s while crier serve runs (or crier dispatch is run then), to the audience as it is then (the counts above are of now)\n", when)
	case notices.Sending:
		sayWoken(w, sent.Woken, "run crier dispatch to send it (or start crier serve, which sends what is published)")
	}
}

// sendWhen says when the notice goes: at once, or its send time.
func sendWhen(d *sendDraft) string {
	if d.Notice.SendAt.IsZero() {
		return "at once"
	}
	return d.Notice.SendAt.In(d.u.Location).Format("Monday 2 January 2006 15:04 MST")
}

// parseChannels reads a comma list of channels, as --channels.
func parseChannels(s string) ([]notices.Channel, error) {
	chs, err := app.ParseChannels(s)
	if err != nil {
		return nil, fmt.Errorf("--channels %q: %s", s, app.ProblemsOf(err)[0].Message)
	}
	return chs, nil
}

// sendLanguages reads --lang: nil means every language of the template.
func sendLanguages(s string, fam *templates.Family) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	langs, err := app.Languages(fam, strings.Split(s, ","))
	if err != nil {
		return nil, fmt.Errorf("--lang %s: %w", s, err)
	}
	return langs, nil
}

// parseLocalTime reads a flag's time, YYYY-MM-DD HH:MM (or a bare date,
// when dates is set: its midnight) in the zone loc, where zone names it
// for the message; zero when not given.
func parseLocalTime(flag, s string, loc *time.Location, zone string, dates bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	layouts := []string{"2006-01-02 15:04", "2006-01-02T15:04"}
	if dates {
		layouts = append(layouts, "2006-01-02")
	}
	for _, layout := range layouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%s %q: write it as YYYY-MM-DD HH:MM in %s (%s)", flag, s, zone, loc)
}

// noFlag is appError's flag for a command whose fields no flag gives.
func noFlag(app.Problem) error { return nil }

// confirmOrCancel asks question (see confirm); on no it prints notDone
// and returns the exit error saying the command was cancelled and what
// that left (kept).
func confirmOrCancel(e *env, cmd, verb, question, notDone, kept string) error {
	ok, err := confirm(e, cmd, verb, question)
	if err != nil {
		return err
	}
	if !ok {
		fmt.Fprintln(e.stdout, notDone)
		return &exitError{code: 1, err: errors.New("cancelled: " + kept)}
	}
	return nil
}

// confirm asks question on a terminal and reads yes or no; off a terminal
// it refuses, since nobody could answer. cmd names the command and verb
// what it does ("send", "delete"), for the refusal.
func confirm(e *env, cmd, verb, question string) (bool, error) {
	if !isTerminal(os.Stdin) {
		return false, usageError(cmd, fmt.Errorf("standard input is not a terminal, so nobody can confirm: add --yes to %s without asking", verb))
	}
	fmt.Fprint(e.stdout, question)
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

// isTerminal reports whether f is a terminal: a character device other
// than the null device, which services and cron jobs are given as their
// input and from which nobody can answer.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	null, err := os.Stat(os.DevNull)
	return err != nil || !os.SameFile(fi, null)
}

// langsOrAll is the languages a notice goes out in, for display: langs,
// or every language of fam when none is named.
func langsOrAll(langs []string, fam *templates.Family) []string {
	if len(langs) == 0 {
		return fam.Languages()
	}
	return langs
}
