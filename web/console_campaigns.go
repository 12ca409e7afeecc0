package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/notices"
)

// The campaigns pages: the list with each campaign's next firings;
// create and edit (console_campaign_form.go); pause, resume, delete.

// campaignFiringsShown is how many next firings the list shows of a campaign.
const campaignFiringsShown = 5

// campaignsView is the campaigns page's data.
type campaignsView struct {
	Campaigns []campaignRow
	Zone      string
}

// campaignRow is one campaign of the list.
type campaignRow struct {
	notices.Campaign
	Words    string // the schedule in words
	Channels string
	Next     []firingRow
	Problem  string // why it cannot fire, or why its firings show without values
}

// firingRow is one firing to come: its time in the campaign's zone, what
// its relative dates become, and why it would not be sent.
type firingRow struct {
	When     string
	UTC      string
	Resolved string // "due_date: January 15, 2027"
	Why      string
}

func (s *Server) campaignsPage(w http.ResponseWriter, r *http.Request) {
	cs, err := s.cfg.Store.Campaigns(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	v := campaignsView{Zone: s.zone().String()}
	for _, c := range cs {
		v.Campaigns = append(v.Campaigns, s.campaignRow(r, c))
	}
	s.consolePage(w, r, http.StatusOK, "campaigns", ConsolePage{Title: "Campaigns", Section: "campaigns", Flash: s.doneLine(r), Data: v})
}

// campaignRow reads what the list shows of campaign c.
func (s *Server) campaignRow(r *http.Request, c notices.Campaign) campaignRow {
	row := campaignRow{Campaign: c, Words: app.CronWords(c.Schedule)}
	chs := make([]string, len(c.Notice.Channels))
	for i, ch := range c.Notice.Channels {
		chs[i] = string(ch)
	}
	row.Channels = strings.Join(chs, ", ")
	row.Next, row.Problem = s.campaignFirings(r, c, campaignFiringsShown)
	return row
}

// showFiring writes firing t in loc and in UTC.
func showFiring(t time.Time, loc *time.Location) (string, string) {
	return t.In(loc).Format("Mon 2006-01-02 15:04 MST"), t.UTC().Format("2006-01-02 15:04 UTC")
}

// campaignFirings is campaign c's next n firings, with the values each gives
// its relative dates; problem says why there are none or why they come
// without values.
func (s *Server) campaignFirings(r *http.Request, c notices.Campaign, n int) ([]firingRow, string) {
	fs, err := s.cfg.App.Firings(r.Context(), c, n)
	rows := firingRows(fs, c.Timezone)
	if err != nil {
		return rows, err.Error()
	}
	return rows, ""
}

// firingRows shows firings in zone (the campaign's).
func firingRows(fs []app.Firing, zone string) []firingRow {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		loc = time.UTC
	}
	rows := make([]firingRow, len(fs))
	for i, f := range fs {
		rows[i].When, rows[i].UTC = showFiring(f.At, loc)
		rows[i].Why = f.Why
		pairs := make([]string, len(f.Resolved))
		for k, v := range f.Resolved {
			pairs[k] = v.Field + ": " + v.Value
		}
		rows[i].Resolved = strings.Join(pairs, ", ")
	}
	return rows
}

func (s *Server) campaignRoutes() []consoleRoute {
	return []consoleRoute{
		{"GET /console/campaigns", notices.RoleViewer, s.campaignsPage},
		{"GET /console/campaigns/new", notices.RoleCoordinator, s.newCampaignForm},
		{"POST /console/campaigns/new", notices.RoleCoordinator, s.newCampaign},
		{"GET /console/campaigns/{name}/edit", notices.RoleCoordinator, s.editCampaignForm},
		{"POST /console/campaigns/{name}/edit", notices.RoleCoordinator, s.editCampaign},
		{"POST /console/campaigns/{name}/pause", notices.RoleCoordinator, s.pauseCampaign},
		{"POST /console/campaigns/{name}/resume", notices.RoleCoordinator, s.resumeCampaign},
		{"GET /console/campaigns/{name}/delete", notices.RoleCoordinator, s.deleteCampaignForm},
		{"POST /console/campaigns/{name}/delete", notices.RoleCoordinator, s.deleteCampaign},
	}
}

// pauseCampaign stops a campaign firing until resumed.
func (s *Server) pauseCampaign(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	changed, err := s.cfg.App.PauseCampaign(r.Context(), name)
	if err != nil {
		s.fail(w, r, statusOf(err))
		return
	}
	done := "Campaign " + name + " paused: it does not fire until resumed."
	if !changed {
		done = "Campaign " + name + " was paused already."
	}
	s.seeOther(w, r, "/console/campaigns", done)
}

// resumeCampaign lets a paused campaign fire again, from now.
func (s *Server) resumeCampaign(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	res, err := s.cfg.App.ResumeCampaign(r.Context(), name)
	if err != nil && !res.Changed {
		s.fail(w, r, statusOf(err))
		return
	}
	done := "Campaign " + name + " resumed: its firings count from now; those skipped while paused are not sent late."
	switch {
	case !res.Changed:
		done = "Campaign " + name + " was not paused."
	case err != nil:
		done = "Campaign " + name + " resumed, but it cannot fire: " + err.Error()
	}
	s.seeOther(w, r, "/console/campaigns", done)
}

// deleteCampaignForm asks to confirm a campaign's deletion.
func (s *Server) deleteCampaignForm(w http.ResponseWriter, r *http.Request) {
	c, err := s.cfg.Store.Campaign(r.Context(), r.PathValue("name"))
	if err != nil {
		s.fail(w, r, statusOf(err))
		return
	}
	s.consolePage(w, r, http.StatusOK, "campaign_delete", ConsolePage{Title: "Delete campaign " + c.Name, Section: "campaigns", Data: c})
}

// deleteCampaign deletes a campaign and its record of runs; the notices
// it published stay.
func (s *Server) deleteCampaign(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if err := s.cfg.App.DeleteCampaign(r.Context(), name); err != nil {
		s.fail(w, r, statusOf(err))
		return
	}
	s.seeOther(w, r, "/console/campaigns", "Campaign "+name+" deleted; the notices it published stay.")
}
