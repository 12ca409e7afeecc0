package scheduler

import (
	"testing"
	"time"
)

func TestQuietHoursUntil(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	night, err := ParseQuietHours("21:00-08:00", ny)
	if err != nil {
		t.Fatal(err)
	}
	day, err := ParseQuietHours("01:00-06:30", ny)
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, ny)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	early, err := ParseQuietHours("21:00-02:30", ny)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		q    QuietHours
		now  string
		want string // "" for not quiet
	}{
		{night, "2027-06-10 20:59", ""},
		{night, "2027-06-10 21:00", "2027-06-11 08:00"},
		{night, "2027-06-10 23:59", "2027-06-11 08:00"},
		{night, "2027-06-11 00:00", "2027-06-11 08:00"},
		{night, "2027-06-11 07:59", "2027-06-11 08:00"},
		{night, "2027-06-11 08:00", ""},
		{night, "2027-06-11 12:00", ""},
		// 2027-03-14: New York springs forward at 02:00; the night is an hour shorter.
		{night, "2027-03-13 22:00", "2027-03-14 08:00"},
		{day, "2027-06-10 00:59", ""},
		{day, "2027-06-10 01:00", "2027-06-10 06:30"},
		{day, "2027-06-10 06:30", ""},
		{QuietHours{}, "2027-06-10 23:00", ""},
		// An end in the skipped hour: the quiet ends as the clocks jump
		// from 02:00 to 03:00 (03:00 EDT).
		{early, "2027-03-13 23:00", "2027-03-14 03:00"},
	} {
		got := c.q.Until(at(c.now))
		var want time.Time
		if c.want != "" {
			want = at(c.want)
		}
		if !got.Equal(want) {
			t.Errorf("%s: Until(%s) = %v, want %v", c.q, c.now, got, want)
		}
	}
}

func TestParseQuietHoursRefuses(t *testing.T) {
	for _, s := range []string{"21:00", "21-08", "25:00-08:00", "21:00-21:00", "9pm-8am"} {
		if _, err := ParseQuietHours(s, time.UTC); err == nil {
			t.Errorf("ParseQuietHours(%q) succeeded; want an error", s)
		}
	}
	for _, s := range []string{"", "off"} {
		q, err := ParseQuietHours(s, time.UTC)
		if err != nil || q.On() {
			t.Errorf("ParseQuietHours(%q) = %v, %v; want off", s, q, err)
		}
	}
}
