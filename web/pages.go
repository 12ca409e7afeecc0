package web

import (
	"bytes"
	"context"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"

	"golang.org/x/text/language"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
	"github.com/crier-notices/crier/templates"
)

// pageRoutes adds the notices' public pages: each notice's page (the
// accessible HTML version of its flyer) in every language it was written
// in, its flyer to download, and the list of current and recent notices.
func (s *Server) pageRoutes(mux *http.ServeMux) {
	mux.Handle("GET /n/{code}", s.limited(http.HandlerFunc(s.noticePage)))
	// In a language (notices.LanguagePage): where a text message or a
	// flyer in that language leads.
	mux.Handle("GET /n/{code}/{lang}", s.limited(http.HandlerFunc(s.noticePage)))
	flyers := newFlyerCache(flyersKept)
	mux.Handle("GET /n/{code}/flyer.pdf", s.limited(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.noticeFlyer(w, r, flyers)
	})))
	mux.Handle("GET /notices", s.limited(http.HandlerFunc(s.noticesPage)))
}

// listWindow is how long after it went out a notice stays on /notices;
// its own page stays for good.
const listWindow = 90 * 24 * time.Hour

// listMax is the most notices /notices shows.
const listMax = 100

// flyersKept is how many flyers the server keeps made (about 100 KB each).
const flyersKept = 32

// errNoPage says that a code names no page: no notice has it, or it is a
// draft or not yet out.
var errNoPage = errors.New("no public notice has this code")

// visibleNotice returns the notice whose code the request names if the
// public may see it, by the rule of the feeds (notices.Store.PublicNotices:
// published, its send time come, not cancelled before it went out), or
// if it is a proof: the proof's text and flyer lead to its page.
func (s *Server) visibleNotice(ctx context.Context, code string) (notices.Notice, error) {
	n, err := s.publicByCode(ctx, code)
	if errors.Is(err, errNoPage) {
		n, err = s.cfg.Store.ProofByCode(ctx, code)
		if notices.ErrorCode(err) == notices.NotFound {
			err = errNoPage
		}
	}
	return n, err
}

// publicByCode returns the public notice of that code, or errNoPage.
func (s *Server) publicByCode(ctx context.Context, code string) (notices.Notice, error) {
	n, err := s.cfg.Store.PublicNotice(ctx, code, s.now())
	if notices.ErrorCode(err) == notices.NotFound {
		return n, errNoPage
	}
	return n, err
}

// noticeOr404 is visibleNotice answering the request's failures: 404 for
// a code the public may not see, 500 (logged) for the store's faults.
func (s *Server) noticeOr404(w http.ResponseWriter, r *http.Request) (notices.Notice, bool) {
	n, err := s.visibleNotice(r.Context(), r.PathValue("code"))
	switch {
	case errors.Is(err, errNoPage):
		s.fail(w, r, http.StatusNotFound)
		return n, false
	case err != nil:
		s.log.Error("pages: reading a notice", slog.Any("err", err))
		s.fail(w, r, http.StatusInternalServerError)
		return n, false
	}
	return n, true
}

// noticeView is what templates/notice.html shows.
type noticeView struct {
	Utility   templates.Utility
	Tel       template.URL
	Words     pageWords
	WordsLang string // the words' language where it is not the page's (English on a page in Vietnamese)
	Languages []languageLink
	Title     string
	DateLine  string
	Body      template.HTML
	Withdrawn string // the sentence saying when it was withdrawn; "" while it stands
	Proof     bool   // the page of a proof: not published
	FlyerHref string
	ListHref  string
}

// languageLink is one entry of a page's language switch.
type languageLink struct {
	Code, Name, Href string
	Current          bool
}

