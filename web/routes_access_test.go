package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/crier-notices/crier/notices"
)

// guardedRoute is a console or API route as the access test sees it: the
// mux pattern (for a notice's sub-page, the pattern with the sub-page's
// name in place of {what...}), a path that matches it, and the least role
// it is for.
type guardedRoute struct {
	pattern string
	path    string
	need    notices.Role
}

// guardedRoutes lists every console and API route that needs a signed-in
// user or a token. TestEveryRouteIsGuarded fails when the code serves one
// this list lacks.
var guardedRoutes = []guardedRoute{
	// Notices (part NOTICE).
	{"GET /console/{$}", "/console/", notices.RoleViewer},
	{"GET /console/progress", "/console/progress", notices.RoleViewer},
	{"GET /console/notices", "/console/notices", notices.RoleViewer},
	{"GET /console/notices/{id}", "/console/notices/1", notices.RoleViewer},
	{"GET /console/notices/{id}/deliveries.csv", "/console/notices/1/deliveries.csv", notices.RoleViewer},
	{"GET /console/notices/{id}/live", "/console/notices/1/live", notices.RoleViewer},
	{"GET /console/notices/{id}/flyer.pdf", "/console/notices/1/flyer.pdf", notices.RoleViewer},
	{"GET /console/notices/{id}/letters.pdf", "/console/notices/1/letters.pdf", notices.RoleViewer},
	{"GET /console/notices/{id}/email", "/console/notices/1/email/en", notices.RoleViewer},
	{"GET /console/notices/{id}/cancel", "/console/notices/1/cancel", notices.RoleCoordinator},
	{"GET /console/notices/{id}/preview", "/console/notices/1/preview", notices.RoleCoordinator},
	{"POST /console/notices/{id}/proof", "/console/notices/1/proof", notices.RoleCoordinator},
	{"POST /console/notices/{id}/send", "/console/notices/1/send", notices.RoleCoordinator},
	{"POST /console/notices/{id}/cancel", "/console/notices/1/cancel", notices.RoleCoordinator},
	{"POST /console/notices/{id}/resume", "/console/notices/1/resume", notices.RoleCoordinator},
	{"POST /console/notices/{id}/approve", "/console/notices/1/approve", notices.RoleCoordinator},
	{"GET /console/notices/new", "/console/notices/new", notices.RoleCoordinator},
	{"GET /console/notices/new/{template}", "/console/notices/new/boil-water", notices.RoleCoordinator},
	{"POST /console/notices/new/{template}", "/console/notices/new/boil-water", notices.RoleCoordinator},
	{"POST /console/notices/new/{template}/sms", "/console/notices/new/boil-water/sms", notices.RoleCoordinator},
	// Campaigns, contacts, lists, templates, audit (part REST).
	{"GET /console/campaigns", "/console/campaigns", notices.RoleViewer},
	{"GET /console/campaigns/new", "/console/campaigns/new", notices.RoleCoordinator},
	{"POST /console/campaigns/new", "/console/campaigns/new", notices.RoleCoordinator},
	{"GET /console/campaigns/{name}/edit", "/console/campaigns/monthly/edit", notices.RoleCoordinator},
	{"POST /console/campaigns/{name}/edit", "/console/campaigns/monthly/edit", notices.RoleCoordinator},
	{"POST /console/campaigns/{name}/pause", "/console/campaigns/monthly/pause", notices.RoleCoordinator},
	{"POST /console/campaigns/{name}/resume", "/console/campaigns/monthly/resume", notices.RoleCoordinator},
	{"GET /console/campaigns/{name}/delete", "/console/campaigns/monthly/delete", notices.RoleCoordinator},
	{"POST /console/campaigns/{name}/delete", "/console/campaigns/monthly/delete", notices.RoleCoordinator},
	{"GET /console/contacts", "/console/contacts", notices.RoleViewer},
	{"GET /console/contact/{account}", "/console/contact/A-1", notices.RoleViewer},
	{"GET /console/contacts/import", "/console/contacts/import", notices.RoleCoordinator},
	{"POST /console/contacts/import", "/console/contacts/import", notices.RoleCoordinator},
	{"GET /console/contacts/import/{id}/rejects.csv", "/console/contacts/import/x/rejects.csv", notices.RoleCoordinator},
	{"GET /console/contacts/suppress", "/console/contacts/suppress", notices.RoleCoordinator},
	{"POST /console/contacts/suppress", "/console/contacts/suppress", notices.RoleCoordinator},
	{"POST /console/contacts/resubscribe", "/console/contacts/resubscribe", notices.RoleCoordinator},
	{"GET /console/lists", "/console/lists", notices.RoleViewer},
	{"POST /console/lists", "/console/lists", notices.RoleCoordinator},
	{"GET /console/lists/{name}", "/console/lists/north", notices.RoleViewer},
	{"POST /console/lists/{name}/add", "/console/lists/north/add", notices.RoleCoordinator},
	{"POST /console/lists/{name}/remove", "/console/lists/north/remove", notices.RoleCoordinator},
	{"GET /console/lists/{name}/delete", "/console/lists/north/delete", notices.RoleCoordinator},
	{"POST /console/lists/{name}/delete", "/console/lists/north/delete", notices.RoleCoordinator},
	{"GET /console/templates", "/console/templates", notices.RoleViewer},
	{"GET /console/templates/{name}", "/console/templates/boil-water", notices.RoleViewer},
	{"GET /console/templates/{name}/email", "/console/templates/boil-water/email", notices.RoleViewer},
	{"GET /console/templates/{name}/flyer.pdf", "/console/templates/boil-water/flyer.pdf", notices.RoleViewer},
	{"POST /console/templates/upload", "/console/templates/upload", notices.RoleCoordinator},
	{"GET /console/audit", "/console/audit", notices.RoleViewer},
	// Users (part AUTH): admins only.
	{"GET /console/users", "/console/users", notices.RoleAdmin},
	{"POST /console/users", "/console/users", notices.RoleAdmin},
	{"POST /console/users/{id}/role", "/console/users/1/role", notices.RoleAdmin},
	{"POST /console/users/{id}/password", "/console/users/1/password", notices.RoleAdmin},
	{"POST /console/users/{id}/disable", "/console/users/1/disable", notices.RoleAdmin},
	// The JSON API (part API).
	{"GET /api/v1/openapi.json", "/api/v1/openapi.json", notices.RoleViewer},
	{"GET /api/v1/templates", "/api/v1/templates", notices.RoleViewer},
	{"GET /api/v1/templates/{name}", "/api/v1/templates/boil-water", notices.RoleViewer},
	{"POST /api/v1/preview", "/api/v1/preview", notices.RoleCoordinator},
	{"GET /api/v1/notices", "/api/v1/notices", notices.RoleViewer},
	{"POST /api/v1/notices", "/api/v1/notices", notices.RoleCoordinator},
	{"GET /api/v1/notices/{id}", "/api/v1/notices/1", notices.RoleViewer},
	{"GET /api/v1/notices/{id}/report", "/api/v1/notices/1/report", notices.RoleViewer},
	{"POST /api/v1/notices/{id}/cancel", "/api/v1/notices/1/cancel", notices.RoleCoordinator},
	{"POST /api/v1/contacts/import", "/api/v1/contacts/import", notices.RoleCoordinator},
	{"GET /api/v1/campaigns", "/api/v1/campaigns", notices.RoleViewer},
	// The API's answer to any other address under its prefix.
	{"/api/v1/", "/api/v1/nowhere", notices.RoleViewer},
}

