package sinks

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"io"
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
// path without escapes, Content-Length, its body buffered) is parsed in
// place without a header map, its form decoded without a map, its
// credentials without a string, and its message resource written by hand
// into a buffer of the connection's own; any other request is read by
// http.ReadRequest. Each is answered as net/http's server answers it
// (the same status line, body, and the headers a client reads:
// TestTwilioSinkLeanAnswersAsNetHTTP holds each kind of request to it),
// but for these rare ones: OPTIONS * in HTTP/1.0 (answered HTTP/1.1),
// HTTP/2's preface, and a head within 16 KB of net/http's limit (1 MB
// and 4 KB read, 431 past it), which the two servers count from
// different points.
// Replies go out in one write (or one for requests that came pipelined
// together, and always before the connection ends). On a
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
// one for requests that came pipelined together: a reply is held back
// only while the buffer holds the whole of the next request, so that no
// reply waits on a read, and replies held are written before the
// connection ends.
func (s *leanHTTP) handle(c net.Conn, t *Twilio) {
	lc := &leanConn{t: t, c: c, limit: &readLimit{c: c, remain: noLimit}}
	lc.r = bufio.NewReaderSize(lc.limit, 16<<10)
	for {
		keep, ok := lc.next()
		if ok && keep && lc.nextBuffered() {
			continue
		}
		if len(lc.out) > 0 {
			if _, err := c.Write(lc.out); err != nil {
				return
			}
		}
		if !ok || !keep {
			if lc.limit.remain <= 0 {
				lc.closeWriteAndWait()
			}
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
	limit   *readLimit // r's reader
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

// next reads the next request and appends its reply to out; keep is false
// if the connection ends after it, ok false if there is no request to
// answer. A plain request whose body c has buffered is read by
// parseHead; any other by http.ReadRequest, as the lean server read
// every request before.
func (lc *leanConn) next() (keep, ok bool) {
	if lc.afterPost {
		lc.afterPost = false
		b, _ := lc.r.Peek(4)
		lc.r.Discard(leadingCRorLF(b))
	}
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

// nextSlow reads the next request with http.ReadRequest and appends its
// reply to out, as net/http's server and ServeMux answer it: a request
// refused before the handler (one it cannot read, a protocol version it
// does not serve, a Host missing or malformed, an Expect other than
// 100-continue) gets that server's reply and ends the connection; a path
// to clean is redirected, a request for "*" answered as the server
// does, 100 Continue sent when the answer reads the body, and an
// HTTP/1.0 request answered in HTTP/1.0.
func (lc *leanConn) nextSlow() (keep, ok bool) {
	// http.ReadRequest drops the Host header: count it beforehand.
	// net/http's server reads a head of 1 MB and 4 KB at most.
	lc.limit.remain = headLimit
	hosts := -1
	if n, err := peekHead(lc.r); err == nil {
		head, _ := lc.r.Peek(n)
		hosts = countHosts(head)
	}
	req, err := http.ReadRequest(lc.r)
	if err != nil {
		if lc.limit.remain <= 0 {
			lc.out = append(lc.out, "HTTP/1.1 431 Request Header Fields Too Large"+readErrorHeaders+"431 Request Header Fields Too Large"...)
		} else {
			lc.out = appendReadError(lc.out, err)
		}
		return false, false
	}
	lc.limit.remain = noLimit
	lc.afterPost = req.Method == http.MethodPost
	if hosts < 0 && req.Host != "" {
		hosts = 1 // a head past the buffer: as near as req tells
	}
	if refused := refusedHead(req, hosts); refused != "" {
		lc.out = append(lc.out, refused...)
		return false, false
	}
	if req.RequestURI == "*" {
		return lc.asterisk(req)
	}
	cont := lc.expectContinue(req)
	status, out := http.StatusNotFound, []byte("404 page not found\n")
	_, unclean := appendRedirect(nil, req, false)
	if account, ok := escapedAccount(req.URL.EscapedPath()); ok && !unclean {
		if req.Method == http.MethodPost {
			status, out = lc.t.answer(account, nil, req)
		} else {
			status, out = http.StatusMethodNotAllowed, []byte("Method Not Allowed\n")
		}
	}
	// What the answer left of the body, so that the next request
	// starts where it should; a body too long ends the connection.
	// net/http closes rather than read a body it asked for with 100
	// Continue and its handler left.
	if cont != nil && !cont.eof {
		keep = false
	} else {
		n, err := io.Copy(io.Discard, io.LimitReader(req.Body, maxForm+1))
		keep = err == nil && n <= maxForm && !req.Close
	}
	start := len(lc.out)
	defer func() {
		if !req.ProtoAtLeast(1, 1) {
			lc.out = append(lc.out[:start], asHTTP10(lc.out[start:], keep)...)
		}
	}()
	if unclean {
		lc.out, _ = appendRedirect(lc.out, req, keep)
		return keep, true
	}
	length := len(out)
	if req.Method == http.MethodHead {
		out = nil
	}
	lc.out = appendReply(lc.out, status, out, length, keep)
	return keep, true
}

// leadingCRorLF is the number of CR and LF bytes that start b.
func leadingCRorLF(b []byte) int {
	n := 0
	for n < len(b) && (b[n] == '\r' || b[n] == '\n') {
		n++
	}
	return n
}

// readErrorHeaders end the head of a reply to a request net/http's
// server could not read.
const readErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// appendReadError appends what net/http's server answers when reading a
// request fails with err: nothing for a connection closed or timed out
// before a request began, 501 for a transfer encoding it does not know,
// 400 for anything else.
func appendReadError(dst []byte, err error) []byte {
	var ne net.Error
	switch {
	case err == io.EOF, errors.As(err, &ne) && ne.Timeout():
		return dst
	case strings.HasPrefix(err.Error(), "unsupported transfer encoding"):
		return append(dst, "HTTP/1.1 501 Not Implemented"+readErrorHeaders+"Unsupported transfer encoding"...)
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "read" {
		return dst
	}
	return append(dst, "HTTP/1.1 400 Bad Request"+readErrorHeaders+"400 Bad Request"...)
}

// countHosts is the number of Host header lines in head.
func countHosts(head []byte) int {
	n := 0
	_, rest, _ := bytes.Cut(head, []byte("\n"))
	for len(rest) > 0 {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		if key, _, ok := bytes.Cut(line, []byte(":")); ok && asciiEqualFold(key, "Host") {
			n++
		}
	}
	return n
}

// refusedHead is the reply net/http's server gives req, read by
// http.ReadRequest with hosts Host headers, before its handler sees it,
// or "": its checks of the protocol version, of Host and of Expect.
func refusedHead(req *http.Request, hosts int) string {
	var text string
	switch {
	case req.ProtoMajor != 1 && !(req.ProtoMajor == 2 && req.ProtoMinor == 0 && req.Method == "PRI" && req.RequestURI == "*"):
		text = "505 HTTP Version Not Supported: unsupported protocol version"
	case req.ProtoAtLeast(1, 1) && hosts <= 0 && req.Method != http.MethodConnect:
		text = "400 Bad Request: missing required Host header"
	case !validHost(req.Host):
		text = "400 Bad Request: malformed Host header"
	case req.Header.Get("Expect") != "" && !hasToken(req.Header.Get("Expect"), "100-continue"):
		return "HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
	default:
		return ""
	}
	return "HTTP/1.1 " + text + readErrorHeaders + text
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
