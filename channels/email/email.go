// Package email is the channel that sends email over SMTP with go-mail,
// through a small pool of connections reused from message to message, and
// says of each failure whether a retry can help and whether the channel
// itself is out of order.
package email

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/crier-notices/crier/channels"
)

// Config is how to reach the SMTP server.
type Config struct {
	Host string
	Port int // default 587
	// TLS is the STARTTLS policy: "mandatory" (the default: refuse to send
	// without it), "opportunistic" (use it when the server offers it) or
	// "none" (a relay on the same machine or network).
	TLS string
	// TLSConfig, if set, verifies the server's certificate (a private CA);
	// its ServerName defaults to Host.
	TLSConfig *tls.Config
	// Username and Password log in when Username is set. The password is
	// sent only over TLS and never appears in errors or logs; the caller
	// reads it from CRIER_SMTP_PASSWORD.
	Username string
	Password string
	HELO     string        // the name given in EHLO; default the machine's host name
	Timeout  time.Duration // for each SMTP command and the connection; default 30s
	// Connections is the most connections open at once, which is also the
	// most messages in flight; default 4.
	Connections int
}

// Sender sends email through a pool of SMTP connections. A connection that
// fails is dropped and a new one dialled for the next message. Send is safe
// for concurrent use; at most Config.Connections sends run at once and the
// others wait their turn.
type Sender struct {
	client  *mail.Client
	user    string
	timeout time.Duration
	slots   chan struct{} // one token per send in flight

	mu     sync.Mutex
	idle   []*conn
	closed bool

	// Now gives the time of acceptance in receipts, and how long a pooled
	// session has been idle.
	Now func() time.Time
}

var _ channels.Staged = (*Sender)(nil)

// conn is one SMTP session of the pool.
type conn struct {
	smtp      *smtp.Client
	nc        *cancelConn
	buf       []byte    // the message being sent, reused
	idleSince time.Time // when it went back to the pool
}

// maxChunkIdle is how long a pooled session may have been idle and still
// send its next message as one write with BDAT (see chunked). A session
// idle longer sends it through DATA once: a server that closed the
// session meanwhile without a word (an idle timeout without its 421) is
// found by the envelope's replies, when nothing of the message has gone,
// and the message goes at once on a new session, where after a BDAT
// chunk written into a closed session it could only fail as one that
// may have gone.
const maxChunkIdle = time.Second

// New checks cfg and returns a Sender. It does not connect: the first Send
// does, so a server down at start-up delays messages instead of failing
// the program.
func New(cfg Config) (*Sender, error) {
	if cfg.Host == "" {
		return nil, errors.New("smtp: host is not set")
	}
	if cfg.Port == 0 {
		cfg.Port = mail.DefaultPortTLS
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return nil, fmt.Errorf("smtp: port %d is out of range", cfg.Port)
	}
	if cfg.Connections == 0 {
		cfg.Connections = 4
	}
	if cfg.Connections < 0 {
		return nil, fmt.Errorf("smtp: connections %d must be at least 1", cfg.Connections)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	var policy mail.TLSPolicy
	switch cfg.TLS {
	case "", "mandatory":
		policy = mail.TLSMandatory
	case "opportunistic":
		policy = mail.TLSOpportunistic
	case "none":
		policy = mail.NoTLS
	default:
		return nil, fmt.Errorf("smtp: tls %q: want mandatory, opportunistic or none", cfg.TLS)
	}
	tlsConfig := &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12}
	if cfg.TLSConfig != nil {
		tlsConfig = cfg.TLSConfig.Clone()
		if tlsConfig.ServerName == "" {
			tlsConfig.ServerName = cfg.Host
		}
	}
	opts := []mail.Option{
		mail.WithPort(cfg.Port),
		mail.WithTLSPolicy(policy),
		mail.WithTLSConfig(tlsConfig),
		mail.WithTimeout(cfg.Timeout),
		mail.WithDialContextFunc(dialCancellable),
		// A session ends each transaction with the reply to DATA; RSET and
		// NOOP would only add a round trip per message. A stale connection
		// shows itself at MAIL FROM instead, where Send redials.
		mail.WithoutRset(),
		mail.WithoutNoop(),
	}
	if cfg.HELO != "" {
		opts = append(opts, mail.WithHELO(cfg.HELO))
	}
	if cfg.Username != "" {
		// Auto-discovery offers PLAIN and LOGIN only over TLS, so the
		// password never crosses the network in the clear.
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(cfg.Username), mail.WithPassword(cfg.Password))
	}
	client, err := mail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp: %w", err)
	}
	return &Sender{
		client:  client,
		user:    cfg.Username,
		timeout: cfg.Timeout,
		slots:   make(chan struct{}, cfg.Connections),
		Now:     time.Now,
	}, nil
}

