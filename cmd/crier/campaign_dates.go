package main

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
	"github.com/crier-notices/crier/templates"
)

// firingDateProblems judges campaign c's dates at its next firing next,
// from notes (scheduler.CheckFiring's): dates out of the order the
// template declares refuse the campaign, since such a firing is not sent;
// a date past on the firing's day, and a fixed date in a campaign that
// fires more than once, are warnings.
func firingDateProblems(c notices.Campaign, fam *templates.Family, sched *scheduler.Schedule, next time.Time, notes []templates.DateNote, now time.Time) ([]string, error) {
	var order, warnings []string
	for _, n := range notes {
		if n.Order {
			order = append(order, n.Message)
			continue
		}
		warnings = append(warnings, fmt.Sprintf("the next firing, %s, would not be sent (it would be recorded missed): %s",
			showTime(next, sched.Location), n.Message))
	}
	if len(order) > 0 {
		return nil, &exitError{code: 1, err: fmt.Errorf("the next firing, %s, would not be sent: its dates are out of the order template %s declares:\n  %s\n(give the dates in order with --set; crier templates show %s says which comes after which)",
			showTime(next, sched.Location), fam.Name, strings.Join(order, "\n  "), fam.Name)}
	}
	if len(scheduler.Upcoming(c, sched, now, time.Time{}, 2)) < 2 {
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
// dates ("due_date: January 15, 2027"; "" when it has none), and why the
// firing would not be sent ("" when it would).
func firingNote(c notices.Campaign, fam *templates.Family, at time.Time) (resolved, why string) {
	fc := scheduler.CheckFiring(c, fam, at)
	values, why := fc.Values, fc.Why()
	var pairs []string
	for _, k := range inFieldOrder(fam, c.Notice.Values) {
		if v := c.Notice.Values[k]; values[k] != v {
			pairs = append(pairs, k+": "+values[k])
		}
	}
	return strings.Join(pairs, ", "), why
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

// writeFiring writes one firing of campaign c: its time in the campaign's
// zone and in UTC, what its relative dates become, and why it would not
// be sent. fam may be nil (the template is missing): the time alone.
func writeFiring(w io.Writer, indent string, c notices.Campaign, fam *templates.Family, at time.Time, loc *time.Location) {
	line := indent + firingTime(at, loc)
	if fam == nil {
		fmt.Fprintln(w, line)
		return
	}
	resolved, why := firingNote(c, fam, at)
	if resolved != "" {
		line += "  " + resolved
	}
	fmt.Fprintln(w, line)
	if why != "" {
		fmt.Fprintf(w, "%s  not sent (it would be recorded missed): %s\n", indent, why)
	}
}

// campaignTemplate loads campaign c's template, or says why it cannot.
func campaignTemplate(e *env, c notices.Campaign) (*templates.Family, error) {
	_, lib, err := e.library()
	if err != nil {
		return nil, err
	}
	fam, err := lib.Family(c.Notice.Template)
	if err != nil {
		return nil, fmt.Errorf("campaign %s: %w; its firings cannot be sent", c.Name, err)
	}
	return fam, nil
}