// openRoutes are the console's routes that answer without a session, by
// design: signing in and out, and the one-time setup address (which holds
// its own secret).
var openRoutes = []string{
	"GET /console/login", "POST /console/login", "POST /console/logout",
	"GET /console/setup/{token}", "POST /console/setup/{token}",
}

// servedGuardedRoutes returns the console and API patterns the code
// registers, read from web/*.go as the mux is given them, with a notice's
// sub-pages (the maps behind /console/notices/{id}/{what...}) each as its
// own pattern, and the API's from its route table.
func servedGuardedRoutes(t *testing.T, s *Server) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	// "GET /console/x" or "GET "+ConsolePrefix+"x" in a route's registration.
	literal := regexp.MustCompile(`"((?:GET|POST|PUT|PATCH|DELETE|HEAD) )(/console/|"\s*\+\s*ConsolePrefix\s*\+\s*")([^"]*)"`)
	// A notice's sub-page: "deliveries.csv": {notices.RoleViewer, …} or
	// gets["preview"] = ….
	subGet := regexp.MustCompile(`(?m)^\s*(?:"([a-z.]+)":\s*\{notices\.Role|gets\["([a-z.]+)"\]\s*=)`)
	subPost := regexp.MustCompile(`posts\["([a-z.]+)"\]\s*=`)
	var found []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			p := m[1] + "/console/" + m[3]
			if !strings.HasSuffix(p, "{what...}") {
				found = append(found, p)
			}
		}
		if f != "console_notices.go" && f != "console_send.go" {
			continue
		}
		for _, m := range subGet.FindAllStringSubmatch(string(b), -1) {
			found = append(found, "GET /console/notices/{id}/"+m[1]+m[2])
		}
		for _, m := range subPost.FindAllStringSubmatch(string(b), -1) {
			found = append(found, "POST /console/notices/{id}/"+m[1])
		}
	}
	for _, rt := range s.apiRouteTable() {
		found = append(found, rt.Method+" "+rt.Path)
	}
	found = append(found, APIPrefix)
	slices.Sort(found)
	return slices.Compact(found)
}

