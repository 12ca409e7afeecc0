package web

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
	"github.com/crier-notices/crier/templates"
)

// consoleNoticeRoutes adds the console's pages of notices: the dashboard,
// the new notice's form, preview and sending, the list of notices and
// each notice's page with its report, renderings, export and actions.
// Reads need a viewer, every change a coordinator.
func (s *Server) consoleNoticeRoutes(mux *http.ServeMux) {
	if s.cfg.App == nil {
		return // no application core: the console answers 404
	}
	view := func(pattern string, h http.HandlerFunc) {
		mux.Handle(pattern, s.consoleOnly(notices.RoleViewer, h))
	}
	change := func(pattern string, h http.HandlerFunc) {
		mux.Handle(pattern, s.consoleOnly(notices.RoleCoordinator, h))
	}
	view("GET /console/{$}", s.dashboard)
	view("GET /console/progress", s.dashboardProgress)
	view("GET /console/notices", s.noticesList)
	view("GET /console/notices/{id}", s.noticeDetail)
	gets := map[string]subRoute{
		"deliveries.csv": {notices.RoleViewer, s.noticeDeliveriesCSV},
		"flyer.pdf":      {notices.RoleViewer, s.noticeFlyerPDF},
		"letters.pdf":    {notices.RoleViewer, s.noticeLettersPDF},
		"email":          {notices.RoleViewer, s.noticeEmailHTML}, // email/{lang}
		"cancel":         {notices.RoleCoordinator, s.noticeCancelConfirm},
		"live":           {notices.RoleViewer, s.noticeLive},
	}
	posts := map[string]subRoute{}
	s.consoleSendRoutes(change, gets, posts)
	// One pattern each for the pages under a notice: separate patterns
	// would collide with /console/notices/new/{template}/….
	view("GET /console/notices/{id}/{what...}", s.noticeSubroutes(gets))
	change("POST /console/notices/{id}/{what...}", s.noticeSubroutes(posts))
}

// subRoute is a page or action under a notice, and the role it needs.
type subRoute struct {
	need notices.Role
	h    http.HandlerFunc
}

// noticeSubroutes answers /console/notices/{id}/{what...} with the route
// named by what's first part ("email/es": email, with {lang} es), for a
// user whose role allows it.
func (s *Server) noticeSubroutes(routes map[string]subRoute) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key, arg, hasArg := strings.Cut(r.PathValue("what"), "/")
		sr, ok := routes[key]
		if !ok || hasArg != (key == "email") || (hasArg && (arg == "" || strings.Contains(arg, "/"))) {
			s.fail(w, r, http.StatusNotFound)
			return
		}
		if !userOf(r).Role.Allows(sr.need) {
			s.fail(w, r, http.StatusForbidden)
			return
		}
		r.SetPathValue("lang", arg)
		sr.h(w, r)
	}
}

// loc is the utility's time zone, in which the console shows times.
func (s *Server) loc() *time.Location {
	if s.cfg.Utility.Location != nil {
		return s.cfg.Utility.Location
	}
	return time.UTC
}

// showTime writes t for the console in the utility's zone; "" for none.
func (s *Server) showTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(s.loc()).Format("2006-01-02 15:04 MST")
}

// consoleFailed answers err of a console read: 404 for NotFound, else a
// logged 500.
func (s *Server) consoleFailed(w http.ResponseWriter, r *http.Request, err error) {
	if app.ErrorCode(err) == notices.NotFound {
		s.fail(w, r, http.StatusNotFound)
		return
	}
	s.log.Error("console: a page failed", "path", logPath(r.URL.Path), slog.Any("err", err))
	s.fail(w, r, http.StatusInternalServerError)
}

// actionFailed answers err of a console action done from page back: the
// coordinator's mistakes (invalid, conflict) as the flashed line on that
// page, the rest as consoleFailed.
func (s *Server) actionFailed(w http.ResponseWriter, r *http.Request, back string, err error) {
	switch app.ErrorCode(err) {
	case notices.Invalid, notices.Conflict:
		s.seeOther(w, r, back, "Not done: "+err.Error())
	default:
		s.consoleFailed(w, r, err)
	}
}

// noticeOf reads the notice the request's {id} names; false once it has
// answered (404 for a bad or unknown id). Proofs are not the console's
// to show.
func (s *Server) noticeOf(w http.ResponseWriter, r *http.Request) (notices.Notice, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, http.StatusNotFound)
		return notices.Notice{}, false
	}
	n, err := s.cfg.Store.Notice(r.Context(), id)
	if err == nil && n.Proof {
		s.fail(w, r, http.StatusNotFound)
		return n, false
	}
	if err != nil {
		s.consoleFailed(w, r, err)
		return n, false
	}
	return n, true
}

