package web

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"

	"github.com/crier-notices/crier/internal/browsertest"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
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

// TestConsolePagesAccessible is acceptance 2 of issue 13 for the console:
// every page of the console that a signed-in admin reads, each with
// something in it (a sent notice with a failure, a draft, a campaign, a
// list, contacts), passes CheckPages: no WCAG 2.2 AA violation at a
// desktop's and a tablet's width, the keyboard's focus visible, nothing
// scrolling sideways on a tablet or a phone (WCAG 1.4.10, reflow).
func TestConsolePagesAccessible(t *testing.T) {
	s, st, ts := newConsoleServer(t, func(c *Config) {
		c.App.Messages = scheduler.Config{Library: c.Library, Utility: c.Utility, PublicURL: c.PublicURL}
	})
	zoneContacts(t, st, 3)
	sent := consoleNotice(t, st, s.cfg.Library, "Elm Street between 3rd and 5th Avenue", "550 5.1.1 mailbox unavailable")
	if _, err := st.CreateList(t.Context(), "customers"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddToList(t.Context(), "customers", "N-0", "N-1"); err != nil {
		t.Fatal(err)
	}
	admin, _ := testSignIn(t, ts, st, notices.RoleAdmin)
	addTestUser(t, s, "ana", notices.RoleCoordinator)
	resp, _ := postNoticeForm(t, admin, ts, "/console/notices/new/main-break", mainBreakForm(t, s.cfg.Library, "Oak Hill"))
	draft := withoutDone(t, resp.Header.Get("Location"))
	if res := consoleDo(t, admin, http.MethodPost, ts.URL+"/console/campaigns/new", flushingForm("spring")); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("campaign: %d", res.StatusCode)
	}
	notice := "/console/notices/" + strconv.FormatInt(sent.ID, 10)

	base, _ := url.Parse(ts.URL)
	session := admin.Jar.Cookies(base)[0]
	var pages []browsertest.Page
	for _, p := range []string{
		"/console/", notice, notice + "/cancel", "/console/notices",
		"/console/notices/new", "/console/notices/new/main-break", draft,
		"/console/campaigns", "/console/campaigns/new", "/console/campaigns/spring/edit", "/console/campaigns/spring/delete",
		"/console/contacts", "/console/contacts?q=North", "/console/contact/N-0", "/console/contacts/import", "/console/contacts/suppress",
		"/console/lists", "/console/lists/customers", "/console/lists/customers/delete",
		"/console/templates", "/console/templates/main-break",
		"/console/audit", "/console/users",
	} {
		pages = append(pages, browsertest.Page{Path: p})
	}
	browsertest.CheckPages(t, ts.URL, session, pages...)
}
