package sinks

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Lean makes the Twilio server answer each connection with a loop of its
// own instead of net/http's server, leaving out the goroutines and reads
// net/http's server adds to each request (its background read, its idle
// wait), and much of the work per request: a plain request (HTTP/1.1, a
// clean path without escapes, one Host, Content-Length, its body
// buffered) is parsed in place without a header map, its form decoded
// without a map, its credentials without a string, and its message
// resource written by hand into a buffer of the connection's own, with
// the reply net/http's server would give. At the first request that is
// not plain, the rest of the connection is served by net/http's server
// itself, which answers whatever it is as StartTwilio's server does
// (TestTwilioSinkLeanAnswersAsNetHTTP holds each kind of request to it).
// Replies go out in one write (or one for requests that came pipelined
// together, and always before the connection ends). On a
// small machine shared with the sender it leaves more of the CPU to the
// sender: in crierbench, 100,000 SMS, the sink takes about 24 µs of CPU a
// message (44 µs when it read every request with http.ReadRequest). It
// is for benchmarks only.
func Lean() TwilioOption {
	return func(t *Twilio) { t.lean = &leanHTTP{conns: map[net.Conn]bool{}} }
}

// leanHTTP is Lean's server: the connections it serves, so that Close
// can end them.
type leanHTTP struct {
	mu      sync.Mutex
	conns   map[net.Conn]bool
	closing bool
	wg      sync.WaitGroup
}

// serve accepts connections until l is closed and serves each on a
// goroutine of its own; it returns http.ErrServerClosed, as net/http's
// server does.
func (s *leanHTTP) serve(l net.Listener, t *Twilio) error {
	for {
		c, err := l.Accept()
		if err != nil {
			return http.ErrServerClosed
		}
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			c.Close()
			continue
		}
		s.conns[c] = true
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			s.handle(c, t)
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
			c.Close()
		}()
	}
}

// close stops listening and ends each connection once its request under
// way is answered, closing those still open after wait.
func (s *leanHTTP) close(l net.Listener, wait time.Duration) {
	l.Close()
	s.mu.Lock()
	s.closing = true
	for c := range s.conns {
		// A read waiting for the next request ends now; a request
		// already read is answered first.
		c.SetReadDeadline(time.Now())
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(wait):
		s.mu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		<-done
	}
}

// messagesPrefix and messagesSuffix are the Messages resource's path, the
// account between them.
const (
	messagesPrefix = "/2010-04-01/Accounts/"
	messagesSuffix = "/Messages.json"
)

// messagesAccount is the account of path if path is the Messages
// resource's: messagesPrefix, an account of one segment, messagesSuffix.
func messagesAccount[S string | []byte](path S) (account S, ok bool) {
	n := len(path) - len(messagesSuffix)
	if n <= len(messagesPrefix) || string(path[:len(messagesPrefix)]) != messagesPrefix || string(path[n:]) != messagesSuffix {
		return account, false
	}
	account = path[len(messagesPrefix):n]
	for i := range len(account) {
		if account[i] == '/' {
			return account, false
		}
	}
	return account, true
}

// handle answers c's requests until the client closes it, asks for it to
// close, or sends what is not HTTP. Replies go out in one write each, or
// one for requests that came pipelined together: a reply is held back
// only while the buffer holds the whole of the next request, so that no
// reply waits on a read, and replies held are written before the
// connection ends.
func (s *leanHTTP) handle(c net.Conn, t *Twilio) {
	lc := &leanConn{t: t, c: c, r: bufio.NewReaderSize(c, 16<<10)}
	for {
		keep, plain := lc.next()
		if plain && keep && lc.nextBuffered() {
			continue
		}
		if len(lc.out) > 0 {
			if _, err := c.Write(lc.out); err != nil {
				return
			}
		}
		if !plain {
			lc.handOff()
			return
		}
		if !keep {
			return
		}
		lc.out = lc.out[:0]
	}
}

// nextBuffered reports whether lc's buffer holds a whole request the
// hand parser reads, head and body.
func (lc *leanConn) nextBuffered() bool {
	b, _ := lc.r.Peek(lc.r.Buffered())
	n := headEnd(b)
	if n < 0 {
		return false
	}
	req, ok := parseHead(b[:n])
	return ok && req.contentLength <= len(b)-n
}

