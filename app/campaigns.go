package app

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
	"github.com/crier-notices/crier/templates"
)

// NextFirings is how many firings a saved campaign comes back with.
const NextFirings = 5

// CampaignRequest is a new campaign as the coordinator gives it: CLI
// flags, the console's form, the API's JSON.
type CampaignRequest struct {
	Name      string
	Template  string
	Values    templates.Values // FIELD or FIELD.LANG -> value; dates may be relative (+14d, day:15)
	Languages []string         // nil: every language of the template
	Channels  []notices.Channel
	Audience  notices.Audience
	All       bool            // every contact: an audience must be named, or All
	Urgency   notices.Urgency // "": the template's category decides
	Schedule  string          // a cron spec: "0 9 1 * *", @monthly, @every 90m
	Timezone  string          // an IANA name; "": App.CampaignZone
	Starts    string          // YYYY-MM-DD HH:MM in the campaign's zone; "": no start
	Ends      string          // likewise; "": no end
}

// CampaignEdit is a change to a campaign: nil (or empty) fields stay as
// they are.
type CampaignEdit struct {
	Rename    string
	Template  *string
	Values    templates.Values // values set; the others stay (unless Replace)
	Replace   bool             // Values replace every value the campaign has
	Unset     []string         // values removed (the template's default applies)
	Languages *[]string        // empty: every language of the template
	Channels  *[]notices.Channel
	Audience  *notices.Audience // replaces the whole audience (empty: every contact)
	Urgency   *notices.Urgency
	Schedule  *string // a new schedule counts its firings from now
	Timezone  *string
	Starts    *string // "" or "none": no start
	Ends      *string // "" or "none": no end
}

// CampaignSaved is what AddCampaign and EditCampaign stored, with what the
// coordinator checks: whom it reaches now, its next firings and the
// warnings about its dates.
type CampaignSaved struct {
	Campaign notices.Campaign // as stored
	Family   *templates.Family
	Schedule *scheduler.Schedule
	Reach    notices.Resolution // whom the audience reaches now (counted again at each firing)
	Next     []Firing           // the next NextFirings firings (fewer when it ends)
	Warnings []string           // a fixed date in a recurring campaign, a firing that would be missed
	Woken    []string           // the dispatchers told of it (none when paused or nobody runs)
}

// Firing is one firing of a campaign to come.
type Firing struct {
	At time.Time
	// Resolved are the values this firing gives the campaign's relative
	// dates (and fired_at), in the template's field order.
	Resolved []FieldValue
	// Why the firing would not be sent (it would be recorded missed); ""
	// when it would.
	Why string
}

// FieldValue is one value of a notice: "due_date", "January 15, 2027".
type FieldValue struct {
	Field string // FIELD or FIELD.LANG
	Value string
}

// AddCampaign checks campaign r as crier serve will meet it at its next
// firing (see checkCampaign) and stores it, enabled. Errors: an
// *InvalidError naming each bad field ("name", "template", "cron", "zone",
// "starts", "ends", "channels", "languages", "urgency", "audience",
// "values.FIELD"); notices.Conflict when the name is taken.
func (a *App) AddCampaign(ctx context.Context, r CampaignRequest) (CampaignSaved, error) {
	c, fam, loc, err := a.newCampaign(r)
	if err != nil {
		return CampaignSaved{}, err
	}
	saved, err := a.checkCampaign(ctx, fam, c, loc)
	if err != nil {
		return saved, err
	}
	if _, err := a.Store.CreateCampaign(ctx, c); err != nil {
		return saved, err
	}
	return a.campaignStored(ctx, saved, c.Name, "campaign-add")
}

// newCampaign reads campaign r into the campaign AddCampaign checks, with
// its template and zone.
func (a *App) newCampaign(r CampaignRequest) (notices.Campaign, *templates.Family, *time.Location, error) {
	fam, err := a.Library.Family(r.Template)
	if err != nil {
		return notices.Campaign{}, nil, nil, Invalid("the campaign cannot be added", Problem{Field: "template", Message: err.Error()})
	}
	zone := r.Timezone
	if zone == "" {
		zone = a.campaignZone()
	}
	c := notices.Campaign{Name: strings.TrimSpace(r.Name), Schedule: r.Schedule, Enabled: true,
		Notice: notices.Notice{Template: fam.Name, Values: r.Values, Languages: r.Languages, Channels: r.Channels,
			Audience: r.Audience, Urgency: r.Urgency}}
	c.Notice.Urgency, _ = UrgencyOf(r.Urgency, fam)
	loc, problems := campaignTimes(&c, zone, &r.Starts, &r.Ends, time.Time{}, time.Time{})
	if p, ok := audienceProblem(audienceNamed(r.Audience), r.All); ok {
		problems = append(problems, p)
	}
	problems = append(problems, checkNotice(fam, &c.Notice)...)
	if len(problems) > 0 {
		return c, fam, loc, Invalid("the campaign cannot be added", problems...)
	}
	return c, fam, loc, nil
}

