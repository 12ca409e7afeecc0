package web

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/internal/password"
	"github.com/crier-notices/crier/notices"
)

// newConsoleServer is newTestServer with the application core set, so
// that the console and the API answer, served on a test HTTP server.
func newConsoleServer(t testing.TB, edit func(*Config)) (*Server, *notices.Store, *httptest.Server) {
	t.Helper()
	s, st := newTestServer(t, func(c *Config) {
		c.App = &app.App{
			Store:           c.Store.(*notices.Store),
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

// The web tests hash passwords at argon2id's least cost: a sign-in test
// checks what is answered, not the hash's strength (internal/password's
// tests hold Default), and at the real cost each sign-in takes about a
// second under the race detector on a busy machine.
func init() { password.Default = password.Params{Memory: 64, Time: 1, Threads: 1} }

// testPassword is the password of the users addTestUser makes.
const testPassword = "rain on the reservoir"

// addTestUser adds a user named name with role and testPassword through
// the application core, as crier users add does, and returns them.
func addTestUser(t testing.TB, s *Server, name string, role notices.Role) notices.User {
	t.Helper()
	u, err := s.cfg.App.AddUser(context.Background(), app.NewUser{Name: name, Role: role, Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// postForm posts form to ts's path with client, as a browser on the same
// site does (Origin and Sec-Fetch-Site say so), from address from (""
// for the test client's own; else sent as X-Forwarded-For, which the
// server believes of a loopback peer such as a reverse proxy).
func postForm(t testing.TB, client *http.Client, ts *httptest.Server, path string, form url.Values, from string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("POST", ts.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", ts.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if from != "" {
		req.Header.Set("X-Forwarded-For", from)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// newClient is a client with its own cookie jar that does not follow
// redirects, so a test sees them.
func newClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// bodyOf reads resp's body.
func bodyOf(t testing.TB, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