// leanConn is one connection's reader and the buffers its answers reuse.
type leanConn struct {
	t       *Twilio
	c       net.Conn
	r       *bufio.Reader
	out     []byte // replies not yet written
	body    []byte // the reply under way's body
	scratch []byte // form values unescaped
	sid     []byte
	pass    [96]byte // a Basic auth's credentials, decoded
	date    []byte   // Twilio's date for second
	second  int64
	// afterPost is set when the last request was a POST: net/http's
	// server then skips up to 4 CR or LF bytes that follow it, which old
	// clients sent after a body.
	afterPost bool
}

// next reads the next request, if it is plain, and appends its reply to
// out; keep is false if the connection ends after it. plain is false,
// and nothing read, if the next request is not one parseHead reads with
// its body buffered (or there is none): it is handOff's.
func (lc *leanConn) next() (keep, plain bool) {
	if lc.afterPost {
		lc.afterPost = false
		b, _ := lc.r.Peek(4)
		lc.r.Discard(leadingCRorLF(b))
	}
	n, err := peekHead(lc.r)
	if err != nil {
		return false, false
	}
	head, _ := lc.r.Peek(n)
	req, ok := parseHead(head)
	if !ok || n+req.contentLength > lc.r.Size() {
		return false, false
	}
	if n+req.contentLength > lc.r.Buffered() {
		// Peek moves what is buffered: read the head again where it is.
		if _, err := lc.r.Peek(n + req.contentLength); err != nil {
			return false, false
		}
		head, _ = lc.r.Peek(n)
		req, _ = parseHead(head)
	}
	b, _ := lc.r.Peek(n + req.contentLength)
	lc.afterPost = string(req.method) == http.MethodPost
	status, out := lc.answer(&req, b[n:])
	length := len(out)
	if string(req.method) == http.MethodHead {
		out = nil
	}
	lc.out = appendReply(lc.out, status, out, length, !req.close)
	lc.r.Discard(n + req.contentLength)
	return !req.close, true
}

// answer is the status and body that answer req, whose body is body.
func (lc *leanConn) answer(req *leanRequest, body []byte) (int, []byte) {
	account, ok := messagesAccount(req.target)
	if !ok {
		return http.StatusNotFound, []byte("404 page not found\n")
	}
	if string(req.method) != http.MethodPost {
		return http.StatusMethodNotAllowed, []byte("Method Not Allowed\n")
	}
	return lc.create(account, req, body)
}

// create answers a message create as Twilio.answer does.
func (lc *leanConn) create(account []byte, req *leanRequest, body []byte) (int, []byte) {
	t := lc.t
	if pass, ok := basicPassword(req.auth, &lc.pass); !ok || !t.passwordOK(pass) {
		return twilioErrorBody(http.StatusUnauthorized, 20003, "Authenticate")
	}
	var f leanForm
	if req.form {
		var ok bool
		if f, lc.scratch, ok = decodeForm(body, lc.scratch); !ok {
			v, err := url.ParseQuery(string(body))
			if err != nil {
				return twilioErrorBody(http.StatusBadRequest, 20001, "Unable to read the request: "+err.Error())
			}
			f = formOf(v)
		}
	}
	if status, out, ok := refusal(len(f.to) > 0, len(f.from) > 0 || len(f.service) > 0,
		len(f.body) > 0 || f.media > 0 || len(f.contentSID) > 0); !ok {
		return status, out
	}
	lc.sid = t.appendSID(lc.sid[:0])
	lc.body = appendMessage(lc.body[:0], account, &f, lc.sid, lc.now())
	t.counts.add(1)
	return http.StatusCreated, lc.body
}

