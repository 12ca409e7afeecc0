package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/crier-notices/crier/internal/logs"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// The links in every email (notices.PreferencesURL) open the recipient's
// preferences page. A GET only shows it, since mail scanners fetch the
// links of the mail they read; only a POST changes anything: the RFC 8058
// one-click (body List-Unsubscribe=One-Click, sent by the mailbox
// provider or by the page's own button) leaves the notice's category at
// once, and the page's form sets every category.

// unsubscribeRoutes adds the preferences page and the one-click
// unsubscribe, both at the address an email gives.
func (s *Server) unsubscribeRoutes(mux *http.ServeMux) {
	mux.Handle("GET /unsubscribe/{delivery}/{token}", s.limited(http.HandlerFunc(s.preferencesPage)))
	mux.Handle("POST /unsubscribe/{delivery}/{token}", s.limitedBy(s.oneClick, http.HandlerFunc(s.preferencesPost)))
}

// tokenLength is the length of notices.Notice.UnsubscribeToken: 16 bytes
// in unpadded base64url.
const tokenLength = 22

// parseUnsubscribePath reads /unsubscribe/{delivery}/{token} as
// notices.UnsubscribePath writes it, and only so: a delivery id in
// decimal without a sign or leading zero, and a token of tokenLength
// base64url characters. Anything else is not a link Crier gave out.
func parseUnsubscribePath(p string) (id int64, token string, ok bool) {
	rest, found := strings.CutPrefix(p, "/unsubscribe/")
	if !found {
		return 0, "", false
	}
	num, token, found := strings.Cut(rest, "/")
	if !found || len(num) == 0 || len(num) > 19 || num[0] == '0' || len(token) != tokenLength {
		return 0, "", false
	}
	for _, c := range []byte(num) {
		if c < '0' || c > '9' {
			return 0, "", false
		}
	}
	for _, c := range []byte(token) {
		if !isBase64URL(c) {
			return 0, "", false
		}
	}
	id, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return 0, "", false
	}
	return id, token, true
}

