package app

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// CronWords says a campaign's cron spec in words, as the console shows it
// beside the spec: "every Monday at 09:00", "on the 1st of every month at
// 09:00", "every 90m0s". It returns "" for a spec it cannot say simply
// (steps, lists of hours, a day of the month and of the week together):
// the spec and its next firings say it then. It does not check the spec
// (scheduler.ParseSchedule does).
func CronWords(spec string) string {
	spec = strings.TrimSpace(spec)
	if strings.HasPrefix(spec, "@") {
		return descriptorWords(spec)
	}
	f := strings.Fields(spec)
	if len(f) != 5 {
		return ""
	}
	minute, hour, dom, month, dow := f[0], f[1], f[2], f[3], f[4]
	at, ok := clockWords(hour, minute)
	if !ok {
		return ""
	}
	switch {
	case dom == "*" && month == "*" && dow == "*":
		return "every day " + at
	case dom == "*" && month == "*":
		days, ok := weekdayWords(dow)
		if !ok {
			return ""
		}
		return "every " + days + " " + at
	case dow == "*" && month == "*":
		d, ok := ordinal(dom)
		if !ok {
			return ""
		}
		return "on the " + d + " of every month " + at
	case dow == "*":
		d, okd := ordinal(dom)
		m, okm := monthWords(month)
		if !okd || !okm {
			return ""
		}
		return "every year on the " + d + " of " + m + " " + at
	}
	return ""
}

// descriptorWords says @daily and its kind in words.
func descriptorWords(spec string) string {
	switch spec {
	case "@yearly", "@annually":
		return "every year on 1 January at 00:00"
	case "@monthly":
		return "on the 1st of every month at 00:00"
	case "@weekly":
		return "every Sunday at 00:00"
	case "@daily", "@midnight":
		return "every day at 00:00"
	case "@hourly":
		return "every hour, on the hour"
	}
	if d, ok := strings.CutPrefix(spec, "@every "); ok {
		if dur, err := time.ParseDuration(strings.TrimSpace(d)); err == nil && dur > 0 {
			return "every " + dur.String() + " (counted from the campaign's start)"
		}
	}
	return ""
}

// clockWords says "at 09:00" for a fixed hour and minute.
func clockWords(hour, minute string) (string, bool) {
	h, errh := strconv.Atoi(hour)
	m, errm := strconv.Atoi(minute)
	if errh != nil || errm != nil || h < 0 || h > 23 || m < 0 || m > 59 {
		return "", false
	}
	return fmt.Sprintf("at %02d:%02d", h, m), true
}

var weekdayNames = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

// weekdayWords says a day-of-week field: "Monday", "Monday and
// Thursday", "weekday (Monday to Friday)".
func weekdayWords(dow string) (string, bool) {
	if dow == "1-5" || strings.EqualFold(dow, "MON-FRI") {
		return "weekday (Monday to Friday)", true
	}
	var names []string
	for _, d := range strings.Split(dow, ",") {
		i, ok := weekday(d)
		if !ok {
			return "", false
		}
		names = append(names, weekdayNames[i])
	}
	return andList(names), true
}

// weekday reads one day of the week, 0-7 (0 and 7 are Sunday) or its
// first three letters.
func weekday(s string) (int, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		if n < 0 || n > 7 {
			return 0, false
		}
		return n % 7, true
	}
	for i, name := range weekdayNames {
		if strings.EqualFold(s, name[:3]) {
			return i, true
		}
	}
	return 0, false
}

// monthWords says a month field of one month: "March".
func monthWords(s string) (string, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		if n < 1 || n > 12 {
			return "", false
		}
		return time.Month(n).String(), true
	}
	for m := time.January; m <= time.December; m++ {
		if strings.EqualFold(s, m.String()[:3]) {
			return m.String(), true
		}
	}
	return "", false
}

// ordinal says a day of the month: "1st", "22nd".
func ordinal(s string) (string, bool) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 31 {
		return "", false
	}
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix, true
}

// andList joins "a", "b" and "c" as "a, b and c".
func andList(ss []string) string {
	if len(ss) < 2 {
		return strings.Join(ss, "")
	}
	return strings.Join(ss[:len(ss)-1], ", ") + " and " + ss[len(ss)-1]
}
