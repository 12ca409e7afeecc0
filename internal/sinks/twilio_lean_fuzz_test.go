package sinks

import (
	"bufio"
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"testing"
)

// FuzzDecodeFormAsParseQuery: decodeForm fails where url.ParseQuery
// does, and where it does not, reads each field's first value and the
// MediaUrl count as url.Values gives them.
func FuzzDecodeFormAsParseQuery(f *testing.F) {
	for _, s := range []string{
		"To=%2B13155550101&From=%2B13155550100&Body=Boil+water+until+Friday.",
		"To=&To=x&MediaUrl&MediaUrl=a&Body=%e2%82%AC", "T%6F=a+b&%zz=1", "a;b=c", "x=%4", "&&=&=x&",
		"ContentSid=HX1&MessagingServiceSid=MG1&Body=%00%ff", strings.Repeat("a&", maxParams),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, form string) {
		v, err := url.ParseQuery(form)
		got, _, ok := decodeForm([]byte(form), []byte("scratch"))
		if ok != (err == nil) {
			t.Fatalf("decodeForm ok %v, ParseQuery error %v", ok, err)
		}
		if !ok {
			return
		}
		for _, c := range []struct {
			field string
			got   []byte
		}{
			{"To", got.to}, {"From", got.from}, {"MessagingServiceSid", got.service},
			{"Body", got.body}, {"ContentSid", got.contentSID},
		} {
			if string(c.got) != v.Get(c.field) {
				t.Errorf("%s: %q, ParseQuery %q", c.field, c.got, v.Get(c.field))
			}
		}
		if got.media != len(v["MediaUrl"]) {
			t.Errorf("MediaUrl: %d, ParseQuery %d", got.media, len(v["MediaUrl"]))
		}
	})
}

// FuzzJSONEscapedAsMarshal: appendJSONEscaped writes a string as
// json.Marshal does, byte for byte.
func FuzzJSONEscapedAsMarshal(f *testing.F) {
	for _, s := range []string{"Boil water", "\"\\/\b\f\n\r\t\x00\x1f\x7f", "<a&b>", "\u2028\u2029💧é", "\xff\xc3(\xe2\x82"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := append(appendJSONEscaped([]byte(`"`), []byte(s)), '"'); !bytes.Equal(got, want) {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	})
}

// FuzzParseHeadAsReadRequest: a head parseHead accepts, http.ReadRequest
// reads too, with the same method, path, body length, Authorization,
// Connection: close, and form or not; no query, no chunks, no Expect,
// a Host net/http's server takes, and a path its ServeMux takes as it is.
func FuzzParseHeadAsReadRequest(f *testing.F) {
	for _, s := range []string{
		"POST /2010-04-01/Accounts/AC1/Messages.json HTTP/1.1\r\nHost: x\r\nAuthorization: Basic QUM6dA==\r\n" +
			"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 12\r\nConnection: keep-alive, close\r\n\r\n",
		"GET / HTTP/1.1\r\ncontent-length:  007 \r\nX: \t y\r\n\r\n",
		"GET /a HTTP/1.1\r\nHost: a\r\n b\r\n\r\n", "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
		"PUT /a?b HTTP/1.0\r\n\r\n", "POST /a/./b/../c// HTTP/1.1\r\nHost: x\r\n\r\n", "POST /a HTTP/1.1\r\nHost: a b\r\nExpect: foo\r\nContent-Length: 4294967306\r\n\r\n", "GET /a HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded; charset=x\r\n\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := headEnd([]byte(s))
		if n < 0 {
			return
		}
		req, ok := parseHead([]byte(s[:n]))
		if !ok {
			return
		}
		hr, err := http.ReadRequest(bufio.NewReader(strings.NewReader(s[:n])))
		if err != nil {
			t.Fatalf("parseHead accepted it, ReadRequest: %v", err)
		}
		ct, _, _ := mime.ParseMediaType(hr.Header.Get("Content-Type"))
		for _, c := range []struct {
			what      string
			got, want any
		}{
			{"method", string(req.method), hr.Method},
			{"path", string(req.target), hr.URL.Path},
			{"query", "", hr.URL.RawQuery},
			{"length", int64(req.contentLength), hr.ContentLength},
			{"chunked", false, len(hr.TransferEncoding) > 0},
			{"close", req.close, hr.Close},
			{"auth", string(req.auth), hr.Header.Get("Authorization")},
			{"form", req.form, ct == "application/x-www-form-urlencoded"},
			{"expect", "", hr.Header.Get("Expect")},
			{"path cleaned", hr.URL.EscapedPath(), muxPath(hr.URL.EscapedPath())},
			{"host refused", "", refusedHead(hr, countHosts([]byte(s[:n])))},
		} {
			if c.got != c.want {
				t.Errorf("%s: parseHead %v, ReadRequest %v", c.what, c.got, c.want)
			}
		}
	})
}

// The oracles below say what net/http's server does with a request
// http.ReadRequest read: parseHead must take only requests it serves as
// they are.

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

// readErrorHeaders end the head of a reply to a request net/http's
// server could not read.
const readErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

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
