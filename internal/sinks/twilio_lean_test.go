package sinks_test

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/internal/sinks"
)

// reply is what a client reads of a sink's answer, SIDs and dates
// replaced so that two servers' answers compare.
type reply struct {
	status                              int
	proto, statusLine, location         string
	contentType, wwwAuthenticate, allow string
	contentLength                       int64
	close                               bool
	body                                string
}

var (
	anySID  = regexp.MustCompile(`SM[0-9a-f]{32}`)
	anyDate = regexp.MustCompile(`[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d \+0000`)
)

// exchange writes raw to a new connection to addr, twice when methods
// is nil (two requests pipelined in one write; else once), and reads the
// replies until one closes the connection or there is one for each
// request: of methods, or the two.
func exchange(t *testing.T, addr, raw string, methods []string) []reply {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Minute)) // not a measure: a hang's end
	if methods == nil {
		raw += raw
		methods = []string{"", ""}
	}
	// A server may close before reading a body too long: write aside.
	go io.WriteString(c, raw)
	r := bufio.NewReader(c)
	var got []reply
	for _, method := range methods {
		// The method tells ReadResponse whether a body follows.
		resp, err := http.ReadResponse(r, &http.Request{Method: method})
		if err != nil {
			t.Fatalf("reply %d: %v", len(got)+1, err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("reply %d: %v", len(got)+1, err)
		}
		body = anyDate.ReplaceAll(anySID.ReplaceAll(body, []byte("SM…")), []byte("DATE"))
		got = append(got, reply{
			status:          resp.StatusCode,
			proto:           resp.Proto,
			statusLine:      resp.Status,
			location:        resp.Header.Get("Location"),
			contentType:     resp.Header.Get("Content-Type"),
			wwwAuthenticate: resp.Header.Get("WWW-Authenticate"),
			allow:           resp.Header.Get("Allow"),
			contentLength:   resp.ContentLength,
			close:           resp.Close,
			body:            string(body),
		})
		if resp.Close {
			break
		}
	}
	return got
}

