package scheduler

import (
	"fmt"
	"strings"
	"time"
)

// QuietHours is a daily span of local time during which the text
// messages of normal notices are held (nobody wants a bill reminder at
// 23:00); an emergency goes at once. The zero value holds nothing.
type QuietHours struct {
	Start, End clock // Start == End: none
	Location   *time.Location
}

// clock is a time of day, in minutes since midnight.
type clock int

func (c clock) String() string { return fmt.Sprintf("%02d:%02d", c/60, c%60) }

// ParseQuietHours reads "21:00-08:00" (which spans midnight) in loc;
// "" and "off" mean none.
func ParseQuietHours(s string, loc *time.Location) (QuietHours, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "off" {
		return QuietHours{}, nil
	}
	from, to, ok := strings.Cut(s, "-")
	start, err1 := parseClock(from)
	end, err2 := parseClock(to)
	if !ok || err1 != nil || err2 != nil {
		return QuietHours{}, fmt.Errorf("quiet hours %q: write them as HH:MM-HH:MM, as in 21:00-08:00, or off", s)
	}
	if start == end {
		return QuietHours{}, fmt.Errorf("quiet hours %q: the start and the end are the same time; write off for none", s)
	}
	return QuietHours{Start: start, End: end, Location: loc}, nil
}

func parseClock(s string) (clock, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, err
	}
	return clock(t.Hour()*60 + t.Minute()), nil
}

// On reports whether quiet hours are set.
func (q QuietHours) On() bool { return q.Start != q.End && q.Location != nil }

func (q QuietHours) String() string {
	if !q.On() {
		return "off"
	}
	return fmt.Sprintf("%s-%s %s", q.Start, q.End, q.Location)
}

// Until returns when the quiet span that t falls in ends, or the zero
// time when t is outside quiet hours. The end is read on the local clock,
// so that 08:00 stays 08:00 across a daylight saving change (an end in a
// skipped hour comes as that hour is skipped).
func (q QuietHours) Until(t time.Time) time.Time {
	if !q.On() {
		return time.Time{}
	}
	local := t.In(q.Location)
	now := clock(local.Hour()*60 + local.Minute())
	endOn := func(days int) time.Time {
		y, m, d := local.Date()
		end := time.Date(y, m, d+days, int(q.End)/60, int(q.End)%60, 0, 0, q.Location)
		if want, got := time.Date(y, m, d+days, int(q.End)/60, int(q.End)%60, 0, 0, time.UTC), wallClock(end); !got.Equal(want) {
			// The end's clock time was skipped (clocks sprang forward over
			// it), and time.Date put it to one side of the jump: the quiet
			// ends at the jump itself.
			start, stop := end.ZoneBounds()
			if got.Before(want) {
				return stop
			}
			return start
		}
		return end
	}
	switch {
	case q.Start < q.End && now >= q.Start && now < q.End:
		return endOn(0)
	case q.Start > q.End && now >= q.Start:
		return endOn(1) // the span runs past midnight
	case q.Start > q.End && now < q.End:
		return endOn(0)
	}
	return time.Time{}
}
