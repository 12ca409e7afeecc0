package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/notices"
)

// setupState is the one-time setup address's token: made by SetupURL on
// a store with no users, held in memory only, dead once the first admin
// is made (or when the process ends).
type setupState struct {
	mu    sync.Mutex
	token string
}

func randomBytes() []byte {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return b
}

// SetupURL returns the one-time address where the console's first admin
// is made, on the loopback address of addr (the listener's), when the
// store has no users; "" when it has some. The address works from this
// machine only, once. Errors: the store's; a listener on an address
// this machine's loopback cannot reach.
func (s *Server) SetupURL(ctx context.Context, addr net.Addr) (string, error) {
	if s.cfg.App == nil {
		return "", nil
	}
	n, err := s.cfg.Store.CountUsers(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	host := "127.0.0.1"
	if ta, ok := addr.(*net.TCPAddr); ok && !ta.IP.IsUnspecified() && !ta.IP.IsLoopback() {
		return "", fmt.Errorf("[web] listen %s is not on this machine's loopback, where the setup address must be opened: add the first admin with crier users add NAME --role admin", addr)
	} else if ok && ta.IP.To4() == nil && ta.IP.IsLoopback() {
		host = "[::1]"
	}
	_, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "", err
	}
	s.auth.setup.mu.Lock()
	defer s.auth.setup.mu.Unlock()
	if s.auth.setup.token == "" {
		s.auth.setup.token = base64.RawURLEncoding.EncodeToString(randomBytes())
	}
	return "http://" + net.JoinHostPort(host, port) + ConsolePrefix + "setup/" + s.auth.setup.token, nil
}

// setupOpen reports whether r may use the setup address whose live
// token is live: r names it, and comes from this machine itself, not
// through a proxy (a reverse proxy on this machine connects from
// loopback too, on behalf of anyone).
func setupOpen(r *http.Request, live string) bool {
	if !remoteAddr(r.RemoteAddr).IsLoopback() {
		return false
	}
	for _, h := range []string{"X-Forwarded-For", "Forwarded", "X-Real-Ip", "X-Forwarded-Host"} {
		if r.Header.Get(h) != "" {
			return false
		}
	}
	return live != "" && subtle.ConstantTimeCompare([]byte(r.PathValue("token")), []byte(live)) == 1
}

// setupToken returns the live setup token, "" when there is none.
func (s *Server) setupToken() string {
	s.auth.setup.mu.Lock()
	defer s.auth.setup.mu.Unlock()
	return s.auth.setup.token
}

// setupForm is what the setup page shows: the values typed and each
// field's problem.
type setupForm struct {
	Name, Email, Phone string
	Problems           map[string]string
}

func (s *Server) setupPage(w http.ResponseWriter, r *http.Request) {
	if !setupOpen(r, s.setupToken()) {
		s.fail(w, r, http.StatusNotFound)
		return
	}
	if n, err := s.cfg.Store.CountUsers(r.Context()); err != nil || n > 0 {
		s.killSetup()
		s.fail(w, r, http.StatusNotFound)
		return
	}
	s.consolePage(w, r, http.StatusOK, "setup", ConsolePage{Title: "Create the first admin", Data: setupForm{}})
}

// setup makes the first admin, kills the token and signs them in.
func (s *Server) setup(w http.ResponseWriter, r *http.Request) {
	// One setup at a time: two browsers posting at once make one admin.
	s.auth.setup.mu.Lock()
	defer s.auth.setup.mu.Unlock()
	if !setupOpen(r, s.auth.setup.token) {
		s.fail(w, r, http.StatusNotFound)
		return
	}
	form := setupForm{Name: r.PostFormValue("name"), Email: r.PostFormValue("email"), Phone: r.PostFormValue("phone"), Problems: map[string]string{}}
	pw := r.PostFormValue("password")
	if pw != r.PostFormValue("password2") {
		form.Problems["password2"] = "The two passwords differ: type the same one twice."
	}
	var u notices.User
	var err error
	if len(form.Problems) == 0 {
		u, err = s.cfg.App.SetupAdmin(r.Context(), app.NewUser{Name: form.Name, Password: pw, Email: form.Email, Phone: form.Phone})
	}
	switch {
	case errors.Is(err, app.ErrNoSetup):
		s.auth.setup.token = ""
		s.fail(w, r, http.StatusNotFound)
		return
	case app.ErrorCode(err) == notices.Invalid:
		for _, p := range app.ProblemsOf(err) {
			form.Problems[p.Field] = p.Message
		}
	case err != nil:
		s.log.Error("console: setup", "err", err)
		s.fail(w, r, http.StatusInternalServerError)
		return
	}
	if len(form.Problems) > 0 {
		s.consolePage(w, r, http.StatusUnprocessableEntity, "setup", ConsolePage{Title: "Create the first admin", Data: form})
		return
	}
	s.auth.setup.token = ""
	s.log.Info("console: the first admin was made at the setup address; it is closed now", "user", u.Name)
	if err := s.startSession(w, r, u); err != nil {
		s.log.Error("console: setup", "err", err)
		http.Redirect(w, r, ConsolePrefix+"login", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, ConsolePrefix, http.StatusSeeOther)
}

// killSetup ends the setup address.
func (s *Server) killSetup() {
	s.auth.setup.mu.Lock()
	s.auth.setup.token = ""
	s.auth.setup.mu.Unlock()
}
