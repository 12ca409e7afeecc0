package web

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// The campaign form: create and edit, each with a Check that shows the
// schedule in words and the next firings (their relative dates resolved)
// before anything is saved.

// campaignForm is the campaign form page's data.
type campaignForm struct {
	Editing   string // the name of the campaign edited; "" for a new one
	Action    string // where the form posts
	Groups    []libraryGroup
	Template  *templates.Template // chosen; nil: the template chooser
	Settings  []formInput         // name, cron, zone, starts, ends
	Channels  checkGroup
	Languages checkGroup
	Urgency   formInput
	Lists     checkGroup
	Filters   []formInput // zones, streets, tags
	All       formInput
	Values    []formInput
	Errors    fieldErrors
	Checked   *campaignCheck
}

// campaignCheck is what the Check step found: the campaign as it will
// fire.
type campaignCheck struct {
	Spec, Words, Zone string
	Next              []firingRow
	Contacts          int
	Reach             []notices.ChannelCount
	Warnings          []string
}

// campaignInput is what the form says, read into the use case's request.
type campaignInput struct {
	req      app.CampaignRequest
	template *templates.Family
}

// newCampaignForm shows the template chooser, or with ?template= the
// form of that template's fields.
func (s *Server) newCampaignForm(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("template")
	if name == "" {
		s.renderCampaignForm(w, r, http.StatusOK, campaignForm{Action: "/console/campaigns/new", Groups: libraryGroups(s.cfg.Library), Errors: fieldErrors{}})
		return
	}
	fam, err := s.cfg.Library.Family(name)
	if err != nil {
		s.renderCampaignForm(w, r, http.StatusNotFound, campaignForm{Action: "/console/campaigns/new", Groups: libraryGroups(s.cfg.Library),
			Errors: fieldErrors{"template": err.Error()}})
		return
	}
	req := app.CampaignRequest{Template: fam.Name, Timezone: s.campaignZone(), Channels: []notices.Channel{notices.Email}}
	s.showCampaign(w, r, http.StatusOK, "", campaignInput{req, fam}, fieldErrors{}, nil)
}

// newCampaign checks the form's campaign (action=check) or adds it.
func (s *Server) newCampaign(w http.ResponseWriter, r *http.Request) {
	in, ok := s.readCampaign(w, r, "")
	if !ok {
		return
	}
	if r.FormValue("action") == "check" {
		saved, err := s.cfg.App.CheckCampaign(r.Context(), in.req)
		s.showChecked(w, r, "", in, saved, err)
		return
	}
	saved, err := s.cfg.App.AddCampaign(r.Context(), in.req)
	if err != nil {
		s.showCampaign(w, r, statusOf(err), "", in, errorsOf(err), nil)
		return
	}
	s.seeOther(w, r, "/console/campaigns", fmt.Sprintf("Campaign %s added; it fires next %s.", saved.Campaign.Name, nextLine(saved)))
}

// editCampaignForm shows the form of a campaign as stored.
func (s *Server) editCampaignForm(w http.ResponseWriter, r *http.Request) {
	c, err := s.cfg.Store.Campaign(r.Context(), r.PathValue("name"))
	if err != nil {
		s.fail(w, r, statusOf(err))
		return
	}
	fam, err := s.cfg.Library.Family(c.Notice.Template)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	loc := campaignLocation(c.Timezone)
	req := app.CampaignRequest{Name: c.Name, Template: fam.Name, Values: c.Notice.Values, Languages: c.Notice.Languages,
		Channels: c.Notice.Channels, Audience: c.Notice.Audience, Urgency: c.Notice.Urgency, Schedule: c.Schedule,
		Timezone: c.Timezone, Starts: formTime(c.StartsAt, loc), Ends: formTime(c.EndsAt, loc)}
	req.All = audienceEmpty(req.Audience)
	s.showCampaign(w, r, http.StatusOK, c.Name, campaignInput{req, fam}, fieldErrors{}, nil)
}

// editCampaign checks the changed campaign (action=check) or saves it.
func (s *Server) editCampaign(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	in, ok := s.readCampaign(w, r, name)
	if !ok {
		return
	}
	// An edit's empty audience is every contact: the form says so only
	// when "every contact" is ticked, as when adding.
	if in.req.All != audienceEmpty(in.req.Audience) {
		s.showCampaign(w, r, http.StatusUnprocessableEntity, name, in, fieldErrors{"audience": "Name the audience: tick a list or give a filter, or tick every contact (not both)."}, nil)
		return
	}
	edit := campaignEdit(in.req, name)
	if r.FormValue("action") == "check" {
		saved, err := s.cfg.App.CheckCampaignEdit(r.Context(), name, edit)
		s.showChecked(w, r, name, in, saved, err)
		return
	}
	saved, err := s.cfg.App.EditCampaign(r.Context(), name, edit)
	if err != nil {
		s.showCampaign(w, r, statusOf(err), name, in, errorsOf(err), nil)
		return
	}
	s.seeOther(w, r, "/console/campaigns", fmt.Sprintf("Campaign %s changed; it fires next %s.", saved.Campaign.Name, nextLine(saved)))
}

