package web

// Feeds for aggregators and local media: Atom of the public notices (all,
// or one category), and CAP 1.2 for each emergency notice with its Atom
// index. See cap.go for how a notice maps to CAP.

import (
	"bytes"
	"context"
	"encoding/xml"
	"log/slog"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
	"github.com/crier-notices/crier/templates"
)

// feedLimit is how many entries a feed holds, newest first: what an
// aggregator polling it needs, at a bounded cost per request.
const feedLimit = 50

// liftsField is the value by which a notice names the notice it lifts, by
// its number (boil-water-advisory-lifted declares it): the lifted
// notice's CAP alert then becomes a Cancel.
const liftsField = "lifts"

// The content types of the feeds.
const (
	atomType = "application/atom+xml; charset=utf-8"
	capType  = "application/cap+xml; charset=utf-8"
)

// feedRoutes adds the feeds: /feed.atom, /feed/{category}.atom, /cap.atom
// and /cap/{code}.xml, each rate limited per address.
func (s *Server) feedRoutes(mux *http.ServeMux) {
	mux.Handle("GET /feed.atom", s.limited(http.HandlerFunc(s.noticeFeed)))
	mux.Handle("GET /feed/{file}", s.limited(http.HandlerFunc(s.categoryFeed)))
	mux.Handle("GET /cap.atom", s.limited(http.HandlerFunc(s.capFeed)))
	mux.Handle("GET /cap/{file}", s.limited(http.HandlerFunc(s.capDocument)))
}

// feedsOff answers 404 with the reason when public_url is not set, and
// reports whether it did. Atom ids and links, and CAP's sender, web and
// references, must be absolute and must never change; a Host header is
// the client's to choose, so feeds built from it would change their ids
// with each client and could be poisoned in a cache. Without public_url
// there is no feed, and the answer says what to set.
func (s *Server) feedsOff(w http.ResponseWriter) bool {
	if s.cfg.PublicURL != "" {
		return false
	}
	http.Error(w, "No feeds here: the server's public_url is not set (crier.toml). Feeds need the address the world reaches this server at.", http.StatusNotFound)
	return true
}

// renderConfig renders notices as the dispatcher does, so a page, a feed
// and a CAP document say what was sent, and a flyer is the print channel's.
func (s *Server) renderConfig() scheduler.Config {
	return scheduler.Config{Library: s.cfg.Library, Utility: s.cfg.Utility, PublicURL: s.cfg.PublicURL, Now: s.now}
}

func (s *Server) noticeFeed(w http.ResponseWriter, r *http.Request) {
	s.writeNoticeFeed(w, r, "")
}

func (s *Server) categoryFeed(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutSuffix(r.PathValue("file"), ".atom")
	cat := templates.Category(name)
	if !ok || !slices.Contains([]templates.Category{templates.Emergency, templates.Service, templates.Information}, cat) {
		s.fail(w, r, http.StatusNotFound)
		return
	}
	s.writeNoticeFeed(w, r, cat)
}

// public is a public notice with its template family.
type public struct {
	notices.Notice
	fam *templates.Family
}

// category is the notice's category as it went out: a notice sent as an
// emergency is one, in the feeds as in its emails, whatever its
// template's category.
func (p public) category() templates.Category { return p.CategoryWith(p.fam.Original.Category) }

// publicNotices reads the notices the public sees now, newest first, with
// their families, until enough (called with each) says it has what it
// needs: a feed reads only as far as it shows. A notice whose template is
// gone is logged and left out.
func (s *Server) publicNotices(ctx context.Context, enough func(public) bool) ([]public, error) {
	var ps []public
	err := s.cfg.Store.EachPublicNotice(ctx, s.now(), func(n notices.Notice) bool {
		fam, err := s.cfg.Library.Family(n.Template)
		if err != nil {
			s.log.Warn("feeds: a public notice's template is gone; it is left out", slog.Int64("notice", n.ID), slog.String("template", n.Template))
			return true
		}
		ps = append(ps, public{n, fam})
		return !enough(ps[len(ps)-1])
	})
	return ps, err
}

// counting returns an enough for publicNotices that stops at the
// feedLimit-th notice of which keep holds.
func counting(keep func(public) bool) func(public) bool {
	n := 0
	return func(p public) bool {
		if keep(p) {
			n++
		}
		return n == feedLimit
	}
}

// ofCategory keeps the notices of category cat ("" for every one).
func ofCategory(cat templates.Category) func(public) bool {
	return func(p public) bool { return cat == "" || p.category() == cat }
}

// feedNotices returns the public notices for a feed, read until enough
// holds (see publicNotices), or answers the request itself (no
// public_url, a store failing) and returns false.
func (s *Server) feedNotices(w http.ResponseWriter, r *http.Request, enough func(public) bool) ([]public, bool) {
	if s.feedsOff(w) {
		return nil, false
	}
	ps, err := s.publicNotices(r.Context(), enough)
	if err != nil {
		s.log.Error("feeds: reading the public notices", slog.Any("err", err))
		s.fail(w, r, http.StatusInternalServerError)
		return nil, false
	}
	return ps, true
}

