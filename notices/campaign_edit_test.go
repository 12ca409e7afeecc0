package notices

import (
	"context"
	"testing"
	"time"
)

// TestCampaignPauseResume holds SetCampaignEnabled on both engines: a
// pause stops the campaign, a second pause changes nothing, a resume
// counts firings from now (the paused stretch is not replayed), and an
// unknown name is NotFound.
func TestCampaignPauseResume(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	advance := clock(s)
	c := hydrantCampaign(t, s, "spring flushing")
	created := c.CheckedUntil

	steps := []struct {
		name        string
		enabled     bool
		wantChanged bool
	}{
		{"pause", false, true},
		{"pause again", false, false},
		{"resume a day later", true, true},
		{"resume again", true, false},
	}
	for _, st := range steps {
		advance(24 * time.Hour)
		changed, err := s.SetCampaignEnabled(ctx, c.Name, st.enabled)
		if err != nil || changed != st.wantChanged {
			t.Fatalf("%s: changed %v, %v; want %v", st.name, changed, err, st.wantChanged)
		}
		got, err := s.Campaign(ctx, c.Name)
		if err != nil {
			t.Fatal(err)
		}
		if got.Enabled != st.enabled {
			t.Errorf("%s: enabled %v; want %v", st.name, got.Enabled, st.enabled)
		}
		if st.name == "pause" && !got.CheckedUntil.Equal(created) {
			t.Errorf("%s: checked until %v; want %v (a pause does not move it)", st.name, got.CheckedUntil, created)
		}
		if st.name == "resume a day later" && !got.CheckedUntil.Equal(s.Now()) {
			t.Errorf("%s: checked until %v; want now %v (the paused days are not sent late)", st.name, got.CheckedUntil, s.Now())
		}
	}
	if _, err := s.SetCampaignEnabled(ctx, "none", true); ErrorCode(err) != NotFound {
		t.Errorf("SetCampaignEnabled of none: %v; want NotFound", err)
	}
}

// TestUpdateCampaign holds UpdateCampaign on both engines: a new schedule
// counts firings from now, an edit of anything else keeps where the
// campaign was checked, a taken name is Conflict, an unknown id NotFound.
func TestUpdateCampaign(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	advance := clock(s)
	c := hydrantCampaign(t, s, "spring flushing")
	hydrantCampaign(t, s, "fall flushing")
	ahead := s.Now().Add(72 * time.Hour)
	if err := s.CheckedUntil(ctx, c.ID, ahead); err != nil {
		t.Fatal(err)
	}

	advance(time.Hour)
	c.Name = "spring hydrant flushing"
	c.Notice.Channels = []Channel{Email}
	if err := s.UpdateCampaign(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := s.Campaign(ctx, "spring hydrant flushing")
	if err != nil || len(got.Notice.Channels) != 1 || !got.CheckedUntil.Equal(ahead) || !got.UpdatedAt.Equal(s.Now()) {
		t.Errorf("after renaming: %+v, %v; want email only, checked until %v", got, err, ahead)
	}

	// A new schedule: checked until stays ahead when it is ahead of now...
	c.Schedule = "0 8 1 * *"
	if err := s.UpdateCampaign(ctx, c); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.Campaign(ctx, c.Name); got.Schedule != "0 8 1 * *" || !got.CheckedUntil.Equal(ahead) {
		t.Errorf("new schedule before checked until: %q, %v; want %v", got.Schedule, got.CheckedUntil, ahead)
	}
	// ...and moves to now when it was behind: the old schedule's past is not replayed.
	advance(7 * 24 * time.Hour)
	c.Timezone = "America/Chicago"
	if err := s.UpdateCampaign(ctx, c); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.Campaign(ctx, c.Name); got.Timezone != "America/Chicago" || !got.CheckedUntil.Equal(s.Now()) {
		t.Errorf("new zone a week later: %q, %v; want checked until now %v", got.Timezone, got.CheckedUntil, s.Now())
	}

	taken := c
	taken.Name = "fall flushing"
	if err := s.UpdateCampaign(ctx, taken); ErrorCode(err) != Conflict {
		t.Errorf("renaming to a taken name: %v; want Conflict", err)
	}
	gone := c
	gone.ID = 9999
	gone.Name = "gone"
	if err := s.UpdateCampaign(ctx, gone); ErrorCode(err) != NotFound {
		t.Errorf("updating an unknown id: %v; want NotFound", err)
	}
}
