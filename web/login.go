package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/crier-notices/crier/internal/password"
	"github.com/crier-notices/crier/notices"
)

// The sign-in limits: an account is locked after accountFailures wrong
// passwords within failureWindow, an address after addressFailures (it
// may be guessing many names). Only failures count; a success clears the
// account's.
const (
	failureWindow   = 15 * time.Minute
	accountFailures = 5
	addressFailures = 20
	// hashers bounds the password checks running at once: each takes
	// password.Default.Memory (19 MiB), so a flood of sign-ins cannot
	// exhaust memory.
	hashers = 4
)

// authState is the sign-in's memory: failures, the hashers' slots, the
// hash checked for unknown names, and the one-time setup address.
type authState struct {
	once     sync.Once
	failures *failures
	slots    chan struct{}
	dummy    string // a hash no password matches, verified for an unknown name so it takes as long
	setup    setupState
}

func (a *authState) init() {
	a.once.Do(func() {
		a.failures = &failures{at: map[string][]time.Time{}}
		a.slots = make(chan struct{}, hashers)
		a.dummy = password.Hash(string(randomBytes()))
	})
}

// authRoutes registers the sign-in and sign-out and the one-time setup
// address; with no App, the console answers 404 and so do they.
func (s *Server) authRoutes(mux *http.ServeMux) {
	if s.cfg.App == nil {
		return
	}
	s.auth.init()
	mux.Handle("GET "+ConsolePrefix+"login", consoleHeaders(http.HandlerFunc(s.loginPage)))
	mux.Handle("POST "+ConsolePrefix+"login", consoleHeaders(http.HandlerFunc(s.login)))
	mux.Handle("POST "+ConsolePrefix+"logout", consoleHeaders(http.HandlerFunc(s.logout)))
	mux.Handle("GET "+ConsolePrefix+"setup/{token}", consoleHeaders(http.HandlerFunc(s.setupPage)))
	mux.Handle("POST "+ConsolePrefix+"setup/{token}", consoleHeaders(http.HandlerFunc(s.setup)))
	s.usersRoutes(mux)
}

// consoleHeaders sets the console's security headers on what h answers,
// and holds its body to the public pages' limit: these routes answer
// before anyone has signed in, and the console's larger limit is for the
// signed-in only.
func consoleHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		}
		hd := w.Header()
		hd.Set("Content-Security-Policy", consoleCSP)
		hd.Set("X-Frame-Options", "SAMEORIGIN")
		hd.Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// loginForm is what the sign-in page shows.
type loginForm struct {
	Name, Next, Error string
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.sessionUser(r); ok {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.consolePage(w, r, http.StatusOK, "login", ConsolePage{Title: "Sign in", Data: loginForm{Next: r.URL.Query().Get("next")}})
}

// wrongSignIn is the one message for a wrong name and a wrong password,
// so that the page tells nobody which names exist.
const wrongSignIn = "The name or the password is wrong."

// login checks a name and password and starts a session.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	form := loginForm{Name: strings.TrimSpace(r.PostFormValue("name")), Next: r.PostFormValue("next")}
	now := s.now()
	if msg, wait := s.auth.failures.locked(form.Name, clientAddr(r).String(), now); msg != "" {
		w.Header().Set("Retry-After", wait)
		form.Error = msg
		s.consolePage(w, r, http.StatusTooManyRequests, "login", ConsolePage{Title: "Sign in", Data: form})
		return
	}
	u, err := s.checkPassword(r.Context(), form.Name, r.PostFormValue("password"))
	if errors.Is(err, errWrongSignIn) {
		s.auth.failures.add(form.Name, clientAddr(r).String(), now)
		s.log.Info("console: a sign-in was refused", "addr", clientAddr(r).String())
		form.Error = wrongSignIn
		s.consolePage(w, r, http.StatusUnauthorized, "login", ConsolePage{Title: "Sign in", Data: form})
		return
	}
	if err != nil {
		s.log.Error("console: sign-in", "err", err)
		s.fail(w, r, http.StatusInternalServerError)
		return
	}
	s.auth.failures.clear(form.Name)
	if err := s.startSession(w, r, u); err != nil {
		s.log.Error("console: sign-in", "err", err)
		s.fail(w, r, http.StatusInternalServerError)
		return
	}
	http.Redirect(w, r, safeNext(form.Next), http.StatusSeeOther)
}

var errWrongSignIn = errors.New(wrongSignIn)

