package web

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/crier-notices/crier/internal/browsertest"
	"github.com/crier-notices/crier/notices"
)

// TestConsoleLayoutAccessible: the console's layout, which every console
// page is drawn in (header, navigation of an admin, sign-out, the line
// saying what was just done), passes CheckPages for a signed-in user:
// no WCAG 2.2 AA violation, a visible focus from the skip link on, no
// sideways scrolling on a tablet or a phone. The console's own pages join
// this check as they come (browsertest.CheckPages with their paths).
func TestConsoleLayoutAccessible(t *testing.T) {
	s, st, _ := newConsoleServer(t, nil)
	layout := template.Must(template.New("layout.html").Funcs(consoleFuncs).ParseFS(pageFiles, "templates/console/layout.html"))
	s.consolePages["layout-check"] = template.Must(layout.Parse(`{{define "content"}}<h1>{{.Title}}</h1>
<p>Notices sending now, the next campaign firings and recent failures show here.</p>{{end}}`))
	mux := http.NewServeMux()
	mux.Handle("GET /console/layout-check", s.consoleOnly(notices.RoleViewer, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.consolePage(w, r, http.StatusOK, "layout-check", ConsolePage{Title: "Dashboard", Section: "dashboard", Flash: "Notice 12 sent."})
	})))
	mux.Handle("/", s.Handler())
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)

	client, _ := testSignIn(t, ts, st, notices.RoleAdmin)
	base, _ := url.Parse(ts.URL)
	session := client.Jar.Cookies(base)[0]
	browsertest.CheckPages(t, ts.URL, session, browsertest.Page{Path: "/console/layout-check"})
}