// noticeHref is the console page of notice id.
func noticeHref(id int64) string { return "/console/notices/" + strconv.FormatInt(id, 10) }

// channelProgress is one channel of a notice as the dashboard and the list show
// it: what waits, what went, what failed.
type channelProgress struct {
	Channel                  notices.Channel
	Total, Queued, Sent      int
	Failed, Suppressed, Left int // Left: cancelled
	Percent                  int // of Total ended (sent, failed, suppressed, cancelled)
	Paused                   string
}

// progressOf sums a channel's report as the console shows it.
func progressOf(c notices.ChannelReport) channelProgress {
	p := channelProgress{Channel: c.Channel, Total: c.Total, Queued: c.Queued + c.Sending, Sent: c.Sent + c.Delivered,
		Failed: c.Failed + c.Undelivered, Suppressed: c.Suppressed, Left: c.Cancelled}
	if c.Total > 0 {
		p.Percent = (c.Total - p.Queued) * 100 / c.Total
	}
	if c.Paused != nil {
		p.Paused = c.Paused.Reason
	}
	return p
}

// noticeRow is a notice in a list.
type noticeRow struct {
	ID                               int64
	Href, Title, Template            string
	Status, Urgency, Created, SendAt string
	Channels                         []channelProgress
}

// noticeRow reads notice n's report into its row.
func (s *Server) noticeRow(r *http.Request, n notices.Notice) (noticeRow, error) {
	row := noticeRow{ID: n.ID, Href: noticeHref(n.ID), Title: n.Template, Template: n.Template, Status: string(n.Status),
		Urgency: string(n.Urgency), Created: s.showTime(n.CreatedAt), SendAt: s.showTime(n.SendAt)}
	if fam, err := s.cfg.Library.Family(n.Template); err == nil {
		row.Title = fam.Original.Title
	}
	rep, err := s.cfg.Store.Report(r.Context(), n.ID)
	if err != nil {
		return row, err
	}
	for _, c := range rep.Channels {
		row.Channels = append(row.Channels, progressOf(c))
	}
	return row, nil
}

// listShown is the most notices the list shows, newest first.
const listShown = 200

// noticesListView is what console/notices.html shows.
type noticesListView struct {
	Rows  []noticeRow
	Older int // notices not shown
}

// noticesList answers GET /console/notices: the notices, newest first,
// with status and counts per channel.
func (s *Server) noticesList(w http.ResponseWriter, r *http.Request) {
	ns, err := s.cfg.Store.Notices(r.Context())
	if err != nil {
		s.consoleFailed(w, r, err)
		return
	}
	waiting, err := s.cfg.Store.AwaitingApproval(r.Context())
	if err != nil {
		s.consoleFailed(w, r, err)
		return
	}
	var v noticesListView
	if len(ns) > listShown {
		v.Older, ns = len(ns)-listShown, ns[:listShown]
	}
	for _, n := range ns {
		row, err := s.noticeRow(r, n)
		if err != nil {
			s.consoleFailed(w, r, err)
			return
		}
		if waiting[n.ID] {
			row.Status = "awaiting approval"
		}
		v.Rows = append(v.Rows, row)
	}
	s.consolePage(w, r, http.StatusOK, "notices", ConsolePage{Title: "Notices", Section: "notices", Flash: s.doneLine(r), Data: v})
}

// failuresShown is the most failures a notice's page lists; the CSV
// export has them all.
const failuresShown = 100

// deliveryFailure is one delivery that failed, with why.
type deliveryFailure struct {
	Channel, Address, Name, Reason, At string
	Attempts                           int
	NoticeID                           int64
	NoticeHref                         string
	when                               time.Time
}

// field is one value of a notice, by its form's label.
type valueRow struct{ Name, Label, Value string }

// noticeDetailView is what console/notice.html shows.
type noticeDetailView struct {
	Row                           noticeRow
	Audience, Languages, Channels string
	Category, Published, PageURL  string
	NotPublished                  string // why it has no deliveries yet
	Values                        []valueRow
	Report                        []notices.ChannelReport
	// Live: the notice is scheduled or sending, so its report refreshes
	// by itself (GET …/live), as of Refreshed.
	Live                               bool
	Refreshed                          string
	Paused                             []channelProgress
	Failures                           []deliveryFailure
	FailuresMore                       int
	Renderings                         []renderingView
	RenderError                        string
	CSVHref, FlyerHref, LettersHref    string
	CanCancel, CanResume, CanApprove   bool
	CanEdit                            bool
	Approval                           *approvalView // the approval it waits for; nil: none
	EditHref, PreviewHref, ApproveHref string
}