// EditCampaign changes campaign name as edit says and checks it again as
// AddCampaign does. Errors: notices.NotFound for no such campaign, and
// those of AddCampaign.
func (a *App) EditCampaign(ctx context.Context, name string, edit CampaignEdit) (CampaignSaved, error) {
	c, fam, loc, err := a.editedCampaign(ctx, name, edit)
	if err != nil {
		return CampaignSaved{}, err
	}
	saved, err := a.checkCampaign(ctx, fam, c, loc)
	if err != nil {
		return saved, err
	}
	if err := a.Store.UpdateCampaign(ctx, c); err != nil {
		return saved, err
	}
	return a.campaignStored(ctx, saved, c.Name, "campaign-edit")
}

// editedCampaign is campaign name changed as edit says, the campaign
// EditCampaign checks, with its template and zone.
func (a *App) editedCampaign(ctx context.Context, name string, edit CampaignEdit) (notices.Campaign, *templates.Family, *time.Location, error) {
	c, err := a.Store.Campaign(ctx, name)
	if err != nil {
		return c, nil, nil, err
	}
	fam, problems := a.editNotice(&c, edit)
	if fam == nil {
		return c, nil, nil, Invalid("the campaign cannot be changed", problems...)
	}
	if edit.Schedule != nil {
		c.Schedule = *edit.Schedule
	}
	zone := ""
	if edit.Timezone != nil {
		if zone = strings.TrimSpace(*edit.Timezone); zone == "" {
			problems = append(problems, Problem{Field: "zone", Message: `"" is not a time zone name: ` + zoneAdvice})
		}
	}
	loc, more := campaignTimes(&c, zone, edit.Starts, edit.Ends, c.StartsAt, c.EndsAt)
	problems = append(problems, more...)
	if edit.Rename != "" {
		c.Name = strings.TrimSpace(edit.Rename)
	}
	if len(problems) > 0 {
		return c, fam, loc, Invalid("the campaign cannot be changed", problems...)
	}
	return c, fam, loc, nil
}

// editNotice applies edit to c's notice; a nil family when the template
// does not load, with the problem.
func (a *App) editNotice(c *notices.Campaign, edit CampaignEdit) (*templates.Family, []Problem) {
	n := &c.Notice
	if edit.Template != nil {
		n.Template = *edit.Template
	}
	fam, err := a.Library.Family(n.Template)
	if err != nil {
		return nil, []Problem{{Field: "template", Message: err.Error()}}
	}
	n.Template = fam.Name
	problems := editValues(c, fam, edit)
	if edit.Languages != nil {
		n.Languages = *edit.Languages
	}
	if edit.Channels != nil {
		n.Channels = *edit.Channels
	}
	if edit.Urgency != nil {
		n.Urgency = *edit.Urgency
	}
	if edit.Audience != nil {
		n.Audience = *edit.Audience
	}
	return fam, append(problems, checkNotice(fam, n)...)
}

// editValues applies edit's values to c's: Replace gives them all anew,
// else Values change some and Unset removes some. A new template's
// unknown fields, kept from the old one, are refused at once with what to
// do.
func editValues(c *notices.Campaign, fam *templates.Family, edit CampaignEdit) []Problem {
	values := templates.Values{}
	if !edit.Replace {
		maps.Copy(values, c.Notice.Values)
	}
	maps.Copy(values, edit.Values)
	var problems []Problem
	for _, f := range edit.Unset {
		if _, ok := values[f]; !ok {
			problems = append(problems, Problem{Field: "unset." + f,
				Message: fmt.Sprintf("the campaign has no value for %s", f)})
		}
		delete(values, f)
	}
	if edit.Template != nil && !edit.Replace {
		var unknown []string
		for _, k := range slices.Sorted(maps.Keys(values)) {
			if field, _, _ := strings.Cut(k, "."); !fam.Declares(field) {
				unknown = append(unknown, k)
			}
		}
		if len(unknown) > 0 {
			problems = append(problems, Problem{Field: "template", Message: fmt.Sprintf(
				"%s: it has no field %s of the campaign's values: remove them, or give every value anew", fam.Name, strings.Join(unknown, ", "))})
		}
	}
	c.Notice.Values = values
	return problems
}

