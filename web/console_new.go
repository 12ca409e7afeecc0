package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// templateChoice is one template on the chooser.
type templateChoice struct {
	Name, Title, Description, Href, Languages string
	Tier                                      int
}

// categoryGroup is the chooser's templates of one category.
type categoryGroup struct {
	Category, Heading string
	Templates         []templateChoice
}

// categoryHeadings name the chooser's groups, most urgent first.
var categoryHeadings = []struct {
	cat     templates.Category
	heading string
}{
	{templates.Emergency, "Emergencies"},
	{templates.Service, "Service"},
	{templates.Information, "Information"},
}

// newNoticeChooser answers GET /console/notices/new: the templates,
// grouped by category, each with its Public Notification Rule tier.
func (s *Server) newNoticeChooser(w http.ResponseWriter, r *http.Request) {
	var groups []categoryGroup
	for _, c := range categoryHeadings {
		g := categoryGroup{Category: string(c.cat), Heading: c.heading}
		for _, name := range s.cfg.Library.Names() {
			fam, err := s.cfg.Library.Family(name)
			if err != nil || fam.Original.Category != c.cat {
				continue
			}
			g.Templates = append(g.Templates, templateChoice{Name: name, Title: fam.Original.Title, Description: fam.Original.Description,
				Href: "/console/notices/new/" + url.PathEscape(name), Tier: fam.Original.Tier, Languages: strings.Join(fam.Languages(), ", ")})
		}
		if len(g.Templates) > 0 {
			groups = append(groups, g)
		}
	}
	s.consolePage(w, r, http.StatusOK, "new", ConsolePage{Title: "New notice", Section: "new", Flash: s.doneLine(r), Data: groups})
}

// formField is one input of the generated form.
type formField struct {
	Name, ID, Label, Help, Example string
	Input                          string // the input's type: text, date, time, datetime-local, tel, url; "textarea" or "select"
	InputMode                      string
	Required                       bool
	Value                          string
	Options                        []string
	MaxLength                      int
	Error                          string
}

// choice is one checkbox or option.
type formChoice struct {
	Value, Label string
	Checked      bool
}

// noticeForm is what console/form.html shows: a template's fields and
// the notice's settings, with the problems beside their inputs.
type noticeForm struct {
	Template, Title, Description, Category string
	Tier                                   int
	Action, SMSAction                      string
	DraftID                                int64
	Fields                                 []formField
	Languages, Channels, Lists, Urgencies  []formChoice
	At                                     string
	Zones, Streets, Tags, AudienceLangs    string
	All                                    bool
	Errors                                 map[string]string // by input name: languages, channels, urgency, at, audience
	Problems                               []app.Problem     // every problem
	Summary                                []problemLink     // the problems at the top, each leading to its input
	SMS                                    []smsView
}

// problemLink is a problem in the summary above the form.
type problemLink struct{ Label, Message, Href string }

// smsView is a text message's figures.
type smsView struct {
	Lang, Text, Encoding, Forced, Problem string
	Chars, Units, Segments, MaxSegments   int
}

// renderingView is a notice's rendering in one language as the console
// shows it: the email's HTML (in a sandboxed frame) and text, the SMS.
type renderingView struct {
	Lang, LangName, Title, Subject, EmailHref, EmailText string
	SMS                                                  smsView
}

// renderingViewOf shows rendering rr, its email HTML at emailHref.
func renderingViewOf(rr *templates.Rendering, emailHref string) renderingView {
	return renderingView{Lang: rr.Lang, LangName: rr.LanguageName(), Title: rr.Title, Subject: rr.Subject,
		EmailHref: emailHref, EmailText: rr.EmailText(), SMS: smsViewOf(rr.Lang, rr.SMS, rr.Template.SMSMaxSegments)}
}

// smsViewOf gives the figures of sms in lang.
func smsViewOf(lang string, sms templates.SMS, max int) smsView {
	v := smsView{Lang: lang, Text: sms.Text, Encoding: string(sms.Encoding), Chars: utf8.RuneCountInString(sms.Text),
		Units: sms.Units, Segments: sms.Segments, Forced: strings.Join(sms.ForcedUCS2, " "), MaxSegments: max}
	if v.MaxSegments <= 0 {
		v.MaxSegments = 3
	}
	if err := sms.Check(max); err != nil {
		v.Problem = err.Error()
	}
	return v
}

