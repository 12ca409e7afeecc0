package app

import (
	"testing"

	"github.com/crier-notices/crier/notices"
)

// TestCheckCampaign: the console's Check gives what a save would give
// (the next firings with their dates resolved, whom it reaches) or the
// same problems by field, and stores nothing, records nothing.
func TestCheckCampaign(t *testing.T) {
	a, ctx := campaignsTestApp(t)
	saved, err := a.CheckCampaign(ctx, flushing("spring"))
	if err != nil {
		t.Fatal(err)
	}
	firsts := nextFirsts(t, NextFirings)
	if len(saved.Next) != NextFirings || !saved.Next[0].At.Equal(firsts[0]) || len(saved.Next[0].Resolved) != 2 {
		t.Errorf("next firings: %+v; want %d from %v with their dates", saved.Next, NextFirings, firsts[0])
	}
	if saved.Campaign.Name != "spring" || saved.Reach.Channel(notices.Email).Reached != 2 {
		t.Errorf("checked: %+v, reach %+v", saved.Campaign, saved.Reach)
	}
	bad := flushing("spring")
	bad.Schedule = "0 9 31 2 *"
	if _, err := a.CheckCampaign(ctx, bad); problemFields(err) != "cron" {
		t.Errorf("a spec that never fires: %v; want a problem of cron", err)
	}
	if cs, _ := a.Store.Campaigns(ctx); len(cs) != 0 {
		t.Errorf("a check stored %d campaign(s)", len(cs))
	}
	if es, _ := a.Store.AuditLog(ctx, 10, 0); len(es) != 0 {
		t.Errorf("a check was recorded: %+v", es)
	}

	if _, err := a.AddCampaign(ctx, flushing("spring")); err != nil {
		t.Fatal(err)
	}
	spec := "0 9 * * 1"
	saved, err = a.CheckCampaignEdit(ctx, "spring", CampaignEdit{Schedule: &spec})
	if err != nil || len(saved.Next) != NextFirings || saved.Next[0].At.Weekday() != 1 {
		t.Errorf("edit checked: %+v, %v; want Mondays", saved.Next, err)
	}
	if c, _ := a.Store.Campaign(ctx, "spring"); c.Schedule != "0 9 1 * *" {
		t.Errorf("a checked edit was stored: %q", c.Schedule)
	}
	spec = "61 9 * * *"
	if _, err := a.CheckCampaignEdit(ctx, "spring", CampaignEdit{Schedule: &spec}); problemFields(err) != "cron" {
		t.Errorf("a bad edit: %v; want a problem of cron", err)
	}
}
