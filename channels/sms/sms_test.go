package sms_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/channels/sms"
	"github.com/crier-notices/crier/internal/testenv"
)

// Test credentials: letters and digits only, as twilio-go insists.
const (
	accountSID = "AC0123456789abcdef0123456789abcdef"
	authToken  = "s3cretT0kenNeverShown"
	serviceSID = "MG0123456789abcdef0123456789abcdef"
	from       = "+13155550100"
	to         = "+13155550101"
)

func message(body string) channels.Message {
	return channels.Message{ID: "d1", To: to, SMS: &channels.SMS{Body: body, Encoding: "GSM-7", Segments: 1}}
}

// TestSendPrism sends through Prism serving Twilio's OpenAPI description,
// which answers 201 only to a request that Twilio's API would take.
func TestSendPrism(t *testing.T) {
	start := time.Now()
	prism := testenv.Prism(t)
	t.Logf("prism started in %v", time.Since(start).Round(time.Millisecond))

	tests := []struct {
		name string
		cfg  sms.Config
	}{
		{"from a number", sms.Config{From: from}},
		{"from a messaging service", sms.Config{MessagingServiceSID: serviceSID}},
		{"from a number with a status callback", sms.Config{From: from, StatusCallback: "https://crier.example.org/twilio/status"}},
		{"from a service's number with a status callback", sms.Config{From: from, MessagingServiceSID: serviceSID, StatusCallback: "https://crier.example.org/twilio/status?d=1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.AccountSID, cfg.AuthToken, cfg.BaseURL = accountSID, authToken, prism.URL()
			s, err := sms.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			r, err := s.Send(t.Context(), message("Boil water advisory for Elm St. until Friday. Reply STOP to opt out."))
			if err != nil {
				t.Fatalf("Prism refused the request: %v", err)
			}
			if !strings.HasPrefix(r.ProviderID, "SM") || r.At.IsZero() {
				t.Errorf("receipt = %+v, want a message SID and a time", r)
			}
		})
	}

	// The check above means something only if Prism refuses what Twilio
	// would: the same request without To is answered 422.
	t.Run("a request without To is refused", func(t *testing.T) {
		s, err := sms.New(sms.Config{
			AccountSID: accountSID, AuthToken: authToken, From: from, BaseURL: prism.URL(),
			Transport: dropField{"To", http.DefaultTransport},
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Send(t.Context(), message("hello"))
		var e *channels.Error
		if !errors.As(err, &e) || !e.Permanent || e.Broken || e.Code != "422" {
			t.Fatalf("err = %v, want a permanent failure 422", err)
		}
	})
}

// dropField removes a field from a form-encoded request body.
type dropField struct {
	field string
	next  http.RoundTripper
}

func (d dropField) RoundTrip(req *http.Request) (*http.Response, error) {
	b, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	form, err := url.ParseQuery(string(b))
	if err != nil {
		return nil, err
	}
	form.Del(d.field)
	body := form.Encode()
	r := req.Clone(req.Context())
	r.Body, r.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
	return d.next.RoundTrip(r)
}

// twilioError is the body Twilio answers a refused request with.
func twilioError(status, code int, message string) string {
	return `{"code": ` + strconv.Itoa(code) + `, "message": "` + message + `", "more_info": "https://www.twilio.com/docs/errors/` +
		strconv.Itoa(code) + `", "status": ` + strconv.Itoa(status) + `}`
}

// TestSendFaults checks how failures Prism cannot make are classified,
// against a server shaped like Twilio's.
func TestSendFaults(t *testing.T) {
	now := time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
	type kind int
	const (
		transient kind = iota
		permanent
		broken
	)
	tests := []struct {
		name       string
		status     int
		header     http.Header
		body       string
		kind       kind
		code       string
		reason     string // a part of the reason
		retryAfter time.Duration
		optedOut   bool
	}{
		{
			name: "429 with Retry-After in seconds", status: 429, header: http.Header{"Retry-After": {"3"}},
			body: twilioError(429, 20429, "Too Many Requests"),
			kind: transient, code: "20429", reason: "Too Many Requests", retryAfter: 3 * time.Second,
		},
		{
			name: "429 with Retry-After as a date", status: 429,
			header: http.Header{"Retry-After": {now.Add(5 * time.Second).Format(http.TimeFormat)}},
			body:   twilioError(429, 20429, "Too Many Requests"),
			kind:   transient, code: "20429", retryAfter: 5 * time.Second,
		},
		{
			name: "429 without a body", status: 429, header: http.Header{"Retry-After": {"7"}},
			kind: transient, code: "429", retryAfter: 7 * time.Second,
		},
		{
			// Too big for a time.Duration in nanoseconds.
			name: "429 with a huge Retry-After", status: 429, header: http.Header{"Retry-After": {"99999999999"}},
			body: twilioError(429, 20429, "Too Many Requests"),
			kind: transient, code: "20429", retryAfter: time.Hour,
		},
		{
			name: "429 with Retry-After a date next year", status: 429,
			header: http.Header{"Retry-After": {now.AddDate(1, 0, 0).Format(http.TimeFormat)}},
			body:   twilioError(429, 20429, "Too Many Requests"),
			kind:   transient, code: "20429", retryAfter: time.Hour,
		},
		{
			name: "21611 From has too many messages queued", status: 400,
			body: twilioError(400, 21611, "This 'From' number has exceeded the maximum number of queued messages"),
			kind: transient, code: "21611", reason: "exceeded the maximum number of queued messages",
		},
		{
			name: "500 with an HTML page", status: 500, header: http.Header{"Content-Type": {"text/html"}},
			body: "<html>Internal Server Error</html>", kind: transient, code: "500",
		},
		{
			name: "503 with a Twilio body", status: 503, header: http.Header{"Retry-After": {"1"}},
			body: twilioError(503, 20503, "Service Unavailable"), kind: transient, code: "20503", retryAfter: time.Second,
		},
		{
			name: "21211 invalid To", status: 400, body: twilioError(400, 21211, "Invalid 'To' Phone Number: +1315555XXXX"),
			kind: permanent, code: "21211", reason: "Invalid 'To' Phone Number",
		},
		{
			name: "21614 not a mobile number", status: 400, body: twilioError(400, 21614, "'To' number is not a valid mobile number"),
			kind: permanent, code: "21614", reason: "not a valid mobile number",
		},
		{
			name: "21408 region not enabled", status: 400, body: twilioError(400, 21408, "Permission to send an SMS has not been enabled for the region indicated by the 'To' number"),
			kind: permanent, code: "21408",
		},
		{
			name: "21610 opted out", status: 400, body: twilioError(400, 21610, "Attempt to send to unsubscribed recipient"),
			kind: permanent, code: "21610", reason: "unsubscribed recipient", optedOut: true,
		},
		{
			name: "an unknown 400 code", status: 400, body: twilioError(400, 21999, "Something about this message"),
			kind: permanent, code: "21999",
		},
		{
			name: "401 credentials refused", status: 401, body: twilioError(401, 20003, "Authenticate"),
			kind: broken, code: "20003", reason: "CRIER_TWILIO_AUTH_TOKEN",
		},
		{
			// A refusal without Twilio's body (a proxy's, say) is
			// classified by its status alone.
			name: "401 without a body", status: 401, kind: broken, code: "401",
		},
		{
			name: "400 without a body", status: 400, kind: permanent, code: "400",
		},
		{
			name: "account suspended", status: 401, body: twilioError(401, 20005, "Account not active"),
			kind: broken, code: "20005",
		},
		{
			name: "21606 From is not ours", status: 400, body: twilioError(400, 21606, "The From phone number +13155550100 is not a valid, SMS-capable inbound phone number or short code for your account."),
			kind: broken, code: "21606",
		},
		{
			name: "201 with a body that is not JSON", status: 201, body: "OK",
			kind: transient, code: "201",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				mu  sync.Mutex
				got *http.Request
				frm url.Values
			)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				r.ParseForm()
				mu.Lock()
				got, frm = r, r.PostForm
				mu.Unlock()
				for k, v := range tt.header {
					w.Header()[k] = v
				}
				if w.Header().Get("Content-Type") == "" {
					w.Header().Set("Content-Type", "application/json")
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			s := newSender(t, srv.URL, time.Second)
			s.Now = func() time.Time { return now }

			_, err := s.Send(t.Context(), message("Main break on Elm St."))
			if err == nil {
				t.Fatal("Send succeeded")
			}
			t.Log(err)
			mu.Lock()
			if got == nil || got.URL.Path != "/2010-04-01/Accounts/"+accountSID+"/Messages.json" ||
				frm.Get("To") != to || frm.Get("From") != from || frm.Get("Body") != "Main break on Elm St." {
				t.Errorf("request = %v %v, want a message create", got, frm)
			}
			mu.Unlock()
			var e *channels.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %T %v, want a *channels.Error", err, err)
			}
			gotKind := transient
			switch {
			case e.Broken && e.Permanent:
				gotKind = broken
			case e.Broken:
				t.Errorf("broken but not permanent: %v", err)
			case e.Permanent:
				gotKind = permanent
			}
			if gotKind != tt.kind {
				t.Errorf("kind = %d, want %d (0 transient, 1 permanent, 2 broken): %v", gotKind, tt.kind, err)
			}
			if e.Code != tt.code {
				t.Errorf("code = %q, want %q: %v", e.Code, tt.code, err)
			}
			if !strings.Contains(e.Reason, tt.reason) {
				t.Errorf("reason = %q, want it to contain %q", e.Reason, tt.reason)
			}
			if e.RetryAfter != tt.retryAfter || channels.RetryAfter(err) != tt.retryAfter {
				t.Errorf("retry after = %v, want %v", e.RetryAfter, tt.retryAfter)
			}
			if sms.OptedOut(err) != tt.optedOut {
				t.Errorf("OptedOut = %v, want %v", sms.OptedOut(err), tt.optedOut)
			}
			if strings.Contains(err.Error(), authToken) {
				t.Errorf("the auth token is in the error: %v", err)
			}
		})
	}
}

