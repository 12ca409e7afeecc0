package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// firings is what is due of a campaign at a moment: the firings to
// publish, those missed, and how far that accounts for.
type firings struct {
	publish []time.Time
	missed  []missedFiring
	until   time.Time // every firing up to here is in publish or missed
}

type missedFiring struct {
	at   time.Time
	note string
}

// plan decides what is due of campaign c at now: every firing after the
// last one handled (c.CheckedUntil) and up to now, within the campaign's
// start and end. A firing no older than grace is published; an older one
// was missed while Crier was down and is recorded, never sent late by
// surprise. Of several firings within grace only the newest is published:
// the others are missed, superseded by it, so an outage does not make
// customers receive the same routine notice several times. A clock set
// back (now before CheckedUntil) plans nothing.
func plan(c notices.Campaign, s *Schedule, now time.Time, grace time.Duration) firings {
	f := firings{until: c.CheckedUntil}
	if !now.After(c.CheckedUntil) {
		return f
	}
	from := c.CheckedUntil
	if !c.StartsAt.IsZero() && c.StartsAt.After(from) {
		from = c.StartsAt.Add(-time.Nanosecond) // a firing at the start itself counts
	}
	var inGrace []time.Time
	for t := s.Next(from); !t.IsZero() && !t.After(now); t = s.Next(t) {
		if !c.EndsAt.IsZero() && t.After(c.EndsAt) {
			break
		}
		if now.Sub(t) > grace {
			f.missed = append(f.missed, missedFiring{t, fmt.Sprintf("Crier was not running at %s; found %s later, past the %s grace window",
				t.In(s.Location).Format("2006-01-02 15:04 MST"), roughDuration(now.Sub(t)), roughDuration(grace))})
			continue
		}
		inGrace = append(inGrace, t)
	}
	if n := len(inGrace); n > 0 {
		newest := inGrace[n-1]
		for _, t := range inGrace[:n-1] {
			f.missed = append(f.missed, missedFiring{t, fmt.Sprintf("superseded by the firing at %s", newest.In(s.Location).Format("2006-01-02 15:04 MST"))})
		}
		f.publish = []time.Time{newest}
	}
	f.until = now
	return f
}

// FiringCheck is what campaign c's firing at a time would give its
// notice (CheckFiring).
type FiringCheck struct {
	// Values are the notice's values (notices.FiringValues): relative
	// dates resolved, fired_at filled.
	Values templates.Values
	// Err is why the values cannot be resolved (templates.ValueErrors, a
	// line each), or nil.
	Err error
	// Notes are what the template says of the resolved dates
	// (templates.CheckDates): a date before the firing's day in a field
	// that is not past: true, or dates out of the declared order.
	Notes []templates.DateNote
}

// Why is the one-line reason the firing is not to be sent, as its run
// records it when missed, or "".
func (f FiringCheck) Why() string {
	if f.Err != nil {
		return strings.ReplaceAll(f.Err.Error(), "\n", "; ")
	}
	msgs := make([]string, len(f.Notes))
	for i, n := range f.Notes {
		msgs[i] = n.Message
	}
	return strings.Join(msgs, "; ")
}

// CheckFiring resolves campaign c's values for its firing at at and checks
// the dates they give, in the campaign's zone. A firing whose check says
// Why is recorded missed with that reason.
func CheckFiring(c notices.Campaign, fam *templates.Family, at time.Time) FiringCheck {
	values, err := notices.FiringValues(c, fam, at)
	if err != nil {
		return FiringCheck{Values: values, Err: err}
	}
	loc, _ := time.LoadLocation(c.Timezone) // FiringValues loaded it
	return FiringCheck{Values: values, Notes: templates.CheckDates(fam.Original, values, at.In(loc))}
}

// CampaignSchedule reads campaign c's schedule in its zone, its @every
// firings anchored at its start, or else at its creation.
func CampaignSchedule(c notices.Campaign) (*Schedule, error) {
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return nil, fmt.Errorf("campaign %s: time zone %q does not load: %w (crier campaigns edit %s --timezone ZONE)", c.Name, c.Timezone, err, c.Name)
	}
	s, err := ParseSchedule(c.Schedule, loc)
	if err != nil {
		return nil, fmt.Errorf("campaign %s: %w (crier campaigns edit %s --schedule SPEC)", c.Name, err, c.Name)
	}
	return s.Anchored(Anchor(c)), nil
}

