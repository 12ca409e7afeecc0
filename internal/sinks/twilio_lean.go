package sinks

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// Lean makes the Twilio server answer each connection with a loop of its
// own instead of net/http's server, leaving out the goroutines and reads
// net/http's server adds to each request (its background read, its idle
// wait), and much of the work per request: a plain request (HTTP/1.1, a
// path without escapes, Content-Length, its body buffered) is parsed in
// place without a header map, its form decoded without a map, its
// credentials without a string, and its message resource written by hand
// into a buffer of the connection's own; any other request is read by
// http.ReadRequest. Each is answered as net/http's server answers it (the
// same status, body, and headers but Date and X-Content-Type-Options:
// TestTwilioSinkLeanAnswersAsNetHTTP holds each kind of request to it), in
// one write (or one for requests that came pipelined together). On a
// small machine shared with the sender it leaves more of the CPU to the
// sender: in crierbench, 100,000 SMS, the sink takes about 24 µs of CPU a
// message (44 µs when it read every request with http.ReadRequest). It
// speaks HTTP/1.1 with keep-alive (or closes after a request that asks it
// to), answers only the Messages create, and is for benchmarks only.
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
// one for requests that came pipelined together.
func (s *leanHTTP) handle(c net.Conn, t *Twilio) {
	lc := &leanConn{t: t, r: bufio.NewReaderSize(c, 16<<10)}
	for {
		keep, ok := lc.next()
		if !ok {
			return
		}
		if keep && lc.r.Buffered() > 0 {
			continue
		}
		if _, err := c.Write(lc.out); err != nil || !keep {
			return
		}
		lc.out = lc.out[:0]
	}
}

// leanConn is one connection's reader and the buffers its answers reuse.
type leanConn struct {
	t       *Twilio
	r       *bufio.Reader
	out     []byte // replies not yet written
	body    []byte // the reply under way's body
	scratch []byte // form values unescaped
	sid     []byte
	pass    [96]byte // a Basic auth's credentials, decoded
	date    []byte   // Twilio's date for second
	second  int64
}

// next reads the next request and appends its reply to out; keep is false
// if the connection ends after it, ok false if there is no request to
// answer. A plain request whose body c has buffered is read by
// parseHead; any other by http.ReadRequest, as the lean server read
// every request before.
func (lc *leanConn) next() (keep, ok bool) {
	n, err := peekHead(lc.r)
	if err != nil {
		return lc.nextSlow()
	}
	head, _ := lc.r.Peek(n)
	req, ok := parseHead(head)
	if !ok || n+req.contentLength > lc.r.Size() {
		return lc.nextSlow()
	}
	if n+req.contentLength > lc.r.Buffered() {
		// Peek moves what is buffered: read the head again where it is.
		if _, err := lc.r.Peek(n + req.contentLength); err != nil {
			return lc.nextSlow()
		}
		head, _ = lc.r.Peek(n)
		req, _ = parseHead(head)
	}
	b, _ := lc.r.Peek(n + req.contentLength)
	status, out := lc.answer(&req, b[n:])
	lc.out = appendReply(lc.out, status, out, !req.close)
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

// nextSlow reads the next request with http.ReadRequest and appends its
// reply to out.
func (lc *leanConn) nextSlow() (keep, ok bool) {
	req, err := http.ReadRequest(lc.r)
	if err != nil {
		return false, false
	}
	status, out := http.StatusNotFound, []byte("404 page not found\n")
	if account, ok := messagesAccount(req.URL.Path); ok {
		if req.Method == http.MethodPost {
			status, out = lc.t.answer(account, nil, req)
		} else {
			status, out = http.StatusMethodNotAllowed, []byte("Method Not Allowed\n")
		}
	}
	// What the answer left of the body, so that the next request
	// starts where it should; a body too long ends the connection.
	n, err := io.Copy(io.Discard, io.LimitReader(req.Body, maxForm+1))
	keep = err == nil && n <= maxForm && !req.Close
	lc.out = appendReply(lc.out, status, out, keep)
	return keep, true
}

// appendReply appends an HTTP/1.1 reply with body out, JSON unless the
// status is 404 or 405, with the headers net/http's server would give.
func appendReply(dst []byte, status int, out []byte, keep bool) []byte {
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
	dst = strconv.AppendInt(dst, int64(len(out)), 10)
	dst = append(dst, "\r\n\r\n"...)
	return append(dst, out...)
}