// campaignStored reads campaign name back (its firings count from the
// moment the store gave it), records action in the audit log and tells
// the dispatchers when it is enabled.
func (a *App) campaignStored(ctx context.Context, saved CampaignSaved, name, action string) (CampaignSaved, error) {
	c, err := a.Store.Campaign(ctx, name)
	if err != nil {
		return saved, err
	}
	saved.Campaign = c
	saved.Next = a.firings(c, saved.Family, saved.Schedule, NextFirings)
	detail := fmt.Sprintf("template %s, schedule '%s' in %s, audience %s", c.Notice.Template, c.Schedule, c.Timezone, c.Notice.Audience)
	if err := a.audit(ctx, action, "campaign "+c.Name, detail); err != nil {
		return saved, fmt.Errorf("campaign %s is saved, but the audit log did not record it: %w", c.Name, err)
	}
	if c.Enabled {
		saved.Woken = a.wake(ctx)
	}
	return saved, nil
}

// PauseCampaign stops campaign name firing until resumed; false when it
// was paused already. Errors: notices.NotFound.
func (a *App) PauseCampaign(ctx context.Context, name string) (bool, error) {
	changed, err := a.Store.SetCampaignEnabled(ctx, name, false)
	if err != nil || !changed {
		return changed, err
	}
	return true, a.audit(ctx, "campaign-pause", "campaign "+name, "")
}

// CampaignResumed is what ResumeCampaign did.
type CampaignResumed struct {
	Changed  bool      // false: it was not paused
	Next     time.Time // its next firing; zero when none is to come
	Location *time.Location
	Woken    []string
}

// ResumeCampaign lets campaign name fire again; its firings count from
// now (those skipped while paused are not sent late). Errors:
// notices.NotFound; an error when its schedule does not load comes with
// the resumption done.
func (a *App) ResumeCampaign(ctx context.Context, name string) (CampaignResumed, error) {
	changed, err := a.Store.SetCampaignEnabled(ctx, name, true)
	if err != nil || !changed {
		return CampaignResumed{Changed: changed}, err
	}
	r := CampaignResumed{Changed: true}
	if err := a.audit(ctx, "campaign-resume", "campaign "+name, ""); err != nil {
		return r, err
	}
	c, err := a.Store.Campaign(ctx, name)
	if err != nil {
		return r, err
	}
	sched, err := scheduler.CampaignSchedule(c)
	if err != nil {
		return r, err
	}
	r.Location = sched.Location
	if next := scheduler.Upcoming(c, sched, a.now(), time.Time{}, 1); len(next) > 0 {
		r.Next = next[0]
	}
	r.Woken = a.wake(ctx)
	return r, nil
}

// DeleteCampaign deletes campaign name and its record of runs; the
// notices it published stay. Errors: notices.NotFound.
func (a *App) DeleteCampaign(ctx context.Context, name string) error {
	c, err := a.Store.Campaign(ctx, name)
	if err != nil {
		return err
	}
	if err := a.Store.DeleteCampaign(ctx, c.Name); err != nil {
		return err
	}
	return a.audit(ctx, "campaign-delete", "campaign "+c.Name, fmt.Sprintf("schedule '%s' in %s", c.Schedule, c.Timezone))
}

// Firings returns campaign c's next n firings from now, each with the
// values its relative dates resolve to and why it would not be sent.
// When c's template does not load, the firings come with the times alone
// and with the error that says so (an App without a Library gives the
// times alone); a schedule that does not load is an error and no firings.
func (a *App) Firings(ctx context.Context, c notices.Campaign, n int) ([]Firing, error) {
	sched, err := scheduler.CampaignSchedule(c)
	if err != nil {
		return nil, err
	}
	if a.Library == nil {
		return a.firings(c, nil, sched, n), nil
	}
	fam, ferr := a.Library.Family(c.Notice.Template)
	if ferr != nil {
		fam = nil
		ferr = fmt.Errorf("campaign %s: %w; its firings cannot be sent", c.Name, ferr)
	}
	return a.firings(c, fam, sched, n), ferr
}

// firings is Firings with the schedule and template loaded (fam nil: the
// times alone).
func (a *App) firings(c notices.Campaign, fam *templates.Family, sched *scheduler.Schedule, n int) []Firing {
	var fs []Firing
	for _, t := range scheduler.Upcoming(c, sched, a.now(), time.Time{}, n) {
		f := Firing{At: t}
		if fam != nil {
			f.Resolved, f.Why = firingNote(c, fam, t)
		}
		fs = append(fs, f)
	}
	return fs
}

// checkNotice checks what a campaign's notice says of itself: channels,
// languages (written as the template's codes) and urgency.
func checkNotice(fam *templates.Family, n *notices.Notice) []Problem {
	problems := channelProblems(n.Channels)
	langs, err := Languages(fam, n.Languages)
	if err != nil {
		problems = append(problems, Problem{Field: "languages", Message: err.Error()})
	} else {
		n.Languages = langs
	}
	switch n.Urgency {
	case notices.Normal, notices.Emergency:
	default:
		problems = append(problems, Problem{Field: "urgency", Message: fmt.Sprintf("%q: use normal or emergency", n.Urgency)})
	}
	return problems
}
