package sinks

import (
	"bytes"
	"html"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
)

// cleanTarget reports whether target, a path without escapes, is one
// net/http's ServeMux serves as it is rather than redirecting it to
// path.Clean's form: no empty, "." or ".." segment but a trailing slash.
func cleanTarget(target []byte) bool {
	for i := 0; i < len(target); i++ {
		if target[i] != '/' {
			continue
		}
		seg := target[i+1:]
		if j := indexSlash(seg); j >= 0 {
			seg = seg[:j]
			if j == 0 {
				return false // "//"
			}
		}
		if string(seg) == "." || string(seg) == ".." {
			return false
		}
	}
	return true
}

func indexSlash(b []byte) int {
	for i, c := range b {
		if c == '/' {
			return i
		}
	}
	return -1
}

// muxPath is the path net/http's ServeMux redirects p, a path as sent,
// to, as its cleanPath makes it: path.Clean's, keeping a trailing slash.
func muxPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if p[len(p)-1] == '/' && np != "/" {
		np += "/"
	}
	return np
}

// appendRedirect appends the 307 net/http's ServeMux answers req with
// when its path is not clean, keep saying whether the connection stays
// open; ok is false if req's path is clean.
func appendRedirect(dst []byte, req *http.Request, keep bool) ([]byte, bool) {
	// ServeMux cleans the path as sent, escapes and all.
	escaped := req.URL.EscapedPath()
	clean := muxPath(escaped)
	if clean == escaped || req.Method == http.MethodConnect {
		return dst, false
	}
	loc := (&url.URL{Path: clean, RawQuery: req.URL.RawQuery}).String()
	dst = append(dst, "HTTP/1.1 307 Temporary Redirect\r\nLocation: "...)
	dst = append(dst, loc...)
	var body string
	switch req.Method {
	case http.MethodGet:
		body = "<a href=\"" + html.EscapeString(loc) + "\">Temporary Redirect</a>.\n\n"
		fallthrough
	case http.MethodHead:
		dst = append(dst, "\r\nContent-Type: text/html; charset=utf-8"...)
	}
	if !keep {
		dst = append(dst, "\r\nConnection: close"...)
	}
	if req.Method == http.MethodHead {
		// Nothing written, net/http gives no length to a HEAD reply.
		return append(dst, "\r\n\r\n"...), true
	}
	dst = append(dst, "\r\nContent-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(body)), 10)
	dst = append(dst, "\r\n\r\n"...)
	return append(dst, body...), true
}

// escapedAccount is the account of escapedPath, a request's path as
// sent, if ServeMux matches it to the Messages resource: it compares
// each segment unescaped, so "%2F" in the account is the account's.
func escapedAccount(escapedPath string) (string, bool) {
	segs := strings.Split(escapedPath, "/")
	if len(segs) != 5 || segs[0] != "" {
		return "", false
	}
	for i, s := range segs {
		u, err := url.PathUnescape(s)
		if err != nil {
			return "", false
		}
		segs[i] = u
	}
	if segs[1] != "2010-04-01" || segs[2] != "Accounts" || segs[3] == "" || segs[4] != "Messages.json" {
		return "", false
	}
	return segs[3], true
}

// asterisk answers a request for "*" as net/http's server does: OPTIONS
// with 200 and no body, any other method (HTTP/1.1) with 400 and close.
func (lc *leanConn) asterisk(req *http.Request) (keep, ok bool) {
	if req.Method != http.MethodOptions {
		lc.out = append(lc.out, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"...)
		return false, true
	}
	n, err := io.Copy(io.Discard, io.LimitReader(req.Body, maxForm+1))
	keep = err == nil && n <= maxForm && !req.Close
	lc.out = append(lc.out, "HTTP/1.1 200 OK\r\n"...)
	if !keep {
		lc.out = append(lc.out, "Connection: close\r\n"...)
	}
	lc.out = append(lc.out, "Content-Length: 0\r\n\r\n"...)
	return keep, true
}

// asHTTP10 is reply, an HTTP/1.1 reply, made the one net/http's server
// gives an HTTP/1.0 request: its status line says HTTP/1.0, and its
// Connection header is keep-alive if the connection stays open, none if
// it closes.
func asHTTP10(reply []byte, keep bool) []byte {
	head, body, _ := bytes.Cut(reply, []byte("\r\n\r\n"))
	line, fields, _ := bytes.Cut(head, []byte("\r\n"))
	out := append([]byte("HTTP/1.0"), bytes.TrimPrefix(line, []byte("HTTP/1.1"))...)
	if keep {
		out = append(out, "\r\nConnection: keep-alive"...)
	}
	for _, f := range bytes.Split(fields, []byte("\r\n")) {
		if !asciiEqualFold(f, "Connection: close") {
			out = append(append(out, "\r\n"...), f...)
		}
	}
	out = append(out, "\r\n\r\n"...)
	return append(out, body...)
}

// continueReader is the body of a request that asked for 100 Continue:
// as net/http's server does, it sends 100 Continue (after the replies
// held) when the body is first read.
type continueReader struct {
	lc   *leanConn
	body io.ReadCloser
	sent bool
	eof  bool
}

// expectContinue wraps req's body in a continueReader if req asks for
// 100 Continue and net/http's server would send it, and returns it.
func (lc *leanConn) expectContinue(req *http.Request) *continueReader {
	if !req.ProtoAtLeast(1, 1) || req.ContentLength == 0 || !hasToken(req.Header.Get("Expect"), "100-continue") {
		return nil
	}
	cr := &continueReader{lc: lc, body: req.Body}
	req.Body = cr
	return cr
}

func (cr *continueReader) Read(p []byte) (int, error) {
	if !cr.sent {
		cr.sent = true
		lc := cr.lc
		lc.out = append(lc.out, "HTTP/1.1 100 Continue\r\n\r\n"...)
		if _, err := lc.c.Write(lc.out); err != nil {
			return 0, err
		}
		lc.out = lc.out[:0]
	}
	n, err := cr.body.Read(p)
	if err == io.EOF {
		cr.eof = true
	}
	return n, err
}

func (cr *continueReader) Close() error { return cr.body.Close() }

// hasToken reports whether v, a header's value, lists token, as
// net/http's hasToken reads it: ASCII case aside, bounded by the value's
// ends, spaces, tabs or commas.
func hasToken(v, token string) bool {
	for sp := 0; sp+len(token) <= len(v); sp++ {
		end := sp + len(token)
		if (sp == 0 || isTokenBoundary(v[sp-1])) && (end == len(v) || isTokenBoundary(v[end])) &&
			asciiEqualFold([]byte(v[sp:end]), token) {
			return true
		}
	}
	return false
}

func isTokenBoundary(b byte) bool { return b == ' ' || b == ',' || b == '\t' }

// headLimit is what net/http's server reads of a request head before it
// answers 431 (DefaultMaxHeaderBytes and 4096 over); noLimit is none.
const (
	headLimit = http.DefaultMaxHeaderBytes + 4096
	noLimit   = math.MaxInt64
)

// readLimit reads c, remain bytes at most, as net/http's server reads a
// request head.
type readLimit struct {
	c      net.Conn
	remain int64
}

func (l *readLimit) Read(p []byte) (int, error) {
	if l.remain <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > l.remain {
		p = p[:l.remain]
	}
	n, err := l.c.Read(p)
	l.remain -= int64(n)
	return n, err
}

// closeWriteAndWait ends the connection's writes and waits, as net/http's
// server does after a 431, so that the client reads the reply before a
// close with its request unread resets the connection.
func (lc *leanConn) closeWriteAndWait() {
	if tc, ok := lc.c.(interface{ CloseWrite() error }); ok {
		tc.CloseWrite()
	}
	time.Sleep(500 * time.Millisecond) // net/http's rstAvoidanceDelay
}
