package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// consoleSendRoutes adds the routes that compose and send notices: the
// chooser, the form, its text message's figures, the preview of a saved
// draft, its proof and its sending; and the actions on a notice (cancel,
// resume, approve). gets and posts are the routes under a notice.
func (s *Server) consoleSendRoutes(change func(string, http.HandlerFunc), gets, posts map[string]subRoute) {
	change("GET /console/notices/new", s.newNoticeChooser)
	change("GET /console/notices/new/{template}", s.newNoticeForm)
	change("POST /console/notices/new/{template}", s.newNoticePost)
	change("POST /console/notices/new/{template}/sms", s.newNoticeSMS)
	gets["preview"] = subRoute{notices.RoleCoordinator, s.noticePreview}
	posts["proof"] = subRoute{notices.RoleCoordinator, s.noticeProof}
	posts["send"] = subRoute{notices.RoleCoordinator, s.noticeSend}
	posts["cancel"] = subRoute{notices.RoleCoordinator, s.noticeCancel}
	posts["resume"] = subRoute{notices.RoleCoordinator, s.noticeResume}
	posts["approve"] = subRoute{notices.RoleCoordinator, s.noticeApprove}
}

// newNoticePost answers POST /console/notices/new/{template}: "Save as
// draft" stores the form as it is; "Preview" checks it (values, channels,
// languages, send time, audience), and either shows the form again with
// each problem beside its input or saves the draft and goes to its
// preview.
func (s *Server) newNoticePost(w http.ResponseWriter, r *http.Request) {
	fam, ok := s.familyOf(w, r)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, http.StatusBadRequest)
		return
	}
	req, problems := s.readNoticeForm(r, fam)
	ctx := r.Context()
	if req.DraftID != 0 && !s.draftEditable(w, r, req.DraftID) {
		return
	}
	if r.PostFormValue("action") == "draft" {
		id, err := s.cfg.App.SaveDraft(ctx, req)
		if err != nil {
			s.formFailed(w, r, fam, req, problems, err)
			return
		}
		s.seeOther(w, r, noticeHref(id), fmt.Sprintf("Draft %d saved. It goes nowhere until it is sent.", id))
		return
	}
	d, err := s.cfg.App.Compose(ctx, req)
	if err == nil {
		_, err = s.cfg.App.Preview(ctx, d) // the audience's problems, beside the audience
	}
	if err != nil || len(problems) > 0 {
		s.formFailed(w, r, fam, req, problems, err)
		return
	}
	id, err := s.cfg.App.SaveDraft(ctx, req)
	if err != nil {
		s.formFailed(w, r, fam, req, nil, err)
		return
	}
	s.seeOther(w, r, previewHref(id, req.All), fmt.Sprintf("Draft %d saved. Check every rendering and the audience, then send it.", id))
}

// draftEditable reports whether saved draft id may still be changed:
// one waiting for a second coordinator's approval may not, so that what
// is approved is what was asked for. false once it has answered.
func (s *Server) draftEditable(w http.ResponseWriter, r *http.Request, id int64) bool {
	n, err := s.cfg.Store.Notice(r.Context(), id)
	if err != nil {
		s.consoleFailed(w, r, err)
		return false
	}
	_, waits, err := s.approvalOf(r, n)
	if err != nil {
		s.consoleFailed(w, r, err)
		return false
	}
	if waits {
		s.seeOther(w, r, noticeHref(id), fmt.Sprintf("Not saved: notice %d waits for a second coordinator's approval and cannot be changed; cancel it and compose it again.", id))
		return false
	}
	return true
}

// previewHref is the preview of draft id; all says its audience is every
// contact (asked for, not left out).
func previewHref(id int64, all bool) string {
	h := noticeHref(id) + "/preview"
	if all {
		h += "?all=1"
	}
	return h
}

// formFailed shows the form again with the problems the form's reading
// found and those of err (the problems of err on an input already at
// fault left out), or answers err when it is no problem of the input.
func (s *Server) formFailed(w http.ResponseWriter, r *http.Request, fam *templates.Family, req app.NoticeRequest, problems []app.Problem, err error) {
	if err != nil {
		if app.ErrorCode(err) != notices.Invalid && app.ErrorCode(err) != notices.NotFound {
			s.consoleFailed(w, r, err)
			return
		}
		for _, p := range app.ProblemsOf(err) {
			if !slices.ContainsFunc(problems, func(q app.Problem) bool { return q.Field == p.Field && p.Field != "" }) {
				problems = append(problems, p)
			}
		}
	}
	problems = append(problems, s.valuesProblems(r, req, problems)...)
	f, ferr := s.formOf(r, fam, req)
	if ferr != nil {
		s.consoleFailed(w, r, ferr)
		return
	}
	f.withProblems(problems)
	f.SMS = s.smsFigures(r.Context(), fam, req)
	s.showForm(w, r, http.StatusUnprocessableEntity, f, "")
}

