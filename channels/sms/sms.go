// Package sms is the channel that sends text messages through Twilio's
// Messages API with twilio-go, and says of each failure whether a retry can
// help, whether the recipient has opted out and whether the channel itself
// is out of order.
package sms

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twilio/twilio-go/client"
	api "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/internal/loopback"
)

// Config is how to reach Twilio and whom the messages come from.
type Config struct {
	// AccountSID is the account's SID, "AC" and 32 hexadecimal digits.
	AccountSID string
	// AuthToken is the account's auth token. The caller reads it from
	// CRIER_TWILIO_AUTH_TOKEN; it never appears in errors or logs.
	AuthToken string
	// From is the sender: a Twilio number in E.164, a short code or an
	// alphanumeric sender ID. MessagingServiceSID ("MG" and 32 hexadecimal
	// digits) lets Twilio pick the sender from the service's pool instead.
	// At least one is required; with both, From must be in the pool.
	From                string
	MessagingServiceSID string
	// StatusCallback, if set, is the absolute URL Twilio posts delivery
	// status changes to (the web package's Twilio status webhook).
	StatusCallback string
	// Timeout bounds each request to Twilio, reply included; default 15s.
	Timeout time.Duration
	// BaseURL, for tests and proxies, replaces the scheme and host of
	// Twilio's API (https://api.twilio.com), for example
	// "http://127.0.0.1:4010" for a Prism mock server. Empty means Twilio.
	BaseURL string
	// Transport carries the requests; default a transport of the
	// Sender's own that keeps up to 64 connections to Twilio open for
	// reuse (http.DefaultTransport keeps 2, so most requests of a busy
	// send would dial anew).
	Transport http.RoundTripper
}

// Sender sends SMS through Twilio's Messages API, one request per message.
// Send is safe for concurrent use; rate limits are the caller's.
type Sender struct {
	sid, token     string
	from, service  string
	statusCallback string
	timeout        time.Duration
	base           *url.URL // nil: Twilio itself
	transport      http.RoundTripper
	own            *http.Transport // the transport New made, closed by Close
	edge, region   string

	// Now gives the time of acceptance in receipts and the reference for a
	// Retry-After given as a date.
	Now func() time.Time
}

var _ channels.Staged = (*Sender)(nil)

// Close closes the connections the Sender keeps open for reuse.
func (s *Sender) Close() error {
	if s.own != nil {
		s.own.CloseIdleConnections()
	}
	return nil
}

var (
	accountSIDPattern = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	serviceSIDPattern = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)
	// twilio-go refuses credentials with other characters before sending.
	tokenPattern = regexp.MustCompile(`^[a-zA-Z0-9]+$`)
)

// New checks cfg and returns a Sender. It does not contact Twilio, so a
// network down at start-up delays messages instead of failing the program.
// Its errors never contain the auth token.
func New(cfg Config) (*Sender, error) {
	if !accountSIDPattern.MatchString(cfg.AccountSID) {
		return nil, fmt.Errorf("twilio: account SID %q is not AC followed by 32 hexadecimal digits; check [twilio] account_sid", cfg.AccountSID)
	}
	if cfg.AuthToken == "" {
		return nil, errors.New("twilio: the auth token is not set; set CRIER_TWILIO_AUTH_TOKEN")
	}
	if !tokenPattern.MatchString(cfg.AuthToken) {
		return nil, errors.New("twilio: the auth token has characters other than letters and digits; check CRIER_TWILIO_AUTH_TOKEN")
	}
	if cfg.From == "" && cfg.MessagingServiceSID == "" {
		return nil, errors.New("twilio: neither a From number nor a messaging service SID is set; set [twilio] from or messaging_service_sid")
	}
	if cfg.MessagingServiceSID != "" && !serviceSIDPattern.MatchString(cfg.MessagingServiceSID) {
		return nil, fmt.Errorf("twilio: messaging service SID %q is not MG followed by 32 hexadecimal digits", cfg.MessagingServiceSID)
	}
	if cfg.StatusCallback != "" {
		u, err := url.Parse(cfg.StatusCallback)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("twilio: status callback %q is not an absolute http or https URL", cfg.StatusCallback)
		}
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("twilio: timeout %v is negative", cfg.Timeout)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 15 * time.Second
	}
	s := &Sender{
		sid:            cfg.AccountSID,
		token:          cfg.AuthToken,
		from:           cfg.From,
		service:        cfg.MessagingServiceSID,
		statusCallback: cfg.StatusCallback,
		timeout:        cfg.Timeout,
		transport:      cfg.Transport,
		// twilio-go reads these for each request handler; read once here.
		edge:   os.Getenv("TWILIO_EDGE"),
		region: os.Getenv("TWILIO_REGION"),
		Now:    time.Now,
	}
	if s.transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns, t.MaxIdleConnsPerHost = 64, 64
		s.transport, s.own = t, t
	}
	if cfg.BaseURL != "" {
		if err := CheckBaseURL(cfg.BaseURL); err != nil {
			return nil, fmt.Errorf("twilio: base URL %w", err)
		}
		s.base, _ = url.Parse(cfg.BaseURL)
	}
	return s, nil
}