// Send sends m.Email, whose recipients are set by the caller, and returns
// the server's queue id (or the Message-ID when the server gives none) and
// the time the server accepted it. A failure is a *channels.Error:
// transient for 4xx replies and network errors, permanent for 5xx replies
// (with the server's code and words), broken when the server refuses the
// login, the TLS the configuration asks for or the sender. A pooled
// session found closed or out of step (503) before the message was handed
// over is replaced and the message sent on a new one; a session that got
// a 4xx, a 503 or an I/O error is closed, never reused. To a server that
// offers CHUNKING, the message goes in the transaction's one write, so a
// session that ends without a reply after it may have delivered it: that
// send fails, transient, and is not repeated at once. When ctx ends,
// Send gives up at once, closing the connection it was using.
func (s *Sender) Send(ctx context.Context, m channels.Message) (channels.Receipt, error) {
	return s.SendStaged(ctx, m, nil)
}

// SendStaged is Send, calling ready (when not nil) just before the
// server can accept the message: once the message is written but for the
// end of its data, or, to a server that offers CHUNKING and PIPELINING,
// before anything of the transaction is written (the message goes with
// its BDAT command in one write). An error from ready is returned as it
// is; it ends a session left in DATA (SMTP has no other way out of it),
// and leaves a CHUNKING session, untouched, for the next message.
func (s *Sender) SendStaged(ctx context.Context, m channels.Message, ready func() error) (channels.Receipt, error) {
	if m.Email == nil {
		return channels.Receipt{}, &channels.Error{Permanent: true, Reason: "the message has no email"}
	}
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return channels.Receipt{}, cancelled(ctx, nil)
	}
	defer func() { <-s.slots }()

	for attempt := 0; ; attempt++ {
		// A retry dials: the pool may hold more sessions that died with
		// the first (a server restart ends them all).
		c, reused, err := s.get(ctx, attempt == 0)
		if err != nil {
			if ctx.Err() != nil {
				return channels.Receipt{}, cancelled(ctx, err)
			}
			return channels.Receipt{}, s.dialError(err)
		}
		chunk := !reused || s.Now().Sub(c.idleSince) < maxChunkIdle
		healthy, reply, err := s.sendOn(ctx, c, m.Email, ready, chunk)
		if healthy {
			s.put(c)
		} else {
			s.drop(c)
		}
		if err == nil {
			return channels.Receipt{ProviderID: providerID(reply, m.Email.MessageID), At: s.Now()}, nil
		}
		if ctx.Err() != nil {
			return channels.Receipt{}, cancelled(ctx, err)
		}
		var re *readyError
		if errors.As(err, &re) {
			return channels.Receipt{}, re.err
		}
		// A pooled connection the server has since closed (an idle
		// timeout, a restart) or lost track of fails before the message
		// was handed over: a new connection can send it without risk of a
		// double.
		if reused && stale(err) {
			continue
		}
		return channels.Receipt{}, classify(err)
	}
}

