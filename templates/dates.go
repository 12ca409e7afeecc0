package templates

// Dates and times as coordinators type them: parsing, checking, and writing
// them in the notice's language.

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

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
	// Abbreviations Go's layouts do not know: "Sept. 3", "Tues", "Thurs".
	abbreviationDot      = regexp.MustCompile(`\b([A-Za-z]{3,5})\.`)
	englishAbbreviations = strings.NewReplacer("Sept ", "Sep ", "sept ", "Sep ", "SEPT ", "Sep ",
		"Tues,", "Tue,", "Tues ", "Tue ", "Thurs,", "Thu,", "Thurs ", "Thu ", "Thur,", "Thu,", "Thur ", "Thu ")
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
	s = englishAbbreviations.Replace(abbreviationDot.ReplaceAllString(s, "$1"))
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
	for _, l := range dateLayouts {
		var pe *time.ParseError
		if _, err := time.Parse(l, s); errors.As(err, &pe) && strings.Contains(pe.Message, "day out of range") {
			return calendarDate{}, errors.New("is not a real date: that month has no such day")
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
		s = longDate(d.Time, lang)
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

var timePattern = regexp.MustCompile(`^(\d{1,2})(?::(\d{2}))?(am|pm|h|hrs)?$`)

func isTime(v string) bool {
	s := strings.ToLower(v)
	s = strings.NewReplacer(" ", "", ".", "", "\u00a0", "").Replace(s)
	switch s {
	case "noon", "midnight", "12noon", "12midnight", "mediodía", "mediodia", "medianoche":
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
	switch strings.Join(strings.Fields(strings.ToLower(v)), " ") {
	case "noon", "12 noon":
		return "mediodía"
	case "midnight", "12 midnight":
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
