package templates

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

// Values are the field values a coordinator gives, by field name. A key
// "FIELD.LANG" (for example "actions.es") gives the value for that language
// only; the plain key serves every other language.
type Values map[string]string

// ValueError is one bad or missing value.
type ValueError struct {
	Field   string // the field name, or the unknown key
	Label   string // the field's label in the template's language
	Message string
}

func (e ValueError) Error() string {
	if e.Label == "" {
		return e.Message
	}
	return e.Label + ": " + e.Message
}

// ValueErrors lists every bad or missing value of a filling at once, by
// field label, in the order of the form.
type ValueErrors []ValueError

func (es ValueErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Fill checks values against the template's fields and returns the value of
// every field for the template's language: the language's own value, else
// the plain value, else the field's default, else "". A shared date or
// time value is written in the template's language (see localize). A
// number loses a leading $. It returns a
// ValueErrors listing every missing required field, every value of the wrong
// type and every key that is not a field.
func (t *Template) Fill(values Values) (map[string]string, error) {
	var errs ValueErrors
	out := make(map[string]string, len(t.Fields))
	for _, f := range t.Fields {
		v, ok := values[f.Name+"."+t.Lang]
		shared := !ok
		if !ok {
			v, ok = values[f.Name]
		}
		if !ok {
			v = f.Default
		}
		v = normalizeValue(f, v)
		if v == "" {
			if f.Required {
				errs = append(errs, ValueError{Field: f.Name, Label: f.Label, Message: "required" + hint(f)})
			}
			out[f.Name] = ""
			continue
		}
		if err := checkValue(f, v); err != nil {
			errs = append(errs, ValueError{Field: f.Name, Label: f.Label, Message: fmt.Sprintf("%q %v", v, err)})
		} else if shared {
			v = localize(f.Type, v, t.Lang)
		}
		out[f.Name] = v
	}
	// Values for other languages are checked too, so a bad translation of a
	// value is caught whatever language is rendered first.
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name, lang, hasLang := strings.Cut(k, ".")
		f, ok := t.Field(name)
		switch {
		case !ok:
			errs = append(errs, ValueError{Field: k, Message: fmt.Sprintf("%q is not a field of template %s%s", k, t.Name, suggest(name, t, ""))})
		case hasLang && !langPattern.MatchString(lang):
			errs = append(errs, ValueError{Field: k, Label: f.Label, Message: fmt.Sprintf("%q: after the dot comes a language code, as in %s.es", k, name)})
		case hasLang && lang != t.Lang:
			if v := normalizeValue(f, values[k]); v != "" {
				if err := checkValue(f, v); err != nil {
					errs = append(errs, ValueError{Field: k, Label: f.Label + " (" + lang + ")", Message: fmt.Sprintf("%q %v", v, err)})
				}
			}
		}
	}
	if len(errs) > 0 {
		return out, errs
	}
	return out, nil
}

func normalizeValue(f Field, v string) string {
	switch f.Type {
	case TypeMultiline:
		return strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n"))
	case TypeNumber:
		// Templates write the currency ("${{.late_fee}}"), so a $ typed
		// with the amount is dropped rather than printed twice.
		return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), "$"))
	}
	return strings.TrimSpace(v)
}

// localize writes a shared date, time or datetime value in the notice's
// language; other values are the same in every language.
func localize(t FieldType, v, lang string) string {
	switch t {
	case TypeDate:
		return localizeDate(v, lang)
	case TypeTime:
		return localizeTime(v, lang)
	case TypeDateTime:
		return localizeDateTime(v, lang)
	}
	return v
}

func hint(f Field) string {
	if f.Example != "" {
		return fmt.Sprintf(" (for example %q)", f.Example)
	}
	return ""
}

