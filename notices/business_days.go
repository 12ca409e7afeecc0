package notices

import "time"

// ReviewBusinessDays is how long a reply that reads as an opt-out may wait
// for a person's decision: the FCC (24-18) has a sender honour a revocation
// of consent made "in any reasonable manner" within 10 business days.
const ReviewBusinessDays = 10

// BusinessDaysAfter returns the date n business days after the day of t,
// at midnight in t's location: a business day is a weekday that is no US
// federal holiday as observed. The day of t itself does not count, so a
// text received on a Monday with no holiday near is due on the Monday two
// weeks later.
func BusinessDaysAfter(t time.Time, n int) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if businessDay(d) {
			n--
		}
	}
	return d
}

func businessDay(d time.Time) bool {
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	_, holiday := USFederalHoliday(d)
	return !holiday
}

// USFederalHoliday returns the name of the US federal holiday observed on
// the day of d (5 U.S.C. 6103), if any: one falling on a Saturday is
// observed the Friday before (New Year's Day even in the year before), one
// on a Sunday the Monday after. Inauguration Day, a holiday only around
// Washington, is not counted.
func USFederalHoliday(d time.Time) (string, bool) {
	y, m, day := d.Date()
	for _, year := range []int{y, y + 1} {
		for _, h := range federalHolidays(year) {
			if o := observed(h.date); o.Year() == y && o.Month() == m && o.Day() == day {
				return h.name, true
			}
		}
	}
	return "", false
}

type holiday struct {
	name string
	date time.Time
}

func federalHolidays(y int) []holiday {
	fixed := func(m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	holidays := []holiday{
		{"New Year's Day", fixed(time.January, 1)},
		{"Birthday of Martin Luther King, Jr.", nthWeekday(y, time.January, time.Monday, 3)},
		{"Washington's Birthday", nthWeekday(y, time.February, time.Monday, 3)},
		{"Memorial Day", lastWeekday(y, time.May, time.Monday)},
		{"Independence Day", fixed(time.July, 4)},
		{"Labor Day", nthWeekday(y, time.September, time.Monday, 1)},
		{"Columbus Day", nthWeekday(y, time.October, time.Monday, 2)},
		{"Veterans Day", fixed(time.November, 11)},
		{"Thanksgiving Day", nthWeekday(y, time.November, time.Thursday, 4)},
		{"Christmas Day", fixed(time.December, 25)},
	}
	if y >= 2021 { // Juneteenth became a federal holiday in June 2021
		holidays = append(holidays, holiday{"Juneteenth National Independence Day", fixed(time.June, 19)})
	}
	return holidays
}

// observed moves a holiday on a weekend to the weekday it is observed on.
func observed(d time.Time) time.Time {
	switch d.Weekday() {
	case time.Saturday:
		return d.AddDate(0, 0, -1)
	case time.Sunday:
		return d.AddDate(0, 0, 1)
	}
	return d
}

// nthWeekday is the nth wd of month m of year y.
func nthWeekday(y int, m time.Month, wd time.Weekday, n int) time.Time {
	first := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	offset := (int(wd) - int(first.Weekday()) + 7) % 7
	return first.AddDate(0, 0, offset+7*(n-1))
}

// lastWeekday is the last wd of month m of year y.
func lastWeekday(y int, m time.Month, wd time.Weekday) time.Time {
	last := time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC)
	return last.AddDate(0, 0, -((int(last.Weekday()) - int(wd) + 7) % 7))
}