// CheckBaseURL checks an address to send Twilio's API requests to instead
// of https://api.twilio.com: a scheme and a host, and https:// unless the
// host is this machine (a mock server in tests), because every request
// carries the auth token in Basic auth. Its error starts with the address
// quoted (a password in it hidden) and says what to write instead.
func CheckBaseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		// Not shown: what cannot be parsed cannot be redacted either.
		return errors.New("is not a web address; give a scheme and host only, such as https://twilio-proxy.example.org or http://127.0.0.1:4010")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" {
		return fmt.Errorf("%q is not a scheme and host only, such as https://twilio-proxy.example.org or http://127.0.0.1:4010", u.Redacted())
	}
	if !loopback.Secure(u) {
		return fmt.Errorf("%q is plain http:// to another machine, which would send the auth token across the network readable by anyone on the way; use https://, or http:// only to this machine (127.0.0.1, ::1, localhost)", u.Redacted())
	}
	return nil
}

// Send sends m.SMS.Body to m.To and returns the message's SID as the
// receipt's ProviderID.
//
// A failure is a *channels.Error: transient for 429 and 5xx replies (with
// the wait the Retry-After header asks for, at most an hour), a sender with
// too many messages queued (21611), network errors and timeouts;
// permanent, with Twilio's code and message, for a number that is invalid,
// unreachable by SMS, in a region not enabled or opted out (see OptedOut);
// broken (and permanent) when the credentials are refused, the account is
// suspended or the sender is not the account's.
//
// twilio-go takes no context, so Send hands ctx to the request through
// the transport: when ctx ends, the request is abandoned and Send returns
// at once with a transient error. Twilio may still have accepted the
// message by then, and a retry may send it twice: delivery is at least
// once.
func (s *Sender) Send(ctx context.Context, m channels.Message) (channels.Receipt, error) {
	return s.SendStaged(ctx, m, nil)
}

