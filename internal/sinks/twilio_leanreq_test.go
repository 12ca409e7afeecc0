package sinks

import (
	"strings"
	"testing"
)

// TestParseHeadLeavesToReadRequest: the heads the lean server's own
// parser must hand to http.ReadRequest, whose answers it cannot give
// itself: a Content-Length too long for an int of 32 bits (where it would
// wrap to a small or negative length; GOARCH=386 cannot run here, so this
// holds it on every platform), none or two Hosts or a Host net/http's
// server refuses, and an Expect.
func TestParseHeadLeavesToReadRequest(t *testing.T) {
	const line = "POST /2010-04-01/Accounts/AC1/Messages.json HTTP/1.1\r\n"
	for _, tt := range []struct{ name, headers string }{
		{"a length of 10 digits", "Host: x\r\nContent-Length: 4294967306\r\n"},
		{"a length of 2^31", "Host: x\r\nContent-Length: 2147483648\r\n"},
		{"a length of 10 digits, zeros first", "Host: x\r\nContent-Length: 0000000012\r\n"},
		{"no Host", "Content-Length: 12\r\n"},
		{"two Hosts", "Host: x\r\nHost: x\r\nContent-Length: 12\r\n"},
		{"a Host with a space", "Host: a b\r\nContent-Length: 12\r\n"},
		{"Expect: 100-continue", "Host: x\r\nExpect: 100-continue\r\nContent-Length: 12\r\n"},
		{"Expect: foo", "Host: x\r\nexpect: foo\r\nContent-Length: 12\r\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok := parseHead([]byte(line + tt.headers + "\r\n")); ok {
				t.Errorf("parseHead read it itself:\n%s", tt.headers)
			}
		})
	}
	// And what it reads itself: 9 digits, one Host.
	req, ok := parseHead([]byte(line + "Host: x\r\nContent-Length: " + strings.Repeat("9", 9) + "\r\n\r\n"))
	if !ok || req.contentLength != 999999999 {
		t.Errorf("parseHead of a length of 9 digits: %d, %v; want 999999999, true", req.contentLength, ok)
	}
}