// inputOf is the HTML input for a field of type t holding value v: the
// browser's date and time pickers where v is empty or in their form, a
// text input for a value written otherwise (a draft's "November 28").
func inputOf(t templates.FieldType, v string) (input, mode string) {
	fits := func(layout string) bool {
		if v == "" {
			return true
		}
		_, err := time.Parse(layout, v)
		return err == nil
	}
	switch t {
	case templates.TypeMultiline:
		return "textarea", ""
	case templates.TypeChoice:
		return "select", ""
	case templates.TypeDate:
		if fits(time.DateOnly) {
			return "date", ""
		}
	case templates.TypeTime:
		if fits("15:04") {
			return "time", ""
		}
	case templates.TypeDateTime:
		if fits("2006-01-02T15:04") {
			return "datetime-local", ""
		}
	case templates.TypePhone:
		return "tel", "tel"
	case templates.TypeURL:
		return "url", "url"
	case templates.TypeNumber:
		return "text", "decimal"
	}
	return "text", ""
}

// formOf builds template fam's form holding req's choices.
func (s *Server) formOf(r *http.Request, fam *templates.Family, req app.NoticeRequest) (noticeForm, error) {
	t := fam.Original
	base := "/console/notices/new/" + url.PathEscape(fam.Name)
	f := noticeForm{Template: fam.Name, Title: t.Title, Description: t.Description, Category: string(t.Category), Tier: t.Tier,
		Action: base, SMSAction: base + "/sms", DraftID: req.DraftID, Errors: map[string]string{},
		Zones: strings.Join(req.Audience.Zones, ", "), Streets: strings.Join(req.Audience.Streets, "\n"),
		Tags: strings.Join(req.Audience.Tags, ", "), AudienceLangs: strings.Join(req.Audience.Languages, ", "), All: req.All}
	for _, fd := range t.Fields {
		v, ok := req.Values[fd.Name]
		if !ok {
			v = fd.Default
		}
		input, mode := inputOf(fd.Type, v)
		f.Fields = append(f.Fields, formField{Name: "values." + fd.Name, ID: "f-" + fd.Name, Label: fd.Label, Help: fd.Help,
			Example: fd.Example, Input: input, InputMode: mode, Required: fd.Required, Value: v, Options: fd.Options, MaxLength: fd.Limit()})
	}
	for _, l := range fam.Languages() {
		f.Languages = append(f.Languages, formChoice{Value: l, Label: languageLabel(fam, l), Checked: len(req.Languages) == 0 || slices.Contains(req.Languages, l)})
	}
	for _, ch := range notices.NoticeChannels {
		f.Channels = append(f.Channels, formChoice{Value: string(ch), Label: channelLabel(ch), Checked: slices.Contains(req.Channels, ch)})
	}
	for _, u := range []notices.Urgency{"", notices.Normal, notices.Emergency} {
		label := "As the template's category says (" + string(t.Category) + ")"
		if u != "" {
			label = strings.ToUpper(string(u[:1])) + string(u[1:])
		}
		f.Urgencies = append(f.Urgencies, formChoice{Value: string(u), Label: label, Checked: req.Urgency == u})
	}
	if !req.At.IsZero() {
		f.At = req.At.In(s.loc()).Format("2006-01-02T15:04")
	}
	lists, err := s.cfg.Store.Lists(r.Context())
	if err != nil {
		return f, err
	}
	for _, l := range lists {
		f.Lists = append(f.Lists, formChoice{Value: l.Name, Label: l.Name + " (" + strconv.Itoa(l.Members) + ")", Checked: slices.Contains(req.Audience.Lists, l.Name)})
	}
	return f, nil
}

// languageLabel names language l of fam in its own words.
func languageLabel(fam *templates.Family, l string) string {
	t := fam.ByLang[l]
	if t == nil {
		return l
	}
	if name := (&templates.Rendering{Template: t, Lang: l}).LanguageName(); name != l {
		return name + " (" + l + ")"
	}
	return l
}

// channelLabel says what a channel is, for its checkbox.
func channelLabel(ch notices.Channel) string {
	switch ch {
	case notices.Email:
		return "Email"
	case notices.SMS:
		return "Text message (SMS)"
	case notices.Print:
		return "Print: a flyer, and letters to the customers with only a postal address"
	}
	return string(ch)
}

