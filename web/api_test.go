package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/notices/importer"
	"github.com/crier-notices/crier/scheduler"
)

// apiContactsCSV are four customers of the test utility: three on the
// list "zone4" in zone 4 (two by email, one by text), one in zone 7.
const apiContactsCSV = `account,name,email,mobile,zone,language
1001,Ana Diaz,ana@example.org,,4,es
1002,Bo Lee,bo@example.org,+13155550142,4,
1003,Cy Park,,+13155550143,4,
1004,Di Roy,di@example.org,,7,
`

// importContacts puts apiContactsCSV into st, the zone 4 rows on list zone4.
func importContacts(t testing.TB, st *notices.Store) {
	t.Helper()
	ctx := context.Background()
	for _, l := range []struct{ list, csv string }{{"zone4", apiContactsCSV[:strings.Index(apiContactsCSV, "1004")]}, {"", apiContactsCSV}} {
		if _, err := importer.Import(ctx, st, strings.NewReader(l.csv), importer.Options{Source: "contacts.csv", List: l.list,
			Normalizer: notices.Normalizer{Region: "US"}}); err != nil {
			t.Fatal(err)
		}
	}
}

// apiClient calls the JSON API of a test server with a token.
type apiClient struct {
	t     testing.TB
	url   string
	token string
}

// apiResponse is an answer of the API: status, headers and body.
type apiResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// decode reads the answer's JSON body into v.
func (r apiResponse) decode(t testing.TB, v any) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want JSON; body %s", ct, r.Body)
	}
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("answer is not the JSON expected: %v\n%s", err, r.Body)
	}
}

// errorBody reads the answer as the API's error form.
func (r apiResponse) errorBody(t testing.TB) apiErrorBody {
	t.Helper()
	var e apiErrorBody
	r.decode(t, &e)
	if e.Error == "" {
		t.Fatalf("an error answer without its sentence: %s", r.Body)
	}
	return e
}

