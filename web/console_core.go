package web

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/notices"
)

// The console's calls into the application core for contacts: each says
// in a line what it did, for the page's flash.

// suppress suppresses address (reason manual, the coordinator's reason as
// its note).
func (s *Server) suppress(r *http.Request, address, reason string) (string, error) {
	sup, added, err := s.cfg.App.Suppress(r.Context(), address, notices.Manual, reason)
	if err != nil {
		return "", err
	}
	if !added {
		return fmt.Sprintf("%s was suppressed already (%s, since %s); nothing changed.", sup.Address, sup.Reason, sup.At.In(s.zone()).Format(timeShown)), nil
	}
	return fmt.Sprintf("Suppressed %s: nothing goes to it until it is resubscribed.", sup.Address), nil
}

// resubscribe lifts address's suppression with the reason.
func (s *Server) resubscribe(r *http.Request, address, reason string) (string, error) {
	res, err := s.cfg.App.Resubscribe(r.Context(), address, reason)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Resubscribed %s (%d contact(s) subscribed again).", res.Address, res.Contacts), nil
}

// audit records that the signed-in user did action to subject (a
// template's upload, which has no use case of its own yet).
func (s *Server) audit(r *http.Request, action, subject, detail string) error {
	return s.cfg.Store.RecordAudit(r.Context(), notices.AuditEntry{
		At: s.now(), Actor: app.ActorOf(r.Context()).String(), Action: action, Subject: subject, Detail: detail,
	})
}

// restState is what the console's contact pages keep between requests:
// the rejected rows of recent imports, for their download.
type restState struct {
	mu      sync.Mutex
	imports map[string]keptRejects
	flashes map[string]keptFlash
}

// keptFlash is a flash line waiting for the page a redirect leads to.
type keptFlash struct {
	user, line string
	at         time.Time
}

// maxFlashes bounds the flash lines kept; a minute is long enough for
// a browser to follow a redirect.
const (
	maxFlashes = 256
	keepFlash  = time.Minute
)

// keepFlash keeps line for user's next page and returns its id.
func (rs *restState) keepFlash(now time.Time, user, line string) string {
	id := randomID()
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.flashes == nil {
		rs.flashes = map[string]keptFlash{}
	}
	for k, f := range rs.flashes {
		if now.Sub(f.at) > keepFlash || len(rs.flashes) >= maxFlashes {
			delete(rs.flashes, k)
		}
	}
	rs.flashes[id] = keptFlash{user: user, line: line, at: now}
	return id
}

// takeFlash returns the flash line id stands for, for user, once.
func (rs *restState) takeFlash(now time.Time, id, user string) string {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	f, ok := rs.flashes[id]
	if !ok || f.user != user || now.Sub(f.at) > keepFlash {
		return ""
	}
	delete(rs.flashes, id)
	return f.line
}

// randomID is 128 random bits in hex.
func randomID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

type keptRejects struct {
	user, file string
	data       []byte
	at         time.Time
}

// How many imports' rejects are kept, and how long.
const (
	keptImports = 16
	keepRejects = time.Hour
)

// keepRejects keeps data (the rejects of file, imported by user at now)
// and returns the id of its download.
func (rs *restState) keepRejects(now time.Time, user, file string, data []byte) string {
	id := randomID()
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.imports == nil {
		rs.imports = map[string]keptRejects{}
	}
	var oldest string
	for k, v := range rs.imports {
		if now.Sub(v.at) > keepRejects {
			delete(rs.imports, k)
		} else if oldest == "" || v.at.Before(rs.imports[oldest].at) {
			oldest = k
		}
	}
	if len(rs.imports) >= keptImports {
		delete(rs.imports, oldest)
	}
	rs.imports[id] = keptRejects{user: user, file: file, data: data, at: now}
	return id
}

// rejects returns the rejects kept under id for user, at now.
func (rs *restState) rejects(now time.Time, id, user string) (file string, data []byte, ok bool) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	k, ok := rs.imports[id]
	if !ok || k.user != user || now.Sub(k.at) > keepRejects {
		return "", nil, false
	}
	return k.file, k.data, true
}