// writeNoticeFeed answers the Atom feed of the public notices of category
// cat ("" for all).
func (s *Server) writeNoticeFeed(w http.ResponseWriter, r *http.Request, cat templates.Category) {
	ps, ok := s.feedNotices(w, r, counting(ofCategory(cat)))
	if !ok {
		return
	}
	feed := s.feedHead(r, string(cat))
	for _, p := range ps {
		if !ofCategory(cat)(p) {
			continue
		}
		e, err := s.noticeEntry(p)
		if err != nil {
			s.log.Warn("feeds: a public notice does not render; it is left out", slog.Int64("notice", p.ID), slog.Any("err", err))
			continue
		}
		feed.Entries = append(feed.Entries, e)
	}
	s.finishFeed(&feed)
	s.writeXML(w, r, atomType, feed)
}

// feedHead is the feed at r's path, without entries; sub names it (a
// category, CAP).
func (s *Server) feedHead(r *http.Request, sub string) atomFeed {
	title := s.cfg.Utility.Name
	if title == "" {
		title = s.sender()
	}
	if sub != "" {
		title += " (" + sub + ")"
	}
	return atomFeed{
		Lang:   s.cfg.DefaultLanguage,
		ID:     s.cfg.PublicURL + r.URL.Path,
		Title:  title,
		Author: s.author(),
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: s.cfg.PublicURL + r.URL.Path},
			{Rel: "alternate", Type: "text/html", Href: s.cfg.PublicURL + "/notices"},
		},
	}
}

// finishFeed sets the feed's updated: its newest entry's, or now for a
// feed without any. Updated is RFC 3339 in UTC: text order is time order.
func (s *Server) finishFeed(f *atomFeed) {
	if len(f.Entries) == 0 {
		f.Updated = atomTime(s.now())
		return
	}
	for _, e := range f.Entries {
		f.Updated = max(f.Updated, e.Updated)
	}
}

// author is the utility, as a feed's author.
func (s *Server) author() atomPerson {
	u := s.cfg.Utility
	p := atomPerson{Name: u.Name}
	if p.Name == "" {
		p.Name = s.sender()
	}
	if w, err := url.Parse(u.Website); err == nil && (w.Scheme == "https" || w.Scheme == "http") && w.Host != "" {
		p.URI = w.String()
	}
	if a, err := mail.ParseAddress(u.Email); err == nil {
		p.Email = a.Address
	}
	return p
}

// noticeEntry is notice p's Atom entry in the feed's language (the
// default language, when the notice has it).
func (s *Server) noticeEntry(p public) (atomEntry, error) {
	langs := scheduler.NoticeLanguages(p.Notice, p.fam)
	lang, ok := templates.MatchLanguage(s.cfg.DefaultLanguage, langs)
	if !ok {
		lang = langs[0]
	}
	rs, err := scheduler.NoticeRenderings(s.renderConfig(), p.Notice, lang)
	if err != nil {
		return atomEntry{}, err
	}
	rd := rs[0]
	went := scheduler.NoticeDate(p.Notice)
	e := atomEntry{
		Lang:       rd.Lang,
		ID:         noticeEntryID(p.Code),
		Title:      rd.Subject,
		Updated:    atomTime(went),
		Published:  atomTime(went),
		Links:      []atomLink{{Rel: "alternate", Type: "text/html", Href: notices.PageURL(s.cfg.PublicURL, p.Code), HrefLang: rd.Lang}},
		Summary:    rd.SMS.Text,
		Categories: []atomCategory{{Term: string(p.category())}},
	}
	if p.category() == templates.Emergency {
		e.Links = append(e.Links, atomLink{Rel: "related", Type: "application/cap+xml", Href: s.capURL(p.Code)})
	}
	if p.Status == notices.Cancelled {
		e.Updated = atomTime(p.UpdatedAt)
		e.Categories = append(e.Categories, atomCategory{Term: "withdrawn"})
	}
	return e, nil
}

// capURL is the address of the CAP document of the notice with code.
func (s *Server) capURL(code string) string {
	return s.cfg.PublicURL + "/cap/" + code + ".xml"
}

// sender is CAP's sender: the host of public_url.
func (s *Server) sender() string {
	u, err := url.Parse(s.cfg.PublicURL)
	if err != nil || u.Host == "" {
		return "crier.invalid"
	}
	return u.Host
}

// capMessage is the CAP message a notice has now: its Alert, or the
// Cancel that replaced it; sent is when it was sent.
type capMessage struct {
	alert capAlert
	sent  time.Time
	page  string // the page of the notice it is about
	about string // the Alert's headline in its first language
}