// basicPassword is the password of auth, an Authorization header's
// value, decoded into buf (or a buffer of its own if it is longer), as
// http.Request.BasicAuth reads it.
func basicPassword(auth []byte, buf *[96]byte) ([]byte, bool) {
	const prefix = "Basic "
	if len(auth) < len(prefix) || !asciiEqualFold(auth[:len(prefix)], prefix) {
		return nil, false
	}
	enc := auth[len(prefix):]
	dec := buf[:]
	if base64.StdEncoding.DecodedLen(len(enc)) > len(dec) {
		dec = make([]byte, base64.StdEncoding.DecodedLen(len(enc)))
	}
	n, err := base64.StdEncoding.Decode(dec, enc)
	if err != nil {
		return nil, false
	}
	_, pass, ok := bytes.Cut(dec[:n], []byte(":"))
	return pass, ok
}

// now is Twilio's date for this second, made once a second.
func (lc *leanConn) now() []byte {
	now := time.Now()
	if s := now.Unix(); s != lc.second || lc.date == nil {
		lc.second = s
		lc.date = now.UTC().AppendFormat(lc.date[:0], twilioTime)
	}
	return lc.date
}

// leadingCRorLF is the number of CR and LF bytes that start b.
func leadingCRorLF(b []byte) int {
	n := 0
	for n < len(b) && (b[n] == '\r' || b[n] == '\n') {
		n++
	}
	return n
}

// validHost reports whether h is a Host value net/http's server takes,
// as httpguts.ValidHostHeader reads it: the bytes of a host, a port, an
// IPv6 literal or a registered name with its escapes.
func validHost[S string | []byte](h S) bool {
	for i := range len(h) {
		if !validHostByte(h[i]) {
			return false
		}
	}
	return true
}

func validHostByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!$%&'()*+,-.:;=[]_~", c) >= 0
}

// appendReply appends an HTTP/1.1 reply with body out, JSON unless the
// status is 404 or 405, with the headers net/http's server would give;
// its Content-Length is length, which is len(out) but for a reply to
// HEAD, whose body net/http leaves out.
func appendReply(dst []byte, status int, out []byte, length int, keep bool) []byte {
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	dst = append(dst, ' ')
	dst = append(dst, http.StatusText(status)...)
	switch status {
	case http.StatusMethodNotAllowed:
		dst = append(dst, "\r\nAllow: POST"...)
		fallthrough
	case http.StatusNotFound:
		dst = append(dst, "\r\nContent-Type: text/plain; charset=utf-8"...)
	default:
		dst = append(dst, "\r\nContent-Type: application/json"...)
	}
	if status == http.StatusUnauthorized {
		dst = append(dst, "\r\nWWW-Authenticate: "+wwwAuthenticate...)
	}
	if !keep {
		dst = append(dst, "\r\nConnection: close"...)
	}
	dst = append(dst, "\r\nContent-Length: "...)
	dst = strconv.AppendInt(dst, int64(length), 10)
	dst = append(dst, "\r\n\r\n"...)
	return append(dst, out...)
}

// handOff serves the rest of lc's connection, from what lc.r holds on,
// with net/http's server as StartTwilio runs it, and returns once that
// server has closed the connection.
func (lc *leanConn) handOff() {
	closed := make(chan struct{})
	srv := lc.t.httpServer()
	srv.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateClosed || st == http.StateHijacked {
			close(closed)
		}
	}
	srv.Serve(&oneConn{c: &bufferedConn{Conn: lc.c, r: lc.r}})
	<-closed
}

// bufferedConn is a connection whose reads begin with what r, its
// reader until then, holds.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (b *bufferedConn) Read(p []byte) (int, error) { return b.r.Read(p) }

// CloseWrite ends the connection's writes, as net/http's server does
// after refusing a request it left unread (a head too long), so that the
// client reads the reply before the close resets the connection.
func (b *bufferedConn) CloseWrite() error {
	if cw, ok := b.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// oneConn is a listener that accepts c once, then ends: net/http's
// server goes on serving c after Serve returns.
type oneConn struct {
	c    net.Conn
	done bool
}

func (l *oneConn) Accept() (net.Conn, error) {
	if l.done {
		return nil, net.ErrClosed
	}
	l.done = true
	return l.c, nil
}

func (l *oneConn) Close() error   { return nil }
func (l *oneConn) Addr() net.Addr { return l.c.LocalAddr() }