// sendOn sends msg over c and reports whether c can carry the next
// message, and the server's reply to the message.
// chunk says whether it may go with BDAT (see transact).
func (s *Sender) sendOn(ctx context.Context, c *conn, msg *channels.Email, ready func() error, chunk bool) (healthy bool, reply string, err error) {
	stop := context.AfterFunc(ctx, c.nc.cancel)
	reply, err = s.transact(c.smtp, msg, &c.buf, ready, chunk)
	if !stop() {
		return false, reply, err // ctx ended: the connection's deadline is in the past
	}
	if err == nil {
		return true, reply, nil
	}
	var re *readyError
	if errors.As(err, &re) {
		return re.untouched, reply, err
	}
	var se *stepError
	if !errors.As(err, &se) {
		return false, reply, err
	}
	if se.accepted {
		return false, reply, nil
	}
	return keepSession(se), reply, err
}

// keepSession reports whether the session that gave se can carry the next
// message. Only a plain refusal keeps it: a 5xx to MAIL FROM or RCPT TO
// (go-mail then sent RSET) or to the end of the data (which ends the
// transaction), and a message refused before anything was sent. A 4xx
// says the server is in trouble, and a server in trouble may not have
// ended the transaction (Mailpit stopping answers 451 to the data and
// then 503 to the next MAIL FROM); a 503 says the session is out of step;
// an I/O error leaves it anywhere. Those sessions are closed.
func keepSession(se *stepError) bool {
	if se.lost {
		return false
	}
	code := se.code()
	switch se.step {
	case mail.ErrGetSender, mail.ErrGetRcpts, mail.ErrNoUnencoded:
		return true
	case mail.ErrSMTPMailFrom, mail.ErrSMTPRcptTo, mail.ErrSMTPDataClose:
		return code >= 500 && code != 503
	}
	return false
}

// get takes an idle connection from the pool, if pooled, or dials a new
// one.
func (s *Sender) get(ctx context.Context, pooled bool) (c *conn, reused bool, err error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, false, errClosed
	}
	if n := len(s.idle); n > 0 && pooled {
		c = s.idle[n-1]
		s.idle = s.idle[:n-1]
		s.mu.Unlock()
		return c, true, nil
	}
	s.mu.Unlock()
	c, err = s.dial(ctx)
	return c, false, err
}

var errClosed = errors.New("the email sender is closed")

func (s *Sender) put(c *conn) {
	c.idleSince = s.Now()
	s.mu.Lock()
	if !s.closed {
		s.idle = append(s.idle, c)
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	s.quit(c)
}

func (s *Sender) drop(c *conn) { c.nc.Close() }

// quit ends c politely, waiting at most a second for the server.
func (s *Sender) quit(c *conn) {
	c.nc.SetDeadline(time.Now().Add(time.Second))
	c.smtp.Quit()
	c.nc.Close()
}

// Close closes the idle connections and makes later sends fail; sends in
// flight finish and close their connections.
func (s *Sender) Close() error {
	s.mu.Lock()
	idle := s.idle
	s.idle, s.closed = nil, true
	s.mu.Unlock()
	for _, c := range idle {
		s.quit(c)
	}
	return nil
}

// connKey carries a dial's *cancelConn out of go-mail's dialing through the
// context, so Send can cut the connection when its context ends.
type connKey struct{}

type connSlot struct {
	mu        sync.Mutex
	nc        *cancelConn
	cancelled bool
}

func (s *connSlot) set(nc *cancelConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nc = nc
	if s.cancelled {
		nc.cancel()
	}
}

func (s *connSlot) cancel() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cancelled = true
	if s.nc != nil {
		s.nc.cancel()
	}
}

func (s *connSlot) get() *cancelConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nc
}

// dial opens a session: connect, EHLO, STARTTLS, AUTH.
func (s *Sender) dial(ctx context.Context) (*conn, error) {
	slot := &connSlot{}
	stop := context.AfterFunc(ctx, slot.cancel)
	defer stop()
	sc, err := s.client.DialToSMTPClientWithContext(context.WithValue(ctx, connKey{}, slot))
	nc := slot.get()
	if err != nil {
		if nc != nil {
			nc.Close() // go-mail leaves it open when the session fails
		}
		return nil, err
	}
	return &conn{smtp: sc, nc: nc}, nil
}

