package sinks

import (
	"bufio"
	"bytes"
)

// leanRequest is what the lean server's own parser reads of a request
// head: the parts an answer needs, each a slice of the head.
type leanRequest struct {
	method, target []byte
	auth           []byte // Authorization's value, trimmed; nil without one
	contentLength  int
	form           bool // Content-Type is application/x-www-form-urlencoded
	close          bool // Connection: close
}

// peekHead waits until r buffers a whole request head, up to its blank
// line, and returns the head's length. It reads nothing out of r: where
// it fails (r's buffer too small, an error) the caller hands r, as it
// was, to http.ReadRequest.
func peekHead(r *bufio.Reader) (int, error) {
	for {
		b, _ := r.Peek(r.Buffered())
		if i := headEnd(b); i >= 0 {
			return i, nil
		}
		// One more byte than buffered makes Peek read once more (or
		// fail at once with a full buffer).
		if _, err := r.Peek(len(b) + 1); err != nil {
			return 0, err
		}
	}
}

// headEnd is the length of the request head that starts b, through the
// first empty line ("\r\n" or "\n", as textproto reads lines), or -1.
func headEnd(b []byte) int {
	for start := 0; ; {
		i := bytes.IndexByte(b[start:], '\n')
		if i < 0 {
			return -1
		}
		if line := b[start : start+i]; len(line) == 0 || len(line) == 1 && line[0] == '\r' {
			return start + i + 1
		}
		start += i + 1
	}
}

// parseHead parses head as http.ReadRequest would, for the plain
// requests it accepts: an HTTP/1.1 request line whose target is a path
// with no escapes, query or fragment; header lines ending "\r\n", none
// folded; one of each header the answer reads, one Host whose value
// net/http's server takes, Content-Length in at most 9 digits, no
// Transfer-Encoding or Expect, and a Content-Type, if any, of
// application/x-www-form-urlencoded alone. For every other head, ok is
// false and the caller lets http.ReadRequest read it, so that what is
// rare is answered exactly as net/http reads it.
func parseHead(head []byte) (req leanRequest, ok bool) {
	line, rest, ok := cutLine(head)
	if !ok || !req.requestLine(line) {
		return req, false
	}
	var seen uint8
	for {
		if line, rest, ok = cutLine(rest); !ok {
			return req, false
		}
		if len(line) == 0 {
			// Without one Host, net/http's server refuses the request:
			// http.ReadRequest reads it, and nextSlow refuses it so.
			return req, len(rest) == 0 && seen&seenHost != 0
		}
		if !req.header(line, &seen) {
			return req, false
		}
	}
}

// cutLine cuts the line ending "\r\n" off the front of b.
func cutLine(b []byte) (line, rest []byte, ok bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 1 || b[i-1] != '\r' {
		return nil, nil, false
	}
	return b[:i-1], b[i+1:], true
}

// requestLine reads "METHOD /path HTTP/1.1".
func (req *leanRequest) requestLine(line []byte) bool {
	method, rest, _ := bytes.Cut(line, []byte(" "))
	target, proto, _ := bytes.Cut(rest, []byte(" "))
	if string(proto) != "HTTP/1.1" || len(method) == 0 || len(target) == 0 || target[0] != '/' {
		return false
	}
	for _, c := range method {
		if !isTokenByte(c) {
			return false
		}
	}
	for _, c := range target {
		// Without '%', '?' or '#', url.ParseRequestURI's Path is the
		// target itself.
		if c <= ' ' || c >= 0x7f || c == '%' || c == '?' || c == '#' {
			return false
		}
	}
	req.method, req.target = method, target
	// A path ServeMux would clean it redirects: http.ReadRequest's.
	return cleanTarget(target)
}

// The headers an answer reads, as bits of parseHead's seen: a second of
// any makes the head one for http.ReadRequest.
const (
	seenLength = 1 << iota
	seenAuth
	seenConnection
	seenType
	seenHost
)

// header reads one header line, refusing what textproto would refuse or
// what parseHead leaves to http.ReadRequest.
func (req *leanRequest) header(line []byte, seen *uint8) bool {
	key, value, ok := bytes.Cut(line, []byte(":"))
	if !ok || len(key) == 0 {
		return false
	}
	for _, c := range key {
		if !isTokenByte(c) {
			return false
		}
	}
	for _, c := range value {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	value = bytes.Trim(value, " \t")
	var bit uint8
	switch {
	case asciiEqualFold(key, "Content-Length"):
		bit, ok = seenLength, req.setLength(value)
	case asciiEqualFold(key, "Authorization"):
		bit, req.auth = seenAuth, value
	case asciiEqualFold(key, "Connection"):
		bit, req.close = seenConnection, hasCloseToken(value)
	case asciiEqualFold(key, "Content-Type"):
		bit, ok = seenType, asciiEqualFold(value, "application/x-www-form-urlencoded")
		req.form = ok
	case asciiEqualFold(key, "Host"):
		bit, ok = seenHost, validHost(value)
	case asciiEqualFold(key, "Transfer-Encoding"), asciiEqualFold(key, "Expect"):
		return false
	}
	if *seen&bit != 0 {
		return false
	}
	*seen |= bit
	return ok
}

// setLength reads a Content-Length of digits only, as strconv.ParseUint
// reads it; one of more than 9 digits, past maxForm anyway, is left to
// http.ReadRequest, so that it never overflows an int of 32 bits.
func (req *leanRequest) setLength(v []byte) bool {
	if len(v) == 0 || len(v) > 9 {
		return false
	}
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	req.contentLength = n
	return true
}

// hasCloseToken reports whether a Connection value lists "close", as
// net/http's httpguts.HeaderValuesContainsToken reads it.
func hasCloseToken(v []byte) bool {
	for len(v) > 0 {
		var tok []byte
		tok, v, _ = bytes.Cut(v, []byte(","))
		if asciiEqualFold(bytes.Trim(tok, " \t"), "close") {
			return true
		}
	}
	return false
}

// asciiEqualFold compares b and s, ASCII letters without case, as HTTP
// compares header names and tokens (bytes.EqualFold would also fold
// Unicode: 'ſ' with 's').
func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		if lower(b[i]) != lower(s[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// isTokenByte reports whether c may be in an HTTP token (a method, a
// header name), as textproto's validHeaderFieldByte.
func isTokenByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return c < 0x80 && bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), c) >= 0
}