// noticePage answers GET /n/{code}: the notice in the language the
// reader asks for (?lang=), else the one their browser prefers, else the
// notice's first, with a switch to its other languages.
func (s *Server) noticePage(w http.ResponseWriter, r *http.Request) {
	n, ok := s.noticeOr404(w, r)
	if !ok {
		return
	}
	rs, err := scheduler.NoticeRenderings(s.renderConfig(), n)
	if err != nil {
		s.log.Error("pages: a notice does not render", slog.Int64("notice", n.ID), slog.Any("err", err))
		s.fail(w, r, http.StatusInternalServerError)
		return
	}
	langs := make([]string, len(rs))
	for i, rr := range rs {
		langs[i] = rr.Lang
	}
	lang := pickLanguage(r, langs)
	cur := rs[slices.Index(langs, lang)]
	v, err := s.noticeView(n, rs, cur)
	if err != nil {
		s.log.Error("pages: a notice does not render", slog.Int64("notice", n.ID), slog.Any("err", err))
		s.fail(w, r, http.StatusInternalServerError)
		return
	}
	keep(w, n)
	w.Header().Set("Content-Language", lang)
	s.page(w, r, http.StatusOK, "notice", Page{Lang: lang, Title: cur.Title + " — " + s.cfg.Utility.Name, Data: v})
}

