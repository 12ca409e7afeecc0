package templates

// Dates a notice should not go out with: a date already past on the day
// the notice goes out, or one before the date its template says it
// follows (expected before occurred).

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// checkDateOrder checks the after and past keys of a template's fields:
// after names another date or datetime field of the template, and both
// keys are for date and datetime fields only.
func checkDateOrder(pl *problemList, fields []Field) {
	byName := map[string]Field{}
	for _, f := range fields {
		byName[f.Name] = f
	}
	for _, f := range fields {
		dated := f.Type == TypeDate || f.Type == TypeDateTime
		if f.Past && !dated {
			pl.errorf(f.line, "field %q: past is for date and datetime fields, not %s", f.Name, f.Type)
		}
		if f.After == "" {
			continue
		}
		ref, ok := byName[f.After]
		switch {
		case !dated:
			pl.errorf(f.line, "field %q: after is for date and datetime fields, not %s", f.Name, f.Type)
		case f.After == f.Name:
			pl.errorf(f.line, "field %q: after names the field itself; name the field whose date comes first", f.Name)
		case !ok:
			pl.errorf(f.line, "field %q: after: %q is not a field of the template%s", f.Name, f.After, suggestField(f.After, fields))
		case ref.Type != TypeDate && ref.Type != TypeDateTime:
			pl.errorf(f.line, "field %q: after: %q is a %s field; it must be a date or datetime field", f.Name, f.After, ref.Type)
		}
	}
}

// suggestField names the date fields an unknown after could mean.
func suggestField(name string, fields []Field) string {
	var dated []string
	for _, f := range fields {
		if f.Type == TypeDate || f.Type == TypeDateTime {
			dated = append(dated, f.Name)
		}
	}
	if len(dated) == 0 {
		return " (it has no date field)"
	}
	return " (its date fields: " + strings.Join(dated, ", ") + ")"
}

// DateNote is a date value a notice should not go out with as it is.
type DateNote struct {
	Field string // the value's key: due_date, or due_date.es
	// Order is true for a date before the one its field comes after
	// (the template's after); false for a date in the past.
	Order   bool
	Message string
}

// CheckDates returns, for the values of template t (FIELD and FIELD.LANG
// keys, defaults included), every date or datetime value before day (the
// notice's date, read in day's zone) unless its field says past: true,
// and every value before the value of the field it comes after, each
// once. A date without a year is not compared. Values that are not dates
// are left to Fill.
func CheckDates(t *Template, values Values, day time.Time) []DateNote {
	var notes []DateNote
	seen := map[string]bool{}
	add := func(n DateNote) {
		if !seen[n.Message] {
			seen[n.Message] = true
			notes = append(notes, n)
		}
	}
	today := dayOf(day)
	for _, lang := range valueLanguages(values) {
		for _, f := range t.Fields {
			v, key := effectiveValue(f, values, lang)
			at, ok := fieldMoment(f, v)
			if !ok {
				continue
			}
			if !f.Past && dayOf(at).Before(today) {
				add(DateNote{Field: key, Message: fmt.Sprintf("%s is %s, before the day the notice goes out (%s)", key, v, day.Format("January 2, 2006"))})
			}
			ref, ok := t.Field(f.After)
			if !ok {
				continue
			}
			rv, rkey := effectiveValue(ref, values, lang)
			rat, ok := fieldMoment(ref, rv)
			if !ok {
				continue
			}
			if f.Type != TypeDateTime || ref.Type != TypeDateTime {
				at, rat = dayOf(at), dayOf(rat)
			}
			if at.Before(rat) {
				add(DateNote{Field: key, Order: true, Message: fmt.Sprintf("%s (%s) is before %s (%s); the template says it comes on or after %s", key, v, rkey, rv, f.After)})
			}
		}
	}
	return notes
}

// valueLanguages is "" (the shared values) and every language a FIELD.LANG
// key of values names.
func valueLanguages(values Values) []string {
	langs := map[string]bool{"": true}
	for k := range values {
		if _, lang, ok := strings.Cut(k, "."); ok {
			langs[lang] = true
		}
	}
	return slices.Sorted(maps.Keys(langs))
}

// effectiveValue is field f's value in lang ("" for the shared one) as
// Fill takes it, and the key it comes from.
func effectiveValue(f Field, values Values, lang string) (v, key string) {
	if lang != "" {
		if v := strings.TrimSpace(values[f.Name+"."+lang]); v != "" {
			return v, f.Name + "." + lang
		}
	}
	if v, ok := values[f.Name]; ok {
		return strings.TrimSpace(v), f.Name
	}
	return strings.TrimSpace(f.Default), f.Name
}

// fieldMoment reads a date (its midnight) or datetime value of field f as
// a wall-clock time in UTC; ok is false for another type, an empty or bad
// value, or one without a year.
func fieldMoment(f Field, v string) (time.Time, bool) {
	if v == "" || IsRelativeDate(v) {
		return time.Time{}, false
	}
	switch f.Type {
	case TypeDate:
		d, err := parseDate(v)
		return d.Time, err == nil && d.year
	case TypeDateTime:
		date, tm, ok := splitDateTime(v)
		if !ok {
			return time.Time{}, false
		}
		d, err := parseDate(date)
		c, ok := parseTime(tm)
		if err != nil || !d.year || !ok {
			return time.Time{}, false
		}
		return d.Time.Add(time.Duration(c.hour)*time.Hour + time.Duration(c.minute)*time.Minute), true
	}
	return time.Time{}, false
}

func dayOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