// campaignEdit is the edit that makes campaign name what req says: every
// setting given anew.
func campaignEdit(req app.CampaignRequest, name string) app.CampaignEdit {
	e := app.CampaignEdit{Template: &req.Template, Values: req.Values, Replace: true, Languages: &req.Languages,
		Channels: &req.Channels, Audience: &req.Audience, Schedule: &req.Schedule,
		Timezone: &req.Timezone, Starts: &req.Starts, Ends: &req.Ends}
	if req.Urgency != "" { // "": as it is
		e.Urgency = &req.Urgency
	}
	if req.Name != name {
		e.Rename = req.Name
	}
	return e
}

// showChecked shows the form again with what the Check found, or its
// errors beside their fields.
func (s *Server) showChecked(w http.ResponseWriter, r *http.Request, editing string, in campaignInput, saved app.CampaignSaved, err error) {
	if err != nil {
		s.showCampaign(w, r, statusOf(err), editing, in, errorsOf(err), nil)
		return
	}
	c := saved.Campaign
	ch := &campaignCheck{Spec: c.Schedule, Words: app.CronWords(c.Schedule), Zone: c.Timezone,
		Next: firingRows(saved.Next, c.Timezone), Contacts: saved.Reach.Contacts, Warnings: saved.Warnings}
	for _, chn := range c.Notice.Channels {
		ch.Reach = append(ch.Reach, saved.Reach.Channel(chn))
	}
	s.showCampaign(w, r, http.StatusOK, editing, in, fieldErrors{}, ch)
}

// readCampaign reads the posted form into a campaign request; a template
// that is not in the library sends back to the chooser.
func (s *Server) readCampaign(w http.ResponseWriter, r *http.Request, editing string) (campaignInput, bool) {
	fam, err := s.cfg.Library.Family(trimmed(r, "template"))
	if err != nil {
		action := "/console/campaigns/new"
		if editing != "" {
			action = "/console/campaigns/" + url.PathEscape(editing) + "/edit"
		}
		s.renderCampaignForm(w, r, http.StatusUnprocessableEntity, campaignForm{Editing: editing, Action: action,
			Groups: libraryGroups(s.cfg.Library), Errors: fieldErrors{"template": err.Error()}})
		return campaignInput{}, false
	}
	req := app.CampaignRequest{Name: trimmed(r, "name"), Template: fam.Name, Values: templates.Values{},
		Languages: r.Form["languages"], Urgency: notices.Urgency(trimmed(r, "urgency")), Schedule: trimmed(r, "cron"),
		Timezone: trimmed(r, "zone"), Starts: trimmed(r, "starts"), Ends: trimmed(r, "ends"), All: r.FormValue("all") != ""}
	for _, f := range fam.Original.Fields {
		if v := strings.TrimSpace(r.FormValue("values." + f.Name)); v != "" {
			req.Values[f.Name] = v
		}
	}
	for _, ch := range r.Form["channels"] {
		req.Channels = append(req.Channels, notices.Channel(ch))
	}
	req.Audience = notices.Audience{Lists: r.Form["lists"], Zones: commaList(r.FormValue("zones")),
		Streets: commaList(r.FormValue("streets")), Tags: commaList(r.FormValue("tags"))}
	return campaignInput{req, fam}, true
}