// valuesProblems returns the problems of req's values when problems
// hold a setting's (channels, languages, send time) and none of a value:
// Compose checks the values once the settings are right, and the
// coordinator should see every problem at once.
func (s *Server) valuesProblems(r *http.Request, req app.NoticeRequest, problems []app.Problem) []app.Problem {
	settings := false
	for _, p := range problems {
		if strings.HasPrefix(p.Field, "values.") {
			return nil
		}
		settings = settings || p.Field == "channels" || p.Field == "languages" || p.Field == "at"
	}
	if !settings {
		return nil
	}
	req.Channels, req.Languages, req.At = []notices.Channel{notices.Email}, nil, time.Time{}
	_, err := s.cfg.App.Compose(r.Context(), req)
	if app.ErrorCode(err) != notices.Invalid {
		return nil
	}
	var out []app.Problem
	for _, p := range app.ProblemsOf(err) {
		if strings.HasPrefix(p.Field, "values.") {
			out = append(out, p)
		}
	}
	return out
}

// audienceCount is how the audience fares on one of the notice's
// channels.
type audienceCount struct {
	notices.ChannelCount
	Where string // where its messages go
}

// previewView is what console/preview.html shows.
type previewView struct {
	Row                                 noticeRow
	Href, EditHref, FlyerHref           string
	ProofAction, SendAction, All        string
	Problems                            []app.Problem
	Warnings                            []string
	Renderings                          []renderingView
	Contacts, Total                     int
	Counts                              []audienceCount
	Fallbacks                           []notices.LanguageFallback
	UrgencyLine, QuietNote, ProofTo, At string
	CanSend                             bool
}

// noticePreview answers GET /console/notices/{id}/preview: the saved
// draft composed again and shown side by side per language (the flyer,
// the email's HTML and text, the text message with its figures), its
// audience counted per channel with who is left out and why, and the
// buttons that send a proof, send it now, or schedule it.
func (s *Server) noticePreview(w http.ResponseWriter, r *http.Request) {
	n, ok := s.noticeOf(w, r)
	if !ok {
		return
	}
	_, waits, err := s.approvalOf(r, n)
	if err != nil {
		s.consoleFailed(w, r, err)
		return
	}
	if n.Status != notices.Draft || waits {
		http.Redirect(w, r, noticeHref(n.ID), http.StatusSeeOther)
		return
	}
	v, err := s.previewView(r, n)
	if err != nil {
		s.consoleFailed(w, r, err)
		return
	}
	s.consolePage(w, r, http.StatusOK, "preview", ConsolePage{Title: fmt.Sprintf("Preview of draft %d: %s", n.ID, v.Row.Title),
		Section: "new", Flash: s.doneLine(r), Data: v})
}

// previewView composes draft n and counts its audience.
func (s *Server) previewView(r *http.Request, n notices.Notice) (previewView, error) {
	row, err := s.noticeRow(r, n)
	if err != nil {
		return previewView{}, err
	}
	all := r.URL.Query().Get("all") == "1"
	href := noticeHref(n.ID)
	v := previewView{Row: row, Href: href, EditHref: "/console/notices/new/" + url.PathEscape(n.Template) + "?draft=" + strconv.FormatInt(n.ID, 10),
		FlyerHref: href + "/flyer.pdf", ProofAction: href + "/proof", SendAction: href + "/send", At: s.localInput(n.SendAt)}
	if all {
		v.All = "on"
	}
	req := requestOf(n)
	req.All = all
	if !req.At.After(s.now()) {
		req.At, v.At = time.Time{}, "" // a send time passed while it was a draft: the coordinator picks again
	}
	d, err := s.cfg.App.Compose(r.Context(), req)
	if err != nil {
		if app.ErrorCode(err) != notices.Invalid {
			return v, err
		}
		v.Problems = app.ProblemsOf(err)
		return v, nil
	}
	v.Warnings = d.Warnings
	for _, rr := range d.Renderings {
		v.Renderings = append(v.Renderings, renderingViewOf(rr, href+"/email/"+rr.Lang))
	}
	v.ProofTo = proofWords(proofTo(userOf(r), n.Channels))
	p, err := s.cfg.App.Preview(r.Context(), d)
	if err != nil && app.ErrorCode(err) != notices.Invalid {
		return v, err
	}
	v.Problems = append(v.Problems, problemsOrNone(err)...)
	if p != nil {
		v.Contacts, v.Total, v.Fallbacks, v.UrgencyLine, v.QuietNote = p.Resolution.Contacts, p.Total, p.Fallbacks, p.UrgencyLine, p.QuietNote
		for _, ch := range n.Channels {
			v.Counts = append(v.Counts, audienceCount{ChannelCount: p.Resolution.Channel(ch), Where: p.Channels[ch]})
		}
	}
	v.CanSend = len(v.Problems) == 0
	return v, nil
}

