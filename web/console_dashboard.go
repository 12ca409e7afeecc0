package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
)

// The dashboard's windows and limits.
const (
	firingsAhead      = 14 * 24 * time.Hour // how far ahead the next firings are looked for
	firingsShown      = 10
	failuresWindow    = 7 * 24 * time.Hour // failures of the notices published this recently
	dashFailuresShown = 20
	suppressionWindow = 7 * 24 * time.Hour
	suppressionsShown = 20
	reviewsShown      = 50
)

// dashboardView is what console/dashboard.html shows.
type dashboardView struct {
	Sending      []noticeRow
	Awaiting     []noticeRow // waiting for a second coordinator's approval
	Firings      []agendaItem
	Failures     []deliveryFailure
	Reviews      []reviewRow
	Overdue      int
	Suppressions []suppressionRow
	SuppressedN  int // added this week, shown or not
	Refreshed    string
}

// firing is something that goes out at a time: a scheduled notice or a
// campaign's firing.
type agendaItem struct {
	At, What, Href, Template string
}

// review is an inbound text waiting for a person to say whether it is an
// opt-out.
type reviewRow struct {
	ID                   int64
	From, Body, Received string
	Due                  string
	Overdue              bool
}

// suppression is an address suppressed this week.
type suppressionRow struct {
	Address, Channel, Reason, By, At string
}

// dashboard answers GET /console/: what is going out now, what goes out
// next, what failed, what waits for a person.
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	v, err := s.dashboardView(r)
	if err != nil {
		s.consoleFailed(w, r, err)
		return
	}
	s.consolePage(w, r, http.StatusOK, "dashboard", ConsolePage{Title: "Dashboard", Section: "dashboard", Flash: s.doneLine(r), Data: v})
}

// dashboardProgress answers GET /console/progress: the dashboard's
// "Sending now" section alone, which its script fetches every few
// seconds to keep the numbers live.
func (s *Server) dashboardProgress(w http.ResponseWriter, r *http.Request) {
	var v dashboardView
	ns, err := s.cfg.Store.Notices(r.Context())
	if err == nil {
		v.Sending, v.Awaiting, err = s.sendingNow(r, ns)
	}
	if err != nil {
		s.consoleFailed(w, r, err)
		return
	}
	v.Refreshed = s.showTime(s.now())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := s.consolePages["dashboard"].ExecuteTemplate(w, "sending", v); err != nil {
		s.log.Error("console: the channelProgress fragment failed", "err", err)
	}
}

// dashboardView gathers the dashboard.
func (s *Server) dashboardView(r *http.Request) (dashboardView, error) {
	v := dashboardView{Refreshed: s.showTime(s.now())}
	ns, err := s.cfg.Store.Notices(r.Context()) // newest first, proofs left out
	if err != nil {
		return v, err
	}
	if v.Sending, v.Awaiting, err = s.sendingNow(r, ns); err != nil {
		return v, err
	}
	if v.Firings, err = s.nextFirings(r, ns); err != nil {
		return v, err
	}
	if v.Failures, err = s.recentFailures(r, ns); err != nil {
		return v, err
	}
	if v.Reviews, v.Overdue, err = s.reviewQueue(r); err != nil {
		return v, err
	}
	v.Suppressions, v.SuppressedN, err = s.suppressionsThisWeek(r)
	return v, err
}

// sendingNow returns the notices of ns going out (with their progress
// per channel) and those waiting for approval.
func (s *Server) sendingNow(r *http.Request, ns []notices.Notice) (sending, awaiting []noticeRow, err error) {
	waiting, err := s.cfg.Store.AwaitingApproval(r.Context())
	if err != nil {
		return nil, nil, err
	}
	for _, n := range ns {
		wait := waiting[n.ID] && n.Status == notices.Draft
		if n.Status != notices.Sending && !wait {
			continue
		}
		row, err := s.noticeRow(r, n)
		if err != nil {
			return nil, nil, err
		}
		if wait {
			awaiting = append(awaiting, row)
		} else {
			sending = append(sending, row)
		}
	}
	return sending, awaiting, nil
}

