package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/config"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
	"github.com/crier-notices/crier/templates"
)

// campaignsCmd is `crier campaigns`: notices that recur on a schedule
// (hydrant flushing each spring, a bill reminder on the 1st). crier serve
// fires them; these commands set them up and show what they did.
type campaignsCmd struct {
	Add    campaignsAddCmd    `cmd:"" help:"Add a campaign: a notice (template, values, audience, channels) sent on a schedule. Everything is checked before it is stored."`
	Edit   campaignsEditCmd   `cmd:"" help:"Change a campaign: only the flags given change (an audience flag replaces the whole audience), and it is checked again as add checks it."`
	List   campaignsListCmd   `cmd:"" help:"List the campaigns with their schedule, next firing and last run."`
	Show   campaignsShowCmd   `cmd:"" help:"Show a campaign: every setting, its next firings, and its runs (published or missed, with why)."`
	Next   campaignsNextCmd   `cmd:"" help:"Show a campaign's next firing times, in its time zone and in UTC."`
	Pause  campaignsPauseCmd  `cmd:"" help:"Pause a campaign: it does not fire until resumed."`
	Resume campaignsResumeCmd `cmd:"" help:"Resume a paused campaign; its firings count from now (those skipped while paused are not sent late)."`
	Delete campaignsDeleteCmd `cmd:"" help:"Delete a campaign and its record of runs; the notices it published stay."`
}

// How many next firings add and edit, and show, print.
const (
	firingsAfterAdd = 3
	firingsInShow   = 5
)

type campaignsAddCmd struct {
	Name     string `arg:"" help:"The campaign's name, such as spring-flushing."`
	Template string `required:"" help:"Template name: crier templates list shows them, crier templates show NAME its fields." placeholder:"NAME"`
	Schedule string `required:"" help:"When it fires: a cron spec in quotes, minute hour day-of-month month day-of-week, such as '0 9 1 * *' (9:00 on the 1st of each month); or @daily, @weekly, @monthly, @every 90m." placeholder:"SPEC"`
	Timezone string `help:"The time zone the schedule is read in, an IANA name such as America/Chicago (default: [schedule] timezone, else [utility] timezone)." placeholder:"ZONE"`
	Starts   string `help:"No firing before this time, YYYY-MM-DD HH:MM in the campaign's time zone." placeholder:"TIME"`
	Ends     string `help:"No firing after this time, YYYY-MM-DD HH:MM in the campaign's time zone." placeholder:"TIME"`
	audienceFlags
	All bool `help:"Send to every contact. A campaign needs its audience named: --list or a filter, or --all for everyone."`
	urgencyFlags
	Channels string   `required:"" help:"The channels, a comma list of email, sms and print." placeholder:"LIST"`
	Lang     string   `help:"The languages to send in, a comma list such as en,es (default: every language of the template)." placeholder:"LIST"`
	Set      []string `short:"s" sep:"none" help:"A field value, FIELD=VALUE; FIELD.LANG=VALUE for one language only. Repeat for each field. A date may be relative to each firing: +14d (14 days after its date), +2w, day:15 (the 15th of its month; a month without one gives its last day) or day:5+1m (the 5th of the month after)." placeholder:"FIELD=VALUE"`
	Values   string   `help:"A YAML file of field values (FIELD: VALUE); --set wins over it." type:"existingfile" placeholder:"FILE"`
}