// problemsOrNone is the problems of err, none for nil.
func problemsOrNone(err error) []app.Problem {
	if err == nil {
		return nil
	}
	return app.ProblemsOf(err)
}

// localInput writes t for a datetime-local input in the utility's zone.
func (s *Server) localInput(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(s.loc()).Format("2006-01-02T15:04")
}

// proofTo is where user u's proof of a notice on chs goes: their email
// by email, their phone by sms, each where the notice uses that channel.
func proofTo(u notices.User, chs []notices.Channel) []string {
	var to []string
	if u.Email != "" && slices.Contains(chs, notices.Email) {
		to = append(to, u.Email)
	}
	if u.Phone != "" && slices.Contains(chs, notices.SMS) {
		to = append(to, u.Phone)
	}
	return to
}

// proofWords names the proof's addresses in a sentence; "" for none.
func proofWords(to []string) string { return strings.Join(to, " and ") }

// draftRequest reads the draft the request's {id} names and composes it
// again with the posted audience choice; false once it has answered
// (a flashed problem on the preview, or an error page).
func (s *Server) draftRequest(w http.ResponseWriter, r *http.Request) (notices.Notice, *app.Draft, bool) {
	n, ok := s.noticeOf(w, r)
	if !ok {
		return n, nil, false
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, http.StatusBadRequest)
		return n, nil, false
	}
	all := r.PostFormValue("all") != ""
	_, waits, err := s.approvalOf(r, n)
	if err != nil {
		s.consoleFailed(w, r, err)
		return n, nil, false
	}
	switch {
	case n.Status != notices.Draft:
		s.seeOther(w, r, noticeHref(n.ID), fmt.Sprintf("Not done: notice %d is %s, no longer a draft.", n.ID, n.Status))
		return n, nil, false
	case waits:
		s.seeOther(w, r, noticeHref(n.ID), fmt.Sprintf("Not done: notice %d waits for a second coordinator's approval.", n.ID))
		return n, nil, false
	}
	req := requestOf(n)
	req.All = all
	req.At = time.Time{}
	if r.PostFormValue("when") == "schedule" {
		at, err := time.ParseInLocation("2006-01-02T15:04", strings.TrimSpace(r.PostFormValue("at")), s.loc())
		if err != nil {
			s.seeOther(w, r, previewHref(n.ID, all), "Not scheduled: pick the date and time to send it at.")
			return n, nil, false
		}
		req.At = at
	}
	d, err := s.cfg.App.Compose(r.Context(), req)
	if err != nil {
		s.actionFailed(w, r, previewHref(n.ID, all), err)
		return n, nil, false
	}
	return n, d, true
}

// noticeProof answers POST /console/notices/{id}/proof: the draft goes
// to the signed-in user's own email and phone, at once, and the page
// says where it went.
func (s *Server) noticeProof(w http.ResponseWriter, r *http.Request) {
	n, d, ok := s.draftRequest(w, r)
	if !ok {
		return
	}
	back := previewHref(n.ID, d.All)
	to := proofTo(userOf(r), n.Channels)
	if len(to) == 0 {
		s.seeOther(w, r, back, "No proof sent: your user has no email address or mobile number for this notice's channels (an admin sets them on the Users page).")
		return
	}
	ps, err := s.cfg.App.SendProof(r.Context(), d, to)
	if err != nil {
		s.actionFailed(w, r, back, err)
		return
	}
	s.seeOther(w, r, back, proofSentWords(ps, len(d.Renderings)))
}

// proofSentWords says where a proof went.
func proofSentWords(ps app.ProofSent, langs int) string {
	var to []string
	for _, a := range ps.To {
		to = append(to, fmt.Sprintf("%s (%s)", a.Address, a.Channel))
	}
	msg := fmt.Sprintf("Proof sent to %s, in %d language(s).", strings.Join(to, " and "), langs)
	for _, sup := range ps.Suppressed {
		msg += fmt.Sprintf(" %s is suppressed (%s): nothing went there.", sup.Address, sup.Reason)
	}
	return msg
}

