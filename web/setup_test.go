package web

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/crier-notices/crier/notices"
)

// setupForm is a filled-in form of the setup page.
func setupValues(name, pw, pw2 string) url.Values {
	return url.Values{"name": {name}, "password": {pw}, "password2": {pw2}, "email": {"ana@water.example.org"}, "phone": {"315-555-0101"}}
}

// TestSetupOnce: on a store with no users the setup address makes the
// first admin, signs them in, is recorded in the audit log, and then
// opens nothing.
func TestSetupOnce(t *testing.T) {
	s, st, ts := newConsoleServer(t, func(c *Config) { c.PublicURL = "" })
	ctx := context.Background()
	addr, err := s.SetupURL(ctx, ts.Listener.Addr())
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ts.Listener.Addr().String())
	if !strings.HasPrefix(addr, "http://127.0.0.1:"+port+"/console/setup/") || len(addr) < len("http://127.0.0.1:"+port+"/console/setup/")+40 {
		t.Fatalf("setup address %q: want http://127.0.0.1:%s/console/setup/ and a long token", addr, port)
	}
	again, _ := s.SetupURL(ctx, ts.Listener.Addr())
	if again != addr {
		t.Errorf("a second SetupURL gave another address: %q, %q", again, addr)
	}
	path := strings.TrimPrefix(addr, "http://127.0.0.1:"+port)
	c := newClient()
	resp, err := c.Get(ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	page := bodyOf(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the setup page: %d", resp.StatusCode)
	}
	for _, id := range []string{"name", "password", "password2", "email", "phone"} {
		if !strings.Contains(page, `<label for="`+id+`">`) || !strings.Contains(page, `id="`+id+`"`) {
			t.Errorf("the setup page has no labelled input %s", id)
		}
	}

	t.Run("passwords that differ", func(t *testing.T) {
		resp := postForm(t, c, ts, path, setupValues("ana", testPassword, testPassword+"!"), "")
		body := bodyOf(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="password2-error">The two passwords differ`) {
			t.Errorf("%d, want 422 and the problem beside the second password\n%s", resp.StatusCode, body)
		}
	})
	t.Run("a short password", func(t *testing.T) {
		resp := postForm(t, c, ts, path, setupValues("ana", "short", "short"), "")
		if body := bodyOf(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="password-error">the password needs at least 12 characters`) {
			t.Errorf("%d, want 422 and the problem beside the password\n%s", resp.StatusCode, body)
		}
	})

	resp = postForm(t, c, ts, path, setupValues("ana", testPassword, testPassword), "")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/" || sessionOf(resp) == nil {
		t.Fatalf("setup: %d to %q, want 303 to the console, signed in\n%s", resp.StatusCode, resp.Header.Get("Location"), bodyOf(t, resp))
	}
	u, err := st.UserByName(ctx, "ana")
	if err != nil || u.Role != notices.RoleAdmin || u.Phone != "+13155550101" {
		t.Fatalf("the first user: %+v %v, want admin ana with her phone", u, err)
	}
	log, _ := st.AuditLog(ctx, 10, 0)
	if len(log) != 1 || log[0].Action != "user-add" || log[0].Subject != "user ana" {
		t.Errorf("audit log %+v, want the user-add of ana", log)
	}
	for _, method := range []string{"GET", "POST"} {
		var resp *http.Response
		if method == "GET" {
			resp, _ = c.Get(ts.URL + path)
		} else {
			resp = postForm(t, c, ts, path, setupValues("eve", testPassword, testPassword), "")
		}
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s the setup address once used: %d, want 404", method, resp.StatusCode)
		}
	}
	if _, err := st.UserByName(ctx, "eve"); err == nil {
		t.Error("a second admin was made at a used setup address")
	}
	if addr, _ := s.SetupURL(ctx, ts.Listener.Addr()); addr != "" {
		t.Errorf("SetupURL with a user: %q, want none", addr)
	}
}

// TestSetupLoopbackOnly: the setup address answers a client on this
// machine only: not one elsewhere, not one through a proxy, not a wrong
// token.
func TestSetupLoopbackOnly(t *testing.T) {
	s, _, ts := newConsoleServer(t, func(c *Config) { c.PublicURL = "" })
	addr, err := s.SetupURL(context.Background(), ts.Listener.Addr())
	if err != nil {
		t.Fatal(err)
	}
	path := addr[strings.Index(addr, "/console/"):]
	h := s.Handler()
	tests := []struct {
		name   string
		remote string
		path   string
		header string
		status int
	}{
		{"from this machine", "127.0.0.1:50000", path, "", http.StatusOK},
		{"from IPv6 loopback", "[::1]:50000", path, "", http.StatusOK},
		{"from elsewhere", "192.0.2.7:50000", path, "", http.StatusNotFound},
		{"through a reverse proxy on this machine", "127.0.0.1:50000", path, "X-Forwarded-For", http.StatusNotFound},
		{"through a proxy saying Forwarded", "127.0.0.1:50000", path, "Forwarded", http.StatusNotFound},
		{"a wrong token", "127.0.0.1:50000", path[:len(path)-1] + "x", "", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", tt.path, nil)
			req.RemoteAddr = tt.remote
			if tt.header != "" {
				req.Header.Set(tt.header, "for=198.51.100.9")
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Errorf("%d, want %d", rec.Code, tt.status)
			}
		})
	}
}

// TestSetupOnlyWithoutUsers: a store that has a user gives no setup
// address, and one given before a user was added (crier users add
// meanwhile) stops working.
func TestSetupOnlyWithoutUsers(t *testing.T) {
	s, _, ts := newConsoleServer(t, func(c *Config) { c.PublicURL = "" })
	addr, err := s.SetupURL(context.Background(), ts.Listener.Addr())
	if err != nil || addr == "" {
		t.Fatalf("setup address: %q %v", addr, err)
	}
	addTestUser(t, s, "ana", notices.RoleAdmin)
	path := addr[strings.Index(addr, "/console/"):]
	resp, err := newClient().Get(ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("the setup address after a user was added: %d, want 404", resp.StatusCode)
	}
	if resp := postForm(t, newClient(), ts, path, setupValues("eve", testPassword, testPassword), ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("posting to it: %d, want 404", resp.StatusCode)
	}
	if addr, _ := s.SetupURL(context.Background(), ts.Listener.Addr()); addr != "" {
		t.Errorf("SetupURL on a store with a user: %q", addr)
	}
}

// TestSetupListenElsewhere: a listener on an address that is not this
// machine's loopback gets no setup address but an error saying what to do.
func TestSetupListenElsewhere(t *testing.T) {
	s, _, _ := newConsoleServer(t, nil)
	_, err := s.SetupURL(context.Background(), &net.TCPAddr{IP: net.ParseIP("192.0.2.10"), Port: 8080})
	if err == nil || !strings.Contains(err.Error(), "crier users add") {
		t.Errorf("err %v, want one pointing to crier users add", err)
	}
	addr, err := s.SetupURL(context.Background(), &net.TCPAddr{IP: net.IPv4zero, Port: 8080})
	if err != nil || !strings.HasPrefix(addr, "http://127.0.0.1:8080/console/setup/") {
		t.Errorf("listening on every address: %q %v, want the loopback address", addr, err)
	}
}