// TestEveryRouteIsGuarded is acceptance 3's first half, over every route
// of the console and the API: without a session a page read goes to the
// sign-in page and anything else is refused with 401, without a token the
// API answers 401; a viewer's write (and a read of a page for
// coordinators) is refused with 403, whether by session or by token; a
// coordinator is refused the admin's pages. A route the code serves that
// guardedRoutes lacks fails the test, so a new one cannot slip past.
func TestEveryRouteIsGuarded(t *testing.T) {
	s, st, ts := newConsoleServer(t, nil)

	t.Run("the list is complete", func(t *testing.T) {
		var listed []string
		for _, r := range guardedRoutes {
			listed = append(listed, r.pattern)
		}
		listed = append(listed, openRoutes...)
		for _, p := range servedGuardedRoutes(t, s) {
			if !slices.Contains(listed, p) {
				t.Errorf("route %q is served but not in guardedRoutes: add it with a sample path and its role", p)
			}
		}
	})

	anonymous := newClient()
	ctx := context.Background()
	tokens := map[notices.Role]string{}
	sessions := map[notices.Role]*http.Client{}
	for _, role := range notices.Roles {
		tok, err := st.CreateToken(ctx, "token-"+string(role), role)
		if err != nil {
			t.Fatal(err)
		}
		tokens[role] = tok
		sessions[role], _ = testSignIn(t, ts, st, role)
	}

	for _, rt := range guardedRoutes {
		method, _, ok := strings.Cut(rt.pattern, " ")
		if !ok {
			method = "POST" // the API's catch-all: any method
		}
		api := strings.HasPrefix(rt.path, APIPrefix)
		t.Run(rt.pattern, func(t *testing.T) {
			resp := sameSite(t, anonymous, ts, method, rt.path, "")
			switch {
			case method == "GET" && !api:
				if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/console/login?next=") {
					t.Errorf("without a session: %d to %q; want 303 to the sign-in page", resp.StatusCode, loc)
				}
			case resp.StatusCode != http.StatusUnauthorized:
				t.Errorf("without a session or token: %d; want 401", resp.StatusCode)
			}
			if api {
				// A console session is no token.
				if resp := sameSite(t, sessions[notices.RoleAdmin], ts, method, rt.path, ""); resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("with an admin's console session and no token: %d; want 401", resp.StatusCode)
				}
			}
			for _, role := range notices.Roles {
				refused := !role.Allows(rt.need) || (method != "GET" && role == notices.RoleViewer)
				var resp *http.Response
				if api {
					resp = sameSite(t, anonymous, ts, method, rt.path, tokens[role])
				} else {
					resp = sameSite(t, sessions[role], ts, method, rt.path, "")
				}
				switch got := resp.StatusCode; {
				case refused && got != http.StatusForbidden:
					t.Errorf("%s: %d; want 403", role, got)
				case !refused && (got == http.StatusForbidden || got == http.StatusUnauthorized):
					t.Errorf("%s: %d; want the route's own answer", role, got)
				}
			}
		})
	}
}

