package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/crier-notices/crier/config"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
	"github.com/crier-notices/crier/templates"
	"github.com/crier-notices/crier/web"
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

// sendDraft is a notice composed by crier send and checked, with what its
// confirmation shows.
type sendDraft struct {
	cfg        config.Config
	lib        *templates.Library
	u          templates.Utility
	fam        *templates.Family
	notice     notices.Notice
	why        string // why the urgency is what it is
	date       time.Time
	renderings []*templates.Rendering // one per language the notice goes in
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
	total, err := c.confirmation(e, s, d)
	if err != nil {
		return err
	}
	if !c.Yes {
		if err := confirmOrCancel(e, "send", "send", fmt.Sprintf("Send these %d message(s)? [y/N] ", total), "not sent", "nothing was queued"); err != nil {
			return err
		}
	}
	return publishNotice(e, s, d)
}

// compose reads the flags into a notice and checks it: its values in
// every language, its messages as the dispatcher will make them.
func (c sendCmd) compose(e *env) (*sendDraft, error) {
	d := &sendDraft{}
	var err error
	if d.cfg, d.lib, err = e.library(); err != nil {
		return nil, err
	}
	if d.u, err = d.cfg.LoadUtility(); err != nil {
		return nil, err
	}
	if d.fam, err = d.lib.Family(c.Template); err != nil {
		return nil, err
	}
	values, err := fieldValues("send", d.fam, c.Values, c.Set)
	if err != nil {
		return nil, err
	}
	chs, err := parseChannels(c.Channels)
	if err != nil {
		return nil, usageError("send", err)
	}
	langs, err := sendLanguages(c.Lang, d.fam)
	if err != nil {
		return nil, usageError("send", err)
	}
	sendAt, err := parseSendTime(c.At, d.u.Location, time.Now(), "leave --at out to send at once")
	if err != nil {
		return nil, usageError("send", err)
	}
	// The file was checked when it was read, and the messages are made
	// for a sample recipient below; the secrets are only warned of, since
	// they belong to the dispatcher's environment and the coordinator's
	// shell need not hold them to compose a notice.
	if _, closeSenders, err := d.cfg.DispatchConfig(d.lib, d.u); err != nil {
		fmt.Fprintf(e.stderr, "warning: crier dispatch cannot send yet: %s\n", strings.ReplaceAll(err.Error(), "\n", "\n  "))
	} else {
		closeSenders()
	}
	d.date = sendAt
	if d.date.IsZero() {
		d.date = time.Now()
	}
	// The code is drawn now, so that the confirmation shows the text
	// message as it is sent, its page's address included.
	code := notices.NewCode()
	if d.renderings, err = renderLanguages(d.fam, values, d.u, d.date, langs, chs, notices.PageURL(d.cfg.PublicURL, code)); err != nil {
		return nil, err
	}
	warnDates(e.stderr, d.fam, values, d.date, d.u.Location)
	urgency, why := c.Urgency.of(d.fam)
	d.notice, d.why = notices.Notice{Template: d.fam.Name, Values: values, Languages: langs,
		Channels: chs, Urgency: urgency, SendAt: sendAt, Code: code}, why
	if err := checkMessages(d.cfg, d.lib, d.u, d.notice); err != nil {
		return nil, err
	}
	// The audience after the values: what to fix in the notice comes first.
	d.notice.Audience, err = c.chosenAudience(d.cfg)
	return d, err
}

// chosenAudience is the audience the flags name. Nobody sends to every
// contact by leaving the flags out: everyone takes --all, which goes with
// no list or filter; a proof takes neither.
func (c sendCmd) chosenAudience(cfg config.Config) (notices.Audience, error) {
	named := c.audienceFlags.given()
	switch {
	case len(c.Proof) > 0 && (named || c.All):
		return notices.Audience{}, usageError("send", errors.New("--proof sends to its addresses only: leave out --all, --list and the filters (send the notice to the customers with a second crier send)"))
	case len(c.Proof) > 0 && c.At != "":
		return notices.Audience{}, usageError("send", errors.New("--proof sends at once: leave out --at"))
	case len(c.Proof) > 0:
		return notices.Audience{}, nil
	}
	return c.audienceFlags.named(cfg, "send", c.All)
}

// given reports whether any flag that chooses an audience was given.
func (c audienceFlags) given() bool {
	return len(c.List)+len(c.Zone)+len(c.Tag)+len(c.AllTags)+len(c.Language)+len(c.Street)+len(c.Attr)+len(c.Has) > 0
}

// publishNotice publishes the confirmed notice and says what it did.
func publishNotice(e *env, s *notices.Store, d *sendDraft) error {
	ctx := context.Background()
	id, err := s.CreateNotice(ctx, d.notice)
	if err != nil {
		return err
	}
	sum, err := s.Publish(ctx, id, d.fam, d.cfg.Utility.DefaultLanguage)
	if err != nil {
		return err
	}
	var parts []string
	for _, ch := range sum.Channels {
		n := ch.Queued
		if sum.Status == notices.Scheduled {
			n = ch.Reached // published when it goes: counted now
		}
		p := fmt.Sprintf("%s %d", ch.Channel, n)
		if ch.Duplicates > 0 {
			p += fmt.Sprintf(" (%d sharing an address)", ch.Duplicates)
		}
		parts = append(parts, p)
	}
	fmt.Fprintf(e.stdout, "notice %d %s: %s\n", id, sum.Status, strings.Join(parts, ", "))
	// A running crier serve is told at once: it sends the notice now, or
	// sets its alarm for the send time.
	woken := web.WakeServers(ctx, s)
	switch sum.Status {
	case notices.Scheduled:
		fmt.Fprintf(e.stdout, "it goes out at %s while crier serve runs (or crier dispatch is run then), to the audience as it is then (the counts above are of now)\n", sendWhen(d))
	case notices.Sending:
		sayWoken(e.stdout, woken, "run crier dispatch to send it (or start crier serve, which sends what is published)")
	}
	return nil
}

