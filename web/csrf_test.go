package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
)

// TestCSRFRefusesCrossSite: a state-changing request that a browser marks
// as coming from another site is refused on the console's and the API's
// routes, while the same site's form posts and a server's API call with a
// token and no Origin pass; reads pass whatever their origin.
func TestCSRFRefusesCrossSite(t *testing.T) {
	s, st, ts := newConsoleServer(t, func(c *Config) { c.PublicURL = "" })
	addTestUser(t, s, "ana", notices.RoleCoordinator)
	token, err := st.CreateToken(context.Background(), "work-orders", notices.RoleCoordinator)
	if err != nil {
		t.Fatal(err)
	}
	// A stand-in for the API's routes (part API registers the real
	// ones), behind the same wrapper as Handler's.
	api := http.NewServeMux()
	api.Handle("POST /api/v1/echo", s.apiOnly(notices.RoleCoordinator, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "done")
	})))
	apiSrv := httptest.NewServer(s.protect(s.sameOrigin(api)))
	defer apiSrv.Close()

	signInForm := url.Values{"name": {"ana"}, "password": {testPassword}}.Encode()
	tests := []struct {
		name    string
		base    string
		method  string
		path    string
		headers map[string]string
		body    string
		status  int
	}{
		{"console sign-in from another site", ts.URL, "POST", "/console/login",
			map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, signInForm, http.StatusForbidden},
		{"console sign-in, old browser, another Origin", ts.URL, "POST", "/console/login",
			map[string]string{"Origin": "https://evil.example"}, signInForm, http.StatusForbidden},
		{"console sign-in from the same site", ts.URL, "POST", "/console/login",
			map[string]string{"Origin": ts.URL, "Sec-Fetch-Site": "same-origin"}, signInForm, http.StatusSeeOther},
		{"console sign-out from another site", ts.URL, "POST", "/console/logout",
			map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, "", http.StatusForbidden},
		{"a console read from another site's link", ts.URL, "GET", "/console/login",
			map[string]string{"Sec-Fetch-Site": "cross-site"}, "", http.StatusOK},
		{"an API route of Handler from another site", ts.URL, "POST", "/api/v1/notices",
			map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site", "Authorization": "Bearer " + token}, "{}", http.StatusForbidden},
		{"an API call from another site's page", apiSrv.URL, "POST", "/api/v1/echo",
			map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site", "Authorization": "Bearer " + token}, "{}", http.StatusForbidden},
		{"an API call from a server with a token", apiSrv.URL, "POST", "/api/v1/echo",
			map[string]string{"Authorization": "Bearer " + token}, "{}", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, tt.base+tt.path, strings.NewReader(tt.body))
			if strings.HasPrefix(tt.path, "/console/") {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			resp, err := newClient().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := bodyOf(t, resp)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("%s %s: %d, want %d\n%s", tt.method, tt.path, resp.StatusCode, tt.status, body)
			}
			if tt.status == http.StatusForbidden && strings.HasPrefix(tt.path, "/api/") && !strings.Contains(body, `"error"`) {
				t.Errorf("the API's refusal is not JSON: %s", body)
			}
		})
	}
}

// TestCSRFKeepsTheSession: a cross-site sign-out leaves the session open.
func TestCSRFKeepsTheSession(t *testing.T) {
	s, st, ts := newConsoleServer(t, func(c *Config) { c.PublicURL = "" })
	addTestUser(t, s, "ana", notices.RoleViewer)
	c := newClient()
	cookie := sessionOf(signIn(t, c, ts, "ana", testPassword, "", ""))
	if cookie == nil {
		t.Fatal("no session")
	}
	req, _ := http.NewRequest("POST", ts.URL+"/console/logout", nil)
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, err := st.SessionUser(context.Background(), cookie.Value, time.Hour); err != nil {
		t.Errorf("a cross-site sign-out ended the session: %v", err)
	}
}