// do sends method path with body (JSON unless a Content-Type header is
// given as "Content-Type", value pairs in header).
func (c apiClient) do(method, path, body string, header ...string) apiResponse {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.url+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return apiResponse{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// apiTestServer is a server with the application core and one token per
// role: clients[role] calls the API with it.
type apiTestServer struct {
	srv     *Server
	store   *notices.Store
	ts      *httptest.Server
	clients map[notices.Role]apiClient
}

func newAPIServer(t testing.TB, edit func(*Config)) apiTestServer {
	t.Helper()
	s, st, ts := newConsoleServer(t, apiConfig(edit))
	a := apiTestServer{srv: s, store: st, ts: ts, clients: map[notices.Role]apiClient{}}
	for _, role := range notices.Roles {
		token, err := st.CreateToken(context.Background(), "test-"+string(role), role)
		if err != nil {
			t.Fatal(err)
		}
		a.clients[role] = apiClient{t: t, url: ts.URL, token: token}
	}
	return a
}

// apiConfig is the configuration of an API test server, then edit.
func apiConfig(edit func(*Config)) func(*Config) {
	return func(c *Config) {
		// The dispatcher's messages, made as crier serve would with
		// every channel in the outbox: the use cases check a notice's
		// messages with them before anything is stored.
		// A Tier 1 notice (the boil water advisory) must give the
		// utility's address.
		c.Utility.Address = "1 Main Street, Clearwater"
		c.App.Utility = c.Utility
		c.App.Messages = scheduler.Config{Library: c.Library, Utility: c.Utility, DefaultLanguage: c.DefaultLanguage}
		c.App.CampaignZone = "America/New_York"
		if edit != nil {
			edit(c)
		}
	}
}

// anon is a client without a token.
func (a apiTestServer) anon(t testing.TB) apiClient { return apiClient{t: t, url: a.ts.URL} }

// filledPath is a route's path with its wildcards filled in.
func filledPath(path string) string {
	return strings.NewReplacer("{id}", "1", "{name}", "boil-water-advisory").Replace(path)
}

// TestAPIRoutesNeedAToken: every route of the API refuses a request
// without a token or with a revoked one (401), and a viewer's token on
// anything that writes (403), each as the API's JSON error.
func TestAPIRoutesNeedAToken(t *testing.T) {
	a := newAPIServer(t, nil)
	revoked := a.clients[notices.RoleCoordinator]
	revoked.token, _ = a.store.CreateToken(context.Background(), "old-work-orders", notices.RoleCoordinator)
	if err := a.store.RevokeToken(context.Background(), "old-work-orders"); err != nil {
		t.Fatal(err)
	}
	for _, rt := range a.srv.apiRouteTable() {
		path := filledPath(rt.Path)
		t.Run(rt.Method+" "+rt.Path, func(t *testing.T) {
			for _, c := range []struct {
				name   string
				client apiClient
			}{{"no token", a.anon(t)}, {"a revoked token", revoked}} {
				resp := c.client.do(rt.Method, path, "")
				if resp.Status != http.StatusUnauthorized {
					t.Fatalf("%s: status %d, want 401", c.name, resp.Status)
				}
				resp.errorBody(t)
				if resp.Header.Get("WWW-Authenticate") == "" {
					t.Errorf("%s: no WWW-Authenticate header", c.name)
				}
			}
			if rt.Method == http.MethodGet {
				return
			}
			resp := a.clients[notices.RoleViewer].do(rt.Method, path, "{}")
			if resp.Status != http.StatusForbidden {
				t.Fatalf("a viewer's token: status %d, want 403", resp.Status)
			}
			resp.errorBody(t)
		})
	}
}

// TestAPIUnknownRoute: an address under the API that is no route answers
// a JSON 404 that says where the routes are listed; a route asked with a
// method it does not take, 405 with the ones it takes.
func TestAPIUnknownRoute(t *testing.T) {
	a := newAPIServer(t, nil)
	resp := a.clients[notices.RoleViewer].do("GET", "/api/v1/notice", "")
	if resp.Status != http.StatusNotFound {
		t.Fatalf("status %d, want 404", resp.Status)
	}
	if e := resp.errorBody(t); !strings.Contains(e.Error, "openapi.json") {
		t.Errorf("error %q does not say where the routes are", e.Error)
	}
	resp = a.clients[notices.RoleCoordinator].do("DELETE", "/api/v1/notices/3", "")
	if resp.Status != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET" {
		t.Fatalf("DELETE a notice: status %d, Allow %q; want 405, GET", resp.Status, resp.Header.Get("Allow"))
	}
	resp.errorBody(t)
	if resp = a.clients[notices.RoleCoordinator].do("PUT", "/api/v1/notices", "{}"); resp.Header.Get("Allow") != "GET, POST" {
		t.Errorf("PUT the notices: Allow %q, want GET, POST", resp.Header.Get("Allow"))
	}
}

// TestAPIWithoutCore: a server without the application core has no API.
func TestAPIWithoutCore(t *testing.T) {
	s, _ := newTestServer(t, nil)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/templates", nil))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("status %d, want 404", rec.Code)
	}
}

// TestAPIServerCallsPassTheCrossSiteCheck: a server calling the API with
// its token sends no Origin and passes the console's cross-site check; a
// browser's request from another site is refused, as JSON.
func TestAPIServerCallsPassTheCrossSiteCheck(t *testing.T) {
	a := newAPIServer(t, nil)
	importContacts(t, a.store)
	coord := a.clients[notices.RoleCoordinator]
	if resp := coord.do("POST", "/api/v1/preview", advisoryJSON("")); resp.Status != http.StatusOK {
		t.Errorf("without Origin: status %d: %s", resp.Status, resp.Body)
	}
	resp := coord.do("POST", "/api/v1/preview", advisoryJSON(""), "Origin", "https://elsewhere.example", "Sec-Fetch-Site", "cross-site")
	if resp.Status != http.StatusForbidden {
		t.Errorf("from another site: status %d, want 403", resp.Status)
	}
	resp.errorBody(t)
}
