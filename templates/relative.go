package templates

// Date values relative to a campaign's firing: "+14d", "+2w", "day:15",
// "day:5+1m". A campaign stores them as typed and resolves them at each
// firing into the date itself, so a monthly reminder says a new due date
// every month.

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// RelativeSyntax says how a relative date is written, for help texts and
// errors.
const RelativeSyntax = "+14d (14 days after the firing's date), +2w (2 weeks after), day:15 (the 15th of the firing's month; " +
	"the last day of a month without a 15th) or day:5+1m (the 5th of the month after)"

var relativePattern = regexp.MustCompile(`^(?:\+(\d{1,3})([dw])|day:(\d{1,2})(?:\+(\d{1,2})m)?)$`)

// IsRelativeDate reports whether v is meant as a date relative to a
// campaign's firing: it starts with + or day: (a date or datetime value
// never does). For a datetime value the first word counts ("+1d 7:00 PM").
func IsRelativeDate(v string) bool {
	w, _, _ := strings.Cut(strings.TrimSpace(v), " ")
	w = strings.ToLower(w)
	return strings.HasPrefix(w, "+") || strings.HasPrefix(w, "day:")
}

// errRelative is why a value relative to a firing is refused where there
// is no firing (send, render).
var errRelative = errors.New("is a date relative to a campaign's firing, which only crier campaigns add and edit take; give the date itself here, such as 2026-12-15")

// ResolveDate returns the date v (see RelativeSyntax) means for a firing
// at firing, read in firing's zone, in the long form every language
// renders ("December 19, 2026"); a datetime's time follows it ("+1d
// 19:00" becomes "December 6, 2026 19:00").
func ResolveDate(v string, firing time.Time) (string, error) {
	rel, rest, _ := strings.Cut(strings.TrimSpace(v), " ")
	m := relativePattern.FindStringSubmatch(strings.ToLower(rel))
	if m == nil {
		return "", fmt.Errorf("is not a date relative to the firing: write %s", RelativeSyntax)
	}
	y, mo, d := firing.Date()
	var date time.Time
	switch {
	case m[1] != "":
		n, _ := strconv.Atoi(m[1])
		if m[2] == "w" {
			n *= 7
		}
		date = time.Date(y, mo, d+n, 12, 0, 0, 0, time.UTC)
	default:
		day, _ := strconv.Atoi(m[3])
		months, _ := strconv.Atoi(m[4]) // 0 when absent
		if day < 1 || day > 31 {
			return "", fmt.Errorf("day:%d: a day of the month is 1 to 31 (day:15 is the 15th; a month without it gives its last day)", day)
		}
		first := time.Date(y, mo+time.Month(months), 1, 12, 0, 0, 0, time.UTC)
		last := first.AddDate(0, 1, -1).Day()
		date = first.AddDate(0, 0, min(day, last)-1)
	}
	out := date.Format("January 2, 2006")
	if rest = strings.TrimSpace(rest); rest != "" {
		out += " " + rest
	}
	return out, nil
}

// ResolveValues returns values with every relative date of t's date and
// datetime fields (FIELD and FIELD.LANG keys alike) resolved for a firing
// at firing (see ResolveDate); other values are returned as they are. It
// returns a ValueErrors naming each relative value it cannot read.
func ResolveValues(t *Template, values Values, firing time.Time) (Values, error) {
	out := maps.Clone(values)
	if out == nil {
		out = Values{}
	}
	var errs ValueErrors
	for _, k := range slices.Sorted(maps.Keys(values)) {
		name, _, _ := strings.Cut(k, ".")
		f, ok := t.Field(name)
		if !ok || (f.Type != TypeDate && f.Type != TypeDateTime) || !IsRelativeDate(values[k]) {
			continue
		}
		v, err := ResolveDate(values[k], firing)
		if err != nil {
			errs = append(errs, ValueError{Field: k, Label: f.Label, Message: fmt.Sprintf("%s %v", quoteValue(values[k]), err)})
			continue
		}
		out[k] = v
	}
	if len(errs) > 0 {
		return out, errs
	}
	return out, nil
}