// checkValue says why v is not a valid value of field f, or nil.
func checkValue(f Field, v string) error {
	for _, r := range v {
		if r == '\n' && f.Type != TypeMultiline {
			return errors.New("is more than one line; write it on one line")
		}
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return fmt.Errorf("contains the control character %U; remove it", r)
		}
	}
	switch f.Type {
	case TypeDate:
		if _, err := parseDate(v); err != nil {
			return err
		}
	case TypeTime:
		if !isTime(v) {
			return errors.New("is not a time (write it like 7:00 PM or 19:00)")
		}
	case TypeDateTime:
		if !isDateTime(v) {
			return errors.New("is not a date and time (write it like November 28, 2026 7:00 PM or 2026-11-28 19:00)")
		}
	case TypePhone:
		n, err := phonenumbers.Parse(v, "US")
		if err != nil || !phonenumbers.IsValidNumber(n) {
			return errors.New("is not a phone number (write it like (315) 555-0142 or +1 315 555 0142)")
		}
	case TypeURL:
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(v, " \t") {
			return errors.New("is not a web address (write it in full, like https://water.example.org/notices)")
		}
	case TypeNumber:
		if !numberPattern.MatchString(strings.TrimPrefix(v, "$")) {
			return errors.New("is not a number (write it like 1250, 1,250 or 45.20)")
		}
	case TypeChoice:
		if !slices.Contains(f.Options, v) {
			return fmt.Errorf("is not one of the choices: %s", strings.Join(f.Options, ", "))
		}
	}
	return nil
}

var (
	dateLayouts = []string{
		"2006-01-02", "1/2/2006", "1/2/06",
		"January 2, 2006", "Jan 2, 2006", "Jan. 2, 2006", "January 2 2006", "2 January 2006",
		"Monday, January 2, 2006", "Monday January 2, 2006", "Mon, Jan 2, 2006", "Monday, 2 January 2006", "Monday 2 January 2006",
	}
	// Dates without a year, as notices often write them ("Saturday, November 28").
	shortDateLayouts = []string{"January 2", "Jan 2", "Monday, January 2", "Mon, Jan 2", "2 January", "Monday, 2 January", "Monday 2 January"}
	spanishWords     = strings.NewReplacer(
		"enero", "January", "febrero", "February", "marzo", "March", "abril", "April", "mayo", "May", "junio", "June",
		"julio", "July", "agosto", "August", "septiembre", "September", "setiembre", "September", "octubre", "October",
		"noviembre", "November", "diciembre", "December",
		"lunes", "Monday", "martes", "Tuesday", "miércoles", "Wednesday", "miercoles", "Wednesday", "jueves", "Thursday",
		"viernes", "Friday", "sábado", "Saturday", "sabado", "Saturday", "domingo", "Sunday",
		" de ", " ", " del ", " ")
	weekdayPrefix = regexp.MustCompile(`(?i)^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b`)
)

// calendarDate is a date value as the coordinator wrote it: with or without
// the weekday and the year.
type calendarDate struct {
	time.Time
	weekday, year bool
	typedWeekday  time.Weekday // the weekday as written; without a year it cannot be computed
}

// parseDate reads the date formats a US or Spanish-speaking coordinator
// writes. A weekday that does not match the date is an error: "Friday,
// November 28, 2026" is wrong, and customers would be misled.
func parseDate(v string) (calendarDate, error) {
	s := strings.Join(strings.Fields(v), " ")
	if es := spanishWords.Replace(strings.ToLower(s)); es != strings.ToLower(s) {
		s = strings.Join(strings.Fields(es), " ")
	}
	wd := weekdayPrefix.FindString(s)
	var typed time.Weekday
	for d := time.Sunday; d <= time.Saturday; d++ {
		if wd != "" && strings.HasPrefix(strings.ToLower(d.String()), strings.ToLower(wd)) {
			typed = d
		}
	}
	for _, l := range dateLayouts {
		if d, err := time.Parse(l, s); err == nil {
			return calendarDate{d, wd != "", true, d.Weekday()}, checkWeekday(s, d)
		}
	}
	for _, l := range shortDateLayouts {
		if d, err := time.Parse(l, s); err == nil {
			return calendarDate{d, wd != "", false, typed}, nil // no year: the weekday cannot be checked
		}
	}
	return calendarDate{}, errors.New("is not a date (write it like November 28, 2026 or 2026-11-28)")
}