// TestEveryWriteRefusesCrossSite: every state-changing console and API
// route, and the sign-in, sign-out and setup, refuses a request that a
// browser marks as from another site, even from an admin (who may do
// everything else), and so does an old browser's that only sends Origin.
func TestEveryWriteRefusesCrossSite(t *testing.T) {
	_, st, ts := newConsoleServer(t, nil)
	admin, _ := testSignIn(t, ts, st, notices.RoleAdmin)
	token, err := st.CreateToken(context.Background(), "token-admin", notices.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	paths := []string{"/console/login", "/console/logout", "/console/setup/x"}
	for _, rt := range guardedRoutes {
		if method, _, _ := strings.Cut(rt.pattern, " "); method != "GET" {
			paths = append(paths, rt.path)
		}
	}
	for _, path := range paths {
		for _, headers := range []map[string]string{
			{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
			{"Origin": "https://evil.example"},
		} {
			req, err := http.NewRequest("POST", ts.URL+path, strings.NewReader("name=x"))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Authorization", "Bearer "+token)
			for k, v := range headers {
				req.Header.Set(k, v)
			}
			resp, err := admin.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s with %v: %d; want 403", path, headers, resp.StatusCode)
			}
		}
	}
}

// sameSite sends method to path on ts with client as a page of the same
// site does, with an empty form and, when token is not "", the API token.
func sameSite(t *testing.T, client *http.Client, ts *httptest.Server, method, path, token string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	if method != "GET" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", ts.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// countingBody is a request body of n bytes that counts what is read of
// it.
type countingBody struct {
	left, read int
}

func (b *countingBody) Read(p []byte) (int, error) {
	if b.left == 0 {
		return 0, io.EOF
	}
	n := min(len(p), b.left)
	for i := range p[:n] {
		p[i] = 'x'
	}
	b.left -= n
	b.read += n
	return n, nil
}

func (b *countingBody) Close() error { return nil }

// TestUnauthenticatedBodyIsNotRead: a request without a session or token
// cannot make the server read a large body: the console's and the API's
// 100 MiB limit is for the signed-in only. The guarded routes refuse
// before reading, and the routes open to all (sign-in, setup, sign-out)
// read no more than the public pages' limit, whatever the body's type.
func TestUnauthenticatedBodyIsNotRead(t *testing.T) {
	s, _, _ := newConsoleServer(t, nil)
	h := s.Handler()
	const size = 4 << 20
	paths := []string{"/console/login", "/console/logout", "/console/setup/x"}
	for _, rt := range guardedRoutes {
		if method, _, _ := strings.Cut(rt.pattern, " "); method != "GET" {
			paths = append(paths, rt.path)
		}
	}
	for _, path := range paths {
		for _, ctype := range []string{"application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz", "application/json", "text/csv"} {
			body := &countingBody{left: size}
			req := httptest.NewRequest("POST", path, body)
			req.Header.Set("Content-Type", ctype)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			h.ServeHTTP(httptest.NewRecorder(), req)
			if body.read > maxBody+4096 {
				t.Errorf("POST %s (%s) without a session: the server read %d bytes of the body; want at most %d", path, ctype, body.read, maxBody)
			}
		}
	}
}