func isBase64URL(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// preferencesView is what the preferences page shows.
type preferencesView struct {
	W        unsubscribeWords
	Utility  string // whose emails these are
	Address  string // shortened: the page may be seen over a shoulder
	Category string // the notice's category in words; "" for an emergency
	Left     bool   // the address no longer gets the notice's category
	Done     string // what the last POST did, "" for a GET
	Service  bool   // the address wants service notices
	Info     bool   // the address wants information notices
	Invalid  bool   // the link is not one Crier gave out
}

// link checks the request's link and returns its delivery, with the
// notice's category. On a bad link it answers and returns false.
func (s *Server) link(w http.ResponseWriter, r *http.Request) (notices.LinkedDelivery, templates.Category, bool) {
	w.Header().Set("Cache-Control", "no-store")
	id, token, ok := parseUnsubscribePath(r.URL.EscapedPath())
	var ld notices.LinkedDelivery
	var err error
	if ok {
		ld, err = s.cfg.Store.OpenUnsubscribeLink(r.Context(), id, token)
	}
	switch {
	case !ok || notices.ErrorCode(err) == notices.NotFound:
		words := unsubscribeWordsFor(s.cfg.DefaultLanguage)
		s.page(w, r, http.StatusNotFound, "unsubscribe", Page{Lang: words.Lang, Title: words.InvalidTitle, Data: preferencesView{W: words, Invalid: true}})
		return ld, "", false
	case err != nil:
		s.log.Error("web: unsubscribe link not read", "err", err)
		s.fail(w, r, http.StatusInternalServerError)
		return ld, "", false
	}
	return ld, s.noticeCategory(ld.Notice), true
}

// noticeCategory is the category of notice n: frozen when it was
// published, or for a notice published before categories were kept, its
// template's now (information when the template is gone: the one-click
// then leaves what can be left).
func (s *Server) noticeCategory(n notices.Notice) templates.Category {
	if s.cfg.Library != nil && n.Category == "" {
		if fam, err := s.cfg.Library.Family(n.Template); err == nil {
			return n.CategoryWith(fam.Original.Category)
		}
	}
	return n.CategoryWith(templates.Information)
}

// preferencesPage shows the recipient's choices; it changes nothing.
func (s *Server) preferencesPage(w http.ResponseWriter, r *http.Request) {
	ld, cat, ok := s.link(w, r)
	if !ok {
		return
	}
	s.showPreferences(w, r, http.StatusOK, ld, cat, "")
}

// preferencesPost is the one-click unsubscribe (RFC 8058: the body
// List-Unsubscribe=One-Click, no cookie, no login; 200, no redirect, the
// same when repeated), or the page's form of choices.
func (s *Server) preferencesPost(w http.ResponseWriter, r *http.Request) {
	ld, cat, ok := s.link(w, r)
	if !ok {
		return
	}
	if err := parsePostForm(r); err != nil {
		s.showPreferences(w, r, http.StatusBadRequest, ld, cat, "")
		return
	}
	words := unsubscribeWordsFor(ld.Delivery.Language, s.cfg.DefaultLanguage)
	ctx, addr := r.Context(), ld.Delivery.Address
	var done string
	var err error
	switch {
	case r.PostForm.Get("List-Unsubscribe") == "One-Click":
		done = words.NothingToLeave
		if notices.CanOptOut(cat) {
			err = s.optOut(ctx, addr, cat, ld.Notice.ID)
			done = words.left(cat)
		}
	case r.PostForm.Get("choose") == "1":
		wanted := map[templates.Category]bool{
			templates.Service:     r.PostForm.Get("service") == "on",
			templates.Information: r.PostForm.Get("information") == "on",
		}
		_, err = s.cfg.Store.SetEmailPreferences(ctx, addr, wanted, ld.Notice.ID, notices.PreferencesPage)
		done = words.Saved
	default:
		s.showPreferences(w, r, http.StatusBadRequest, ld, cat, "")
		return
	}
	if err != nil {
		s.log.Error("web: email preferences not saved", "address", logs.ShortAddress(addr), "err", err)
		s.fail(w, r, http.StatusServiceUnavailable)
		return
	}
	s.log.Info("email preferences changed", "address", logs.ShortAddress(addr), "notice", ld.Notice.ID)
	s.showPreferences(w, r, http.StatusOK, ld, cat, done)
}

// kindOneClick is the spool's kind for a one-click unsubscribe the store
// could not take at once.
const kindOneClick = "one-click"

// optOut records a one-click unsubscribe. A mailbox provider posts it
// once, so when the store cannot take it now (an import holds the write
// lock) it is kept in the spool and recorded as soon as the store allows;
// the customer is told it is done, which it then is.
func (s *Server) optOut(ctx context.Context, addr string, cat templates.Category, noticeID int64) error {
	form := url.Values{"address": {addr}, "category": {string(cat)}, "notice": {strconv.FormatInt(noticeID, 10)}}
	_, err := s.recordOrKeep(ctx, kindOneClick, form, s.now(), s.recordOptOut)
	return err
}

// recordOptOut records a one-click unsubscribe, at once or from the spool.
func (s *Server) recordOptOut(ctx context.Context, form url.Values, _ time.Time) error {
	noticeID, err := strconv.ParseInt(form.Get("notice"), 10, 64)
	if err != nil {
		return errInvalid("a kept one-click unsubscribe without its notice")
	}
	_, err = s.cfg.Store.OptOut(ctx, form.Get("address"), templates.Category(form.Get("category")), noticeID, notices.OneClick)
	return err
}

// parsePostForm reads a form posted as RFC 8058 allows (multipart/form-data
// or application/x-www-form-urlencoded) into r.PostForm, and a body posted
// without a Content-Type as the latter: a mail program that leaves it out
// still means List-Unsubscribe=One-Click.
func parsePostForm(r *http.Request) error {
	if r.Header.Get("Content-Type") == "" {
		b, err := io.ReadAll(r.Body) // at most maxBody (protect)
		if err != nil {
			return err
		}
		r.PostForm, err = url.ParseQuery(strings.TrimSpace(string(b)))
		return err
	}
	err := r.ParseMultipartForm(maxBody)
	if errors.Is(err, http.ErrNotMultipart) {
		return r.ParseForm()
	}
	return err
}

// showPreferences answers with the page of ld's address: its choices as
// the store has them now, and what was just done.
func (s *Server) showPreferences(w http.ResponseWriter, r *http.Request, status int, ld notices.LinkedDelivery, cat templates.Category, done string) {
	out, err := s.cfg.Store.OptedOut(r.Context(), ld.Delivery.Address)
	if err != nil {
		s.log.Error("web: email preferences not read", "err", err)
		s.fail(w, r, http.StatusInternalServerError)
		return
	}
	words := unsubscribeWordsFor(ld.Delivery.Language, s.cfg.DefaultLanguage)
	v := preferencesView{W: words, Utility: s.cfg.Utility.Name, Address: logs.ShortAddress(ld.Delivery.Address), Done: done, Service: true, Info: true}
	for _, c := range out {
		switch c {
		case templates.Service:
			v.Service = false
		case templates.Information:
			v.Info = false
		}
		v.Left = v.Left || c == cat
	}
	if notices.CanOptOut(cat) {
		v.Category = words.Categories[cat]
	}
	s.page(w, r, status, "unsubscribe", Page{Lang: words.Lang, Title: words.Title, Data: v})
}
