package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
	"github.com/crier-notices/crier/templates"
)

// zoneAdvice ends every refusal of a time zone.
const zoneAdvice = "write an IANA zone such as America/New_York"

// LoadZone is the one rule for a time zone a coordinator gives: an IANA
// name, Area/City (America/New_York) or UTC. Go also loads abbreviations
// (EST, CET), POSIX names (EST5EDT), fixed offsets (Etc/GMT+5) and Local;
// they are refused, because EST is UTC-5 all year (a time read in it is
// an hour off all summer) and Local is whatever machine crier runs on.
// The error starts with the name given, quoted.
func LoadZone(name string) (*time.Location, error) {
	if name == "UTC" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	switch {
	case name == "":
		return nil, errors.New(`"" is not a time zone name: ` + zoneAdvice)
	case err != nil:
		return nil, fmt.Errorf("%q is not a time zone name: %s", name, zoneAdvice)
	case name == "Local":
		return nil, fmt.Errorf("%q is not a time zone name but this machine's zone: %s", name, zoneAdvice)
	case !strings.Contains(name, "/") || strings.HasPrefix(name, "Etc/"):
		return nil, fmt.Errorf("%q is not a time zone name but an abbreviation or a fixed offset, which keeps no daylight saving time: %s", name, zoneAdvice)
	}
	return loc, nil
}

// campaignZone is the zone of a new campaign given none.
func (a *App) campaignZone() string {
	if a.CampaignZone != "" {
		return a.CampaignZone
	}
	if a.Utility.Location != nil {
		return a.Utility.Location.String()
	}
	return "UTC"
}

// campaignTimes sets c's zone (zone, or its own when "") and its start
// and end (given, or else kept as they were) and returns the zone, with a
// problem for each that cannot be read.
func campaignTimes(c *notices.Campaign, zone string, starts, ends *string, oldStarts, oldEnds time.Time) (*time.Location, []Problem) {
	var problems []Problem
	var loc *time.Location
	var err error
	if zone != "" {
		if loc, err = LoadZone(zone); err != nil {
			return nil, []Problem{{Field: "zone", Message: err.Error()}}
		}
		c.Timezone = zone
	} else if loc, err = time.LoadLocation(c.Timezone); err != nil {
		return nil, []Problem{{Field: "zone", Message: fmt.Sprintf("the campaign's time zone %q does not load on this machine: give another", c.Timezone)}}
	}
	c.StartsAt, c.EndsAt = oldStarts, oldEnds
	for _, d := range []struct {
		field string
		given *string
		t     *time.Time
	}{{"starts", starts, &c.StartsAt}, {"ends", ends, &c.EndsAt}} {
		if d.given == nil {
			continue
		}
		t, err := parseCampaignTime(*d.given, loc)
		if err != nil {
			problems = append(problems, Problem{Field: d.field, Message: err.Error()})
		}
		*d.t = t
	}
	return loc, problems
}