var weekdaysES = [...]string{"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"}

// localizeDate writes a date value the way a notice in lang writes dates,
// keeping what the coordinator included (weekday, year): in a Spanish notice
// "Saturday, November 28, 2026" becomes "sábado, 28 de noviembre de 2026".
// Languages without month names here keep the value as typed.
func localizeDate(v, lang string) string {
	if lang != "es" {
		return v
	}
	d, err := parseDate(v)
	if err != nil {
		return v
	}
	s := fmt.Sprintf("%d de %s", d.Day(), monthsES[d.Month()-1])
	if d.year {
		s += fmt.Sprintf(" de %d", d.Year())
	}
	if d.weekday {
		s = weekdaysES[d.typedWeekday] + ", " + s
	}
	return s
}

func checkWeekday(s string, d time.Time) error {
	m := weekdayPrefix.FindString(s)
	if m == "" {
		return nil
	}
	if !strings.HasPrefix(strings.ToLower(d.Weekday().String()), strings.ToLower(m)) {
		return fmt.Errorf("is not right: %s is a %s", d.Format("January 2, 2006"), d.Weekday())
	}
	return nil
}

// numberPattern is a number as people write one: digits with an optional
// sign, thousands separators and decimals; no exponents, no "NaN".
var numberPattern = regexp.MustCompile(`^-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$`)

var timePattern = regexp.MustCompile(`^(\d{1,2})(?::(\d{2}))?(am|pm|h|hrs)?$`)

func isTime(v string) bool {
	s := strings.ToLower(v)
	s = strings.NewReplacer(" ", "", ".", "", "\u00a0", "").Replace(s)
	switch s {
	case "noon", "midnight", "mediodía", "mediodia", "medianoche":
		return true
	}
	m := timePattern.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	h, _ := strconv.Atoi(m[1])
	if m[2] != "" {
		if mi, _ := strconv.Atoi(m[2]); mi > 59 {
			return false
		}
	}
	switch m[3] {
	case "am", "pm":
		return h >= 1 && h <= 12
	default:
		return m[2] != "" && h <= 23
	}
}

func isDateTime(v string) bool {
	_, _, ok := splitDateTime(v)
	return ok
}

// splitDateTime finds the date and the time in a datetime value: "November
// 28, 2026 7:00 PM", "Saturday, November 28 at 7 PM", "2026-11-28T19:00".
func splitDateTime(v string) (date, tm string, ok bool) {
	s := strings.TrimSpace(v)
	if len(s) > 10 && s[10] == 'T' {
		s = s[:10] + " " + s[11:]
	}
	words := strings.Fields(s)
	for k := 1; k < len(words); k++ {
		date := strings.Join(words[:k], " ")
		tm := strings.Join(words[k:], " ")
		for _, sep := range []string{" at", " a las", " a la"} {
			date = strings.TrimSuffix(date, sep)
		}
		date = strings.TrimSuffix(date, ",")
		if isTime(tm) {
			if _, err := parseDate(date); err == nil {
				return date, tm, true
			}
		}
	}
	return "", "", false
}

var clock12 = regexp.MustCompile(`(?i)^(\d{1,2}(?::\d{2})?)\s*([ap])\.?\s*m\.?$`)

// localizeTime writes a time value the way a notice in lang writes times:
// in Spanish "6:30 AM" becomes "6:30 a. m." and "noon" "mediodía".
func localizeTime(v, lang string) string {
	if lang != "es" {
		return v
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "noon":
		return "mediodía"
	case "midnight":
		return "medianoche"
	}
	if m := clock12.FindStringSubmatch(strings.TrimSpace(v)); m != nil {
		return m[1] + " " + strings.ToLower(m[2]) + ". m."
	}
	return v
}

// localizeDateTime writes a datetime value in lang: the date and the time,
// each localized, separated by a comma.
func localizeDateTime(v, lang string) string {
	if lang != "es" {
		return v
	}
	date, tm, ok := splitDateTime(v)
	if !ok {
		return v
	}
	return localizeDate(date, lang) + ", " + localizeTime(tm, lang)
}
