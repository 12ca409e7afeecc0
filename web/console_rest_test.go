package web

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/crier-notices/crier/notices"
)

// routePath is a route pattern's path with its wildcards filled.
func routePath(pattern string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	r := strings.NewReplacer("{name}", "spring-flushing", "{account}", "A-1", "{id}", "0123456789abcdef")
	return method, r.Replace(path)
}

func TestConsoleRestRoutesRefuseStrangersAndViewersWrites(t *testing.T) {
	s, st, ts := newConsoleServer(t, nil)
	viewer, _ := testSignIn(t, ts, st, notices.RoleViewer)
	stranger := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	routes := s.restRoutes()
	if len(routes) < 20 {
		t.Fatalf("only %d routes listed", len(routes))
	}
	for _, rt := range routes {
		method, path := routePath(rt.pattern)
		t.Run(rt.pattern, func(t *testing.T) {
			res := consoleDo(t, stranger, method, ts.URL+path, nil)
			switch method {
			case http.MethodGet:
				if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/console/login?next=") {
					t.Errorf("no session: %s %s = %d %q, want a redirect to the sign-in page", method, path, res.StatusCode, res.Header.Get("Location"))
				}
			default:
				if res.StatusCode != http.StatusUnauthorized {
					t.Errorf("no session: %s %s = %d, want 401", method, path, res.StatusCode)
				}
			}
			res = consoleDo(t, viewer, method, ts.URL+path, url.Values{"reason": {"x"}, "address": {"a@b.example"}})
			if method != http.MethodGet && res.StatusCode != http.StatusForbidden {
				t.Errorf("viewer: %s %s = %d, want 403", method, path, res.StatusCode)
			}
			if method == http.MethodGet && rt.role != notices.RoleViewer && res.StatusCode != http.StatusForbidden {
				t.Errorf("viewer: %s %s = %d, want 403 (it needs a %s)", method, path, res.StatusCode, rt.role)
			}
		})
	}
}

// consoleDo sends a request (a form when form is not nil) and returns the
// response with its body read and closed.
func consoleDo(t *testing.T, c *http.Client, method, u string, form url.Values) *http.Response {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	res.Body = io.NopCloser(strings.NewReader(string(b)))
	return res
}

// consoleGet GETs u and returns its status and body.
func consoleGet(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	res := consoleDo(t, c, http.MethodGet, u, nil)
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// saveContacts adds contacts to st.
func saveContacts(t *testing.T, st *notices.Store, cs ...notices.Contact) {
	t.Helper()
	for _, c := range cs {
		if _, err := st.SaveContact(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
}

// TestConsoleFlashLineIsNotTakenFromTheAddress: a link made elsewhere
// with ?done= cannot put words into the console; the line a change
// leaves shows once, to whoever made it.
func TestConsoleFlashLineIsNotTakenFromTheAddress(t *testing.T) {
	_, st, ts := newConsoleServer(t, nil)
	coord, _ := testSignIn(t, ts, st, notices.RoleCoordinator)
	if _, body := consoleGet(t, coord, ts.URL+"/console/lists?done=Your+password+expired"); strings.Contains(body, "password") {
		t.Errorf("the page shows a line from its address:\n%s", body)
	}
	res := consoleDo(t, coord, http.MethodPost, ts.URL+"/console/lists", url.Values{"name": {"hospitals"}})
	next := ts.URL + res.Header.Get("Location")
	other, _ := testSignIn(t, ts, st, notices.RoleAdmin)
	if _, body := consoleGet(t, other, next); strings.Contains(body, "List hospitals created.") {
		t.Error("another user sees the line")
	}
	if _, body := consoleGet(t, coord, next); !strings.Contains(body, `<p class="flash" role="status">List hospitals created.</p>`) {
		t.Errorf("no flash line after the change:\n%s", body)
	}
	if _, body := consoleGet(t, coord, next); strings.Contains(body, "List hospitals created.") {
		t.Error("the line shows twice")
	}
}

// TestConsoleRestRoutesRefuseCrossOriginWrites: a coordinator's browser
// led by another site to post to a console page changes nothing.
func TestConsoleRestRoutesRefuseCrossOriginWrites(t *testing.T) {
	s, st, ts := newConsoleServer(t, nil)
	coord, _ := testSignIn(t, ts, st, notices.RoleCoordinator)
	for _, rt := range s.restRoutes() {
		method, path := routePath(rt.pattern)
		if method == http.MethodGet {
			continue
		}
		req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader("reason=x&address=a%40b.example&name=x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		req.Header.Set("Origin", "https://evil.example")
		res, err := coord.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site %s %s = %d, want 403", method, path, res.StatusCode)
		}
	}
	if ls, _ := st.Lists(t.Context()); len(ls) != 0 {
		t.Errorf("a cross-site post created %d list(s)", len(ls))
	}
}