// nextFirings returns what goes out in the next two weeks: the scheduled
// notices of ns and campaigns' firings, soonest first.
func (s *Server) nextFirings(r *http.Request, ns []notices.Notice) ([]agendaItem, error) {
	ctx := r.Context()
	now := s.now()
	until := now.Add(firingsAhead)
	type timed struct {
		at time.Time
		f  agendaItem
	}
	var all []timed
	for _, n := range ns {
		if n.Status == notices.Scheduled && !n.SendAt.After(until) {
			all = append(all, timed{n.SendAt, agendaItem{What: "Notice " + strconv.FormatInt(n.ID, 10), Href: noticeHref(n.ID), Template: n.Template}})
		}
	}
	cs, err := s.cfg.Store.Campaigns(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if !c.Enabled {
			continue
		}
		sched, err := scheduler.CampaignSchedule(c)
		if err != nil {
			continue // its page says what is wrong
		}
		for _, t := range scheduler.Upcoming(c, sched, now, until, firingsShown) {
			all = append(all, timed{t, agendaItem{What: "Campaign " + c.Name, Href: "/console/campaigns", Template: c.Notice.Template}})
		}
	}
	slices.SortStableFunc(all, func(a, b timed) int { return a.at.Compare(b.at) })
	out := make([]agendaItem, 0, min(len(all), firingsShown))
	for _, t := range all[:min(len(all), firingsShown)] {
		t.f.At = s.showTime(t.at)
		out = append(out, t.f)
	}
	return out, nil
}

// recentFailures returns the latest failures of the notices of ns
// published in the last week, newest first.
func (s *Server) recentFailures(r *http.Request, ns []notices.Notice) ([]deliveryFailure, error) {
	since := s.now().Add(-failuresWindow)
	var all []deliveryFailure
	for _, n := range ns {
		if n.PublishedAt.IsZero() || n.PublishedAt.Before(since) {
			continue
		}
		fs, _, err := s.failures(r, n.ID, dashFailuresShown)
		if err != nil {
			return nil, err
		}
		all = append(all, fs...)
	}
	slices.SortStableFunc(all, func(a, b deliveryFailure) int { return b.when.Compare(a.when) })
	return all[:min(len(all), dashFailuresShown)], nil
}

// reviewQueue returns the open reviews of inbound texts, soonest due
// first, and how many are overdue.
func (s *Server) reviewQueue(r *http.Request) ([]reviewRow, int, error) {
	today := s.now().In(s.loc()).Format(time.DateOnly)
	var out []reviewRow
	overdue := 0
	err := s.cfg.Store.EachReply(r.Context(), notices.ReplyQuery{Kind: notices.ReplyReview, Open: true}, func(rp notices.Reply) error {
		late := rp.DueOn < today
		if late {
			overdue++
		}
		if len(out) < reviewsShown {
			out = append(out, reviewRow{ID: rp.ID, From: rp.From, Body: oneLineText(rp.Body), Received: s.showTime(rp.ReceivedAt), Due: rp.DueOn, Overdue: late})
		}
		return nil
	})
	return out, overdue, err
}

// errEnough stops a walk that has read what it needs.
var errEnough = errors.New("enough")

// suppressionsThisWeek returns the addresses suppressed in the last
// seven days, newest first, and how many there are.
func (s *Server) suppressionsThisWeek(r *http.Request) ([]suppressionRow, int, error) {
	since := s.now().Add(-suppressionWindow)
	var out []suppressionRow
	n := 0
	err := s.cfg.Store.EachSuppression(r.Context(), func(sup notices.Suppression) error {
		if sup.At.Before(since) {
			return errEnough // newest first: the rest are older
		}
		n++
		if len(out) < suppressionsShown {
			out = append(out, suppressionRow{Address: sup.Address, Channel: string(sup.Channel), Reason: string(sup.Reason), By: sup.By, At: s.showTime(sup.At)})
		}
		return nil
	})
	if errors.Is(err, errEnough) {
		err = nil
	}
	return out, n, err
}

// oneLineText makes a customer's text one line, for a table cell.
func oneLineText(s string) string { return strings.Join(strings.Fields(s), " ") }