// noticeSend answers POST /console/notices/{id}/send: the draft is
// published now (when=now) or scheduled (when=schedule, at=the time);
// one over the two-person rule's limit waits for a second coordinator.
func (s *Server) noticeSend(w http.ResponseWriter, r *http.Request) {
	n, d, ok := s.draftRequest(w, r)
	if !ok {
		return
	}
	sent, err := s.cfg.App.Send(r.Context(), d)
	if err != nil {
		s.actionFailed(w, r, previewHref(n.ID, d.All), err)
		return
	}
	if sent.AwaitingApproval {
		s.seeOther(w, r, noticeHref(sent.ID), fmt.Sprintf("Notice %d waits for approval: it reaches more recipients than one coordinator may send to alone. Another coordinator must approve it on this page; nothing was sent.", sent.ID))
		return
	}
	s.seeOther(w, r, noticeHref(sent.ID), fmt.Sprintf("Notice %d %s.", sent.ID, sentWords(sent)))
}

// sentWords says what sending did: queued or scheduled, how many
// messages on each channel, and whether a dispatcher took them.
func sentWords(sent app.Sent) string {
	var parts []string
	for _, ch := range sent.Summary.Channels {
		k := ch.Queued
		if sent.Status == notices.Scheduled {
			k = ch.Reached
		}
		parts = append(parts, fmt.Sprintf("%s %d", ch.Channel, k))
	}
	words := "sent: messages queued, " + strings.Join(parts, ", ")
	if sent.Status == notices.Scheduled {
		words = "scheduled: messages at its send time, as the audience is now, " + strings.Join(parts, ", ")
	}
	if len(sent.Woken) == 0 {
		words += ". No dispatcher answered: they go once crier serve or crier dispatch runs"
	}
	return words
}

// approvalOf returns the approval notice n waits for, if it waits for
// one (the two-person rule held it).
func (s *Server) approvalOf(r *http.Request, n notices.Notice) (notices.Approval, bool, error) {
	if n.Status != notices.Draft {
		return notices.Approval{}, false, nil
	}
	ap, err := s.cfg.Store.ApprovalOf(r.Context(), n.ID)
	if notices.ErrorCode(err) == notices.NotFound {
		return ap, false, nil
	}
	return ap, err == nil && ap.Awaiting, err
}

// noticeCancel answers POST /console/notices/{id}/cancel.
func (s *Server) noticeCancel(w http.ResponseWriter, r *http.Request) {
	n, ok := s.noticeOf(w, r)
	if !ok {
		return
	}
	back := noticeHref(n.ID)
	withdrawn, err := s.cfg.App.Cancel(r.Context(), n.ID)
	if err != nil {
		s.actionFailed(w, r, back, err)
		return
	}
	s.seeOther(w, r, back, fmt.Sprintf("Notice %d cancelled: %d message(s) not yet sent were withdrawn.", n.ID, withdrawn))
}

// noticeResume answers POST /console/notices/{id}/resume: its paused
// channel (channel=…), or every paused channel, goes on.
func (s *Server) noticeResume(w http.ResponseWriter, r *http.Request) {
	n, ok := s.noticeOf(w, r)
	if !ok {
		return
	}
	back := noticeHref(n.ID)
	var chs []notices.Channel
	if ch := r.PostFormValue("channel"); ch != "" {
		chs = append(chs, notices.Channel(ch))
	}
	res, err := s.cfg.App.ResumeChannels(r.Context(), n.ID, chs...)
	if err != nil {
		s.actionFailed(w, r, back, err)
		return
	}
	if len(res.Lifted) == 0 {
		s.seeOther(w, r, back, fmt.Sprintf("Notice %d had no paused channel to resume.", n.ID))
		return
	}
	var names []string
	for _, p := range res.Lifted {
		names = append(names, string(p.Channel))
	}
	s.seeOther(w, r, back, fmt.Sprintf("Notice %d resumed: %s go(es) on.", n.ID, strings.Join(names, ", ")))
}

// noticeApprove answers POST /console/notices/{id}/approve: a second
// coordinator lets a notice waiting for approval go.
func (s *Server) noticeApprove(w http.ResponseWriter, r *http.Request) {
	n, ok := s.noticeOf(w, r)
	if !ok {
		return
	}
	back := noticeHref(n.ID)
	sent, err := s.cfg.App.Approve(r.Context(), n.ID)
	if err != nil {
		s.actionFailed(w, r, back, err)
		return
	}
	s.seeOther(w, r, back, fmt.Sprintf("Notice %d approved: %s.", n.ID, sentWords(sent)))
}
