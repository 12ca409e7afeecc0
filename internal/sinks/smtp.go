// Package sinks runs loopback servers that accept messages and discard
// them: an SMTP server and an HTTP server shaped like Twilio's Messages
// API. The benchmark command measures how fast Crier sends against them,
// and tests use them where Mailpit or Prism would be slower or could not
// be told to refuse. Each sink counts what it accepted; the counters are
// safe for concurrent use.
package sinks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTP is a plain SMTP server (no TLS) that reads each message fully and
// discards it. Start one with StartSMTP; its methods are safe for
// concurrent use.
type SMTP struct {
	srv    *smtp.Server
	ln     *trackingListener
	served chan error // Serve's result, once it has returned
	cfg    smtpConfig
	counts counters
	closed sync.Once
	err    error
}

// An SMTPOption changes how StartSMTP's server behaves.
type SMTPOption func(*smtpConfig)

type smtpConfig struct {
	user, pass  string
	requireAuth bool
	reject      func(rcpt string) *smtp.SMTPError
}

// RequireAuth makes the server refuse MAIL FROM with 530 until the client
// has logged in with AUTH PLAIN as user and pass, and refuse any other
// credentials with 535. Without it, AUTH PLAIN is offered too and any
// credentials are accepted.
func RequireAuth(user, pass string) SMTPOption {
	return func(c *smtpConfig) { c.user, c.pass, c.requireAuth = user, pass, true }
}

// Reject calls f with the address of each RCPT TO (without angle
// brackets); a non-nil result refuses that recipient with its code and
// text, for example 550 for a mailbox that does not exist. f is called
// from many connections at once.
func Reject(f func(rcpt string) *smtp.SMTPError) SMTPOption {
	return func(c *smtpConfig) { c.reject = f }
}

var errAuthRequired = &smtp.SMTPError{
	Code:         530,
	EnhancedCode: smtp.EnhancedCode{5, 7, 0},
	Message:      "Authentication required",
}

// StartSMTP listens on addr ("127.0.0.1:0" picks a free port) and serves
// SMTP there until Close. It offers AUTH PLAIN over the plain connection,
// PIPELINING and CHUNKING, and sets no limit on message size.
func StartSMTP(addr string, opts ...SMTPOption) (*SMTP, error) {
	s := &SMTP{served: make(chan error, 1)}
	for _, o := range opts {
		o(&s.cfg)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("smtp sink: %w", err)
	}
	s.ln = &trackingListener{Listener: l, conns: make(map[*trackedConn]struct{})}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{sink: s}, nil
	}))
	srv.Domain = "localhost"
	// AUTH over a connection without TLS: the sink is on loopback.
	srv.AllowInsecureAuth = true
	// Clients that hang up mid-session are normal in a benchmark; logging
	// them would cost more than the messages.
	srv.ErrorLog = log.New(io.Discard, "", 0)
	s.srv = srv
	go func() { s.served <- srv.Serve(s.ln) }()
	return s, nil
}

// Addr returns the address the server listens on, as host:port.
func (s *SMTP) Addr() string { return s.ln.Addr().String() }

// Host returns the IP address the server listens on.
func (s *SMTP) Host() string { return s.ln.Addr().(*net.TCPAddr).IP.String() }

// Port returns the port the server listens on.
func (s *SMTP) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Accepted returns the number of messages whose DATA (or last BDAT) was
// answered 250.
func (s *SMTP) Accepted() int64 { return s.counts.accepted.Load() }

// Recipients returns the number of recipients of the accepted messages,
// refused ones not counted.
func (s *SMTP) Recipients() int64 { return s.counts.recipients.Load() }

// FirstAccepted returns when the first message was accepted, or the zero
// time if none was.
func (s *SMTP) FirstAccepted() time.Time { return s.counts.first() }

// LastAccepted returns when the latest message was accepted, or the zero
// time if none was.
func (s *SMTP) LastAccepted() time.Time { return s.counts.last() }

// Close stops the server, closes the connections still open and returns
// once every connection's goroutine has ended, so the counters no longer
// change. Calling it again returns the first call's result.
func (s *SMTP) Close() error {
	s.closed.Do(func() {
		// Shutdown closes the listener, which closes the connections
		// (see trackingListener), then waits for their goroutines.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := s.srv.Shutdown(ctx)
		if serr := <-s.served; err == nil && serr != nil && !errors.Is(serr, net.ErrClosed) {
			err = serr
		}
		if err != nil {
			s.err = fmt.Errorf("smtp sink: close: %w", err)
		}
	})
	return s.err
}

// session is one connection's state. go-smtp calls its methods from the
// connection's goroutine only.
type session struct {
	sink   *SMTP
	authed bool
	rcpts  int64
}

var _ smtp.AuthSession = (*session)(nil)

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		cfg := &ss.sink.cfg
		if cfg.requireAuth && (user != cfg.user || pass != cfg.pass || (identity != "" && identity != user)) {
			return smtp.ErrAuthFailed
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Mail(string, *smtp.MailOptions) error {
	if ss.sink.cfg.requireAuth && !ss.authed {
		return errAuthRequired
	}
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if f := ss.sink.cfg.reject; f != nil {
		// A nil *SMTPError must not become a non-nil error.
		if e := f(to); e != nil {
			return e
		}
	}
	ss.rcpts++
	return nil
}

func (ss *session) Data(r io.Reader) error {
	// io.Discard's ReadFrom reads through a pooled buffer: nothing is
	// kept of the message and nothing allocated for it here.
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	ss.sink.counts.add(ss.rcpts)
	return nil
}

func (ss *session) Reset() { ss.rcpts = 0 }

func (ss *session) Logout() error { return nil }

// counters are what a sink has accepted, updated with atomics so that
// thousands of messages a second from many connections do not queue on a
// lock.
type counters struct {
	accepted   atomic.Int64
	recipients atomic.Int64
	firstNano  atomic.Int64 // Unix nanoseconds; 0 until the first message
	lastNano   atomic.Int64
}

func (c *counters) add(recipients int64) {
	now := time.Now().UnixNano()
	c.firstNano.CompareAndSwap(0, now)
	// Concurrent acceptances may store out of order: keep the latest.
	for {
		last := c.lastNano.Load()
		if now <= last || c.lastNano.CompareAndSwap(last, now) {
			break
		}
	}
	c.recipients.Add(recipients)
	c.accepted.Add(1)
}

func (c *counters) first() time.Time { return fromNano(c.firstNano.Load()) }
func (c *counters) last() time.Time  { return fromNano(c.lastNano.Load()) }

func fromNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// trackingListener remembers the connections it accepted so that closing
// it closes them too. go-smtp's Shutdown closes the listener and then waits
// for the connections to end, which idle clients would otherwise never do.
type trackingListener struct {
	net.Listener
	mu     sync.Mutex
	closed bool
	conns  map[*trackedConn]struct{}
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		c.Close()
		return nil, net.ErrClosed
	}
	tc := &trackedConn{Conn: c, l: l}
	l.conns[tc] = struct{}{}
	return tc, nil
}

func (l *trackingListener) Close() error {
	l.mu.Lock()
	l.closed = true
	conns := make([]*trackedConn, 0, len(l.conns))
	for c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	err := l.Listener.Close()
	for _, c := range conns {
		c.Close()
	}
	return err
}

type trackedConn struct {
	net.Conn
	l    *trackingListener
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.conns, c)
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}
