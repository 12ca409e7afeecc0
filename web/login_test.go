package web

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
)

// signIn posts name and password to the sign-in page.
func signIn(t testing.TB, c *http.Client, ts *httptest.Server, name, pw, next, from string) *http.Response {
	t.Helper()
	return postForm(t, c, ts, "/console/login", url.Values{"name": {name}, "password": {pw}, "next": {next}}, from)
}

// sessionOf returns the session cookie resp sets.
func sessionOf(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			return c
		}
	}
	return nil
}

// TestLoginSignInAndOut: the right password signs in and goes to the page
// asked for; signing out ends the session, so its cookie opens nothing.
func TestLoginSignInAndOut(t *testing.T) {
	s, st, ts := newConsoleServer(t, func(c *Config) { c.PublicURL = "" })
	addTestUser(t, s, "ana", notices.RoleCoordinator)
	c := newClient()

	resp, err := c.Get(ts.URL + "/console/login")
	if err != nil {
		t.Fatal(err)
	}
	page := bodyOf(t, resp)
	for _, want := range []string{`<label for="name">Name</label>`, `<label for="password">Password</label>`, `autocomplete="current-password"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the sign-in page lacks %s", want)
		}
	}

	resp = signIn(t, c, ts, "ANA", testPassword, "/console/notices?page=2", "")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/notices?page=2" {
		t.Fatalf("sign-in: %d to %q, want 303 to the page asked for", resp.StatusCode, resp.Header.Get("Location"))
	}
	cookie := sessionOf(resp)
	if cookie == nil {
		t.Fatal("sign-in set no session cookie")
	}
	if u, err := st.SessionUser(context.Background(), cookie.Value, time.Hour); err != nil || u.Name != "ana" {
		t.Fatalf("the cookie's session: %v %v", u.Name, err)
	}
	resp, _ = c.Get(ts.URL + "/console/login")
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the sign-in page, signed in: %d, want 303 onwards", resp.StatusCode)
	}

	resp = postForm(t, c, ts, "/console/logout", nil, "")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/login" {
		t.Errorf("sign-out: %d to %q, want 303 to the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
	}
	if c := sessionOf(resp); c == nil || c.MaxAge >= 0 {
		t.Errorf("sign-out does not delete the cookie: %v", c)
	}
	if _, err := st.SessionUser(context.Background(), cookie.Value, time.Hour); notices.ErrorCode(err) != notices.NotFound {
		t.Errorf("the session after sign-out: %v, want ended", err)
	}
	// The old cookie, replayed, opens nothing.
	req, _ := http.NewRequest("GET", ts.URL+"/console/login", nil)
	req.AddCookie(cookie)
	resp, err = newClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Errorf("an ended session's cookie: %d, want the sign-in form (200)", resp.StatusCode)
	}
	resp.Body.Close()
}

// TestLoginWrongPassword: a wrong password and an unknown name get the
// same answer, and no cookie; a disabled user cannot sign in.
func TestLoginWrongPassword(t *testing.T) {
	s, _, ts := newConsoleServer(t, nil)
	addTestUser(t, s, "ana", notices.RoleCoordinator)
	addTestUser(t, s, "old", notices.RoleViewer)
	if err := s.cfg.App.DisableUser(context.Background(), "old"); err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, tt := range []struct{ name, user, pw string }{
		{"a wrong password", "ana", "rain on the reservoi"},
		{"an unknown name", "bob", testPassword},
		{"a disabled user", "old", testPassword},
		{"no name", "", testPassword},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := signIn(t, newClient(), ts, tt.user, tt.pw, "", "")
			body := bodyOf(t, resp)
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, wrongSignIn) {
				t.Errorf("status %d, want 401 and %q", resp.StatusCode, wrongSignIn)
			}
			if sessionOf(resp) != nil {
				t.Error("a refused sign-in set a session cookie")
			}
			if tt.user != "" { // an empty name is a different form: the cursor waits in it
				bodies = append(bodies, strings.Replace(body, `value="`+tt.user+`"`, `value=""`, 1))
			}
		})
	}
	for i := range bodies {
		if bodies[i] != bodies[0] {
			t.Errorf("answer %d differs from answer 0 beyond the name typed:\n%s\n---\n%s", i, bodies[i], bodies[0])
		}
	}
}

// TestLoginLockout: five wrong passwords for one name, from anywhere, lock
// it (the right password too) for 15 minutes; twenty failures from one
// address lock that address, whatever the name; others are not locked.
func TestLoginLockout(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	s, _, ts := newConsoleServer(t, func(c *Config) { c.Now = clock })
	addTestUser(t, s, "ana", notices.RoleCoordinator)
	addTestUser(t, s, "bea", notices.RoleCoordinator)
	c := newClient()

	t.Run("per account", func(t *testing.T) {
		for i := range accountFailures {
			from := "198.51.100." + string(rune('1'+i))
			if resp := signIn(t, c, ts, "ana", "wrong password "+from, "", from); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d, want 401", i+1, resp.StatusCode)
			}
		}
		resp := signIn(t, c, ts, "Ana", testPassword, "", "203.0.113.9")
		if body := bodyOf(t, resp); resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "locked for 15 minutes") {
			t.Fatalf("the right password after %d failures: %d, want 429 and the lockout\n%s", accountFailures, resp.StatusCode, body)
		}
		if resp.Header.Get("Retry-After") != "900" {
			t.Errorf("Retry-After %q, want 900", resp.Header.Get("Retry-After"))
		}
		if resp := signIn(t, c, ts, "bea", testPassword, "", "203.0.113.9"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("another name during ana's lockout: %d, want 303 signed in", resp.StatusCode)
		}
		advance(failureWindow)
		if resp := signIn(t, c, ts, "ana", testPassword, "", "203.0.113.9"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("the right password 15 minutes on: %d, want 303 signed in", resp.StatusCode)
		}
	})

	t.Run("per address", func(t *testing.T) {
		const from = "192.0.2.44"
		for i := range addressFailures {
			name := "guess" + string(rune('a'+i))
			if resp := signIn(t, c, ts, name, "wrong password", "", from); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d, want 401", i+1, resp.StatusCode)
			}
		}
		resp := signIn(t, c, ts, "bea", testPassword, "", from)
		if body := bodyOf(t, resp); resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "from your address") {
			t.Fatalf("after %d failures from one address: %d, want 429\n%s", addressFailures, resp.StatusCode, body)
		}
		if resp := signIn(t, c, ts, "bea", testPassword, "", "192.0.2.45"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("another address: %d, want 303 signed in", resp.StatusCode)
		}
	})
}

// TestLoginCookieFlags: the session cookie is HttpOnly, SameSite=Lax, for
// the console's path only, and Secure when the request came over TLS or
// public_url is https.
func TestLoginCookieFlags(t *testing.T) {
	tests := []struct {
		name      string
		publicURL string
		tls       bool
		secure    bool
	}{
		{"plain http, no public_url", "", false, false},
		{"plain http behind an https public_url", "https://notices.water.example.org", false, true},
		{"over TLS", "", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, _ := newConsoleServer(t, func(c *Config) { c.PublicURL = tt.publicURL })
			addTestUser(t, s, "ana", notices.RoleViewer)
			req := httptest.NewRequest("POST", "/console/login", strings.NewReader(url.Values{"name": {"ana"}, "password": {testPassword}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.tls {
				req.TLS = &tls.ConnectionState{}
			}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			c := sessionOf(rec.Result())
			if c == nil {
				t.Fatalf("no session cookie: %d", rec.Code)
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/console/" || c.Secure != tt.secure {
				t.Errorf("cookie %s: want HttpOnly, SameSite=Lax, Path=/console/, Secure=%v", rec.Header().Get("Set-Cookie"), tt.secure)
			}
		})
	}
}

// TestLoginIdleTimeout: a session unused for longer than the idle timeout
// ends; one in use stays.
func TestLoginIdleTimeout(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	s, st, ts := newConsoleServer(t, func(c *Config) { c.PublicURL = ""; c.IdleTimeout = 10 * time.Minute })
	st.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	addTestUser(t, s, "ana", notices.RoleViewer)
	c := newClient()
	if resp := signIn(t, c, ts, "ana", testPassword, "", ""); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	signedIn := func() bool {
		resp, err := c.Get(ts.URL + "/console/login")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusSeeOther
	}
	for range 3 { // in use every 9 minutes: it stays
		advance(9 * time.Minute)
		if !signedIn() {
			t.Fatal("a session used every 9 minutes ended (idle timeout 10 minutes)")
		}
	}
	advance(11 * time.Minute)
	if signedIn() {
		t.Error("a session unused for 11 minutes is still open (idle timeout 10 minutes)")
	}
}

// TestLoginNext: after signing in, only a console page of this server is
// gone to; anything else goes to the dashboard.
func TestLoginNext(t *testing.T) {
	tests := []struct{ name, next, want string }{
		{"a console page", "/console/campaigns/3", "/console/campaigns/3"},
		{"with a query", "/console/notices?status=sent", "/console/notices?status=sent"},
		{"none", "", "/console/"},
		{"another site", "https://evil.example/console/", "/console/"},
		{"scheme-relative", "//evil.example/console/", "/console/"},
		{"backslashes", "/\\evil.example/console/", "/console/"},
		{"a public page", "/n/abc", "/console/"},
		{"climbing out", "/console/../unsubscribe/x", "/console/"},
		{"the sign-out", "/console/logout", "/console/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := safeNext(tt.next); got != tt.want {
				t.Errorf("safeNext(%q) = %q, want %q", tt.next, got, tt.want)
			}
		})
	}
}

// TestLoginNewSessionEachTime: a session token planted in the browser
// before signing in is not the one signed in (no fixation), and is ended.
func TestLoginNewSessionEachTime(t *testing.T) {
	s, st, ts := newConsoleServer(t, func(c *Config) { c.PublicURL = "" })
	ana := addTestUser(t, s, "ana", notices.RoleViewer)
	planted, err := st.CreateSession(context.Background(), ana.ID)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient()
	base, _ := url.Parse(ts.URL)
	c.Jar.SetCookies(base, []*http.Cookie{{Name: sessionCookie, Value: planted, Path: "/console/"}})
	resp := signIn(t, c, ts, "ana", testPassword, "", "")
	got := sessionOf(resp)
	if got == nil || got.Value == planted {
		t.Fatalf("sign-in kept the session token the browser came with")
	}
	if _, err := st.SessionUser(context.Background(), planted, time.Hour); err == nil {
		t.Error("the session the browser came with is still open")
	}
}
