package web

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/notices"
)

// newConsoleServer is newTestServer with the application core set, so
// that the console and the API answer, served on a test HTTP server.
func newConsoleServer(t testing.TB, edit func(*Config)) (*Server, *notices.Store, *httptest.Server) {
	t.Helper()
	s, st := newTestServer(t, func(c *Config) {
		c.App = &app.App{
			Store:           c.Store,
			Library:         c.Library,
			Utility:         c.Utility,
			DefaultLanguage: c.DefaultLanguage,
			PublicURL:       c.PublicURL,
			PhoneRegion:     "US",
		}
		if edit != nil {
			edit(c)
		}
	})
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return s, st, ts
}

// testSignIn adds a user named after role (password hash not checked
// here) and returns a client signed in as them on ts: its cookie jar holds
// the session, and it does not follow redirects, so a test sees them.
func testSignIn(t testing.TB, ts *httptest.Server, st *notices.Store, role notices.Role) (*http.Client, notices.User) {
	t.Helper()
	ctx := context.Background()
	u := notices.User{Name: "test-" + string(role), Role: role, PasswordHash: "not-a-hash", Email: string(role) + "@water.example.org"}
	if existing, err := st.UserByName(ctx, u.Name); err == nil {
		u = existing
	} else {
		id, err := st.AddUser(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		u.ID = id
	}
	token, err := st.CreateSession(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	base, _ := url.Parse(ts.URL)
	jar.SetCookies(base, []*http.Cookie{{Name: sessionCookie, Value: token, Path: "/"}})
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, u
}