// SendStaged is Send, calling ready (when not nil) once the request is
// written but for the last byte of its body: Twilio, like any HTTP
// server, takes a request only once its body is whole. ready runs on the
// caller's goroutine, never after SendStaged returns, and its wait does
// not count against the request's timeout. An error from ready abandons
// the request there (the connection is closed, the body incomplete) and
// is returned as it is.
func (s *Sender) SendStaged(ctx context.Context, m channels.Message, ready func() error) (channels.Receipt, error) {
	if m.SMS == nil {
		return channels.Receipt{}, &channels.Error{Permanent: true, Reason: "the message has no SMS"}
	}
	if m.To == "" {
		return channels.Receipt{}, &channels.Error{Permanent: true, Reason: "the message has no recipient number"}
	}
	if err := ctx.Err(); err != nil {
		return channels.Receipt{}, cancelled(ctx, err)
	}
	// The timeout is reqCtx's, which the transport puts on the request;
	// it stands still while ready waits.
	reqCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	clock := time.AfterFunc(s.timeout, cancel)
	defer clock.Stop()
	ex := &exchange{}
	var st *stage
	if ready != nil {
		st = &stage{at: make(chan struct{}), release: make(chan error, 1)}
	}
	c := &client.Client{
		Credentials: client.NewCredentials(s.sid, s.token),
		HTTPClient: &http.Client{
			Transport:     &transport{ctx: reqCtx, base: s.base, next: s.transport, ex: ex, stage: st},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	c.SetAccountSid(s.sid)
	svc := api.NewApiService(&client.RequestHandler{Client: c, Edge: s.edge, Region: s.region})

	params := &api.CreateMessageParams{}
	params.SetTo(m.To)
	params.SetBody(m.SMS.Body)
	if s.from != "" {
		params.SetFrom(s.from)
	}
	if s.service != "" {
		params.SetMessagingServiceSid(s.service)
	}
	if s.statusCallback != "" {
		params.SetStatusCallback(s.statusCallback)
	}
	msg, err, notReady := s.create(svc, params, st, ready, clock, cancel)
	if err != nil {
		if notReady != nil {
			return channels.Receipt{}, notReady
		}
		if ctx.Err() != nil {
			return channels.Receipt{}, cancelled(ctx, err)
		}
		if reqCtx.Err() != nil {
			return channels.Receipt{}, &channels.Error{
				Reason: fmt.Sprintf("Twilio did not answer within %v", s.timeout),
				Err:    err,
			}
		}
		return channels.Receipt{}, s.classify(err, ex)
	}
	if msg.Sid == nil || *msg.Sid == "" {
		// Accepted, probably, but without an id to follow it by: a retry
		// may send it twice, which at-least-once allows.
		return channels.Receipt{}, &channels.Error{Reason: "Twilio's reply has no message SID"}
	}
	return channels.Receipt{ProviderID: *msg.Sid, At: s.Now()}, nil
}

// create sends the request. With a stage, the request runs on a goroutine
// of its own, and this one calls ready each time the request stands
// before the last byte of its body (once; again only if the transport
// sends it anew on a fresh connection), the clock stopped meanwhile.
// notReady is ready's error, when it stopped the request.
func (s *Sender) create(svc *api.ApiService, params *api.CreateMessageParams, st *stage, ready func() error, clock *time.Timer, abandon func()) (msg *api.ApiV2010Message, err, notReady error) {
	if st == nil {
		msg, err = svc.CreateMessage(params)
		return msg, err, nil
	}
	type result struct {
		msg *api.ApiV2010Message
		err error
	}
	done := make(chan result, 1)
	go func() {
		m, err := svc.CreateMessage(params)
		done <- result{m, err}
	}()
	for {
		select {
		case <-st.at:
			var rerr error
			if !clock.Stop() {
				rerr = errTimedOut // the request is being abandoned already
			} else if rerr = ready(); rerr != nil {
				notReady = rerr
				abandon()
			} else {
				clock.Reset(s.timeout)
			}
			st.release <- rerr
		case r := <-done:
			return r.msg, r.err, notReady
		}
	}
}

var errTimedOut = errors.New("timed out")

// stage is where a staged request waits for its sender's ready: the
// transport signals at, and goes on with what comes on release.
type stage struct {
	at      chan struct{}
	release chan error
}

// wait stands the request still until its sender says whether it may go.
func (st *stage) wait(ctx context.Context) error {
	select {
	case st.at <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-st.release // the sender always answers a signal it took
}

// OptedOut reports whether err says the recipient has replied STOP to the
// sender (Twilio error 21610), so the number belongs in the suppressions.
func OptedOut(err error) bool {
	var e *channels.Error
	return errors.As(err, &e) && e.Code == codeOptedOut
}

const codeOptedOut = "21610"

// kind is what a failure means for the dispatcher.
type kind int

const (
	transient kind = iota
	permanent      // this message cannot be sent
	broken         // no message can be sent: the configuration or the account is wrong
)

// codes are the Twilio error codes (https://www.twilio.com/docs/api/errors)
// that a Messages create can answer with and whose meaning the HTTP status
// alone does not give. Codes 30003-30008 (unreachable, blocked, unknown
// destination, landline, filtered) come later through the status callback,
// not from this request.
var codes = map[int]kind{
	// The recipient: the number is bad, cannot take SMS, or said STOP.
	21211: permanent, // invalid 'To' phone number
	21214: permanent, // 'To' phone number cannot be reached
	21217: permanent, // phone number does not appear to be valid
	21401: permanent, // invalid phone number
	21407: permanent, // this phone number type does not support SMS
	21408: permanent, // permission to send an SMS to this region is not enabled
	21421: permanent, // phone number is invalid
	21610: permanent, // the recipient replied STOP (see OptedOut)
	21612: permanent, // the 'To' number is not currently reachable via SMS
	21614: permanent, // 'To' number is not a valid mobile number
	21635: permanent, // 'To' number cannot be a landline
	21608: permanent, // trial accounts send only to verified numbers
	// The message itself.
	21602: permanent, // the message body is required
	21617: permanent, // the message body exceeds 1600 characters
	// The channel: credentials, account, sender.
	10001: broken, // account is not active (suspended)
	10002: broken, // trial account does not support this feature
	20003: broken, // authentication failed
	20005: broken, // account not active
	20008: broken, // resource not accessible with test account credentials
	20404: broken, // the account (or the resource in the URL) does not exist
	21212: broken, // invalid 'From' number
	21222: broken, // twilio-go: the account SID has illegal characters
	21224: broken, // twilio-go: the auth token has illegal characters
	21603: broken, // a 'From' number is required
	21606: broken, // the 'From' number is not a message-capable number of the account
	21659: broken, // the 'From' number is not a Twilio number
	21660: broken, // the 'From' number does not belong to the account
	21701: broken, // the messaging service does not exist
	21703: broken, // the messaging service has no phone number
	21704: broken, // the messaging service has no phone number
	// Rate limits.
	20429: transient, // too many requests
	14107: transient, // SMS send rate limit exceeded
	21611: transient, // the 'From' number has too many messages queued: later, it will have room
}

// classify turns twilio-go's error and the exchange the transport saw into
// the dispatcher's terms: by Twilio's error code when it is one of codes,
// else by the HTTP status.
func (s *Sender) classify(err error, ex *exchange) error {
	status, retryAfter, answered := ex.get()
	if !answered {
		return &channels.Error{Reason: "Twilio cannot be reached", Err: err}
	}
	e := &channels.Error{Code: strconv.Itoa(status), Err: err}
	if ra, ok := parseRetryAfter(retryAfter, s.Now()); ok {
		e.RetryAfter = ra
	}
	k, known := kind(0), false
	var tre *client.TwilioRestError
	if errors.As(err, &tre) {
		if tre.Code != 0 {
			e.Code = strconv.Itoa(tre.Code)
			k, known = codes[tre.Code]
		}
		e.Reason = tre.Message
		// tre's text repeats the reason and code; keep the rest.
		e.Err = &restError{tre}
	}
	if !known {
		switch {
		case status == http.StatusTooManyRequests || status >= 500:
			k = transient
		case status < 300:
			// A 2xx with a body that is not a message: it may have
			// been accepted, and at-least-once allows a repeat.
			k = transient
			e.Reason = "Twilio's reply could not be read"
		case status == http.StatusUnauthorized || status == http.StatusForbidden || status == http.StatusNotFound:
			k = broken
		default:
			// Any other refusal of the request as made: the same
			// request gets the same answer.
			k = permanent
		}
	}
	if e.Reason == "" {
		e.Reason = "Twilio answered " + strconv.Itoa(status) + " " + http.StatusText(status)
	}
	switch k {
	case permanent:
		e.Permanent = true
	case broken:
		e.Permanent, e.Broken = true, true
		switch {
		case e.Code == "10001" || e.Code == "20005":
			e.Reason += "; the Twilio account is suspended: check its balance in Twilio's console"
		case status == http.StatusUnauthorized:
			e.Reason += "; check [twilio] account_sid and CRIER_TWILIO_AUTH_TOKEN"
		}
	}
	return e
}

// restError is a *client.TwilioRestError whose text is shorter than
// twilio-go's, for errors.As to find.
type restError struct{ *client.TwilioRestError }

func (e *restError) Error() string {
	msg := fmt.Sprintf("HTTP %d", e.Status)
	if e.MoreInfo != "" {
		msg += ", " + e.MoreInfo
	}
	return msg
}

func (e *restError) Unwrap() error { return e.TwilioRestError }

// maxRetryAfter caps the wait a Retry-After asks for: a longer one is a
// provider's mistake (or a number too big for a time.Duration), and an
// hour is long enough for any rate limit to pass.
const maxRetryAfter = time.Hour

// parseRetryAfter reads a Retry-After header: a number of seconds or an
// HTTP date, which counts from now. A date in the past means no wait; a
// wait longer than maxRetryAfter is cut to it.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		// Compared in seconds: n * time.Second may overflow.
		if n >= int64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return min(max(t.Sub(now), 0), maxRetryAfter), true
}

// cancelled is the error of a send that ctx ended: transient, wrapping
// ctx's cause.
func cancelled(ctx context.Context, err error) error {
	cause := context.Cause(ctx)
	if err != nil && !errors.Is(err, cause) {
		cause = fmt.Errorf("%w (%w)", cause, err)
	}
	return &channels.Error{Reason: "sending was cancelled; Twilio may have accepted the message", Err: cause}
}

// transport carries one Send's request: it puts the Send's context on the
// request (twilio-go makes its requests with context.Background), sends it
// to the base URL if one is set, and keeps the reply's status and
// Retry-After, which twilio-go's errors do not carry.
type transport struct {
	ctx   context.Context
	base  *url.URL
	next  http.RoundTripper
	ex    *exchange
	stage *stage // where the request waits before its body's last byte; nil: it does not
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.WithContext(t.ctx)
	if t.base != nil {
		u := *r.URL
		u.Scheme, u.Host = t.base.Scheme, t.base.Host
		r.URL, r.Host = &u, ""
	}
	if t.stage != nil {
		var body []byte
		if r.Body != nil {
			var err error
			body, err = io.ReadAll(r.Body)
			r.Body.Close()
			if err != nil {
				return nil, err
			}
		}
		if len(body) == 0 {
			// Nothing to hold back: the wait comes before the request.
			if err := t.stage.wait(t.ctx); err != nil {
				return nil, err
			}
		} else {
			held := func() (io.ReadCloser, error) { return &heldBody{data: body, stage: t.stage, ctx: t.ctx}, nil }
			r.Body, _ = held()
			r.ContentLength, r.GetBody = int64(len(body)), held
		}
	}
	resp, err := t.next.RoundTrip(r)
	if err == nil {
		t.ex.set(resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	return resp, err
}

// heldBody is a request's body whose last byte is read only once ready
// has returned nil: until then the server has an incomplete request.
type heldBody struct {
	data  []byte
	stage *stage
	ctx   context.Context
	off   int
}

func (b *heldBody) Read(p []byte) (int, error) {
	if b.off == len(b.data) {
		return 0, io.EOF
	}
	if b.off == len(b.data)-1 {
		if err := b.stage.wait(b.ctx); err != nil {
			return 0, err
		}
	}
	end := len(b.data)
	if b.off < end-1 {
		end-- // the last byte waits for ready
	}
	n := copy(p, b.data[b.off:end])
	b.off += n
	return n, nil
}

func (b *heldBody) Close() error { return nil }

// exchange is what the transport saw of the last reply.
type exchange struct {
	mu         sync.Mutex
	answered   bool
	status     int
	retryAfter string
}

func (x *exchange) set(status int, retryAfter string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.answered, x.status, x.retryAfter = true, status, retryAfter
}

func (x *exchange) get() (status int, retryAfter string, answered bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.status, x.retryAfter, x.answered
}
