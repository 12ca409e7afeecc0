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
	contentType, wwwAuthenticate, allow string
	contentLength                       int64
	close                               bool
	body                                string
}

var (
	anySID  = regexp.MustCompile(`SM[0-9a-f]{32}`)
	anyDate = regexp.MustCompile(`[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d \+0000`)
)

// exchange writes raw to a new connection to addr, twice when twice (two
// requests pipelined in one write), and reads the replies until one
// closes the connection.
func exchange(t *testing.T, addr, raw string, twice bool) []reply {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Minute)) // not a measure: a hang's end
	if twice {
		raw += raw
	}
	// A server may close before reading a body too long: write aside.
	go io.WriteString(c, raw)
	r := bufio.NewReader(c)
	var got []reply
	for range 2 {
		resp, err := http.ReadResponse(r, nil)
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
			contentType:     resp.Header.Get("Content-Type"),
			wwwAuthenticate: resp.Header.Get("WWW-Authenticate"),
			allow:           resp.Header.Get("Allow"),
			contentLength:   resp.ContentLength,
			close:           resp.Close,
			body:            string(body),
		})
		if resp.Close || !twice {
			break
		}
	}
	return got
}

// TestTwilioSinkLeanAnswersAsNetHTTP: the lean server answers each
// request, byte for byte but for SIDs and dates, as net/http's server
// does: the message resource with each field escaped as json.Marshal
// escapes it, Twilio's errors, 401, 404 and 405 with their headers, and
// whether the connection stays open for the next request.
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
	type test struct{ name, raw string }
	tests := []test{
		{"a create from a number", create(good)},
		{"through a messaging service", create("To=%2B13155550101&MessagingServiceSid=" + serviceSID + "&Body=hi")},
		{"both From and MessagingServiceSid", create(good + "&MessagingServiceSid=" + serviceSID)},
		{"pictures without a body", create("To=%2B13155550101&From=%2B13155550100&MediaUrl=https%3A%2F%2Fx.example%2Fa.png&MediaUrl=")},
		{"a content template without a body", create("To=%2B13155550101&From=%2B13155550100&ContentSid=HX0123")},
		{"percent escapes and pluses", create("To=%2B13155550101&From=%2B13155550100&Body=50%25+off%2Bmore%0aline+two")},
		{"UTF-8, escaped", withBody("Żółć wody: gotuj 1 minutę. €")},
		{"UTF-8, as it is", create("To=%2B13155550101&From=%2B13155550100&Body=Żółć+wody")},
		{"an emoji", withBody("Boil water 💧 until Friday")},
		{"quotes and backslashes", withBody(`He said "boil" \ twice \"`)},
		{"control characters", withBody(control + "\x7f")},
		{"HTML's characters", withBody("<script>a && b</script>")},
		{"line and paragraph separators", withBody("a\u2028b\u2029c")},
		{"bytes that are not UTF-8", create("To=%2B13155550101&From=%2B13155550100&Body=a%FFb%C3")},
		{"an ampersand in To", create("To=a%26b%3Cc%3E&From=%2B13155550100&Body=hi")},
		{"an escaped field name", create("T%6F=%2B13155550101&From=%2B13155550100&Body=hi")},
		{"fields repeated: the first counts", create(good + "&To=%2B19999999999&Body=second")},
		{"empty pairs and a field without =", create("&&" + good + "&Flag&")},
		{"an empty first To", create("To=&" + good)},
		{"missing To", create("From=%2B13155550100&Body=hi")},
		{"missing From", create("To=%2B13155550101&Body=hi")},
		{"missing Body", create("To=%2B13155550101&From=%2B13155550100")},
		{"an empty form", create("")},
		{"a bad escape", create(good + "&Body=%zz")},
		{"a bad escape in a name", create(good + "&%g1=x")},
		{"a truncated escape", create(good + "&x=%4")},
		{"a semicolon", create(good + ";x=y")},
		{"a wrong token", post("Authorization: Basic "+base64.StdEncoding.EncodeToString([]byte(accountSID+":wrong"))+"\r\n"+form, good)},
		{"no credentials", post(form, good)},
		{"credentials that are not base64", post("Authorization: Basic !!!\r\n"+form, good)},
		{"credentials without a colon", post("Authorization: Basic "+base64.StdEncoding.EncodeToString([]byte(authToken))+"\r\n"+form, good)},
		{"the scheme in lower case", post("authorization: basic "+base64.StdEncoding.EncodeToString([]byte(accountSID+":"+authToken))+"\r\n"+form, good)},
		{"a bearer token", post("Authorization: Bearer "+authToken+"\r\n"+form, good)},
		{"long credentials", post("Authorization: Basic "+base64.StdEncoding.EncodeToString([]byte(strings.Repeat("A", 300)+":"+authToken))+"\r\n"+form, good)},
		{"header names in lower case, values padded", post("authorization:  "+strings.TrimPrefix(auth, "Authorization: ")+"content-type:application/x-www-form-urlencoded \t\r\n", good)},
		{"no Content-Type", post(auth, good)},
		{"a charset in Content-Type", post(auth+"Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n", good)},
		{"a multipart Content-Type", post(auth+"Content-Type: multipart/form-data; boundary=x\r\n", good)},
		{"a Content-Type that does not parse", post(auth+"Content-Type: /\r\n", good)},
		{"a body over the limit", create(good + "&Pad=" + strings.Repeat("x", 70<<10))},
		{"a body within the limit, past the lean reader's buffer", create(good + "&Pad=" + strings.Repeat("x", 40<<10))},
		{"a chunked body", "POST " + path + " HTTP/1.1\r\nHost: twilio\r\n" + auth + form + "Transfer-Encoding: chunked\r\n\r\n" +
			fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(good), good)},
		{"asking to close", post(auth+form+"Connection: keep-alive, Close\r\n", good)},
		{"a query", "POST " + path + "?x=1 HTTP/1.1\r\nHost: twilio\r\n" + auth + form + "Content-Length: " + strconv.Itoa(len(good)) + "\r\n\r\n" + good},
		{"a query with a bad escape", "POST " + path + "?x=%zz HTTP/1.1\r\nHost: twilio\r\n" + auth + form + "Content-Length: " + strconv.Itoa(len(good)) + "\r\n\r\n" + good},
		{"GET", "GET " + path + " HTTP/1.1\r\nHost: twilio\r\n\r\n"},
		{"PUT with a body", "PUT " + path + " HTTP/1.1\r\nHost: twilio\r\nContent-Length: 2\r\n\r\nab"},
		{"another resource", "POST /2010-04-01/Accounts/" + accountSID + "/Calls.json HTTP/1.1\r\nHost: twilio\r\n" + auth + form + "Content-Length: 2\r\n\r\nab"},
		{"a path with more parts", "POST /2010-04-01/Accounts/" + accountSID + "/x/Messages.json HTTP/1.1\r\nHost: twilio\r\n\r\n"},
	}
	// To the servers that take any password.
	anyPassTests := []test{
		{"credentials without a colon, any password", post("Authorization: Basic "+base64.StdEncoding.EncodeToString([]byte(authToken))+"\r\n"+form, good)},
		{"an empty password", post("Authorization: Basic "+base64.StdEncoding.EncodeToString([]byte(accountSID+":"))+"\r\n"+form, good)},
		{"no credentials, any password", post(form, good)},
	}
	for i, table := range [][]test{tests, anyPassTests} {
		pair := servers[i]
		for _, tt := range table {
			t.Run(tt.name, func(t *testing.T) {
				want := exchange(t, pair[0].Addr(), tt.raw, true)
				got := exchange(t, pair[1].Addr(), tt.raw, true)
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
