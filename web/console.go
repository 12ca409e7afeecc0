package web

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"

	"github.com/crier-notices/crier/notices"
)

// ConsolePrefix is where the coordinator's console lives, on the same
// listener as the public pages; APIPrefix the JSON API's.
const (
	ConsolePrefix = "/console/"
	APIPrefix     = "/api/v1/"
)

// ConsolePage is what a console page template is given.
type ConsolePage struct {
	Title   string
	Section string       // the nav entry it belongs to: dashboard, new, notices, campaigns, contacts, templates, audit, users
	User    notices.User // who is signed in
	Utility string       // the utility's name
	Flash   string       // a line saying what was just done ("Notice 12 sent")
	Data    any          // the page's own
}

// parseConsolePages reads every page of templates/console/, each inside
// console/layout.html, with the partials every page may use
// (templates/console/partials/: a form's inputs …).
func parseConsolePages() (map[string]*template.Template, error) {
	layout, err := template.New("layout.html").Funcs(consoleFuncs).ParseFS(pageFiles, "templates/console/layout.html", "templates/console/partials/*.html")
	if err != nil {
		return nil, err
	}
	return pagesIn(layout, "templates/console/*.html")
}

// consoleFuncs are the functions console templates may call.
var consoleFuncs = template.FuncMap{
	"allows": func(u notices.User, need string) bool { return u.Role.Allows(notices.Role(need)) },
	// authField is an input of the sign-in, the setup and the Users
	// page, with its label, help and problem (web/form_field.go).
	"authField": newAuthInput,
	// pathEscape makes a name (an account, a list, a campaign) one
	// segment of a console address.
	"pathEscape": url.PathEscape,
}

// consolePage answers with console page name (templates/console/NAME.html)
// inside the console's layout, for the signed-in user. Like page, it
// renders into a buffer first: a template error is a plain 500, never
// half a page.
func (s *Server) consolePage(w http.ResponseWriter, r *http.Request, status int, name string, p ConsolePage) {
	t := s.consolePages[name]
	if t == nil {
		s.log.Error("web: no console template", "page", name)
		s.fail(w, r, http.StatusInternalServerError)
		return
	}
	p.User = userOf(r)
	p.Utility = s.cfg.Utility.Name
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		s.log.Error("web: a console page failed", "page", name, "err", err)
		s.fail(w, r, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
