package web

import (
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxBody is the largest request body read: Twilio's webhooks and the
// unsubscribe forms are a few hundred bytes.
const maxBody = 64 << 10

// maxSignedInBody is the largest request body the console and the API
// read, from a signed-in user or token only (consoleOnly and apiOnly
// refuse before the body is read; the sign-in and setup pages keep to
// maxBody): a contact list of a few hundred thousand rows.
const maxSignedInBody = 100 << 20

// bodyLimit is the largest body a request to path may have.
func bodyLimit(path string) int64 {
	if strings.HasPrefix(path, ConsolePrefix) || strings.HasPrefix(path, APIPrefix) {
		return maxSignedInBody
	}
	return maxBody
}

// contentSecurityPolicy lets a page use only its own stylesheet and
// images: no script, no frames, forms only back to this server.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// protect puts the protections every public route shares around h:
// security headers, the body limit, and a recovery that answers a panic
// with a plain 500 page (the stack goes to the log, never to the client).
func (s *Server) protect(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", contentSecurityPolicy)
		hd.Set("X-Content-Type-Options", "nosniff")
		// The unsubscribe links carry a token: never send it onwards.
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, bodyLimit(r.URL.Path))
		}
		rec := &recorder{ResponseWriter: w}
		start := time.Now()
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("web: a request failed", "path", logPath(r.URL.Path), "panic", v)
				if !rec.wrote {
					s.fail(rec, r, http.StatusInternalServerError)
				}
			}
			s.log.Debug("web request", "method", r.Method, "path", logPath(r.URL.Path), "status", rec.status, "took", time.Since(start).Round(time.Millisecond))
		}()
		h.ServeHTTP(rec, r)
	})
}

// recorder remembers the status written, for the log and the recovery.
type recorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if !r.wrote {
		r.status, r.wrote = http.StatusOK, true
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// logPath is a request's path as logged: the secret part of an
// unsubscribe link, a notice's code and the console's one-time setup
// token are cut, so the log gives away neither a working link, an
// unpublished page nor the way to make the first admin.
func logPath(p string) string {
	for _, prefix := range []string{"/unsubscribe/", "/n/", "/cap/", ConsolePrefix + "setup/"} {
		if strings.HasPrefix(p, prefix) {
			return prefix + "…"
		}
	}
	if len(p) > 64 {
		return p[:64] + "…"
	}
	return p
}

// The rate limits, per client address: a person reading pages or a feed
// reader stays far below them; a script guessing links does not.
const (
	publicRate  = 5 // requests a second
	publicBurst = 30
	forgedRate  = 0.2 // refused Twilio signatures a second
	forgedBurst = 10
	// Gmail or Yahoo may post thousands of one-click unsubscribes within
	// the hour after a large send, from one address.
	oneClickRate  = 50
	oneClickBurst = 500
)

// limited applies the per-address rate limit of the public routes to h.
func (s *Server) limited(h http.Handler) http.Handler {
	return s.limitedBy(s.public, h)
}

// limitedBy applies l's per-address rate limit to h.
func (s *Server) limitedBy(l *limiter, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !l.allow(clientAddr(r), s.now()) {
			tooMany(w, r, s)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// tooMany answers 429 with the time to wait.
func tooMany(w http.ResponseWriter, r *http.Request, s *Server) {
	w.Header().Set("Retry-After", strconv.Itoa(10))
	s.fail(w, r, http.StatusTooManyRequests)
}

// limiter is a token bucket per client address. Addresses idle for ten
// minutes are forgotten, so the table stays small.
type limiter struct {
	mu      sync.Mutex
	rate    rate.Limit
	burst   int
	clients map[netip.Addr]*visitor
	swept   time.Time
}

type visitor struct {
	bucket *rate.Limiter
	seen   time.Time
}

const forgetAfter = 10 * time.Minute

func newLimiter(r rate.Limit, burst int) *limiter {
	return &limiter{rate: r, burst: burst, clients: map[netip.Addr]*visitor{}}
}

// allow takes one token from addr's bucket at now.
func (l *limiter) allow(addr netip.Addr, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > forgetAfter {
		for a, c := range l.clients {
			if now.Sub(c.seen) > forgetAfter {
				delete(l.clients, a)
			}
		}
		l.swept = now
	}
	c := l.clients[addr]
	if c == nil {
		c = &visitor{bucket: rate.NewLimiter(l.rate, l.burst)}
		l.clients[addr] = c
	}
	c.seen = now
	return c.bucket.AllowN(now, 1)
}

// clientAddr is the address a request comes from. Behind a reverse proxy
// on this machine (the connection comes from loopback) it is the last
// address the proxy added to X-Forwarded-For; a client elsewhere cannot
// choose its own by sending the header. IPv6 clients are limited by
// their /64, which one subscriber usually holds whole.
func clientAddr(r *http.Request) netip.Addr {
	peer := remoteAddr(r.RemoteAddr)
	if peer.IsLoopback() {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			last := xff[len(xff)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			if a, err := netip.ParseAddr(strings.TrimSpace(last)); err == nil {
				peer = a.Unmap()
			}
		}
	}
	if peer.Is6() && !peer.IsLoopback() {
		if p, err := peer.Prefix(64); err == nil {
			return p.Addr()
		}
	}
	return peer
}

// remoteAddr parses a connection's host:port.
func remoteAddr(hostport string) netip.Addr {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}