// withProblems puts each problem beside its input: "values.NAME" (or
// "values.NAME.LANG") at the field, the settings at theirs; the rest
// only in the summary.
func (f *noticeForm) withProblems(ps []app.Problem) {
	f.Problems = ps
	for _, p := range ps {
		link := problemLink{Message: p.Message}
		name := p.Field
		if rest, ok := strings.CutPrefix(name, "values."); ok {
			base, _, _ := strings.Cut(rest, ".")
			if i := slices.IndexFunc(f.Fields, func(ff formField) bool { return ff.Name == "values."+base }); i >= 0 {
				f.Fields[i].Error = joinProblem(f.Fields[i].Error, p.Message)
				link.Label, link.Href = f.Fields[i].Label, "#"+f.Fields[i].ID
			}
		}
		switch name {
		case "languages", "channels", "urgency", "at", "audience":
			f.Errors[name] = joinProblem(f.Errors[name], p.Message)
			link.Label, link.Href = settingLabels[name], "#"+name
		}
		f.Summary = append(f.Summary, link)
	}
}

// settingLabels name the notice's settings in the problems' summary.
var settingLabels = map[string]string{"languages": "Languages", "channels": "Channels", "urgency": "Urgency", "at": "Send at", "audience": "Audience"}

// joinProblem adds message to the problems already shown at an input.
func joinProblem(have, message string) string {
	if have == "" {
		return message
	}
	return have + " " + message
}

// splitList reads a comma-separated input into its trimmed items.
func splitList(s string, seps string) []string {
	var out []string
	for _, item := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(seps, r) }) {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// readNoticeForm reads the posted form of template fam into a request,
// and the problems of inputs it could not read (a time, channels).
func (s *Server) readNoticeForm(r *http.Request, fam *templates.Family) (app.NoticeRequest, []app.Problem) {
	req := app.NoticeRequest{Template: fam.Name, Values: templates.Values{}, Urgency: notices.Urgency(r.PostFormValue("urgency")),
		All: r.PostFormValue("all") != ""}
	var ps []app.Problem
	for _, fd := range fam.Original.Fields {
		if v := strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("values."+fd.Name), "\r\n", "\n")); v != "" {
			req.Values[fd.Name] = v
		}
	}
	req.Languages = r.PostForm["languages"]
	if len(req.Languages) == len(fam.Languages()) {
		req.Languages = nil // every language, as the template has them
	}
	if chs := r.PostForm["channels"]; len(chs) > 0 {
		var err error
		if req.Channels, err = app.ParseChannels(strings.Join(chs, ",")); err != nil {
			ps = append(ps, app.Problem{Field: "channels", Message: err.Error()})
		}
	}
	if at := strings.TrimSpace(r.PostFormValue("at")); at != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", at, s.loc())
		if err != nil {
			ps = append(ps, app.Problem{Field: "at", Message: "is not a date and time: pick one, or leave it empty to send at once"})
		}
		req.At = t
	}
	if id, err := strconv.ParseInt(r.PostFormValue("draft"), 10, 64); err == nil && id > 0 {
		req.DraftID = id
	}
	req.Audience = notices.Audience{Lists: r.PostForm["lists"], Zones: splitList(r.PostFormValue("zones"), ","),
		Streets: splitList(r.PostFormValue("streets"), "\n"), Tags: splitList(r.PostFormValue("tags"), ","),
		DefaultLanguage: s.cfg.DefaultLanguage}
	for _, l := range splitList(r.PostFormValue("audience_languages"), ", ") {
		code, err := templates.Language(l)
		if err != nil {
			ps = append(ps, app.Problem{Field: "audience", Message: "customers' languages: " + err.Error()})
			continue
		}
		req.Audience.Languages = append(req.Audience.Languages, code)
	}
	return req, ps
}

// requestOf is the request that composes notice n again (a draft to
// preview, edit or send). A draft does not keep whether "every contact"
// was asked for: the caller says so (All), so that an audience left
// unnamed never becomes everyone.
func requestOf(n notices.Notice) app.NoticeRequest {
	return app.NoticeRequest{Template: n.Template, Values: templates.Values(n.Values), Languages: n.Languages,
		Channels: n.Channels, Audience: n.Audience, Urgency: n.Urgency, At: n.SendAt, DraftID: n.ID}
}