// capMessageOf is emergency notice p's CAP message, given the public
// notices ps (in which a notice that lifts it is found); with one set, in
// the first language of each notice only (what the index shows), else in
// all.
func (s *Server) capMessageOf(p public, ps []public, one bool) (capMessage, error) {
	rs, err := s.capRenderings(p, one)
	if err != nil {
		return capMessage{}, err
	}
	page := notices.PageURL(s.cfg.PublicURL, p.Code)
	went := scheduler.NoticeDate(p.Notice)
	alert := capAlertOf(s.sender(), p.Notice, rs, page)
	about := rs[0].Subject
	if p.Status == notices.Cancelled {
		return capMessage{capWithdrawn(alert, p.UpdatedAt, s.cfg.Utility), p.UpdatedAt, page, about}, nil
	}
	lift, ok := liftOf(p, ps)
	if !ok {
		return capMessage{alert, went, page, about}, nil
	}
	lrs, err := s.capRenderings(lift, one)
	if err != nil {
		return capMessage{}, err
	}
	cancel := capLifted(alert, lift.Notice, lrs, capCategory(p.fam.Original), notices.PageURL(s.cfg.PublicURL, lift.Code))
	return capMessage{cancel, scheduler.NoticeDate(lift.Notice), page, about}, nil
}

// capRenderings renders p in each of its languages, or only in its first.
func (s *Server) capRenderings(p public, one bool) ([]*templates.Rendering, error) {
	if one {
		return scheduler.NoticeRenderings(s.renderConfig(), p.Notice, scheduler.NoticeLanguages(p.Notice, p.fam)[0])
	}
	return scheduler.NoticeRenderings(s.renderConfig(), p.Notice)
}

// liftOf finds the notice among ps that lifts p: the first to go out
// after p whose lifts value is p's number, not itself withdrawn.
func liftOf(p public, ps []public) (public, bool) {
	went := scheduler.NoticeDate(p.Notice)
	for _, l := range slices.Backward(ps) { // oldest first
		id, err := strconv.ParseInt(strings.TrimSpace(l.Values[liftsField]), 10, 64)
		if err != nil || id != p.ID || l.Status == notices.Cancelled || !scheduler.NoticeDate(l.Notice).After(went) {
			continue
		}
		return l, true
	}
	return public{}, false
}

// capDocument answers /cap/{code}.xml: the CAP message of an emergency
// notice the public sees, or 404.
func (s *Server) capDocument(w http.ResponseWriter, r *http.Request) {
	code, ok := strings.CutSuffix(r.PathValue("file"), ".xml")
	if !ok {
		s.fail(w, r, http.StatusNotFound)
		return
	}
	// The notices that lift it went out after it: they come before it.
	ps, ok := s.feedNotices(w, r, func(p public) bool { return p.Code == code })
	if !ok {
		return
	}
	i := slices.IndexFunc(ps, func(p public) bool { return p.Code == code })
	if i < 0 || ps[i].category() != templates.Emergency {
		s.fail(w, r, http.StatusNotFound)
		return
	}
	m, err := s.capMessageOf(ps[i], ps, false)
	if err != nil {
		s.log.Error("feeds: a CAP message does not render", slog.Int64("notice", ps[i].ID), slog.Any("err", err))
		s.fail(w, r, http.StatusInternalServerError)
		return
	}
	s.writeXML(w, r, capType, m.alert)
}

// capFeed answers /cap.atom: the index of the CAP messages of the
// emergency notices the public sees, one entry per notice for its current
// message (the Alert, then the Cancel that replaced it), newest first.
func (s *Server) capFeed(w http.ResponseWriter, r *http.Request) {
	ps, ok := s.feedNotices(w, r, counting(ofCategory(templates.Emergency)))
	if !ok {
		return
	}
	feed := s.feedHead(r, "CAP")
	for _, p := range ps {
		if p.category() != templates.Emergency {
			continue
		}
		m, err := s.capMessageOf(p, ps, true)
		if err != nil {
			s.log.Warn("feeds: a CAP message does not render; it is left out", slog.Int64("notice", p.ID), slog.Any("err", err))
			continue
		}
		feed.Entries = append(feed.Entries, s.capEntry(p, m))
	}
	// A Cancel is news: the newest message first, whenever its notice went out.
	slices.SortStableFunc(feed.Entries, func(a, b atomEntry) int { return strings.Compare(b.Updated, a.Updated) })
	s.finishFeed(&feed)
	s.writeXML(w, r, atomType, feed)
}

// capEntry is the CAP index's entry for notice p's message m.
func (s *Server) capEntry(p public, m capMessage) atomEntry {
	e := atomEntry{
		ID:         noticeEntryID(m.alert.Identifier),
		Title:      m.alert.MsgType + ": " + m.about,
		Updated:    atomTime(m.sent),
		Links:      []atomLink{{Rel: "alternate", Type: "application/cap+xml", Href: s.capURL(p.Code)}, {Rel: "related", Type: "text/html", Href: m.page}},
		Categories: []atomCategory{{Term: m.alert.MsgType}},
	}
	if len(m.alert.Info) > 0 {
		e.Lang = m.alert.Info[0].Language
		e.Summary = m.alert.Info[0].Headline
	} else {
		e.Summary = m.alert.Note
	}
	return e
}

// writeXML answers v as an XML document of content type ctype, made
// whole before the first byte goes out, so a failure is a clean 500.
func (s *Server) writeXML(w http.ResponseWriter, r *http.Request, ctype string, v any) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		s.log.Error("feeds: writing XML", slog.Any("err", err))
		s.fail(w, r, http.StatusInternalServerError)
		return
	}
	b.WriteByte('\n')
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.Write(b.Bytes())
}
