package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// TestAPICampaigns: the campaigns come with their schedule in words and
// their next five firings, each with what its relative dates become.
func TestAPICampaigns(t *testing.T) {
	a := newAPIServer(t, nil)
	importContacts(t, a.store)
	ctx := app.WithActor(context.Background(), app.Actor{Name: "ana", Role: notices.RoleCoordinator, Via: "console"})
	_, err := a.srv.cfg.App.AddCampaign(ctx, app.CampaignRequest{Name: "spring-flushing", Template: "hydrant-flushing",
		Schedule: "0 9 1 * *", Timezone: "America/New_York", Audience: notices.Audience{Lists: []string{"zone4"}},
		Channels: []notices.Channel{notices.Email}, Values: templates.Values{"area": "Oak Hill", "start_date": "+7d",
			"end_date": "+14d", "start_time": "8:00 AM", "end_time": "4:00 PM", "days": "weekdays"}})
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Campaigns []apiCampaignView `json:"campaigns"`
	}
	resp := a.clients[notices.RoleViewer].do("GET", "/api/v1/campaigns", "")
	if resp.Status != http.StatusOK {
		t.Fatalf("status %d: %s", resp.Status, resp.Body)
	}
	resp.decode(t, &out)
	if len(out.Campaigns) != 1 {
		t.Fatalf("%d campaigns, want 1", len(out.Campaigns))
	}
	c := out.Campaigns[0]
	if c.Name != "spring-flushing" || !c.Enabled || c.ScheduleWords == "" || c.Audience.Lists[0] != "zone4" || len(c.NextFirings) != 5 {
		t.Fatalf("campaign %+v", c)
	}
	ny, _ := time.LoadLocation("America/New_York")
	for i, f := range c.NextFirings {
		local := f.At.In(ny)
		if local.Day() != 1 || local.Hour() != 9 || (i > 0 && !f.At.After(c.NextFirings[i-1].At)) {
			t.Errorf("firing %d at %s, want the 1st at 9:00 in New York, in order", i, local)
		}
		// +7d becomes the firing's date a week on, as a date in words.
		if got := f.Values["start_date"]; got == "" || got == "+7d" || !strings.Contains(got, local.AddDate(0, 0, 7).Month().String()) {
			t.Errorf("firing %d on %s: start_date %q", i, local.Format("2006-01-02"), got)
		}
	}
}
