package scheduler

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule is when a campaign fires: a cron spec read in the campaign's
// time zone. Wall-clock specs keep their local time across daylight saving
// changes, and unlike robfig/cron (which skips a time that does not exist
// and fires twice at one that occurs twice) every firing happens exactly
// once:
//   - a time that does not exist that day (when clocks spring from 02:00
//     to 03:00) fires as long after the change as it was meant after the
//     skipped hour began: 02:00 fires at 03:00, 02:30 at 03:30;
//   - a time that occurs twice (01:30 when clocks fall back from 02:00 to
//     01:00) fires at its first occurrence only.
//
// @every specs count real time, not the wall clock, from an anchor (see
// Anchored).
type Schedule struct {
	Spec     string
	Location *time.Location
	sched    cron.Schedule
	every    time.Duration // an @every spec's delay; 0 for a wall-clock spec
	anchor   time.Time
}

// The fields a spec has: minute, hour, day of month, month, day of week;
// or a descriptor (@daily, @weekly, @monthly, @yearly, @hourly, @every 90m).
var specParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule reads spec in the zone loc. It refuses a spec that cannot
// be read, one that carries its own zone (the campaign's zone is given
// apart), and one that never fires, each saying why.
func ParseSchedule(spec string, loc *time.Location) (*Schedule, error) {
	spec = strings.TrimSpace(spec)
	if loc == nil {
		return nil, errors.New("a schedule needs a time zone")
	}
	if strings.HasPrefix(spec, "CRON_TZ=") || strings.HasPrefix(spec, "TZ=") {
		return nil, fmt.Errorf("spec '%s': give the time zone apart (--timezone), not in the spec", spec)
	}
	sched, err := specParser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("spec '%s': %v (five fields: minute hour day-of-month month day-of-week, or @daily, @weekly, @monthly, @every 90m)", spec, err)
	}
	s := &Schedule{Spec: spec, Location: loc, sched: sched}
	if d, ok := sched.(cron.ConstantDelaySchedule); ok {
		s.every = d.Delay
	}
	// robfig/cron looks five years ahead: a spec with nothing there
	// (February 31st) never fires.
	if s.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return nil, fmt.Errorf("spec '%s' never fires", spec)
	}
	return s, nil
}

// Next returns the first firing strictly after the instant after, or the
// zero time if there is none.
func (s *Schedule) Next(after time.Time) time.Time {
	if s.every > 0 {
		if s.anchor.IsZero() {
			return s.sched.Next(after)
		}
		// anchor + k·delay, the first strictly after after (k ≥ 0).
		if after.Before(s.anchor) {
			return s.anchor
		}
		k := after.Sub(s.anchor)/s.every + 1
		return s.anchor.Add(k * s.every)
	}
	// Walk the wall-clock times the spec names, in a zone without daylight
	// saving (UTC standing for the local wall clock), and map each to the
	// instant it happens here.
	wall := wallClock(after.In(s.Location))
	for range 10_000 { // a wall time maps before after only around a clock change; bounded for safety
		wall = s.sched.Next(wall)
		if wall.IsZero() {
			return time.Time{}
		}
		if t := instant(wall, s.Location); t.After(after) {
			return t
		}
	}
	return time.Time{}
}

// Anchored returns the schedule with its @every firings fixed at anchor,
// anchor + delay, anchor + 2·delay …, whatever moment the firings are
// asked for from. (Unanchored, each firing is a delay after the moment
// asked, which a scheduler asking every minute would never reach.) A
// wall-clock schedule is returned as it is.
func (s *Schedule) Anchored(anchor time.Time) *Schedule {
	if s.every == 0 {
		return s
	}
	a := *s
	a.anchor = anchor
	return &a
}

// NextN returns the next n firings after the instant after.
func (s *Schedule) NextN(after time.Time, n int) []time.Time {
	var ts []time.Time
	for range n {
		after = s.Next(after)
		if after.IsZero() {
			break
		}
		ts = append(ts, after)
	}
	return ts
}

// wallClock is t's wall-clock reading as a UTC time.
func wallClock(t time.Time) time.Time {
	y, mo, d := t.Date()
	h, mi, sec := t.Clock()
	return time.Date(y, mo, d, h, mi, sec, 0, time.UTC)
}

// instant is the first instant at which the clocks of loc read wall (a
// UTC time standing for a wall-clock reading); if they never do (a gap
// when clocks spring forward), wall read with the offset before the
// change, which falls as far past the change as wall is into the gap.
func instant(wall time.Time, loc *time.Location) time.Time {
	// The zone's offsets a day around: before and after any change.
	_, before := wall.Add(-24 * time.Hour).In(loc).Zone()
	_, after := wall.Add(24 * time.Hour).In(loc).Zone()
	var first time.Time
	for _, off := range []int{before, after} {
		t := wall.Add(-time.Duration(off) * time.Second)
		if wallClock(t.In(loc)).Equal(wall) && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	if !first.IsZero() {
		return first
	}
	return wall.Add(-time.Duration(before) * time.Second)
}