func dialCancellable(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	nc := &cancelConn{Conn: c}
	if slot, ok := ctx.Value(connKey{}).(*connSlot); ok {
		slot.set(nc)
	}
	return nc, nil
}

// cancelConn is a connection whose blocked reads and writes can be ended
// from another goroutine and stay ended: go-mail moves the deadline
// forward before each command, and after cancel every deadline set is in
// the past.
type cancelConn struct {
	net.Conn
	mu        sync.Mutex
	cancelled bool
}

var past = time.Unix(1, 0)

func (c *cancelConn) cancel() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cancelled = true
	c.Conn.SetDeadline(past)
}

func (c *cancelConn) deadline(t time.Time) time.Time {
	if c.cancelled {
		return past
	}
	return t
}

func (c *cancelConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Conn.SetDeadline(c.deadline(t))
}

func (c *cancelConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Conn.SetReadDeadline(c.deadline(t))
}

func (c *cancelConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Conn.SetWriteDeadline(c.deadline(t))
}

// providerID is the server's queue id from its reply to the message
// ("250 2.0.0 Ok: queued as ID"), or else the Message-ID.
func providerID(reply string, messageID string) string {
	if _, id, ok := strings.Cut(reply, "queued as "); ok {
		if f := strings.Fields(id); len(f) > 0 {
			return strings.Trim(f[0], "<>")
		}
	}
	return strings.Trim(messageID, "<>")
}

// stale reports whether err is a pooled connection found dead or out of
// step before the message was handed over: no reply, or 421, to MAIL
// FROM, or 503 (bad sequence) to a command before the data.
func stale(err error) bool {
	var se *stepError
	if !errors.As(err, &se) {
		return false
	}
	switch code := se.code(); se.step {
	case mail.ErrConnCheck:
		return code == 0 || code == 421
	case mail.ErrSMTPMailFrom:
		return code == 0 || code == 421 || code == 503
	case mail.ErrSMTPRcptTo, mail.ErrSMTPData:
		return code == 503
	}
	return false
}

// cancelled is the error of a send that ctx ended: transient, wrapping
// ctx's error.
func cancelled(ctx context.Context, err error) error {
	cause := context.Cause(ctx)
	if err != nil {
		cause = fmt.Errorf("%w (%w)", cause, err)
	}
	return &channels.Error{Reason: "sending was cancelled", Err: cause}
}

// authRefused are the replies that mean the server will not take mail from
// us as configured: authentication required (530), too weak (534),
// credentials invalid (535), encryption required (538).
func authRefused(code int) bool {
	return code == 530 || code == 534 || code == 535 || code == 538
}

// classify turns go-mail's send error into the dispatcher's terms.
func classify(err error) error {
	var se *stepError
	if !errors.As(err, &se) {
		if errors.Is(err, errClosed) {
			return &channels.Error{Reason: errClosed.Error(), Err: err}
		}
		return &channels.Error{Reason: "the connection to the SMTP server failed", Err: err}
	}
	code := se.code()
	text := se.words()
	e := &channels.Error{Err: err}
	if code != 0 {
		e.Code, e.Reason = strconv.Itoa(code), text
	}
	switch {
	case code == 0:
		switch se.step {
		case mail.ErrGetSender, mail.ErrGetRcpts, mail.ErrNoUnencoded:
			e.Permanent = true
			e.Reason = "the email cannot be sent as built: " + se.Error()
		default:
			e.Reason = "the connection to the SMTP server failed while " + se.step.String()
		}
	case authRefused(code):
		e.Permanent, e.Broken = true, true
	case code >= 500 && se.step == mail.ErrSMTPMailFrom:
		// The sender is refused: every other message would be too (a 503
		// to a fresh session's MAIL FROM: it wants a login first).
		e.Permanent, e.Broken = true, true
	case code == 503:
		// Out of step after MAIL FROM was accepted: the session's fault,
		// never the recipient's; the session is closed and it goes again.
	case code >= 500:
		e.Permanent = true
	}
	return e
}

