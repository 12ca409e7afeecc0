package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/notices"
)

// consoleRestRoutes registers the console's campaigns, contacts, lists,
// templates and audit log pages: reading needs a viewer, changing a
// coordinator (consoleOnly raises a viewer's write to one anyway).
func (s *Server) consoleRestRoutes(mux *http.ServeMux) {
	if s.cfg.App == nil {
		return // no application core: the console answers 404
	}
	for _, r := range s.restRoutes() {
		mux.Handle(r.pattern, s.consoleOnly(r.role, http.HandlerFunc(r.h)))
	}
}

// consoleRoute is one console route and the role it needs.
type consoleRoute struct {
	pattern string
	role    notices.Role
	h       http.HandlerFunc
}

// restRoutes lists this part's routes (a test walks them all).
func (s *Server) restRoutes() []consoleRoute {
	var rs []consoleRoute
	rs = append(rs, s.campaignRoutes()...)
	rs = append(rs, s.contactRoutes()...)
	rs = append(rs, s.listRoutes()...)
	rs = append(rs, s.templateRoutes()...)
	rs = append(rs, consoleRoute{"GET /console/audit", notices.RoleViewer, s.auditPage})
	return rs
}

// fieldErrors are a form's problems by field name, for the page to show
// beside each field; "" holds those of the form as a whole.
type fieldErrors map[string]string

// add records message for field, after any message it has.
func (fe fieldErrors) add(field, message string) {
	if old := fe[field]; old != "" {
		message = old + " " + message
	}
	fe[field] = message
}

// errorsOf turns err into a form's field errors: an *app.InvalidError's
// problems by field, or the error as a whole.
func errorsOf(err error) fieldErrors {
	fe := fieldErrors{}
	for _, p := range app.ProblemsOf(err) {
		fe.add(p.Field, p.Message)
	}
	return fe
}

// statusOf is the HTTP status of a use case's error on a console page.
func statusOf(err error) int {
	switch app.ErrorCode(err) {
	case notices.Invalid:
		return http.StatusUnprocessableEntity
	case notices.NotFound:
		return http.StatusNotFound
	case notices.Conflict:
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

// seeOther sends the browser to path (under the console, with or
// without a query), whose page shows done as its flash line: the one way
// the console carries a line across a redirect. The line is kept on the server and the
// address carries only its id: a link made elsewhere cannot put words
// into the console.
func (s *Server) seeOther(w http.ResponseWriter, r *http.Request, path, done string) {
	if done != "" {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "done=" + s.rest.keepFlash(s.now(), userOf(r).Name, done)
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// doneLine is the flash line a redirect's ?done= stands for, once.
func (s *Server) doneLine(r *http.Request) string {
	id := r.URL.Query().Get("done")
	if id == "" {
		return ""
	}
	return s.rest.takeFlash(s.now(), id, userOf(r).Name)
}

// internal logs err and answers 500.
func (s *Server) internal(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("web: console", "path", r.URL.Path, "err", err)
	s.fail(w, r, http.StatusInternalServerError)
}

// pageParam reads a positive integer query parameter, 0 when absent or
// bad.
func pageParam(r *http.Request, name string) int64 {
	n, err := strconv.ParseInt(r.URL.Query().Get(name), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// trimmed is the form value name without surrounding spaces.
func trimmed(r *http.Request, name string) string {
	return strings.TrimSpace(r.FormValue(name))
}
