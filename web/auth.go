package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/notices"
)

// sessionCookie holds a console session's token.
const sessionCookie = "crier_session"

// defaultIdleTimeout ends a console session left unused this long, when
// Config.IdleTimeout is not set.
const defaultIdleTimeout = 30 * time.Minute

// consoleCSP is the console's content security policy: its own scripts,
// styles and images, and frames of its own pages (the email preview, the
// flyer), never another site's.
const consoleCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'self'; base-uri 'none'"

type userKey struct{}

// userOf returns who signed in for request r (set by consoleOnly and
// apiOnly): a console user, or for a token its name and role.
func userOf(r *http.Request) notices.User {
	u, _ := r.Context().Value(userKey{}).(notices.User)
	return u
}

// withUser returns r carrying user u and its actor.
func withUser(r *http.Request, u notices.User, actor app.Actor) *http.Request {
	ctx := context.WithValue(r.Context(), userKey{}, u)
	return r.WithContext(app.WithActor(ctx, actor))
}

// needed is the role a request needs: need, and at least a coordinator's
// for anything but reading, so a viewer never changes anything whatever a
// route declares.
func needed(r *http.Request, need notices.Role) notices.Role {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return need
	}
	if need == notices.RoleViewer {
		return notices.RoleCoordinator
	}
	return need
}

// idle is how long a console session may stay unused.
func (s *Server) idle() time.Duration {
	if s.cfg.IdleTimeout > 0 {
		return s.cfg.IdleTimeout
	}
	return defaultIdleTimeout
}

// consoleOnly lets a signed-in console user whose role allows need reach
// h. Without a session, a page read goes to the sign-in page (and back
// after it); anything else is refused with 401. A user whose role does not
// allow it gets 403.
func (s *Server) consoleOnly(need notices.Role, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", consoleCSP)
		hd.Set("X-Frame-Options", "SAMEORIGIN")
		hd.Set("Cache-Control", "no-store")
		u, ok := s.sessionUser(r)
		if !ok {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, ConsolePrefix+"login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.fail(w, r, http.StatusUnauthorized)
			return
		}
		if !u.Role.Allows(needed(r, need)) {
			s.fail(w, r, http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, withUser(r, u, app.Actor{Name: u.Name, Role: u.Role, UserID: u.ID, Via: "console"}))
	})
}

// sessionUser returns the user of r's session cookie, if it holds a live
// session.
func (s *Server) sessionUser(r *http.Request) (notices.User, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return notices.User{}, false
	}
	u, err := s.cfg.Store.SessionUser(r.Context(), c.Value, s.idle())
	return u, err == nil
}

// apiOnly lets a request bearing a live API token whose role allows need
// reach h; else 401 (no or unknown token) or 403 (a role too low), as
// JSON.
func (s *Server) apiOnly(need notices.Role, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || strings.TrimSpace(token) == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="crier"`)
			apiError(w, http.StatusUnauthorized, "this API needs a token: Authorization: Bearer TOKEN (crier tokens create makes one)")
			return
		}
		t, err := s.cfg.Store.TokenByValue(r.Context(), strings.TrimSpace(token))
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="crier", error="invalid_token"`)
			apiError(w, http.StatusUnauthorized, "the token is unknown or revoked")
			return
		}
		if !t.Role.Allows(needed(r, need)) {
			apiError(w, http.StatusForbidden, "the token's role ("+string(t.Role)+") may not do this")
			return
		}
		u := notices.User{Name: t.Name, Role: t.Role}
		h.ServeHTTP(w, withUser(r, u, app.Actor{Name: t.Name, Role: t.Role, Via: "api"}))
	})
}

// apiError answers with status and a JSON error {"error": message}. Part
// API grows it into the per-field form.
func apiError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": message})
}