// noticeDetail answers GET /console/notices/{id}: the notice, its
// report per channel, its failures, its renderings as sent, and what a
// coordinator may do with it.
func (s *Server) noticeDetail(w http.ResponseWriter, r *http.Request) {
	n, ok := s.noticeOf(w, r)
	if !ok {
		return
	}
	v, err := s.noticeDetailView(r, n)
	if err != nil {
		s.consoleFailed(w, r, err)
		return
	}
	title := fmt.Sprintf("Notice %d: %s", n.ID, v.Row.Title)
	s.consolePage(w, r, http.StatusOK, "notice", ConsolePage{Title: title, Section: "notices", Flash: s.doneLine(r), Data: v})
}

// liveStatus reports whether a notice in status st still changes by
// itself: its page's report then refreshes.
func liveStatus(st notices.NoticeStatus) bool {
	return st == notices.Scheduled || st == notices.Sending
}

// noticeLive answers GET /console/notices/{id}/live: the notice's status
// and report alone, which its page's script fetches every few seconds
// while it is scheduled or sending, so the coordinator watches it reach
// done. Once it no longer changes, the fragment says so (data-final) and
// the script stops.
func (s *Server) noticeLive(w http.ResponseWriter, r *http.Request) {
	n, ok := s.noticeOf(w, r)
	if !ok {
		return
	}
	row, err := s.noticeRow(r, n)
	if err != nil {
		s.consoleFailed(w, r, err)
		return
	}
	rep, err := s.cfg.Store.Report(r.Context(), n.ID)
	if err != nil {
		s.consoleFailed(w, r, err)
		return
	}
	v := noticeDetailView{Row: row, Report: rep.Channels, Live: liveStatus(n.Status), Refreshed: s.showTime(s.now())}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := s.consolePages["notice"].ExecuteTemplate(w, "report", v); err != nil {
		s.log.Error("console: the notice's report fragment failed", "err", err)
	}
}

// noticeDetailView gathers notice n's page.
func (s *Server) noticeDetailView(r *http.Request, n notices.Notice) (noticeDetailView, error) {
	row, err := s.noticeRow(r, n)
	if err != nil {
		return noticeDetailView{}, err
	}
	href := noticeHref(n.ID)
	v := noticeDetailView{Row: row, Audience: n.Audience.String(), Languages: "every language of the template",
		Channels: joinChannelWords(n.Channels), Published: s.showTime(n.PublishedAt),
		CSVHref: href + "/deliveries.csv", FlyerHref: href + "/flyer.pdf", EditHref: "/console/notices/new/" + url.PathEscape(n.Template) + "?draft=" + strconv.FormatInt(n.ID, 10),
		PreviewHref: href + "/preview", ApproveHref: href + "/approve"}
	if len(n.Languages) > 0 {
		v.Languages = strings.Join(n.Languages, ", ")
	}
	if n.Status != notices.Draft && n.Status != notices.Cancelled {
		v.PageURL = notices.PageURL(s.cfg.PublicURL, n.Code)
	}
	if n.Status == notices.Scheduled && n.PublishedAt.IsZero() {
		v.NotPublished = "Not published yet: its messages are written at its send time, " + s.showTime(n.SendAt) + ", to the audience as it is then."
	}
	fam, famErr := s.cfg.Library.Family(n.Template)
	if famErr == nil {
		v.Category = string(n.CategoryWith(fam.Original.Category))
	}
	v.Values = noticeValues(n, fam)
	rep, err := s.cfg.Store.Report(r.Context(), n.ID)
	if err != nil {
		return v, err
	}
	v.Report, v.Live, v.Refreshed = rep.Channels, liveStatus(n.Status), s.showTime(s.now())
	for _, c := range rep.Channels {
		if c.Paused != nil {
			v.Paused = append(v.Paused, progressOf(c))
		}
		if c.Channel == notices.Print && c.Total > 0 {
			v.LettersHref = href + "/letters.pdf"
		}
	}
	if v.Failures, v.FailuresMore, err = s.failures(r, n.ID, failuresShown); err != nil {
		return v, err
	}
	s.noticeRenderingViews(&v, n)
	ap, waits, err := s.approvalOf(r, n)
	if err != nil {
		return v, err
	}
	if waits {
		v.Approval = &approvalView{RequestedBy: ap.RequestedBy, Requester: ap.Requester, At: s.showTime(ap.RequestedAt), Recipients: ap.Recipients}
		v.Row.Status = "awaiting approval"
	}
	s.noticeActions(r, &v, n)
	return v, nil
}

