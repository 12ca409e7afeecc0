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

// localizeDate writes a date value in the long form of the table's
// language, keeping what the coordinator included (weekday, year): typed
// "2026-11-28" it is "November 28, 2026" in English and "28 de noviembre
// de 2026" in Spanish; typed "Saturday, November 28" it is "Saturday,
// November 28" and "sábado, 28 de noviembre". A value that is not a date
// stays as typed (Fill has refused it already).
func localizeDate(v string, tb *LanguageTable) string {
	d, err := parseDate(v)
	if err != nil {
		return v
	}
	return formatDate(d, tb)
}

// formatDate writes d with the table's patterns and names.
func formatDate(d calendarDate, tb *LanguageTable) string {
	day, month := strconv.Itoa(d.Day()), tb.Months[d.Month()-1]
	s := fill(tb.DateWithoutYear, "day", day, "month", month)
	if d.year {
		s = fill(tb.Date, "day", day, "month", month, "year", strconv.Itoa(d.Year()))
	}
	if d.weekday {
		s = fill(tb.DateWithWeekday, "weekday", tb.Weekdays[d.typedWeekday], "date", s)
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

// clock is a time of day as typed: its hour (0 to 23) and minute, and
// whether it was written as noon or midnight.
type clock struct {
	hour, minute   int
	noon, midnight bool
}

// parseTime reads the times a coordinator writes: 7:00 PM, 7 PM, 7pm,
// 19:00, noon, medianoche.
func parseTime(v string) (clock, bool) {
	s := strings.ToLower(v)
	s = strings.NewReplacer(" ", "", ".", "", "\u00a0", "").Replace(s)
	switch s {
	case "noon", "12noon", "mediodía", "mediodia":
		return clock{hour: 12, noon: true}, true
	case "midnight", "12midnight", "medianoche":
		return clock{midnight: true}, true
	}
	m := timePattern.FindStringSubmatch(s)
	if m == nil {
		return clock{}, false
	}
	h, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	if mi > 59 {
		return clock{}, false
	}
	switch m[3] {
	case "am", "pm":
		if h < 1 || h > 12 {
			return clock{}, false
		}
		h %= 12
		if m[3] == "pm" {
			h += 12
		}
	default:
		if m[2] == "" || h > 23 {
			return clock{}, false
		}
	}
	return clock{hour: h, minute: mi}, true
}

func isTime(v string) bool {
	_, ok := parseTime(v)
	return ok
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

// localizeTime writes a time value the way the table's language writes
// times: 7 PM and 19:00 are "7:00 PM" in English and "7:00 p. m." in
// Spanish; noon is the language's word for it when the table has one.
func localizeTime(v string, tb *LanguageTable) string {
	c, ok := parseTime(v)
	if !ok {
		return v
	}
	switch {
	case c.noon && tb.Noon != "":
		return tb.Noon
	case c.midnight && tb.Midnight != "":
		return tb.Midnight
	}
	h12, ampm := c.hour%12, tb.AM
	if h12 == 0 {
		h12 = 12
	}
	if c.hour >= 12 {
		ampm = tb.PM
	}
	return fill(tb.Time, "hour", strconv.Itoa(c.hour), "hour12", strconv.Itoa(h12),
		"minute", fmt.Sprintf("%02d", c.minute), "ampm", ampm)
}

// localizeDateTime writes a datetime value with the table's datetime
// pattern, its date and its time each localized.
func localizeDateTime(v string, tb *LanguageTable) string {
	date, tm, ok := splitDateTime(v)
	if !ok {
		return v
	}
	return fill(tb.DateTime, "date", localizeDate(date, tb), "time", localizeTime(tm, tb))
}