// keep says how long caches may keep what shows notice n: a minute, so a
// withdrawal shows soon; a proof, for the coordinator's eyes, no cache or
// search engine keeps.
func keep(w http.ResponseWriter, n notices.Notice) {
	if n.Proof {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Robots-Tag", "noindex")
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=60")
}

// noticeView builds notice n's page in rendering cur's language; rs are
// its renderings in every language, for the language switch.
func (s *Server) noticeView(n notices.Notice, rs []*templates.Rendering, cur *templates.Rendering) (noticeView, error) {
	body, err := cur.BodyHTML()
	if err != nil {
		return noticeView{}, err
	}
	words := pageWordsFor(cur.Lang)
	v := noticeView{
		Utility:   s.cfg.Utility,
		Tel:       template.URL(templates.TelURI(s.cfg.Utility.Phone)),
		Words:     words,
		Title:     cur.Title,
		DateLine:  cur.DateLine(),
		Body:      body,
		FlyerHref: "/n/" + n.Code + "/flyer.pdf",
		ListHref:  "/notices?lang=" + url.QueryEscape(cur.Lang),
	}
	if words.Lang != cur.Lang {
		v.WordsLang = words.Lang
	}
	v.Proof = n.Proof
	if n.Status == notices.Cancelled {
		// A cancelled notice's last change is its cancelling.
		v.Withdrawn = fill(words.Withdrawn, cur.LongDate(n.UpdatedAt))
	}
	if len(rs) > 1 {
		for _, rr := range rs {
			v.Languages = append(v.Languages, languageLink{Code: rr.Lang, Name: rr.LanguageName(),
				Href: "/n/" + n.Code + "?lang=" + url.QueryEscape(rr.Lang), Current: rr == cur})
		}
	}
	return v, nil
}

// noticeFlyer answers GET /n/{code}/flyer.pdf: the notice's flyer in
// every language, made as the print channel makes it. A withdrawn
// notice's flyer is not handed out.
func (s *Server) noticeFlyer(w http.ResponseWriter, r *http.Request, flyers *flyerCache) {
	n, ok := s.noticeOr404(w, r)
	if !ok {
		return
	}
	if n.Status == notices.Cancelled {
		s.fail(w, r, http.StatusNotFound)
		return
	}
	pdf, ok := flyers.get(n.Code, n.UpdatedAt)
	if !ok {
		var err error
		if pdf, err = s.flyer(n); err != nil {
			s.log.Error("pages: a flyer does not render", slog.Int64("notice", n.ID), slog.Any("err", err))
			s.fail(w, r, http.StatusInternalServerError)
			return
		}
		flyers.put(n.Code, n.UpdatedAt, pdf)
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="notice-`+n.Code+`.pdf"`)
	keep(w, n)
	w.Write(pdf)
}

// flyer makes notice n's flyer, every language of it, as the print
// channel does.
func (s *Server) flyer(n notices.Notice) ([]byte, error) {
	rs, err := scheduler.NoticeRenderings(s.renderConfig(), n)
	if err != nil {
		return nil, err
	}
	var pdf bytes.Buffer
	err = templates.Flyer(&pdf, rs...)
	return pdf.Bytes(), err
}

// listView is what templates/notices.html shows.
type listView struct {
	Utility   string
	Words     pageWords
	Items     []listItem
	Languages []languageLink
}

// listItem is one notice on /notices.
type listItem struct {
	Href, Title, Lang, Date string
	Withdrawn               bool
}

// noticesPage answers GET /notices: the public notices that went out in
// the last listWindow, newest first, each titled in the page's language
// where it was written in it.
func (s *Server) noticesPage(w http.ResponseWriter, r *http.Request) {
	lang := pickLanguage(r, pageLanguages(s.cfg.DefaultLanguage))
	v := listView{Utility: s.cfg.Utility.Name, Words: pageWordsFor(lang)}
	now := s.now()
	// Read only as far as the list shows: years of notices stay unread.
	err := s.cfg.Store.EachPublicNotice(r.Context(), now, func(n notices.Notice) bool {
		if len(v.Items) == listMax || now.Sub(scheduler.NoticeDate(n)) > listWindow {
			return false // newest first: the rest are older
		}
		if it, ok := s.listItem(n, lang); ok {
			v.Items = append(v.Items, it)
		}
		return true
	})
	if err != nil {
		s.log.Error("pages: reading the public notices", slog.Any("err", err))
		s.fail(w, r, http.StatusInternalServerError)
		return
	}
	for _, l := range pageLanguages(s.cfg.DefaultLanguage) {
		v.Languages = append(v.Languages, languageLink{Code: l, Name: pageWordsFor(l).Name, Href: "/notices?lang=" + l, Current: l == lang})
	}
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.Header().Set("Content-Language", lang)
	s.page(w, r, http.StatusOK, "notices", Page{Lang: lang, Title: v.Words.Notices + " — " + s.cfg.Utility.Name, Data: v})
}

// listItem is notice n on a list in lang: its title in lang where it was
// written in it, else in its first language (marked as such). A notice
// whose template is gone is logged and left out.
func (s *Server) listItem(n notices.Notice, lang string) (listItem, bool) {
	fam, err := s.cfg.Library.Family(n.Template)
	if err != nil {
		s.log.Warn("pages: a public notice's template is gone; it is left off the list", slog.Int64("notice", n.ID), slog.String("template", n.Template))
		return listItem{}, false
	}
	langs := scheduler.NoticeLanguages(n, fam)
	l, ok := templates.MatchLanguage(lang, langs)
	if !ok {
		l = langs[0]
	}
	t := fam.ByLang[l]
	if t == nil {
		t = fam.Original
	}
	// The date is written as the page's language writes dates.
	dated := &templates.Rendering{Template: t, Lang: l, Utility: s.cfg.Utility}
	return listItem{
		Href:      "/n/" + n.Code + "?lang=" + url.QueryEscape(l),
		Title:     t.Title,
		Lang:      l,
		Date:      dated.LongDate(scheduler.NoticeDate(n)),
		Withdrawn: n.Status == notices.Cancelled,
	}, true
}

// pickLanguage chooses, of available (in the order of preference of what
// is shown), the one ?lang= names, else the first the browser's
// Accept-Language takes, else the first available.
func pickLanguage(r *http.Request, available []string) string {
	for _, asked := range []string{r.PathValue("lang"), r.URL.Query().Get("lang")} {
		if l, ok := templates.MatchLanguage(asked, available); ok {
			return l
		}
	}
	tags, _, _ := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	for _, t := range tags {
		if l, ok := templates.MatchLanguage(t.String(), available); ok {
			return l
		}
	}
	return available[0]
}