// noticeValues lists notice n's values, by the form's labels where the
// template declares the field, in the template's order.
func noticeValues(n notices.Notice, fam *templates.Family) []valueRow {
	seen := map[string]bool{}
	var out []valueRow
	if fam != nil {
		for _, f := range fam.Original.Fields {
			for _, k := range slices.Sorted(maps.Keys(n.Values)) {
				if k == f.Name || strings.HasPrefix(k, f.Name+".") {
					out = append(out, valueRow{Name: k, Label: f.Label, Value: n.Values[k]})
					seen[k] = true
				}
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(n.Values)) {
		if !seen[k] {
			out = append(out, valueRow{Name: k, Label: k, Value: n.Values[k]})
		}
	}
	return out
}

// noticeRenderingViews renders notice n as it is sent, every language.
func (s *Server) noticeRenderingViews(v *noticeDetailView, n notices.Notice) {
	rs, err := scheduler.NoticeRenderings(s.renderConfig(), n)
	if err != nil {
		v.RenderError = err.Error()
		return
	}
	for _, rr := range rs {
		v.Renderings = append(v.Renderings, renderingViewOf(rr, noticeHref(n.ID)+"/email/"+url.PathEscape(rr.Lang)))
	}
}

// approvalView is the two-person rule's hold on a notice.
type approvalView struct {
	RequestedBy, Requester, At string
	Recipients                 int
}

// noticeActions says what the signed-in user may do with notice n.
func (s *Server) noticeActions(r *http.Request, v *noticeDetailView, n notices.Notice) {
	if !userOf(r).Role.Allows(notices.RoleCoordinator) {
		return
	}
	switch n.Status {
	case notices.Draft:
		v.CanEdit = true
	case notices.Scheduled, notices.Sending:
		v.CanCancel = true
	case notices.Done:
		v.CanCancel = true // withdraws its public page (crier notices cancel)
	}
	v.CanResume = len(v.Paused) > 0 && n.Status != notices.Cancelled && n.Status != notices.Done
	if v.Approval != nil {
		// Approving is another coordinator's; a draft waiting for it is
		// no longer edited, so what is approved is what was asked for.
		v.CanEdit = false
		v.CanCancel = true
		v.CanApprove = !strings.EqualFold(v.Approval.Requester, userOf(r).Name)
	}
}

// failures lists up to max failed or undelivered deliveries of notice
// id, and how many more there are.
func (s *Server) failures(r *http.Request, id int64, max int) ([]deliveryFailure, int, error) {
	var out []deliveryFailure
	more := 0
	err := s.cfg.Store.EachFailure(r.Context(), id, func(d notices.Delivery) error {
		if len(out) == max {
			more++
			return nil
		}
		out = append(out, deliveryFailure{Channel: string(d.Channel), Address: d.Address, Name: d.Name, Reason: d.Error,
			Attempts: d.Attempts, At: s.showTime(d.UpdatedAt), when: d.UpdatedAt, NoticeID: id, NoticeHref: noticeHref(id)})
		return nil
	})
	return out, more, err
}

// joinChannelWords writes channels as a list for a sentence.
func joinChannelWords(chs []notices.Channel) string {
	ss := make([]string, len(chs))
	for i, ch := range chs {
		ss[i] = string(ch)
	}
	return strings.Join(ss, ", ")
}

// noticeDeliveriesCSV answers GET /console/notices/{id}/deliveries.csv:
// every delivery of the notice, as crier report --csv writes them.
func (s *Server) noticeDeliveriesCSV(w http.ResponseWriter, r *http.Request) {
	n, ok := s.noticeOf(w, r)
	if !ok {
		return
	}
	var buf bytes.Buffer
	if err := s.cfg.Store.WriteDeliveriesCSV(r.Context(), &buf, n.ID, s.loc()); err != nil {
		s.consoleFailed(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="notice-%d-deliveries.csv"`, n.ID))
	w.Write(buf.Bytes())
}

// pdfHeaders lets the browser's own PDF viewer show a PDF in the
// console's frames: the console's script policy is for its pages, and a
// PDF is none.
func pdfHeaders(w http.ResponseWriter, name string) {
	w.Header().Del("Content-Security-Policy")
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="`+name+`"`)
}

// noticeFlyerPDF answers GET /console/notices/{id}/flyer.pdf: the flyer
// in every language of the notice, as the print channel makes it.
func (s *Server) noticeFlyerPDF(w http.ResponseWriter, r *http.Request) {
	n, ok := s.noticeOf(w, r)
	if !ok {
		return
	}
	pdf, err := s.flyer(n)
	if err != nil {
		s.consoleFailed(w, r, err)
		return
	}
	pdfHeaders(w, fmt.Sprintf("notice-%d-flyer.pdf", n.ID))
	w.Write(pdf)
}

// noticeLettersPDF answers GET /console/notices/{id}/letters.pdf: the
// letters to the customers reached only by post, each in their language,
// as the print channel makes them.
func (s *Server) noticeLettersPDF(w http.ResponseWriter, r *http.Request) {
	n, ok := s.noticeOf(w, r)
	if !ok {
		return
	}
	rs, err := scheduler.NoticeRenderings(s.renderConfig(), n)
	if err != nil {
		s.consoleFailed(w, r, err)
		return
	}
	var letters []templates.Letter
	err = s.cfg.Store.EachDelivery(r.Context(), n.ID, func(d notices.Delivery) error {
		if d.Channel != notices.Print || d.Status == notices.DeliveryCancelled {
			return nil
		}
		rr := rs[0]
		if i := slices.IndexFunc(rs, func(x *templates.Rendering) bool { return x.Lang == d.Language }); i >= 0 {
			rr = rs[i]
		}
		letters = append(letters, templates.Letter{Rendering: rr, Name: d.Name, Address: d.Address})
		return nil
	})
	if err != nil {
		s.consoleFailed(w, r, err)
		return
	}
	if len(letters) == 0 {
		s.fail(w, r, http.StatusNotFound)
		return
	}
	var pdf bytes.Buffer
	if _, err := templates.Letters(&pdf, letters); err != nil {
		s.consoleFailed(w, r, err)
		return
	}
	pdfHeaders(w, fmt.Sprintf("notice-%d-letters.pdf", n.ID))
	w.Write(pdf.Bytes())
}

// emailCSP is the policy of an email's HTML shown in the console's
// sandboxed frame: its inline styles and its logo (a data: image), no
// script, no request anywhere; sandboxed even when opened on its own.
const emailCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; frame-ancestors 'self'"

// noticeEmailHTML answers GET /console/notices/{id}/email/{lang}: the
// HTML part of the notice's email in that language, for the sandboxed
// frame of its page and its preview.
func (s *Server) noticeEmailHTML(w http.ResponseWriter, r *http.Request) {
	n, ok := s.noticeOf(w, r)
	if !ok {
		return
	}
	rs, err := scheduler.NoticeRenderings(s.renderConfig(), n, r.PathValue("lang"))
	if err == nil && len(rs) == 0 {
		err = errors.New("no rendering")
	}
	if err != nil {
		s.consoleFailed(w, r, err)
		return
	}
	writeEmailHTML(w, rs[0])
}

// writeEmailHTML answers with rendering rr's email HTML under emailCSP.
func writeEmailHTML(w http.ResponseWriter, rr *templates.Rendering) {
	html, err := rr.PreviewHTML()
	if err != nil {
		http.Error(w, "the email does not render: "+err.Error(), http.StatusUnprocessableEntity)
		return
	}
	w.Header().Set("Content-Security-Policy", emailCSP)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write([]byte(html))
}

// cancelView is what console/cancel.html shows.
type cancelView struct {
	Row    noticeRow
	Action string
	Done   bool // every message went: cancelling withdraws its page
}

// noticeCancelConfirm answers GET /console/notices/{id}/cancel: what
// cancelling does, and the button that does it.
func (s *Server) noticeCancelConfirm(w http.ResponseWriter, r *http.Request) {
	n, ok := s.noticeOf(w, r)
	if !ok {
		return
	}
	row, err := s.noticeRow(r, n)
	if err != nil {
		s.consoleFailed(w, r, err)
		return
	}
	v := cancelView{Row: row, Action: noticeHref(n.ID) + "/cancel", Done: n.Status == notices.Done}
	s.consolePage(w, r, http.StatusOK, "cancel", ConsolePage{Title: fmt.Sprintf("Cancel notice %d", n.ID), Section: "notices", Data: v})
}