// parseCampaignTime reads a campaign's start or end, YYYY-MM-DD HH:MM or
// a bare date (its midnight), in its zone loc; zero for "" or "none". The
// error starts with the value given, quoted.
func parseCampaignTime(s string, loc *time.Location) (time.Time, error) {
	if s = strings.TrimSpace(s); s == "" || s == "none" {
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q: write it as YYYY-MM-DD HH:MM in the campaign's time zone (%s)", s, loc)
}

// showTime shows t in loc as the campaign's messages do; "-" for zero.
func showTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

// checkCampaign checks campaign c as AddCampaign and EditCampaign store
// it, so that what crier serve meets at a firing has been seen to work:
// the schedule fires (within the start and end), the values fill the
// template in every language at the next firing, every message renders
// as the dispatcher will make it, and the audience reaches someone on the
// channels now; dates out of the template's order are refused. It returns
// the schedule, whom the audience reaches and warnings about the dates
// (see firingDateProblems).
func (a *App) checkCampaign(ctx context.Context, fam *templates.Family, c notices.Campaign, loc *time.Location) (CampaignSaved, error) {
	saved := CampaignSaved{Family: fam}
	if err := a.configProblem(); err != nil {
		return saved, err
	}
	sched, next, err := a.checkSchedule(c, loc)
	if err != nil {
		return saved, err
	}
	saved.Schedule = sched
	if saved.Warnings, err = a.checkFiring(c, fam, sched, next); err != nil {
		return saved, err
	}
	if saved.Reach, err = a.checkReach(ctx, fam, c.Notice); err != nil {
		return saved, err
	}
	return saved, nil
}

// checkSchedule checks c's name, schedule, start and end, and returns the
// schedule and its next firing.
func (a *App) checkSchedule(c notices.Campaign, loc *time.Location) (*scheduler.Schedule, time.Time, error) {
	const cannot = "the campaign cannot be saved"
	now := a.now()
	if c.Name == "" {
		return nil, time.Time{}, Invalid(cannot, Problem{Field: "name", Message: "the campaign's name is empty"})
	}
	sched, err := scheduler.ParseSchedule(c.Schedule, loc)
	if err != nil {
		return nil, time.Time{}, Invalid(cannot, Problem{Field: "cron", Message: err.Error()})
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now // being added: the store dates it now
	}
	sched = sched.Anchored(scheduler.Anchor(c))
	if !c.StartsAt.IsZero() && !c.EndsAt.IsZero() && !c.EndsAt.After(c.StartsAt) {
		return nil, time.Time{}, Invalid(cannot, Problem{Field: "ends",
			Message: fmt.Sprintf("%s is not after the start time %s", showTime(c.EndsAt, loc), showTime(c.StartsAt, loc))})
	}
	if !c.EndsAt.IsZero() && !c.EndsAt.After(now) {
		return nil, time.Time{}, Invalid(cannot, Problem{Field: "ends",
			Message: fmt.Sprintf("%s is past (it is %s now): the campaign would never fire", showTime(c.EndsAt, loc), showTime(now, loc))})
	}
	next := scheduler.Upcoming(c, sched, now, time.Time{}, 1)
	if len(next) == 0 {
		from := later(now, c.StartsAt)
		return nil, time.Time{}, Invalid(cannot, Problem{Field: "cron", Message: fmt.Sprintf("'%s' has no firing from %s to the end time %s: nothing would ever be sent",
			sched.Spec, showTime(from, loc), showTime(c.EndsAt, loc))})
	}
	return sched, next[0], nil
}

// later is the later of two times.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// checkFiring checks c's notice with the values its next firing gives
// (relative dates resolved, fired_at filled): they fill the template, its
// dates are in order, it renders in every language and the dispatcher
// can make its messages. It returns the warnings of its dates.
func (a *App) checkFiring(c notices.Campaign, fam *templates.Family, sched *scheduler.Schedule, next time.Time) ([]string, error) {
	fc := scheduler.CheckFiring(c, fam, next)
	var ves templates.ValueErrors
	switch {
	case errors.As(fc.Err, &ves):
		return nil, valuesInvalid(fam.Name, ves)
	case fc.Err != nil:
		return nil, Invalid(fmt.Sprintf("template %s cannot be filled with these values", fam.Name), lineProblems("values", fc.Err)...)
	}
	warnings, err := a.firingDateProblems(c, fam, sched, next, fc.Notes)
	if err != nil {
		return nil, err
	}
	if err := CheckRenders(fam, fc.Values, a.Utility, next, c.Notice.Languages, c.Notice.Channels); err != nil {
		return nil, err
	}
	n := c.Notice
	n.Values, n.CreatedAt = fc.Values, next
	if err := scheduler.CheckNotice(a.Messages, n); err != nil {
		return nil, Invalid("the campaign's notice cannot be sent as it is", lineProblems("", err)...)
	}
	return warnings, nil
}

// checkReach counts whom n's audience reaches now: someone, on one of its
// channels (print reaches by the flyer even when no letter goes).
func (a *App) checkReach(ctx context.Context, fam *templates.Family, n notices.Notice) (notices.Resolution, error) {
	reach, err := a.Store.ResolveFor(ctx, n.Audience, notices.NoticeCategory(fam.Original.Category, n.Urgency))
	if err != nil {
		return reach, err
	}
	if reach.Contacts == 0 {
		return reach, Invalid(fmt.Sprintf("the audience (%s) has no contacts", n.Audience),
			Problem{Field: "audience", Message: fmt.Sprintf("the audience (%s) has no contacts: check the list and filters", n.Audience)})
	}
	total := 0
	for _, ch := range n.Channels {
		total += reach.Channel(ch).Reached
	}
	if total == 0 && !slices.Contains(n.Channels, notices.Print) {
		return reach, Invalid("the audience reaches nobody on these channels", Problem{Field: "audience",
			Message: "the audience reaches nobody on these channels: every firing would send nothing"})
	}
	return reach, nil
}

// lineProblems makes a problem of field of each line of err.
func lineProblems(field string, err error) []Problem {
	var problems []Problem
	for _, l := range strings.Split(err.Error(), "\n") {
		problems = append(problems, Problem{Field: field, Message: l})
	}
	return problems
}

// firingDateProblems judges campaign c's dates at its next firing next,
// from notes (scheduler.CheckFiring's): dates out of the order the
// template declares refuse the campaign, since such a firing is not sent;
// a date past on the firing's day, and a fixed date in a campaign that
// fires more than once, are warnings.
func (a *App) firingDateProblems(c notices.Campaign, fam *templates.Family, sched *scheduler.Schedule, next time.Time, notes []templates.DateNote) ([]string, error) {
	var order []Problem
	var warnings []string
	for _, n := range notes {
		if n.Order {
			order = append(order, Problem{Field: "values." + n.Field, Message: n.Message})
			continue
		}
		warnings = append(warnings, fmt.Sprintf("the next firing, %s, would not be sent (it would be recorded missed): %s",
			showTime(next, sched.Location), n.Message))
	}
	if len(order) > 0 {
		return nil, Invalid(fmt.Sprintf("the next firing, %s, would not be sent: its dates are out of the order template %s declares",
			showTime(next, sched.Location), fam.Name), order...)
	}
	if len(scheduler.Upcoming(c, sched, a.now(), time.Time{}, 2)) < 2 {
		return warnings, nil // it fires once: a fixed date is what it means
	}
	for _, k := range inFieldOrder(fam, c.Notice.Values) {
		name, _, _ := strings.Cut(k, ".")
		f, ok := fam.Original.Field(name)
		v := strings.TrimSpace(c.Notice.Values[k])
		if !ok || v == "" || name == "fired_at" || f.Type != templates.TypeDate && f.Type != templates.TypeDateTime || templates.IsRelativeDate(v) {
			continue
		}
		warnings = append(warnings, fmt.Sprintf("%s is fixed: every firing will say %s; use a date relative to the firing, such as %s=+14d or %s=day:15", k, v, k, k))
	}
	return warnings, nil
}

// firingNote says what campaign c's firing at at gives its relative
// dates (none when it has none), and why the firing would not be sent
// ("" when it would).
func firingNote(c notices.Campaign, fam *templates.Family, at time.Time) (resolved []FieldValue, why string) {
	fc := scheduler.CheckFiring(c, fam, at)
	for _, k := range inFieldOrder(fam, c.Notice.Values) {
		if v := c.Notice.Values[k]; fc.Values[k] != v {
			resolved = append(resolved, FieldValue{Field: k, Value: fc.Values[k]})
		}
	}
	return resolved, fc.Why()
}

// inFieldOrder lists the keys of values in the order fam's template
// declares its fields, as a reader of the notice meets them (start_date
// before end_date), each field's value before its translations'
// (FIELD.LANG, by language); keys of no field come last, sorted.
func inFieldOrder(fam *templates.Family, values map[string]string) []string {
	pos := map[string]int{}
	for i, f := range fam.Original.Fields {
		pos[f.Name] = i
	}
	rank := func(k string) int {
		name, _, _ := strings.Cut(k, ".")
		if i, ok := pos[name]; ok {
			return i
		}
		return len(pos)
	}
	keys := slices.Sorted(maps.Keys(values))
	slices.SortStableFunc(keys, func(a, b string) int { return cmp.Compare(rank(a), rank(b)) })
	return keys
}
