package notices

import (
	"testing"
	"time"
)

// TestUSFederalHoliday checks the days OPM lists as observed federal
// holidays in 2026 and 2027, and a few days that are none.
func TestUSFederalHoliday(t *testing.T) {
	holidays := []string{
		"2026-01-01", "2026-01-19", "2026-02-16", "2026-05-25", "2026-06-19", "2026-07-03",
		"2026-09-07", "2026-10-12", "2026-11-11", "2026-11-26", "2026-12-25",
		"2027-01-01", "2027-01-18", "2027-02-15", "2027-05-31", "2027-06-18", "2027-07-05",
		"2027-09-06", "2027-10-11", "2027-11-11", "2027-11-25", "2027-12-24",
		"2027-12-31", // New Year's Day 2028 is a Saturday
	}
	for _, day := range holidays {
		if name, ok := USFederalHoliday(isoDate(t, day)); !ok {
			t.Errorf("%s: not a holiday, want one", day)
		} else if name == "" {
			t.Errorf("%s: a holiday without a name", day)
		}
	}
	for _, day := range []string{"2026-07-04", "2026-12-24", "2027-06-19", "2027-12-27", "2020-06-19", "2026-03-17"} {
		if name, ok := USFederalHoliday(isoDate(t, day)); ok {
			t.Errorf("%s: %s, want no holiday", day, name)
		}
	}
}

func TestBusinessDaysAfter(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		received time.Time
		want     string
	}{
		{"a Monday with no holiday near", time.Date(2026, 12, 7, 10, 0, 0, 0, ny), "2026-12-21"},
		{"a Saturday counts from the Monday", time.Date(2026, 12, 5, 10, 0, 0, 0, ny), "2026-12-18"},
		{"Christmas and New Year's Day are skipped", time.Date(2026, 12, 18, 16, 0, 0, 0, ny), "2027-01-05"},
		{"the Friday before Independence Day is skipped", time.Date(2026, 6, 26, 9, 0, 0, 0, ny), "2026-07-13"},
		{"late evening in the zone is that day, not the next in UTC", time.Date(2026, 12, 8, 3, 30, 0, 0, time.UTC).In(ny), "2026-12-21"},
		{"the same moment in UTC is a day later", time.Date(2026, 12, 8, 3, 30, 0, 0, time.UTC), "2026-12-22"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := BusinessDaysAfter(tt.received, ReviewBusinessDays)
			if got.Format(time.DateOnly) != tt.want || got.Location() != tt.received.Location() || got.Hour() != 0 {
				t.Errorf("BusinessDaysAfter(%s, 10) = %s, want %s at midnight in %s", tt.received, got, tt.want, tt.received.Location())
			}
		})
	}
}

func isoDate(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