// HardBounce reports whether err is the recipient's server saying, at
// send time, that the address does not exist or cannot take mail: a 5xx
// reply with an RFC 3463 enhanced code 5.1.x about the recipient (5.1.1
// no such mailbox, 5.1.2 no such domain, 5.1.10 a null MX ...), so the
// address belongs in the suppressions. Other permanent refusals (552 a
// full mailbox, 554 5.7.1 a policy) are about this message, not the
// address, and are not hard bounces.
func HardBounce(err error) bool {
	var e *channels.Error
	if !errors.As(err, &e) || !e.Permanent || e.Broken {
		return false
	}
	code, _ := strconv.Atoi(e.Code)
	return hardBounce(code, e.Reason)
}

// hardBounce is HardBounce of a reply's code and words ("5.1.1 ...").
// 5.1.7 and 5.1.8 are about the sender's address, 5.1.4 (ambiguous),
// 5.1.5 (valid) and 5.1.9 (relayed) say nothing wrong with it.
func hardBounce(code int, words string) bool {
	if code < 500 || code > 599 {
		return false
	}
	enhanced, _, _ := strings.Cut(strings.TrimSpace(words), " ")
	detail, ok := strings.CutPrefix(enhanced, "5.1.")
	if !ok {
		return false
	}
	switch detail {
	case "0", "1", "2", "3", "6", "10":
		return true
	}
	return false
}

// unquote undoes the quoting that net/textproto puts around a reply's
// words in its error message (Go 1.26: 550 "5.1.0 ...").
func unquote(s string) string {
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	return s
}

// dialError classifies a failure to open a session. A network failure or a
// 4xx reply is transient; the rest (login refused, TLS missing or failing,
// no login mechanism safe to use, a 5xx greeting) are the configuration or
// the server being wrong for us, and every message would fail the same
// way: the channel is broken.
func (s *Sender) dialError(err error) error {
	if errors.Is(err, errClosed) {
		return &channels.Error{Reason: errClosed.Error(), Err: err}
	}
	var reply *textproto.Error
	if errors.As(err, &reply) {
		e := &channels.Error{Code: strconv.Itoa(reply.Code), Reason: unquote(reply.Msg), Err: err}
		switch {
		case authRefused(reply.Code) && s.user != "":
			e.Broken, e.Permanent = true, true
			e.Err = fmt.Errorf("the SMTP server refused the login as %q; check [smtp] username and CRIER_SMTP_PASSWORD: %w", s.user, err)
		case reply.Code >= 500:
			e.Broken, e.Permanent = true, true
		}
		return e
	}
	if tlsFailure(err) {
		return &channels.Error{Broken: true, Permanent: true, Reason: "the TLS handshake with the SMTP server failed; check [smtp] host and tls", Err: err}
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &channels.Error{Reason: "the SMTP server cannot be reached", Err: err}
	}
	reason := "the SMTP session cannot be set up; check the [smtp] settings"
	switch msg := err.Error(); {
	case strings.Contains(msg, "STARTTLS"):
		reason = `the SMTP server does not offer STARTTLS, which tls = "mandatory" requires`
	case strings.Contains(strings.ToUpper(msg), "AUTH"): // go-mail writes "SMTP Auth autodiscover …"
		reason = "the SMTP server offers no login that is safe to use; a login needs TLS"
	}
	return &channels.Error{Broken: true, Permanent: true, Reason: reason, Err: err}
}

// tlsFailure reports whether err is a certificate or handshake failure,
// which no retry mends.
func tlsFailure(err error) bool {
	var (
		alert      tls.AlertError
		verify     *tls.CertificateVerificationError
		header     tls.RecordHeaderError
		unknownCA  x509.UnknownAuthorityError
		hostname   x509.HostnameError
		invalidCrt x509.CertificateInvalidError
	)
	return errors.As(err, &alert) || errors.As(err, &verify) || errors.As(err, &header) ||
		errors.As(err, &unknownCA) || errors.As(err, &hostname) || errors.As(err, &invalidCrt)
}