// checkPassword returns the active user named name if pw is theirs, else
// errWrongSignIn. An unknown or disabled name costs the same hash as a
// known one, so the time taken tells nothing either.
func (s *Server) checkPassword(ctx context.Context, name, pw string) (notices.User, error) {
	u, err := s.cfg.Store.UserByName(ctx, name)
	if err != nil && notices.ErrorCode(err) != notices.NotFound {
		return u, err
	}
	hash := u.PasswordHash
	if err != nil || u.Disabled || name == "" {
		hash = s.auth.dummy
	}
	s.auth.slots <- struct{}{}
	verr := password.Verify(pw, hash)
	<-s.auth.slots
	if err != nil || u.Disabled || name == "" || verr != nil {
		return notices.User{}, errWrongSignIn
	}
	if password.NeedsRehash(hash) {
		// Raised parameters take effect as each user signs in.
		if err := s.cfg.Store.RehashPassword(ctx, u.ID, hash, password.Hash(pw)); err != nil {
			s.log.Warn("console: a password hash could not be renewed", "err", err)
		}
	}
	return u, nil
}

// startSession ends the session r came with, if any, and starts a new
// one for u under a new token: a token planted before the sign-in never
// becomes a signed-in one.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u notices.User) error {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		s.cfg.Store.EndSession(r.Context(), c.Value)
	}
	token, err := s.cfg.Store.CreateSession(r.Context(), u.ID)
	if err != nil {
		return err
	}
	http.SetCookie(w, s.sessionCookie(r, token, 0))
	return nil
}

// sessionCookie is the console's session cookie holding token; maxAge -1
// deletes it.
func (s *Server) sessionCookie(r *http.Request, token string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     sessionCookie,
		Value:    token,
		Path:     ConsolePrefix,
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   r.TLS != nil || strings.HasPrefix(s.cfg.PublicURL, "https://"),
		SameSite: http.SameSiteLaxMode,
	}
}

// logout ends the session and goes to the sign-in page.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := s.cfg.Store.EndSession(r.Context(), c.Value); err != nil {
			s.log.Error("console: sign-out", "err", err)
			s.fail(w, r, http.StatusInternalServerError)
			return
		}
	}
	http.SetCookie(w, s.sessionCookie(r, "", -1))
	http.Redirect(w, r, ConsolePrefix+"login", http.StatusSeeOther)
}

// safeNext is where to go after signing in: next when it is a console
// page on this server, else the dashboard. Another site's address, a
// scheme-relative "//host" or a backslash trick never leaves the console.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if next == "" || err != nil || u.Scheme != "" || u.Host != "" || u.User != nil ||
		strings.ContainsAny(next, "\\\r\n\t") || strings.HasPrefix(next, "//") ||
		!strings.HasPrefix(u.Path, ConsolePrefix) || !strings.HasPrefix(path.Clean(u.Path)+"/", ConsolePrefix) ||
		u.Path == ConsolePrefix+"login" || u.Path == ConsolePrefix+"logout" {
		return ConsolePrefix
	}
	return next
}

// failures counts failed sign-ins per account and per address within
// failureWindow.
type failures struct {
	mu sync.Mutex
	at map[string][]time.Time // "name:ana" or "addr:192.0.2.1" -> times of failure
}

func accountKey(name string) string { return "name:" + strings.ToLower(strings.TrimSpace(name)) }

// locked says why a sign-in to name from addr is refused at now, and the
// seconds to wait (for Retry-After); "" when it is not.
func (f *failures) locked(name, addr string, now time.Time) (string, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ts := f.recent(accountKey(name), now); len(ts) >= accountFailures {
		wait := ts[len(ts)-accountFailures].Add(failureWindow).Sub(now)
		return "Too many wrong passwords for this name: it is locked for " + minutes(wait) + ".", seconds(wait)
	}
	if ts := f.recent("addr:"+addr, now); len(ts) >= addressFailures {
		wait := ts[len(ts)-addressFailures].Add(failureWindow).Sub(now)
		return "Too many failed sign-ins from your address: try again in " + minutes(wait) + ".", seconds(wait)
	}
	return "", ""
}

// add records a failed sign-in to name from addr at now.
func (f *failures) add(name, addr string, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.at) > 10000 { // forget what is over, so guessed names cannot fill memory
		for k := range f.at {
			f.recent(k, now)
		}
	}
	for _, k := range []string{accountKey(name), "addr:" + addr} {
		f.at[k] = append(f.recent(k, now), now)
	}
}

// clear forgets name's failures (after a right password).
func (f *failures) clear(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.at, accountKey(name))
}

// recent returns k's failures within the window before now, dropping
// older ones. f.mu is held.
func (f *failures) recent(k string, now time.Time) []time.Time {
	ts := f.at[k]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= failureWindow {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(f.at, k)
		return nil
	}
	f.at[k] = ts
	return ts
}

// minutes says d in whole minutes, at least one.
func minutes(d time.Duration) string {
	m := int((d + time.Minute - 1) / time.Minute)
	if m <= 1 {
		return "1 minute"
	}
	return strconv.Itoa(m) + " minutes"
}

func seconds(d time.Duration) string { return strconv.Itoa(int((d + time.Second - 1) / time.Second)) }
