package web

import (
	"net/http"
	"time"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/notices"
)

// apiCampaignView is a campaign as the API shows it.
type apiCampaignView struct {
	Name          string            `json:"name"`
	Template      string            `json:"template"`
	Schedule      string            `json:"schedule"`       // the cron spec
	ScheduleWords string            `json:"schedule_words"` // the spec in words
	Timezone      string            `json:"timezone"`
	Enabled       bool              `json:"enabled"`
	StartsAt      *time.Time        `json:"starts_at,omitempty"`
	EndsAt        *time.Time        `json:"ends_at,omitempty"`
	Channels      []notices.Channel `json:"channels"`
	Languages     []string          `json:"languages"`
	Audience      apiAudience       `json:"audience"`
	Urgency       notices.Urgency   `json:"urgency"`
	Values        map[string]string `json:"values"`
	NextFirings   []apiFiring       `json:"next_firings"`
	// Problem says why its firings cannot be sent (its template is gone);
	// "" when they can.
	Problem string `json:"problem,omitempty"`
}

// apiFiring is one firing to come.
type apiFiring struct {
	At     time.Time         `json:"at"`
	Values map[string]string `json:"values,omitempty"` // what its relative dates become
	// NotSent says why this firing would not be sent (recorded missed);
	// "" when it would.
	NotSent string `json:"not_sent,omitempty"`
}

// apiCampaigns answers GET /api/v1/campaigns: every campaign with its
// next five firings.
func (s *Server) apiCampaigns(w http.ResponseWriter, r *http.Request) {
	a := s.cfg.App
	cs, err := a.Store.Campaigns(r.Context())
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	out := struct {
		Campaigns []apiCampaignView `json:"campaigns"`
	}{Campaigns: []apiCampaignView{}}
	for _, c := range cs {
		v := s.apiCampaignOf(c)
		fs, err := a.Firings(r.Context(), c, app.NextFirings)
		if err != nil {
			v.Problem = err.Error()
		}
		for _, f := range fs {
			af := apiFiring{At: f.At.UTC(), NotSent: f.Why}
			for _, fv := range f.Resolved {
				if af.Values == nil {
					af.Values = map[string]string{}
				}
				af.Values[fv.Field] = fv.Value
			}
			v.NextFirings = append(v.NextFirings, af)
		}
		out.Campaigns = append(out.Campaigns, v)
	}
	writeJSON(w, http.StatusOK, out)
}

// apiCampaignOf is c as the API shows it, without its firings.
func (s *Server) apiCampaignOf(c notices.Campaign) apiCampaignView {
	n := c.Notice
	v := apiCampaignView{Name: c.Name, Template: n.Template, Schedule: c.Schedule, ScheduleWords: app.CronWords(c.Schedule),
		Timezone: c.Timezone, Enabled: c.Enabled, StartsAt: optTime(c.StartsAt), EndsAt: optTime(c.EndsAt),
		Channels: n.Channels, Languages: n.Languages, Audience: audienceView(n.Audience), Urgency: n.Urgency,
		Values: n.Values, NextFirings: []apiFiring{}}
	if v.Languages == nil {
		v.Languages = []string{}
	}
	if v.Values == nil {
		v.Values = map[string]string{}
	}
	return v
}
