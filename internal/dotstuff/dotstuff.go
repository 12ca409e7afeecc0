// Package dotstuff holds Crier's one rule for writing a message into
// SMTP's DATA (RFC 5321 4.5.2), byte for byte as net/textproto's
// DotWriter (which go-mail uses) writes it: a line that begins with "."
// gets a second one, and a line feed without its carriage return gets
// one. It imports nothing of ours, so the leaf packages (templates,
// channels) can share it: templates stuffs an email's body once per
// notice, and the email channel stuffs a message that comes unstuffed.
package dotstuff

import "bytes"

// Append appends src, which begins a line, to dst as DotWriter writes it
// into the data, and returns the extended slice. Text whose lines all end
// in CRLF (every email Crier builds) is copied in a few large pieces, cut
// only where a line begins with a dot; other text goes byte by byte.
func Append(dst, src []byte) []byte {
	if !allCRLF(src) {
		return appendBytes(dst, src, true)
	}
	if len(src) > 0 && src[0] == '.' {
		dst = append(dst, '.')
	}
	for {
		i := bytes.Index(src, lineThenDot)
		if i < 0 {
			return append(dst, src...)
		}
		dst = append(dst, src[:i+len(lineThenDot)]...)
		dst = append(dst, '.')
		src = src[i+len(lineThenDot):]
	}
}

var lineThenDot = []byte("\n.")

// Needed reports whether Append would change src: a line of it begins
// with a dot or ends in a bare line feed.
func Needed(src []byte) bool {
	if !allCRLF(src) {
		return !bytes.Equal(appendBytes(nil, src, true), src)
	}
	return len(src) > 0 && src[0] == '.' || bytes.Contains(src, lineThenDot)
}

// AppendLines appends src, which begins a line, to dst with its line
// breaks as Append writes them (a line feed without its carriage return
// gets one) and no dot doubled: the message as the server reads it out
// of DATA, as CHUNKING's BDAT (RFC 3030) carries it. Text whose lines all
// end in CRLF is copied as it is.
func AppendLines(dst, src []byte) []byte {
	if allCRLF(src) {
		return append(dst, src...)
	}
	return appendBytes(dst, src, false)
}

// allCRLF reports whether every CR in b begins a CRLF and every LF ends
// one.
func allCRLF(b []byte) bool {
	crlfs := bytes.Count(b, crlf)
	return bytes.Count(b, lf) == crlfs && bytes.Count(b, cr) == crlfs
}

var (
	cr   = []byte("\r")
	lf   = []byte("\n")
	crlf = []byte("\r\n")
)

// The states of appendBytes, DotWriter's.
const (
	beginLine = iota
	inLine
	afterCR
)

// appendBytes is Append a byte at a time, DotWriter's state machine: a
// dot is doubled (when dots says) only right after a line feed, and a CR
// not followed by an LF does not end a line.
func appendBytes(dst, src []byte, dots bool) []byte {
	state := beginLine
	for _, c := range src {
		switch state {
		case beginLine:
			if c == '.' && dots {
				dst = append(dst, '.')
			}
			state = inLine
			fallthrough
		case inLine:
			if c == '\r' {
				state = afterCR
			}
			if c == '\n' {
				dst = append(dst, '\r')
				state = beginLine
			}
		case afterCR:
			state = inLine
			if c == '\n' {
				state = beginLine
			}
		}
		dst = append(dst, c)
	}
	return dst
}