// commaList splits a comma list, without empty items.
func commaList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// showCampaign shows the form of campaign in, with errs beside their
// fields and, after a Check, what it found.
func (s *Server) showCampaign(w http.ResponseWriter, r *http.Request, status int, editing string, in campaignInput, errs fieldErrors, checked *campaignCheck) {
	req, fam := in.req, in.template
	f := campaignForm{Editing: editing, Action: "/console/campaigns/new", Template: fam.Original, Errors: errs, Checked: checked}
	if editing != "" {
		f.Action = "/console/campaigns/" + url.PathEscape(editing) + "/edit"
	}
	f.Settings = []formInput{
		{Name: "name", Label: "Name", Kind: "text", Value: req.Name, Required: true, Error: errs["name"], MaxLength: 100,
			Help: "How the campaign is known, such as spring-flushing."},
		{Name: "cron", Label: "Schedule (cron)", Kind: "text", Value: req.Schedule, Required: true, Error: errs["cron"],
			Help: "minute hour day-of-month month day-of-week, such as 0 9 1 * * (9:00 on the 1st of each month); or @daily, @weekly, @monthly, @every 90m. Check shows it in words with its next firings."},
		{Name: "zone", Label: "Time zone", Kind: "text", Value: req.Timezone, Error: errs["zone"],
			Help: "The schedule is read in this zone, an IANA name such as America/Chicago."},
		{Name: "starts", Label: "Starts", Kind: "text", Value: req.Starts, Error: errs["starts"],
			Help: "Optional: no firing before this time, YYYY-MM-DD HH:MM in the campaign's zone."},
		{Name: "ends", Label: "Ends", Kind: "text", Value: req.Ends, Error: errs["ends"],
			Help: "Optional: no firing after this time, YYYY-MM-DD HH:MM in the campaign's zone."},
	}
	chs := make([]string, len(req.Channels))
	for i, ch := range req.Channels {
		chs[i] = string(ch)
	}
	f.Channels = newCheckGroup("channels", "Channels", "", []string{"email", "sms", "print"}, []string{"Email", "Text message (SMS)", "Print (letters and the flyer)"}, chs, errs)
	langs := fam.Languages()
	f.Languages = newCheckGroup("languages", "Languages", "None ticked: every language of the template.", langs, langs, req.Languages, errs)
	f.Urgency = formInput{Name: "urgency", Label: "Urgency", Kind: "select", Error: errs["urgency"],
		Options: []formOption{{"", "as the template's category says", req.Urgency == ""}, {"normal", "normal", req.Urgency == notices.Normal}, {"emergency", "emergency (texts go even in quiet hours)", req.Urgency == notices.Emergency}}}
	lists, err := s.cfg.Store.Lists(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	names := make([]string, len(lists))
	for i, l := range lists {
		names[i] = l.Name
	}
	f.Lists = newCheckGroup("lists", "Lists", "A contact on any list ticked.", names, names, req.Audience.Lists, fieldErrors{})
	f.Filters = []formInput{
		{Name: "zones", Label: "Zones", Kind: "text", Value: strings.Join(req.Audience.Zones, ", "), Help: "Comma list: a contact in any of them."},
		{Name: "streets", Label: "Streets", Kind: "text", Value: strings.Join(req.Audience.Streets, ", "), Help: "Comma list: the service address contains one of them."},
		{Name: "tags", Label: "Tags", Kind: "text", Value: strings.Join(req.Audience.Tags, ", "), Help: "Comma list: a contact with any of them."},
	}
	f.All = formInput{Name: "all", Label: "Every contact (no list or filter)", Kind: "checkbox", Value: "1", Checked: req.All, Error: errs["audience"]}
	f.Values = templateInputs(fam.Original, req.Values, errs, true)
	f.Errors = placed(errs, f)
	s.renderCampaignForm(w, r, status, f)
}

func (s *Server) renderCampaignForm(w http.ResponseWriter, r *http.Request, status int, f campaignForm) {
	title := "New campaign"
	if f.Editing != "" {
		title = "Edit campaign " + f.Editing
	}
	s.consolePage(w, r, status, "campaign_form", ConsolePage{Title: title, Section: "campaigns", Data: f})
}

// campaignZone is the zone a new campaign's schedule is read in.
func (s *Server) campaignZone() string {
	if s.cfg.App.CampaignZone != "" {
		return s.cfg.App.CampaignZone
	}
	return s.zone().String()
}

// campaignLocation loads a campaign's zone; UTC when it does not load.
func campaignLocation(zone string) *time.Location {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// formTime writes t for the form's start and end: "" for none.
func formTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

// audienceEmpty reports whether a names no list or filter: every contact.
func audienceEmpty(a notices.Audience) bool {
	return len(a.Lists)+len(a.Zones)+len(a.Tags)+len(a.AllTags)+len(a.Languages)+len(a.Streets)+len(a.Attributes)+len(a.Has) == 0
}

// nextLine says a saved campaign's next firing, in its zone.
func nextLine(saved app.CampaignSaved) string {
	if len(saved.Next) == 0 {
		return "never (it has ended)"
	}
	when, _ := showFiring(saved.Next[0].At, campaignLocation(saved.Campaign.Timezone))
	return when
}

// placed returns errs with the errors of fields the form does not show
// (the values as a whole, a template) moved to the form's own error, so
// that none goes unseen.
func placed(errs fieldErrors, f campaignForm) fieldErrors {
	shown := map[string]bool{"": true, "channels": true, "languages": true, "urgency": true, "audience": true}
	for _, in := range append(append([]formInput{}, f.Settings...), f.Values...) {
		shown[in.Name] = true
	}
	out := fieldErrors{}
	for _, k := range slices.Sorted(maps.Keys(errs)) {
		v := errs[k]
		if shown[k] {
			out.add(k, v)
		} else {
			out.add("", v)
		}
	}
	return out
}
