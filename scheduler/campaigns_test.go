package scheduler_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
)

// campaignAt creates a hydrant-flushing campaign on the schedule, created
// (so counting its firings from) at the instant created.
func campaignAt(t *testing.T, s *notices.Store, spec, zone string, created time.Time) notices.Campaign {
	t.Helper()
	ctx := context.Background()
	s.Now = func() time.Time { return created }
	fam, err := library(t).Family("hydrant-flushing")
	if err != nil {
		t.Fatal(err)
	}
	// Dates relative to each firing: the examples' fixed April 2026 dates
	// would be past at every firing, which is then missed.
	values := fam.Examples()
	values["start_date"], values["end_date"] = "+0d", "+11d"
	delete(values, "start_date.es")
	delete(values, "end_date.es")
	if _, err := s.CreateCampaign(ctx, notices.Campaign{Name: spec, Schedule: spec, Timezone: zone,
		Notice: notices.Notice{Template: fam.Name, Values: values, Audience: notices.Audience{Lists: []string{"all"}}, Channels: []notices.Channel{notices.Email}}}); err != nil {
		t.Fatal(err)
	}
	c, err := s.Campaign(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// everyMinute is a tick a minute from from to to (UTC), each publishing
// the firing at its minute, if any.
func everyMinute(from, to string, firings ...string) []tick {
	var ts []tick
	for at := utc(from); !at.After(utc(to)); at = at.Add(time.Minute) {
		tk := tick{at: at.Format("2006-01-02 15:04")}
		if slices.Contains(firings, tk.at) {
			tk.published = []string{tk.at}
		}
		ts = append(ts, tk)
	}
	return ts
}

type tick struct {
	at        string   // UTC
	published []string // scheduled times (UTC) of the runs published by this tick
}

// TestCampaignFirings runs the campaigner with an injected clock: firings
// on time are published once, a restart or a clock set back publishes
// nothing again, a firing missed while Crier was down is recorded and
// never sent late, one within the grace window is sent, and of several
// within it only the newest.
func TestCampaignFirings(t *testing.T) {
	tests := []struct {
		name    string
		spec    string
		zone    string
		created string
		ticks   []tick
		missed  []string // scheduled times recorded missed, in the end
	}{
		{
			name: "9:00 on the 1st in New York: 14:00 UTC in winter, 13:00 UTC in summer, once each",
			spec: "0 9 1 * *", zone: "America/New_York", created: "2026-12-20 00:00",
			ticks: []tick{
				{"2027-01-01 13:59", nil},
				{"2027-01-01 14:00", []string{"2027-01-01 14:00"}},
				{"2027-01-01 14:00", nil}, // the same moment again (a restart)
				{"2027-01-01 14:05", nil},
				{"2027-01-01 12:00", nil}, // the clock set back
				{"2027-02-01 14:00", []string{"2027-02-01 14:00"}},
				{"2027-03-01 14:01", []string{"2027-03-01 14:00"}},
				{"2027-04-01 13:00", []string{"2027-04-01 13:00"}},
			},
		},
		{
			name: "down across two firings: the one within the hour's grace is sent, the older recorded missed",
			spec: "0 9,12 * * *", zone: "UTC", created: "2027-05-10 08:00",
			ticks:  []tick{{"2027-05-10 12:30", []string{"2027-05-10 12:00"}}, {"2027-05-10 12:31", nil}},
			missed: []string{"2027-05-10 09:00"},
		},
		{
			// Asked every minute through the night, as crier serve asks.
			name: "02:00 in New York on the spring-forward day fires once, at 03:00 EDT (07:00 UTC)",
			spec: "0 2 * * *", zone: "America/New_York", created: "2027-03-13 12:00",
			ticks: everyMinute("2027-03-14 04:00", "2027-03-14 09:00", "2027-03-14 07:00"),
		},
		{
			name: "02:00 in New York on the fall-back day fires once, at 02:00 EST (07:00 UTC)",
			spec: "0 2 * * *", zone: "America/New_York", created: "2027-11-06 12:00",
			ticks: everyMinute("2027-11-07 04:00", "2027-11-07 09:00", "2027-11-07 07:00"),
		},
		{
			// Asked every minute, as crier serve asks: an @every firing counts
			// from the campaign's creation, not from the last question.
			name: "@every 90m asked every minute fires every 90 minutes from its creation",
			spec: "@every 90m", zone: "UTC", created: "2027-05-10 12:00",
			ticks: everyMinute("2027-05-10 12:01", "2027-05-10 17:00", "2027-05-10 13:30", "2027-05-10 15:00", "2027-05-10 16:30"),
		},
		{
			name: "several within the grace window: only the newest is sent",
			spec: "*/10 * * * *", zone: "UTC", created: "2027-05-10 12:00",
			ticks:  []tick{{"2027-05-10 12:35", []string{"2027-05-10 12:30"}}},
			missed: []string{"2027-05-10 12:10", "2027-05-10 12:20"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s, lib := newStore(t), library(t)
			importContacts(t, s, "all", 3, gen)
			c := campaignAt(t, s, tt.spec, tt.zone, utc(tt.created))
			cp := &scheduler.Campaigner{Store: s, Library: lib, DefaultLanguage: "en", Grace: time.Hour}
			seen := map[int64]bool{}
			for _, tk := range tt.ticks {
				now := utc(tk.at)
				s.Now = func() time.Time { return now }
				ids, err := cp.Tick(ctx, now)
				if err != nil {
					t.Fatalf("tick at %s: %v", tk.at, err)
				}
				if len(ids) != len(tk.published) {
					t.Fatalf("tick at %s published %d notices; want %d (%v)", tk.at, len(ids), len(tk.published), tk.published)
				}
				for _, id := range ids {
					if seen[id] {
						t.Errorf("notice %d published twice", id)
					}
					seen[id] = true
				}
			}
			runs, err := s.Runs(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			var published, missed []string
			for _, r := range runs {
				at := r.ScheduledAt.UTC().Format("2006-01-02 15:04")
				switch r.Status {
				case notices.RunPublished:
					published = append([]string{at}, published...)
				case notices.RunMissed:
					missed = append([]string{at}, missed...)
					if r.Note == "" {
						t.Errorf("missed run at %s says nothing of why", at)
					}
				}
			}
			var want []string
			for _, tk := range tt.ticks {
				want = append(want, tk.published...)
			}
			if strings.Join(published, ",") != strings.Join(want, ",") {
				t.Errorf("published runs %v; want %v", published, want)
			}
			if strings.Join(missed, ",") != strings.Join(tt.missed, ",") {
				t.Errorf("missed runs %v; want %v", missed, tt.missed)
			}
		})
	}
}

// TestPausedCampaignSkipsItsFirings: a firing that falls while the
// campaign is paused is not sent when it is resumed, even within the
// grace window; the next one is.
func TestPausedCampaignSkipsItsFirings(t *testing.T) {
	ctx := context.Background()
	s, lib := newStore(t), library(t)
	importContacts(t, s, "all", 3, gen)
	c := campaignAt(t, s, "0 * * * *", "UTC", utc("2027-05-10 12:00"))
	cp := &scheduler.Campaigner{Store: s, Library: lib, DefaultLanguage: "en", Grace: time.Hour}
	at := func(when string) []int64 {
		t.Helper()
		now := utc(when)
		s.Now = func() time.Time { return now }
		ids, err := cp.Tick(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	if ids := at("2027-05-10 12:30"); len(ids) != 0 {
		t.Fatalf("published %v before the first firing", ids)
	}
	if _, err := s.SetCampaignEnabled(ctx, c.Name, false); err != nil {
		t.Fatal(err)
	}
	if ids := at("2027-05-10 13:00"); len(ids) != 0 {
		t.Errorf("a paused campaign published %v at 13:00", ids)
	}
	s.Now = func() time.Time { return utc("2027-05-10 13:10") }
	if _, err := s.SetCampaignEnabled(ctx, c.Name, true); err != nil {
		t.Fatal(err)
	}
	if ids := at("2027-05-10 13:11"); len(ids) != 0 {
		t.Errorf("resumed at 13:10, the campaign published %v: the 13:00 firing, skipped while paused", ids)
	}
	if ids := at("2027-05-10 14:00"); len(ids) != 1 {
		t.Errorf("at 14:00 the resumed campaign published %v; want its 14:00 firing", ids)
	}
}