// Anchor is where campaign c's @every firings count from: its start, or
// else its creation.
func Anchor(c notices.Campaign) time.Time {
	if !c.StartsAt.IsZero() {
		return c.StartsAt
	}
	return c.CreatedAt
}

// Campaigner fires the enabled campaigns: each due firing becomes a
// published notice, exactly once, or is recorded missed.
type Campaigner struct {
	Store   CampaignStore
	Library *templates.Library
	// DefaultLanguage is the utility's, for publishing.
	DefaultLanguage string
	// Grace is how late a firing may still be published (the process was
	// down at its time); default 1h.
	Grace time.Duration
	Log   *slog.Logger
}

// Tick handles every campaign's firings due at now and returns the notices
// it published, for the dispatcher to send at once. A campaign whose
// schedule, zone or template is broken is skipped with a log line; the
// others go on.
func (cp *Campaigner) Tick(ctx context.Context, now time.Time) ([]int64, error) {
	grace := cp.Grace
	if grace <= 0 {
		grace = time.Hour
	}
	log := cp.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cs, err := cp.Store.Campaigns(ctx)
	if err != nil {
		return nil, err
	}
	var published []int64
	for _, c := range cs {
		if !c.Enabled {
			continue
		}
		s, err := CampaignSchedule(c)
		if err != nil {
			log.Error("campaign skipped", "campaign", c.Name, "err", err)
			continue
		}
		fam, err := cp.Library.Family(c.Notice.Template)
		if err != nil {
			log.Error("campaign skipped: its template is missing", "campaign", c.Name, "err", err)
			continue
		}
		f := plan(c, s, now, grace)
		for _, m := range f.missed {
			if err := cp.Store.MissRun(ctx, c, m.at, m.note); err != nil {
				return published, err
			}
			log.Warn("campaign firing missed", "campaign", c.Name, "at", m.at, "why", m.note)
		}
		for _, at := range f.publish {
			if why := CheckFiring(c, fam, at).Why(); why != "" {
				why = "not sent: " + why
				if err := cp.Store.MissRun(ctx, c, at, why); err != nil {
					return published, err
				}
				log.Warn("campaign firing missed", "campaign", c.Name, "at", at, "why", why)
				continue
			}
			sum, ok, err := cp.Store.PublishRun(ctx, c, at, fam, cp.DefaultLanguage)
			if err != nil {
				// The firing stays unhandled: the next tick tries again
				// while it is within the grace window.
				log.Error("campaign firing not published", "campaign", c.Name, "at", at, "err", err)
				f.until = at.Add(-time.Nanosecond)
				continue
			}
			if ok {
				published = append(published, sum.NoticeID)
				log.Info("campaign fired", "campaign", c.Name, "at", at, "notice", sum.NoticeID, "queued", sum.Queued())
			}
		}
		if err := cp.Store.CheckedUntil(ctx, c.ID, f.until); err != nil {
			return published, err
		}
	}
	return published, nil
}

// Next returns the earliest firing after now of the enabled campaigns, or
// the zero time when none will fire. A campaign that cannot be read is
// left out (Tick logs it).
func (cp *Campaigner) Next(ctx context.Context, now time.Time) (time.Time, error) {
	cs, err := cp.Store.Campaigns(ctx)
	if err != nil {
		return time.Time{}, err
	}
	var next time.Time
	for _, c := range cs {
		if !c.Enabled {
			continue
		}
		s, err := CampaignSchedule(c)
		if err != nil {
			continue
		}
		if ts := Upcoming(c, s, now, time.Time{}, 1); len(ts) > 0 && (next.IsZero() || ts[0].Before(next)) {
			next = ts[0]
		}
	}
	return next, nil
}

// Upcoming returns campaign c's firings after now (and after the firings
// it has handled: a clock set back does not list them again), within its
// start and end, none after until (zero: no bound), at most limit (0: no
// limit); until or limit must bound the list. A firing at the start
// itself counts, as plan counts it.
func Upcoming(c notices.Campaign, s *Schedule, now, until time.Time, limit int) []time.Time {
	from := now
	if c.CheckedUntil.After(from) {
		from = c.CheckedUntil
	}
	if !c.StartsAt.IsZero() && c.StartsAt.After(from) {
		from = c.StartsAt.Add(-time.Nanosecond)
	}
	var ts []time.Time
	for t := s.Next(from); !t.IsZero(); t = s.Next(t) {
		if !c.EndsAt.IsZero() && t.After(c.EndsAt) || !until.IsZero() && t.After(until) {
			break
		}
		ts = append(ts, t)
		if len(ts) == limit {
			break
		}
	}
	return ts
}