func (c campaignsAddCmd) Run(e *env) error {
	const cmd = "campaigns add"
	cfg, lib, err := e.library()
	if err != nil {
		return err
	}
	u, err := cfg.LoadUtility()
	if err != nil {
		return err
	}
	fam, err := lib.Family(c.Template)
	if err != nil {
		return err
	}
	values, err := fieldValues(cmd, fam, c.Values, c.Set)
	if err != nil {
		return err
	}
	chs, err := parseChannels(c.Channels)
	if err != nil {
		return usageError(cmd, err)
	}
	langs, err := sendLanguages(c.Lang, fam)
	if err != nil {
		return usageError(cmd, err)
	}
	zone, err := campaignZone(cfg, c.Timezone)
	if err != nil {
		return err
	}
	aud, err := c.named(cfg, cmd, c.All)
	if err != nil {
		return err
	}
	ctx := context.Background()
	s, err := cfg.Store(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	a := commandApp(cfg, lib, s)
	saved, err := a.AddCampaign(actingContext(ctx, ""), app.CampaignRequest{Name: c.Name, Template: fam.Name, Values: values, Languages: langs,
		Channels: chs, Audience: aud, All: c.All, Urgency: notices.Urgency(c.Urgency), Schedule: c.Schedule, Timezone: zone,
		Starts: c.Starts, Ends: c.Ends})
	if err != nil {
		return campaignError(cmd, fam, err)
	}
	for _, w := range saved.Warnings {
		fmt.Fprintln(e.stderr, "warning:", w)
	}
	fmt.Fprintf(e.stdout, "campaign %s added\n", saved.Campaign.Name)
	writeCampaignSummary(e.stdout, cfg, u, saved)
	sayWoken(e.stdout, saved.Woken, "crier serve fires it when it runs (it is not running now)")
	return nil
}

type campaignsEditCmd struct {
	Name     string  `arg:"" help:"The campaign's name (crier campaigns list shows them)."`
	Rename   string  `help:"A new name for the campaign." placeholder:"NAME"`
	Template *string `help:"Another template (values it does not know must go: --unset them, or give them all anew with --values)." placeholder:"NAME"`
	Schedule *string `help:"When it fires: a cron spec in quotes, minute hour day-of-month month day-of-week, such as '0 9 1 * *' (9:00 on the 1st of each month); or @daily, @weekly, @monthly, @every 90m. A new schedule counts its firings from now." placeholder:"SPEC"`
	Timezone *string `help:"The time zone the schedule is read in, an IANA name such as America/Chicago." placeholder:"ZONE"`
	Starts   *string `help:"No firing before this time, YYYY-MM-DD HH:MM in the campaign's time zone; none removes it." placeholder:"TIME"`
	Ends     *string `help:"No firing after this time, YYYY-MM-DD HH:MM in the campaign's time zone; none removes it." placeholder:"TIME"`
	audienceFlags
	AllContacts bool     `name:"all-contacts" help:"Send to all contacts (replaces the audience; the audience flags narrow it)."`
	Channels    *string  `help:"The channels, a comma list of email, sms and print." placeholder:"LIST"`
	Lang        *string  `help:"The languages to send in, a comma list such as en,es; all for every language of the template." placeholder:"LIST"`
	Urgency     *string  `help:"normal or emergency." placeholder:"URGENCY"`
	Set         []string `short:"s" sep:"none" help:"Change one field's value, FIELD=VALUE (FIELD.LANG=VALUE for one language); the others stay. A date may be relative to each firing: +14d (14 days after its date), +2w, day:15 (the 15th of its month; a month without one gives its last day) or day:5+1m (the 5th of the month after)." placeholder:"FIELD=VALUE"`
	Unset       []string `sep:"none" help:"Remove a field's value (the template's default applies, if it has one)." placeholder:"FIELD"`
	Values      string   `help:"A YAML file of field values that replaces them all; --set wins over it." type:"existingfile" placeholder:"FILE"`
}

// audienceGiven reports whether any flag that chooses an audience was given.
func (c campaignsEditCmd) audienceGiven() bool {
	a := c.audienceFlags
	return c.AllContacts || len(a.List)+len(a.Zone)+len(a.Tag)+len(a.AllTags)+len(a.Language)+len(a.Street)+len(a.Attr)+len(a.Has) > 0
}

func (c campaignsEditCmd) nothingGiven() bool {
	return c.Rename == "" && c.Template == nil && c.Schedule == nil && c.Timezone == nil && c.Starts == nil && c.Ends == nil &&
		!c.audienceGiven() && c.Channels == nil && c.Lang == nil && c.Urgency == nil && len(c.Set) == 0 && len(c.Unset) == 0 && c.Values == ""
}

func (c campaignsEditCmd) Run(e *env) error {
	const cmd = "campaigns edit"
	if c.nothingGiven() {
		return usageError(cmd, errors.New("nothing to change: give the flags of what changes, such as --schedule or --set FIELD=VALUE"))
	}
	if c.Timezone != nil && *c.Timezone == "" {
		return usageError(cmd, errors.New("--timezone is empty: give an IANA name such as America/New_York"))
	}
	cfg, lib, err := e.library()
	if err != nil {
		return err
	}
	u, err := cfg.LoadUtility()
	if err != nil {
		return err
	}
	ctx := context.Background()
	s, err := cfg.ExistingStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	camp, err := s.Campaign(ctx, c.Name)
	if err != nil {
		return err
	}
	edit, fam, err := c.edit(cfg, lib, camp)
	if err != nil {
		return err
	}
	a := commandApp(cfg, lib, s)
	saved, err := a.EditCampaign(actingContext(ctx, ""), camp.Name, edit)
	if err != nil {
		return campaignError(cmd, fam, err)
	}
	for _, w := range saved.Warnings {
		fmt.Fprintln(e.stderr, "warning:", w)
	}
	if camp = saved.Campaign; camp.Name != c.Name {
		fmt.Fprintf(e.stdout, "campaign %s changed, and renamed %s\n", c.Name, camp.Name)
	} else {
		fmt.Fprintf(e.stdout, "campaign %s changed\n", camp.Name)
	}
	writeCampaignSummary(e.stdout, cfg, u, saved)
	if !camp.Enabled {
		fmt.Fprintf(e.stdout, "it is paused: crier campaigns resume %s to let it fire\n", camp.Name)
		return nil
	}
	sayWoken(e.stdout, saved.Woken, "crier serve fires it when it runs (it is not running now)")
	return nil
}

// edit reads the flags into the change they make to campaign camp, with
// the template the campaign will have (for reading --values and --set).
func (c campaignsEditCmd) edit(cfg config.Config, lib *templates.Library, camp notices.Campaign) (app.CampaignEdit, *templates.Family, error) {
	const cmd = "campaigns edit"
	edit := app.CampaignEdit{Rename: c.Rename, Template: c.Template, Replace: c.Values != "", Unset: c.Unset,
		Schedule: c.Schedule, Timezone: c.Timezone, Starts: c.Starts, Ends: c.Ends}
	name := camp.Notice.Template
	if c.Template != nil {
		name = *c.Template
	}
	fam, err := lib.Family(name)
	if err != nil {
		return edit, nil, err
	}
	if edit.Values, err = fieldValues(cmd, fam, c.Values, c.Set); err != nil {
		return edit, fam, err
	}
	if c.Channels != nil {
		chs, err := parseChannels(*c.Channels)
		if err != nil {
			return edit, fam, usageError(cmd, err)
		}
		edit.Channels = &chs
	}
	if c.Lang != nil {
		langs, err := sendLanguages(*c.Lang, fam)
		if err != nil {
			return edit, fam, usageError(cmd, err)
		}
		edit.Languages = &langs
	}
	if c.Urgency != nil {
		urgency := notices.Urgency(*c.Urgency)
		edit.Urgency = &urgency
	}
	if c.audienceGiven() {
		aud, err := c.audience(cfg, cmd)
		if err != nil {
			return edit, fam, err
		}
		edit.Audience = &aud
	}
	return edit, fam, nil
}

// campaignZone is the time zone a new campaign's schedule is read in: the
// one given (the app checks it), else the configuration's
// (config.Config.CampaignZone), checked here so that the error names
// crier.toml.
func campaignZone(cfg config.Config, given string) (string, error) {
	if given != "" {
		return given, nil
	}
	return cfg.CampaignZone()
}

// loadSchedule reads a stored campaign's zone and schedule.
func loadSchedule(c notices.Campaign) (*scheduler.Schedule, *time.Location, error) {
	sched, err := scheduler.CampaignSchedule(c)
	if err != nil {
		return nil, nil, err
	}
	return sched, sched.Location, nil
}

// writeCampaignSummary writes what add and edit stored: the notice, the
// schedule, whom it reaches now and its next firings.
func writeCampaignSummary(w io.Writer, cfg config.Config, u templates.Utility, saved app.CampaignSaved) {
	c, fam, reach := saved.Campaign, saved.Family, saved.Reach
	n := c.Notice
	loc := saved.Schedule.Location
	fmt.Fprintf(w, "notice:    %s (%s), %s\n", fam.Name, strings.Join(langsOrAll(n.Languages, fam), ", "), n.Urgency)
	fmt.Fprintf(w, "schedule:  %s in %s\n", c.Schedule, c.Timezone)
	if !c.StartsAt.IsZero() {
		fmt.Fprintf(w, "starts:    %s\n", showTime(c.StartsAt, loc))
	}
	if !c.EndsAt.IsZero() {
		fmt.Fprintf(w, "ends:      %s\n", showTime(c.EndsAt, loc))
	}
	fmt.Fprintf(w, "audience:  %s, %d contact(s) now (counted again at each firing)\n", n.Audience, reach.Contacts)
	names := cfg.ChannelNames()
	for _, ch := range n.Channels {
		what := "message(s)"
		if ch == notices.Print {
			what = "letter(s), and the flyer"
		}
		fmt.Fprintf(w, "%-10s %d %s a firing -> %s\n", string(ch)+":", reach.Channel(ch).Reached, what, names[ch])
	}
	next := saved.Next[:min(len(saved.Next), firingsAfterAdd)]
	fmt.Fprintln(w, "next firings:")
	for _, f := range next {
		writeFiring(w, "  ", f, loc)
	}
	if len(next) < firingsAfterAdd && !c.EndsAt.IsZero() {
		fmt.Fprintf(w, "  (none after: it ends %s)\n", showTime(c.EndsAt, loc))
	}
	if len(next) > 0 {
		if note := cfg.QuietNote(u, next[0].At, n.Channels, n.Urgency); note != "" {
			fmt.Fprintf(w, "at the next firing, %s\n", note)
		}
	}
}

type campaignsListCmd struct{}

func (campaignsListCmd) Run(e *env) error {
	_, s, err := e.existingStore()
	if err != nil {
		return err
	}
	defer s.Close()
	ctx := context.Background()
	cs, err := s.Campaigns(ctx)
	if err != nil {
		return err
	}
	if len(cs) == 0 {
		fmt.Fprintln(e.stdout, "no campaigns yet (crier campaigns add makes one)")
		return nil
	}
	now := time.Now()
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSCHEDULE\tZONE\tCHANNELS\tSTATE\tNEXT FIRING\tLAST RUN")
	for _, c := range cs {
		state, next, loc := "enabled", "-", time.UTC
		sched, l, err := loadSchedule(c)
		if err == nil {
			loc = l
		}
		switch {
		case !c.Enabled:
			state = "paused"
		case err != nil:
			next = "cannot fire (crier campaigns show " + c.Name + ")"
		default:
			if ts := scheduler.Upcoming(c, sched, now, time.Time{}, 1); len(ts) > 0 {
				next = showTime(ts[0], loc)
			} else {
				next = "none (ended)"
			}
		}
		last := "-"
		runs, err := s.Runs(ctx, c.ID)
		if err != nil {
			return err
		}
		if len(runs) > 0 {
			last = showTime(runs[0].ScheduledAt, loc) + " " + string(runs[0].Status)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, c.Schedule, c.Timezone, joinChannelNames(c.Notice.Channels), state, next, last)
	}
	return tw.Flush()
}

func joinChannelNames(chs []notices.Channel) string {
	ss := make([]string, len(chs))
	for i, ch := range chs {
		ss[i] = string(ch)
	}
	return strings.Join(ss, ",")
}

type campaignsShowCmd struct {
	Name string `arg:"" help:"The campaign's name (crier campaigns list shows them)."`
	Runs int    `default:"20" help:"Show this many of the newest runs; 0 for all." placeholder:"N"`
}

func (c campaignsShowCmd) Run(e *env) error {
	_, s, err := e.existingStore()
	if err != nil {
		return err
	}
	defer s.Close()
	ctx := context.Background()
	camp, err := s.Campaign(ctx, c.Name)
	if err != nil {
		return err
	}
	runs, err := s.Runs(ctx, camp.ID)
	if err != nil {
		return err
	}
	sched, loc, schedErr := loadSchedule(camp)
	if schedErr != nil {
		loc = time.UTC
	}
	n, w := camp.Notice, e.stdout
	state := "enabled"
	if !camp.Enabled {
		state = fmt.Sprintf("paused (crier campaigns resume %s lets it fire)", camp.Name)
	}
	fmt.Fprintf(w, "campaign %s: %s\n", camp.Name, state)
	fmt.Fprintf(w, "template:  %s\n", n.Template)
	langs := "every language of the template"
	if len(n.Languages) > 0 {
		langs = strings.Join(n.Languages, ", ")
	}
	fmt.Fprintf(w, "languages: %s\nurgency:   %s\naudience:  %s\nchannels:  %s\n", langs, n.Urgency, n.Audience, joinChannelNames(n.Channels))
	fmt.Fprintf(w, "schedule:  %s\nzone:      %s\n", camp.Schedule, camp.Timezone)
	fmt.Fprintf(w, "starts:    %s\nends:      %s\n", showTime(camp.StartsAt, loc), showTime(camp.EndsAt, loc))
	fmt.Fprintf(w, "created:   %s\nchanged:   %s\n", showTime(camp.CreatedAt, loc), showTime(camp.UpdatedAt, loc))
	if len(n.Values) > 0 {
		fmt.Fprintln(w, "values:")
		for _, k := range sortedKeys(n.Values) {
			fmt.Fprintf(w, "  %s: %s\n", k, n.Values[k])
		}
	}

	fmt.Fprintln(w)
	if schedErr != nil {
		fmt.Fprintf(w, "it cannot fire: %v\n", schedErr)
	} else {
		next := scheduler.Upcoming(camp, sched, time.Now(), time.Time{}, firingsInShow)
		switch {
		case len(next) == 0:
			fmt.Fprintf(w, "no firing to come: it ended %s\n", showTime(camp.EndsAt, loc))
		case !camp.Enabled:
			fmt.Fprintln(w, "next firings, if resumed before them:")
		default:
			fmt.Fprintln(w, "next firings:")
		}
		fs, err := campaignFirings(e, s, camp, firingsInShow)
		if err != nil {
			return err
		}
		for _, f := range fs {
			writeFiring(w, "  ", f, loc)
		}
	}

	fmt.Fprintln(w)
	if len(runs) == 0 {
		fmt.Fprintln(w, "no runs yet")
		return nil
	}
	published := 0
	for _, r := range runs {
		if r.Status == notices.RunPublished {
			published++
		}
	}
	fmt.Fprintf(w, "runs, newest first: %d published, %d missed\n", published, len(runs)-published)
	shown := runs
	if c.Runs > 0 && len(runs) > c.Runs {
		shown = runs[:c.Runs]
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCHEDULED\tSTATUS\tNOTICE OR WHY")
	for _, r := range shown {
		what := r.Note
		if r.Status == notices.RunPublished {
			what = fmt.Sprintf("notice %d", r.NoticeID)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", showTime(r.ScheduledAt, loc), r.Status, what)
	}
	tw.Flush()
	if len(shown) < len(runs) {
		fmt.Fprintf(w, "(%d older runs not shown: --runs 0 shows all)\n", len(runs)-len(shown))
	}
	return nil
}

type campaignsNextCmd struct {
	Name   string `arg:"" help:"The campaign's name (crier campaigns list shows them)."`
	Number int    `short:"n" default:"5" help:"How many firings to show." placeholder:"N"`
}

func (c campaignsNextCmd) Run(e *env) error {
	if c.Number < 1 {
		return usageError("campaigns next", fmt.Errorf("-n %d: give 1 or more", c.Number))
	}
	_, s, err := e.existingStore()
	if err != nil {
		return err
	}
	defer s.Close()
	camp, err := s.Campaign(context.Background(), c.Name)
	if err != nil {
		return err
	}
	_, loc, err := loadSchedule(camp)
	if err != nil {
		return err
	}
	// The template says which values are dates to resolve at each firing.
	next, err := campaignFirings(e, s, camp, c.Number)
	if err != nil {
		return err
	}
	if !camp.Enabled {
		fmt.Fprintf(e.stdout, "campaign %s is paused: it fires at these times only if resumed before them (crier campaigns resume %s)\n", camp.Name, camp.Name)
	}
	for _, f := range next {
		writeFiring(e.stdout, "", f, loc)
	}
	if len(next) < c.Number && !camp.EndsAt.IsZero() {
		fmt.Fprintf(e.stdout, "no firing after %s: the campaign ends then\n", showTime(camp.EndsAt, loc))
	}
	return nil
}

type campaignsPauseCmd struct {
	Name string `arg:"" help:"The campaign's name."`
}

func (c campaignsPauseCmd) Run(e *env) error {
	cfg, s, err := e.existingStore()
	if err != nil {
		return err
	}
	defer s.Close()
	a := commandApp(cfg, nil, s)
	changed, err := a.PauseCampaign(actingContext(context.Background(), ""), c.Name)
	if err != nil {
		return err
	}
	if !changed {
		fmt.Fprintf(e.stdout, "campaign %s was paused already\n", c.Name)
		return nil
	}
	fmt.Fprintf(e.stdout, "campaign %s paused: it does not fire until crier campaigns resume %s\n", c.Name, c.Name)
	return nil
}

type campaignsResumeCmd struct {
	Name string `arg:"" help:"The campaign's name."`
}

func (c campaignsResumeCmd) Run(e *env) error {
	cfg, s, err := e.existingStore()
	if err != nil {
		return err
	}
	defer s.Close()
	a := commandApp(cfg, nil, s)
	r, err := a.ResumeCampaign(actingContext(context.Background(), ""), c.Name)
	if !r.Changed {
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "campaign %s was not paused\n", c.Name)
		return nil
	}
	fmt.Fprintf(e.stdout, "campaign %s resumed: its firings count from now; those it skipped while paused are not sent late\n", c.Name)
	if err != nil {
		fmt.Fprintln(e.stderr, "warning:", err)
	} else if !r.Next.IsZero() {
		fmt.Fprintf(e.stdout, "next firing: %s\n", firingTime(r.Next, r.Location))
	}
	sayWoken(e.stdout, r.Woken, "crier serve fires it when it runs (it is not running now)")
	return nil
}

type campaignsDeleteCmd struct {
	Name string `arg:"" help:"The campaign's name."`
	Yes  bool   `short:"y" help:"Do not ask for confirmation (needed when standard input is not a terminal)."`
}

func (c campaignsDeleteCmd) Run(e *env) error {
	cfg, s, err := e.existingStore()
	if err != nil {
		return err
	}
	defer s.Close()
	ctx := context.Background()
	camp, err := s.Campaign(ctx, c.Name)
	if err != nil {
		return err
	}
	if !c.Yes {
		if err := confirmOrCancel(e, "campaigns delete", "delete", fmt.Sprintf("Delete campaign %s (%s in %s) and its record of runs? [y/N] ", camp.Name, camp.Schedule, camp.Timezone), "not deleted", "the campaign stays"); err != nil {
			return err
		}
	}
	a := commandApp(cfg, nil, s)
	if err := a.DeleteCampaign(actingContext(ctx, ""), camp.Name); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "campaign %s deleted; the notices it published stay (crier notices list shows them)\n", camp.Name)
	return nil
}