func newSender(t *testing.T, baseURL string, timeout time.Duration) *sms.Sender {
	t.Helper()
	s, err := sms.New(sms.Config{AccountSID: accountSID, AuthToken: authToken, From: from, BaseURL: baseURL, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSendSlow checks that a reply slower than the timeout, a cancelled
// context and a server that is not there end the send promptly with a
// transient error.
func TestSendSlow(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()

	tests := []struct {
		name    string
		url     string
		timeout time.Duration
		cancel  time.Duration // cancel the context after this long; 0: never
		reason  string
		ctxErr  error
	}{
		{name: "reply beyond the timeout", url: srv.URL, timeout: 200 * time.Millisecond, reason: "did not answer within 200ms"},
		{name: "context cancelled", url: srv.URL, timeout: time.Minute, cancel: 100 * time.Millisecond, reason: "cancelled", ctxErr: context.Canceled},
		{name: "nothing listening", url: closed, timeout: time.Minute, reason: "cannot be reached"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSender(t, tt.url, tt.timeout)
			ctx := t.Context()
			if tt.cancel > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				time.AfterFunc(tt.cancel, cancel)
			}
			start := time.Now()
			_, err := s.Send(ctx, message("hello"))
			took := time.Since(start)
			t.Log(err)
			if took > 2*time.Second {
				t.Errorf("Send took %v", took)
			}
			var e *channels.Error
			if !errors.As(err, &e) || e.Permanent || e.Broken || !strings.Contains(e.Reason, tt.reason) {
				t.Fatalf("err = %v, want a transient failure saying %q", err, tt.reason)
			}
			if tt.ctxErr != nil && !errors.Is(err, tt.ctxErr) {
				t.Errorf("err = %v, want it to wrap %v", err, tt.ctxErr)
			}
			if strings.Contains(err.Error(), authToken) {
				t.Errorf("the auth token is in the error: %v", err)
			}
		})
	}
}

func TestNew(t *testing.T) {
	valid := sms.Config{AccountSID: accountSID, AuthToken: authToken, From: from}
	tests := []struct {
		name   string
		change func(*sms.Config)
		want   string // a part of the error; "" for none
	}{
		{"valid", func(*sms.Config) {}, ""},
		{"service only", func(c *sms.Config) { c.From, c.MessagingServiceSID = "", serviceSID }, ""},
		{"bad account SID", func(c *sms.Config) { c.AccountSID = "AC123" }, "account SID"},
		{"no token", func(c *sms.Config) { c.AuthToken = "" }, "CRIER_TWILIO_AUTH_TOKEN"},
		{"token with a symbol", func(c *sms.Config) { c.AuthToken = authToken + "!" }, "letters and digits"},
		{"no sender", func(c *sms.Config) { c.From = "" }, "neither a From number"},
		{"bad service SID", func(c *sms.Config) { c.MessagingServiceSID = "MGxyz" }, "messaging service SID"},
		{"relative status callback", func(c *sms.Config) { c.StatusCallback = "/twilio/status" }, "status callback"},
		{"base URL with a path", func(c *sms.Config) { c.BaseURL = "http://127.0.0.1:4010/api" }, "base URL"},
		{"base URL plain http to another machine", func(c *sms.Config) { c.BaseURL = "http://twilio-proxy.example.org" }, "use https://"},
		{"base URL plain http to a private address", func(c *sms.Config) { c.BaseURL = "http://10.1.2.3:4010" }, "use https://"},
		{"base URL https to another machine", func(c *sms.Config) { c.BaseURL = "https://twilio-proxy.example.org" }, ""},
		{"base URL plain http to localhost", func(c *sms.Config) { c.BaseURL = "http://localhost:4010" }, ""},
		{"negative timeout", func(c *sms.Config) { c.Timeout = -time.Second }, "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid
			tt.change(&cfg)
			_, err := sms.New(cfg)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("New: %v, want an error saying %q", err, tt.want)
			case err != nil && strings.Contains(err.Error(), authToken):
				t.Errorf("the auth token is in the error: %v", err)
			}
		})
	}
}