// familyOf reads the template the request's path names; false once it
// has answered 404.
func (s *Server) familyOf(w http.ResponseWriter, r *http.Request) (*templates.Family, bool) {
	fam, err := s.cfg.Library.Family(r.PathValue("template"))
	if err != nil {
		s.fail(w, r, http.StatusNotFound)
		return nil, false
	}
	return fam, true
}

// newNoticeForm answers GET /console/notices/new/{template}: the form
// for a notice of that template, empty or holding the draft ?draft=ID.
func (s *Server) newNoticeForm(w http.ResponseWriter, r *http.Request) {
	fam, ok := s.familyOf(w, r)
	if !ok {
		return
	}
	req := app.NoticeRequest{Template: fam.Name, Channels: []notices.Channel{notices.Email, notices.SMS}}
	if d := r.URL.Query().Get("draft"); d != "" {
		id, err := strconv.ParseInt(d, 10, 64)
		if err != nil {
			s.fail(w, r, http.StatusNotFound)
			return
		}
		n, err := s.cfg.Store.Notice(r.Context(), id)
		if err != nil || n.Status != notices.Draft || n.Template != fam.Name || n.Proof {
			s.fail(w, r, http.StatusNotFound)
			return
		}
		req = requestOf(n)
	}
	f, err := s.formOf(r, fam, req)
	if err != nil {
		s.consoleFailed(w, r, err)
		return
	}
	f.SMS = s.smsFigures(r.Context(), fam, req)
	s.showForm(w, r, http.StatusOK, f, s.doneLine(r))
}

// showForm answers with form f.
func (s *Server) showForm(w http.ResponseWriter, r *http.Request, status int, f noticeForm, flash string) {
	title := "New notice: " + f.Title
	if len(f.Problems) > 0 {
		title = "Fix the notice: " + f.Title
	}
	s.consolePage(w, r, status, "form", ConsolePage{Title: title, Section: "new", Flash: flash, Data: f})
}

// placeholderCode stands for a notice's code (as long as one) in a text
// counted before the notice has one, so that its link counts as it will.
const placeholderCode = "xxxxxxxxxx"

// smsFigures counts the text message of req in each of its languages as
// the coordinator fills the form: a required value not yet given is
// counted as its example, which the figures say.
func (s *Server) smsFigures(ctx context.Context, fam *templates.Family, req app.NoticeRequest) []smsView {
	langs := req.Languages
	if len(langs) == 0 {
		langs = fam.Languages()
	}
	values := templates.Values{}
	var stand []string
	for _, fd := range fam.Original.Fields {
		v, ok := req.Values[fd.Name]
		switch {
		case ok:
			values[fd.Name] = v
		case fd.Default == "" && fd.Required && fd.Example != "":
			values[fd.Name] = fd.Example
			stand = append(stand, fd.Label)
		}
	}
	code := placeholderCode
	if req.DraftID != 0 {
		if n, err := s.cfg.Store.Notice(ctx, req.DraftID); err == nil {
			code = n.Code
		}
	}
	var out []smsView
	for _, lang := range langs {
		t, err := s.cfg.Library.Get(fam.Name, lang)
		if err != nil {
			out = append(out, smsView{Lang: lang, Problem: err.Error()})
			continue
		}
		opts := templates.Options{Date: s.now(), URL: notices.LanguagePage(notices.PageURL(s.cfg.PublicURL, code), lang)}
		rr, err := templates.Render(t, values, s.cfg.Utility, opts)
		if rr == nil {
			out = append(out, smsView{Lang: lang, Problem: "not counted yet: " + err.Error()})
			continue
		}
		v := smsViewOf(lang, rr.SMS, t.SMSMaxSegments)
		if len(stand) > 0 {
			v.Problem = joinProblem("Counted with the example for: "+strings.Join(stand, ", ")+".", v.Problem)
		}
		out = append(out, v)
	}
	return out
}

// newNoticeSMS answers POST /console/notices/new/{template}/sms: the
// text message's figures for the form as it is, the fragment the form's
// script shows as the coordinator types.
func (s *Server) newNoticeSMS(w http.ResponseWriter, r *http.Request) {
	fam, ok := s.familyOf(w, r)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, http.StatusBadRequest)
		return
	}
	req, _ := s.readNoticeForm(r, fam)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := s.consolePages["form"].ExecuteTemplate(w, "sms", s.smsFigures(r.Context(), fam, req)); err != nil {
		s.log.Error("console: the SMS fragment failed", "err", err)
	}
}