// sendWhen says when the notice goes: at once, or its send time.
func sendWhen(d *sendDraft) string {
	if d.notice.SendAt.IsZero() {
		return "at once"
	}
	return d.notice.SendAt.In(d.u.Location).Format("Monday 2 January 2006 15:04 MST")
}

// parseChannels reads a comma list of channels.
func parseChannels(s string) ([]notices.Channel, error) {
	var chs []notices.Channel
	for _, w := range strings.Split(s, ",") {
		ch := notices.Channel(strings.TrimSpace(w))
		if !slices.Contains(notices.NoticeChannels, ch) {
			return nil, fmt.Errorf("--channels %q: %q is not a channel (use email, sms, print)", s, ch)
		}
		if slices.Contains(chs, ch) {
			return nil, fmt.Errorf("--channels %q: %s is named twice", s, ch)
		}
		chs = append(chs, ch)
	}
	return chs, nil
}

// sendLanguages reads --lang: nil means every language of the template.
func sendLanguages(s string, fam *templates.Family) ([]string, error) {
	if s == "" || s == "all" {
		return nil, nil
	}
	var langs []string
	for _, l := range strings.Split(s, ",") {
		l, err := fam.Translation(l)
		if err != nil {
			return nil, fmt.Errorf("--lang %s: %w", s, err)
		}
		if !slices.Contains(langs, l) {
			langs = append(langs, l)
		}
	}
	return langs, nil
}

func langsOrAll(langs []string, fam *templates.Family) []string {
	if len(langs) == 0 {
		return fam.Languages()
	}
	return langs
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

// parseSendTime reads --at in the utility's zone; zero for at once. A time
// already past is refused, and what to do then is advice: sending late
// by surprise is worse than asking.
func parseSendTime(s string, loc *time.Location, now time.Time, advice string) (time.Time, error) {
	t, err := parseLocalTime("--at", s, loc, "the utility's time zone", false)
	if err != nil || t.IsZero() {
		return t, err
	}
	if !t.After(now) {
		return time.Time{}, fmt.Errorf("--at %q is past (it is %s now); %s", s, now.In(loc).Format("2006-01-02 15:04"), advice)
	}
	return t, nil
}

// checkRenders renders the notice in every language it goes out in, so
// that a bad value or an SMS over its limit stops the send before anything
// is queued.
func checkRenders(fam *templates.Family, values templates.Values, u templates.Utility, date time.Time, langs []string, chs []notices.Channel) error {
	_, err := renderLanguages(fam, values, u, date, langs, chs, "")
	return err
}

// renderLanguages is checkRenders returning the renderings, one per
// language, for the confirmation, with the notice's page at page ("" for
// none).
func renderLanguages(fam *templates.Family, values templates.Values, u templates.Utility, date time.Time, langs []string, chs []notices.Channel, page string) ([]*templates.Rendering, error) {
	var problems []string
	var rs []*templates.Rendering
	for _, l := range langsOrAll(langs, fam) {
		r, err := templates.Render(fam.ByLang[l], values, u, templates.Options{Date: date, URL: notices.LanguagePage(page, l)})
		var smsErr *templates.SMSError
		var ves templates.ValueErrors
		switch {
		case err == nil:
		case errors.As(err, &smsErr):
			if slices.Contains(chs, notices.SMS) {
				problems = append(problems, fmt.Sprintf("%s: %v (shorten the values, or send without sms)", l, err))
			}
		case errors.As(err, &ves):
			return nil, &exitError{code: 1, err: fmt.Errorf("template %s cannot be filled with these values:\n  %s", fam.Name, strings.ReplaceAll(ves.Error(), "\n", "\n  "))}
		default:
			problems = append(problems, fmt.Sprintf("%s: %v", l, err))
		}
		if r != nil {
			rs = append(rs, r)
		}
	}
	if len(problems) > 0 {
		return nil, &exitError{code: 1, err: fmt.Errorf("the notice cannot be sent as it is:\n  %s", strings.Join(problems, "\n  "))}
	}
	return rs, nil
}

// checkMessages makes notice n's messages for a sample recipient, one per
// channel and language, as the dispatcher will with this configuration:
// what it would refuse for every recipient stops the command before
// anything is queued.
func checkMessages(cfg config.Config, lib *templates.Library, u templates.Utility, n notices.Notice) error {
	mc, err := cfg.MessageConfig(lib, u)
	if err == nil {
		err = scheduler.CheckNotice(mc, n)
	}
	if err != nil {
		return &exitError{code: 1, err: fmt.Errorf("the notice cannot be sent as it is; nothing was queued:\n  %s", strings.ReplaceAll(err.Error(), "\n", "\n  "))}
	}
	return nil
}

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