func TestSendRefusesMessagesWithoutSMS(t *testing.T) {
	s := newSender(t, "http://127.0.0.1:1", time.Second)
	for _, m := range []channels.Message{{To: to}, {SMS: &channels.SMS{Body: "hi"}}} {
		if _, err := s.Send(t.Context(), m); !channels.IsPermanent(err) {
			t.Errorf("Send(%+v) = %v, want a permanent failure", m, err)
		}
	}
}

// TestTwilioEdgeAndRegion: without a base URL, requests go to Twilio's
// API at the edge and region TWILIO_EDGE and TWILIO_REGION name, as
// twilio-go sends them, with the account's credentials in Basic auth.
func TestTwilioEdgeAndRegion(t *testing.T) {
	tests := []struct {
		name, edge, region, want string
	}{
		{name: "neither", want: "https://api.twilio.com"},
		{name: "edge and region", edge: "dublin", region: "ie1", want: "https://api.dublin.ie1.twilio.com"},
		{name: "edge alone: region us1", edge: "sydney", want: "https://api.sydney.us1.twilio.com"},
		{name: "region alone", region: "au1", want: "https://api.au1.twilio.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("TWILIO_EDGE", tt.edge)
			t.Setenv("TWILIO_REGION", tt.region)
			var got *http.Request
			s, err := sms.New(sms.Config{AccountSID: accountSID, AuthToken: authToken, From: from,
				Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
					got = r
					return &http.Response{StatusCode: http.StatusCreated, Body: io.NopCloser(strings.NewReader(created)), ContentLength: -1, Request: r}, nil
				})})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Send(t.Context(), message("hello")); err != nil {
				t.Fatal(err)
			}
			user, pass, ok := got.BasicAuth()
			if u := got.URL.String(); u != tt.want+"/2010-04-01/Accounts/"+accountSID+"/Messages.json" || !ok || user != accountSID || pass != authToken {
				t.Errorf("request to %s, auth %q %v; want %s's Messages.json with the account's credentials", u, user, ok, tt.want)
			}
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestEachTextAsGiven: one sender carrying the texts of two languages in
// turn (a text's encoding is kept from one message to the next) sends
// each message its own text, characters a form must escape included.
func TestEachTextAsGiven(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		mu.Lock()
		bodies = append(bodies, r.PostForm.Get("Body"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"sid": "SM00000000000000000000000000000001"}`)
	}))
	defer srv.Close()
	s := newSender(t, srv.URL, 5*time.Second)
	texts := []string{"Boil water & wait: 1+1 min.", "Hierva el agua: café, niño & más.", "Hierva el agua: café, niño & más.", "Boil water & wait: 1+1 min."}
	for _, text := range texts {
		if _, err := s.Send(t.Context(), message(text)); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(bodies, texts) {
		t.Errorf("the texts sent: %q; want %q", bodies, texts)
	}
}
