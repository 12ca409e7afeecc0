package notices

import (
	"context"
	"testing"
	"time"
)

func hydrantCampaign(t testing.TB, s *Store, name string) Campaign {
	t.Helper()
	ctx := context.Background()
	fam, values := hydrant(t)
	_, err := s.CreateCampaign(ctx, Campaign{Name: name, Schedule: "0 9 1 * *", Timezone: "America/New_York",
		Notice: Notice{Template: fam.Name, Values: values, Channels: []Channel{Email, SMS}}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Campaign(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCampaignRunsExactlyOnce(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	advance := clock(s)
	addContacts(t, s, "c", 3)
	fam, _ := hydrant(t)
	c := hydrantCampaign(t, s, "spring flushing")
	if !c.Enabled || !c.CheckedUntil.Equal(s.Now()) || c.Notice.Channels[1] != SMS {
		t.Fatalf("campaign as stored: %+v", c)
	}
	if _, err := s.CreateCampaign(ctx, Campaign{Name: "spring flushing", Schedule: "@daily", Timezone: "UTC", Notice: c.Notice}); ErrorCode(err) != Conflict {
		t.Errorf("a second campaign of the same name: %v; want Conflict", err)
	}

	fired := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	sum, published, err := s.PublishRun(ctx, c, fired, fam, "en")
	if err != nil || !published || sum.Queued() != 6 {
		t.Fatalf("first PublishRun: %+v, %v, %v; want 6 deliveries queued", sum, published, err)
	}
	n, err := s.Notice(ctx, sum.NoticeID)
	if err != nil || n.Status != Sending || n.Template != fam.Name {
		t.Errorf("the run's notice: %+v, %v; want a sending hydrant-flushing notice", n, err)
	}
	if _, ok := n.Values["fired_at"]; ok {
		t.Errorf("fired_at given to a template that does not declare it")
	}
	// The same firing again (a restart, a clock set back): nothing new.
	if _, published, err := s.PublishRun(ctx, c, fired, fam, "en"); err != nil || published {
		t.Errorf("second PublishRun of the same firing: %v, %v; want not published", published, err)
	}
	notices, _ := s.Notices(ctx)
	if len(notices) != 1 {
		t.Errorf("%d notices after publishing one firing twice; want 1", len(notices))
	}

	// A missed firing is recorded once and never published afterwards.
	missed := fired.AddDate(0, 1, 0)
	if err := s.MissRun(ctx, c, missed, "crier was not running; 36h past the 1h grace window"); err != nil {
		t.Fatal(err)
	}
	if _, published, err := s.PublishRun(ctx, c, missed, fam, "en"); err != nil || published {
		t.Errorf("publishing a firing recorded missed: %v, %v; want not published", published, err)
	}
	runs, err := s.Runs(ctx, c.ID)
	if err != nil || len(runs) != 2 || runs[0].Status != RunMissed || runs[0].NoticeID != 0 || runs[1].Status != RunPublished || runs[1].NoticeID != sum.NoticeID {
		t.Errorf("runs: %+v, %v", runs, err)
	}

	// CheckedUntil moves forward only.
	advance(time.Hour)
	later := s.Now().Add(48 * time.Hour)
	if err := s.CheckedUntil(ctx, c.ID, later); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckedUntil(ctx, c.ID, later.Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if c, _ = s.Campaign(ctx, c.Name); !c.CheckedUntil.Equal(later) {
		t.Errorf("checked until %v; want %v (never back)", c.CheckedUntil, later)
	}
}

func TestCampaignRefusals(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	fam, values := hydrant(t)
	good := Notice{Template: fam.Name, Values: values, Channels: []Channel{Email}}
	tests := []struct {
		name string
		c    Campaign
		want Code
	}{
		{"no name", Campaign{Schedule: "@daily", Timezone: "UTC", Notice: good}, Invalid},
		{"no schedule", Campaign{Name: "x", Timezone: "UTC", Notice: good}, Invalid},
		{"no channel", Campaign{Name: "x", Schedule: "@daily", Timezone: "UTC", Notice: Notice{Template: fam.Name}}, Invalid},
		{"a list that does not exist", Campaign{Name: "x", Schedule: "@daily", Timezone: "UTC",
			Notice: Notice{Template: fam.Name, Channels: []Channel{Email}, Audience: Audience{Lists: []string{"nowhere"}}}}, NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.CreateCampaign(ctx, tt.c); ErrorCode(err) != tt.want {
				t.Errorf("CreateCampaign: %v; want %v", err, tt.want)
			}
		})
	}
	if _, err := s.Campaign(ctx, "none"); ErrorCode(err) != NotFound {
		t.Errorf("Campaign of none: %v; want NotFound", err)
	}
}