// TestTwilioSinkLeanAnswersAsNetHTTP: the lean server answers each
// request as net/http's server does, as a client reads the replies: each
// reply's status line, its Content-Type, WWW-Authenticate, Allow,
// Location and Content-Length, whether it closes the connection, and its
// body but for SIDs and dates (the message resource with each field
// escaped as json.Marshal escapes it, Twilio's errors, 401, 404 and
// 405); not the order of the headers, nor Date and the others a client
// does not read. Which requests the servers count must agree too.
func TestTwilioSinkLeanAnswersAsNetHTTP(t *testing.T) {
	// Each pair: net/http's server and the lean one; the first pair
	// requires the token, the second takes any password.
	var servers [2][]*sinks.Twilio
	for i, opts := range [][]sinks.TwilioOption{{sinks.RequireToken(authToken)}, nil} {
		for _, srv := range twilioServers {
			servers[i] = append(servers[i], startTwilio(t, append(opts, srv.opts...)...))
		}
	}
	const path = "/2010-04-01/Accounts/" + accountSID + "/Messages.json"
	auth := "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(accountSID+":"+authToken)) + "\r\n"
	form := "Content-Type: application/x-www-form-urlencoded\r\n"
	good := "To=%2B13155550101&From=%2B13155550100&Body=Boil+water+until+Friday."
	post := func(headers, body string) string {
		return "POST " + path + " HTTP/1.1\r\nHost: twilio\r\n" + headers + "Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	}
	create := func(body string) string { return post(auth+form, body) }
	withBody := func(b string) string {
		return create("To=%2B13155550101&From=%2B13155550100&Body=" + url.QueryEscape(b))
	}
	control := ""
	for c := range 0x20 {
		control += string(rune(c))
	}
	// Without methods, raw is sent twice, pipelined; with them, once,
	// and its requests have those methods (each table but the last
	// leaves them out).
	type test struct {
		name, raw string
		methods   []string
	}
	tests := []test{
		{"a create from a number", create(good), nil},
		{"through a messaging service", create("To=%2B13155550101&MessagingServiceSid=" + serviceSID + "&Body=hi"), nil},
		{"both From and MessagingServiceSid", create(good + "&MessagingServiceSid=" + serviceSID), nil},
		{"pictures without a body", create("To=%2B13155550101&From=%2B13155550100&MediaUrl=https%3A%2F%2Fx.example%2Fa.png&MediaUrl="), nil},
		{"a content template without a body", create("To=%2B13155550101&From=%2B13155550100&ContentSid=HX0123"), nil},
		{"percent escapes and pluses", create("To=%2B13155550101&From=%2B13155550100&Body=50%25+off%2Bmore%0aline+two"), nil},
		{"UTF-8, escaped", withBody("Żółć wody: gotuj 1 minutę. €"), nil},
		{"UTF-8, as it is", create("To=%2B13155550101&From=%2B13155550100&Body=Żółć+wody"), nil},
		{"an emoji", withBody("Boil water 💧 until Friday"), nil},
		{"quotes and backslashes", withBody(`He said "boil" \ twice \"`), nil},
		{"control characters", withBody(control + "\x7f"), nil},
		{"HTML's characters", withBody("<script>a && b</script>"), nil},
		{"line and paragraph separators", withBody("a\u2028b\u2029c"), nil},
		{"bytes that are not UTF-8", create("To=%2B13155550101&From=%2B13155550100&Body=a%FFb%C3"), nil},
		{"an ampersand in To", create("To=a%26b%3Cc%3E&From=%2B13155550100&Body=hi"), nil},
		{"an escaped field name", create("T%6F=%2B13155550101&From=%2B13155550100&Body=hi"), nil},
		{"fields repeated: the first counts", create(good + "&To=%2B19999999999&Body=second"), nil},
		{"empty pairs and a field without =", create("&&" + good + "&Flag&"), nil},
		{"an empty first To", create("To=&" + good), nil},
		{"missing To", create("From=%2B13155550100&Body=hi"), nil},
		{"missing From", create("To=%2B13155550101&Body=hi"), nil},
		{"missing Body", create("To=%2B13155550101&From=%2B13155550100"), nil},
		{"an empty form", create(""), nil},
		{"a bad escape", create(good + "&Body=%zz"), nil},
		{"a bad escape in a name", create(good + "&%g1=x"), nil},
		{"a truncated escape", create(good + "&x=%4"), nil},
		{"a semicolon", create(good + ";x=y"), nil},
		{"a wrong token", post("Authorization: Basic "+base64.StdEncoding.EncodeToString([]byte(accountSID+":wrong"))+"\r\n"+form, good), nil},
		{"no credentials", post(form, good), nil},
		{"credentials that are not base64", post("Authorization: Basic !!!\r\n"+form, good), nil},
		{"credentials without a colon", post("Authorization: Basic "+base64.StdEncoding.EncodeToString([]byte(authToken))+"\r\n"+form, good), nil},
		{"the scheme in lower case", post("authorization: basic "+base64.StdEncoding.EncodeToString([]byte(accountSID+":"+authToken))+"\r\n"+form, good), nil},
		{"a bearer token", post("Authorization: Bearer "+authToken+"\r\n"+form, good), nil},
		{"long credentials", post("Authorization: Basic "+base64.StdEncoding.EncodeToString([]byte(strings.Repeat("A", 300)+":"+authToken))+"\r\n"+form, good), nil},
		{"header names in lower case, values padded", post("authorization:  "+strings.TrimPrefix(auth, "Authorization: ")+"content-type:application/x-www-form-urlencoded \t\r\n", good), nil},
		{"no Content-Type", post(auth, good), nil},
		{"a charset in Content-Type", post(auth+"Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n", good), nil},
		{"a multipart Content-Type", post(auth+"Content-Type: multipart/form-data; boundary=x\r\n", good), nil},
		{"a Content-Type that does not parse", post(auth+"Content-Type: /\r\n", good), nil},
		{"a body over the limit", create(good + "&Pad=" + strings.Repeat("x", 70<<10)), nil},
		{"a body within the limit, past the lean reader's buffer", create(good + "&Pad=" + strings.Repeat("x", 40<<10)), nil},
		{"a chunked body", "POST " + path + " HTTP/1.1\r\nHost: twilio\r\n" + auth + form + "Transfer-Encoding: chunked\r\n\r\n" +
			fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(good), good), nil},
		{"asking to close", post(auth+form+"Connection: keep-alive, Close\r\n", good), nil},
		{"a query", "POST " + path + "?x=1 HTTP/1.1\r\nHost: twilio\r\n" + auth + form + "Content-Length: " + strconv.Itoa(len(good)) + "\r\n\r\n" + good, nil},
		{"a query with a bad escape", "POST " + path + "?x=%zz HTTP/1.1\r\nHost: twilio\r\n" + auth + form + "Content-Length: " + strconv.Itoa(len(good)) + "\r\n\r\n" + good, nil},
		{"GET", "GET " + path + " HTTP/1.1\r\nHost: twilio\r\n\r\n", nil},
		{"PUT with a body", "PUT " + path + " HTTP/1.1\r\nHost: twilio\r\nContent-Length: 2\r\n\r\nab", nil},
		{"another resource", "POST /2010-04-01/Accounts/" + accountSID + "/Calls.json HTTP/1.1\r\nHost: twilio\r\n" + auth + form + "Content-Length: 2\r\n\r\nab", nil},
		{"a path with more parts", "POST /2010-04-01/Accounts/" + accountSID + "/x/Messages.json HTTP/1.1\r\nHost: twilio\r\n\r\n", nil},
	}
	// Sent once, each its own requests.
	postOnce, head2 := []string{http.MethodPost}, []string{http.MethodHead, http.MethodGet}
	postTo := func(target, body string) string {
		return "POST " + target + " HTTP/1.1\r\nHost: twilio\r\n" + auth + form + "Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	}
	overLimit := good + "&Pad=" + strings.Repeat("x", 70<<10)
	tests = append(tests, []test{
		{"HEAD to the resource, then GET", "HEAD " + path + " HTTP/1.1\r\nHost: twilio\r\n\r\nGET /nothing HTTP/1.1\r\nHost: twilio\r\n\r\n", head2},
		{"HEAD elsewhere, then a create", "HEAD /nothing HTTP/1.1\r\nHost: twilio\r\n\r\n" + create(good), []string{http.MethodHead, http.MethodPost}},
		{"a create, then an empty line", create(good) + "\r\n", postOnce},
		{"a create, then a byte", create(good) + "X", postOnce},
		{"a create, then what is not HTTP", create(good) + "garbage\r\n\r\n", []string{http.MethodPost, http.MethodPost}},
		{"what is not HTTP", "garbage\r\n\r\n", postOnce},
		{"an empty line first", "\r\n" + create(good), postOnce},
		{"a Content-Length with a sign", "POST " + path + " HTTP/1.1\r\nHost: twilio\r\n" + auth + form + "Content-Length: +" + strconv.Itoa(len(good)) + "\r\n\r\n" + good, postOnce},
		{"a Transfer-Encoding net/http does not know", "POST " + path + " HTTP/1.1\r\nHost: twilio\r\n" + auth + form + "Transfer-Encoding: identity\r\n\r\n" + good, postOnce},
		// 2^31 and 2^32 + 10: an int of 32 bits would wrap.
		{"a Content-Length past 32 bits", "POST " + path + " HTTP/1.1\r\nHost: twilio\r\n" + auth + form + "Content-Length: 2147483648\r\n\r\n" + overLimit, postOnce},
		{"a Content-Length past 32 bits, wrapping to a small one", "POST " + path + " HTTP/1.1\r\nHost: twilio\r\n" + auth + form + "Content-Length: 4294967306\r\n\r\n" + overLimit, postOnce},
		{"an account \".\"", postTo("/2010-04-01/Accounts/./Messages.json", good), nil},
		{"an account \"..\"", postTo("/2010-04-01/Accounts/../Messages.json", good), nil},
		{"an empty segment", postTo("/2010-04-01//Accounts/"+accountSID+"/Messages.json", good), nil},
		{"a path to clean, with a query", postTo("/2010-04-01/Accounts/x/../"+accountSID+"/Messages.json?a=%C5%BC&b", good), nil},
		{"a trailing \"..\"", postTo(path+"/..", good), nil},
		{"GET to a path to clean", "GET /2010-04-01/./Accounts/?x=<\"> HTTP/1.1\r\nHost: twilio\r\n\r\n", nil},
		{"HEAD to a path to clean", "HEAD /2010-04-01/./Accounts/ HTTP/1.1\r\nHost: twilio\r\n\r\nGET /nothing HTTP/1.1\r\nHost: twilio\r\n\r\n", head2},
		{"an escaped slash in the account", postTo("/2010-04-01/Accounts/A%2FB/Messages.json", good), nil},
		{"an escaped dot in the resource", postTo("/2010-04-01/Accounts/"+accountSID+"/Messages%2Ejson", good), nil},
		{"an escaped dot segment", postTo("/2010-04-01/Accounts/%2E/Messages.json", good), nil},
		{"OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: twilio\r\n\r\n", nil},
		{"OPTIONS * with a body", "OPTIONS * HTTP/1.1\r\nHost: twilio\r\nContent-Length: 2\r\n\r\nab", nil},
		{"POST *", "POST * HTTP/1.1\r\nHost: twilio\r\n" + auth + form + "Content-Length: " + strconv.Itoa(len(good)) + "\r\n\r\n" + good, nil},
		{"HTTP/1.0", strings.Replace(create(good), "HTTP/1.1", "HTTP/1.0", 1), postOnce},
		{"HTTP/1.0 with keep-alive", strings.Replace(create(good), "HTTP/1.1\r\n", "HTTP/1.0\r\nConnection: keep-alive\r\n", 1), nil},
		{"HTTP/1.0 GET to a path to clean, with keep-alive", "GET /a/../b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", nil},
		{"HTTP/1.0 GET elsewhere", "GET /nothing HTTP/1.0\r\n\r\n", []string{http.MethodGet}},
		{"Expect: 100-continue", post(auth+form+"Expect: 100-continue\r\n", good), []string{http.MethodPost, http.MethodPost}},
		{"Expect: 100-continue and a wrong token", post("Authorization: Basic "+base64.StdEncoding.EncodeToString([]byte(accountSID+":wrong"))+"\r\n"+form+"Expect: 100-continue\r\n", good), []string{http.MethodPost, http.MethodPost}},
		{"Expect: 100-continue elsewhere", "POST /nothing HTTP/1.1\r\nHost: twilio\r\nExpect: x, 100-Continue\r\nContent-Length: 2\r\n\r\nab", []string{http.MethodPost, http.MethodPost}},
		{"Expect: 100-continue, no body", post(auth+form+"Expect: 100-continue\r\n", ""), nil},
		{"HTTP/3.0", "GET /nothing HTTP/3.0\r\nHost: twilio\r\n\r\n", []string{http.MethodGet}},
		{"HTTP/0.9", "GET /nothing HTTP/0.9\r\nHost: twilio\r\n\r\n", []string{http.MethodGet}},
		{"a head over 1 MB", "GET /nothing HTTP/1.1\r\nHost: twilio\r\nX: " + strings.Repeat("a", 1100<<10) + "\r\n\r\n", []string{http.MethodGet}},
		{"no Host", "POST " + path + " HTTP/1.1\r\n" + auth + form + "Content-Length: " + strconv.Itoa(len(good)) + "\r\n\r\n" + good, postOnce},
		{"a Host that is not a host", post(auth+form+"Host: a b\r\n", good), postOnce},
		{"two Hosts", post(auth+form+"Host: a\r\n", good), postOnce},
		{"an Expect net/http does not know", post(auth+form+"Expect: foo\r\n", good), postOnce},
	}...)
	// To the servers that take any password.
	anyPassTests := []test{
		{"credentials without a colon, any password", post("Authorization: Basic "+base64.StdEncoding.EncodeToString([]byte(authToken))+"\r\n"+form, good), nil},
		{"an empty password", post("Authorization: Basic "+base64.StdEncoding.EncodeToString([]byte(accountSID+":"))+"\r\n"+form, good), nil},
		{"no credentials, any password", post(form, good), nil},
	}
	for i, table := range [][]test{tests, anyPassTests} {
		pair := servers[i]
		for _, tt := range table {
			t.Run(tt.name, func(t *testing.T) {
				want := exchange(t, pair[0].Addr(), tt.raw, tt.methods)
				got := exchange(t, pair[1].Addr(), tt.raw, tt.methods)
				if len(got) != len(want) {
					t.Fatalf("lean: %d replies, net/http: %d\nlean:     %+v\nnet/http: %+v", len(got), len(want), got, want)
				}
				for i := range want {
					if got[i] != want[i] {
						t.Errorf("reply %d\nlean:     %+v\nnet/http: %+v", i+1, got[i], want[i])
					}
				}
				if want[0].status == http.StatusCreated && !json.Valid([]byte(want[0].body)) {
					t.Errorf("not JSON: %s", want[0].body)
				}
			})
		}
	}
	for _, pair := range servers {
		if a, b := pair[0].Accepted(), pair[1].Accepted(); a != b || a == 0 {
			t.Errorf("Accepted(): lean %d, net/http %d", b, a)
		}
	}
}
