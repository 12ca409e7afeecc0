package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/notices"
)

// TestConsoleOnlyRoles: a console route answers only a live session whose
// role allows it; a viewer never writes, whatever the route declares.
func TestConsoleOnlyRoles(t *testing.T) {
	s, st, _ := newConsoleServer(t, nil)
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, app.ActorOf(r.Context()).String())
	})
	mux := http.NewServeMux()
	mux.Handle("/console/read", s.consoleOnly(notices.RoleViewer, echo))
	mux.Handle("/console/admin", s.consoleOnly(notices.RoleAdmin, echo))
	ts := httptest.NewServer(s.protect(mux))
	defer ts.Close()
	anon := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	viewer, _ := testSignIn(t, ts, st, notices.RoleViewer)
	coord, _ := testSignIn(t, ts, st, notices.RoleCoordinator)
	tests := []struct {
		name   string
		client *http.Client
		method string
		path   string
		status int
		body   string
	}{
		{"a page read without a session goes to sign in", anon, "GET", "/console/read", http.StatusSeeOther, ""},
		{"a write without a session is refused", anon, "POST", "/console/read", http.StatusUnauthorized, ""},
		{"a viewer reads", viewer, "GET", "/console/read", http.StatusOK, "test-viewer"},
		{"a viewer's write is refused", viewer, "POST", "/console/read", http.StatusForbidden, ""},
		{"a coordinator writes", coord, "POST", "/console/read", http.StatusOK, "test-coordinator"},
		{"a coordinator is no admin", coord, "GET", "/console/admin", http.StatusForbidden, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, ts.URL+tt.path, nil)
			resp, err := tt.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("%s %s: status %d, want %d", tt.method, tt.path, resp.StatusCode, tt.status)
			}
			if tt.status == http.StatusSeeOther && !strings.HasPrefix(resp.Header.Get("Location"), "/console/login?next=") {
				t.Errorf("redirected to %q, want the sign-in page", resp.Header.Get("Location"))
			}
			if tt.body != "" && string(b) != tt.body {
				t.Errorf("actor %q, want %q", b, tt.body)
			}
		})
	}
}

// TestAPIOnlyTokens: the API answers a live token only; a revoked one is
// refused.
func TestAPIOnlyTokens(t *testing.T) {
	s, st, _ := newConsoleServer(t, nil)
	ctx := context.Background()
	h := s.apiOnly(notices.RoleCoordinator, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, app.ActorOf(r.Context()).String())
	}))
	coord, err := st.CreateToken(ctx, "work-orders", notices.RoleCoordinator)
	if err != nil {
		t.Fatal(err)
	}
	viewer, err := st.CreateToken(ctx, "dashboard", notices.RoleViewer)
	if err != nil {
		t.Fatal(err)
	}
	do := func(method, token string) (int, string) {
		req := httptest.NewRequest(method, "/api/v1/x", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	if code, _ := do("POST", ""); code != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", code)
	}
	if code, body := do("POST", coord); code != http.StatusOK || body != "token work-orders" {
		t.Errorf("coordinator token: %d %q", code, body)
	}
	if code, _ := do("POST", viewer); code != http.StatusForbidden {
		t.Errorf("viewer token writing: %d, want 403", code)
	}
	if err := st.RevokeToken(ctx, "work-orders"); err != nil {
		t.Fatal(err)
	}
	if code, _ := do("POST", coord); code != http.StatusUnauthorized {
		t.Errorf("revoked token: %d, want 401", code)
	}
}
