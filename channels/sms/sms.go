// Package sms is the channel that sends text messages through Twilio's
// Messages API, and says of each failure whether a retry can help, whether
// the recipient has opted out and whether the channel itself is out of
// order.
//
// It posts each message create itself, over HTTP/1.1 connections of its
// own (wire.go) or, through a proxy or a Transport given, with net/http,
// and reads only the SID of the message resource Twilio answers with. twilio-go's CreateMessage built a client, a request handler and a
// form per message, checked the credentials with regular expressions each
// time and decoded the whole resource; with the goroutine a staged send
// needed around it, that was a third of Crier's CPU per text message (in
// crierbench, 272 µs a message before, 179 after). Twilio's address
// (TWILIO_EDGE and TWILIO_REGION applied) and its error body
// (*client.TwilioRestError, with Twilio's error code) are still twilio-go's.
package sms

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/twilio/twilio-go/client"

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
	// Transport, if set, carries the requests with net/http. Without it
	// the Sender posts over connections of its own, up to 64 kept open
	// for reuse, unless HTTPS_PROXY or HTTP_PROXY names a proxy for
	// Twilio's address: then a net/http transport of its own, with as
	// many, carries them through the proxy (http.DefaultTransport keeps
	// 2, so most requests of a busy send would dial anew).
	Transport http.RoundTripper
}

// Sender sends SMS through Twilio's Messages API, one request per message.
// Send is safe for concurrent use; rate limits are the caller's.
type Sender struct {
	timeout  time.Duration
	endpoint string      // the Messages resource's URL: Twilio's (edge and region applied) or the base URL's
	header   http.Header // every request's headers, Basic auth included; shared, never changed
	shared   string      // the form fields every message shares, encoded, each after "&"
	// wire posts message creates over the Sender's own connections when
	// no Transport is given and no proxy applies; nil: client does.
	wire   *wire
	client *http.Client
	own    *http.Transport // the transport New made, closed by Close
	// lastBody is the last text's encoding: every recipient of a notice
	// in one language gets the same text, encoded once.
	lastBody atomic.Pointer[encodedBody]

	// Now gives the time of acceptance in receipts and the reference for a
	// Retry-After given as a date.
	Now func() time.Time
}

var _ channels.Staged = (*Sender)(nil)

// Close closes the connections the Sender keeps open for reuse. The
// Sender remains usable: a later send opens a new one.
func (s *Sender) Close() error {
	if s.wire != nil {
		s.wire.closeIdle()
	}
	if s.own != nil {
		s.own.CloseIdleConnections()
	}
	return nil
}

var (
	accountSIDPattern = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	serviceSIDPattern = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)
	// Twilio's tokens are letters and digits; twilio-go refuses others
	// before sending, and New at start-up (a token pasted with a quote).
	tokenPattern = regexp.MustCompile(`^[a-zA-Z0-9]+$`)
)

// New checks cfg and returns a Sender. It does not contact Twilio, so a
// network down at start-up delays messages instead of failing the program.
// Its errors never contain the auth token.
func New(cfg Config) (*Sender, error) {
	if err := check(cfg); err != nil {
		return nil, err
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 15 * time.Second
	}
	endpoint, err := messagesURL(cfg.AccountSID, cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	s := &Sender{
		timeout:  cfg.Timeout,
		endpoint: endpoint,
		header: http.Header{
			"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.AccountSID+":"+cfg.AuthToken))},
			"Content-Type":  {"application/x-www-form-urlencoded"},
			"Accept":        {"application/json"},
			"User-Agent":    {userAgent},
		},
		shared: sharedForm(cfg),
		Now:    time.Now,
	}
	if err := s.chooseCarrier(cfg.Transport); err != nil {
		return nil, err
	}
	return s, nil
}

// chooseCarrier sets what carries the requests: the Sender's own
// connections when no Transport is given and no proxy applies; else
// net/http, with t or a transport of the Sender's own.
func (s *Sender) chooseCarrier(t http.RoundTripper) error {
	if t == nil && !proxied(s.endpoint) {
		w, err := newWire(s.endpoint, s.header)
		s.wire = w
		return err
	}
	if t == nil {
		s.own = http.DefaultTransport.(*http.Transport).Clone()
		s.own.MaxIdleConns, s.own.MaxIdleConnsPerHost = maxIdleConns, maxIdleConns
		t = s.own
	}
	s.client = &http.Client{
		Transport:     t,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return nil
}

// proxied reports whether net/http would send a request to endpoint
// through a proxy (HTTPS_PROXY, HTTP_PROXY and NO_PROXY, read once per
// process), or cannot tell: then the Sender leaves the request to
// net/http, which speaks to proxies.
func proxied(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return true
	}
	p, err := http.ProxyFromEnvironment(&http.Request{URL: u})
	return p != nil || err != nil
}

// check checks cfg's settings one by one, saying which to fix.
func check(cfg Config) error {
	if !accountSIDPattern.MatchString(cfg.AccountSID) {
		return fmt.Errorf("twilio: account SID %q is not AC followed by 32 hexadecimal digits; check [twilio] account_sid", cfg.AccountSID)
	}
	if cfg.AuthToken == "" {
		return errors.New("twilio: the auth token is not set; set CRIER_TWILIO_AUTH_TOKEN")
	}
	if !tokenPattern.MatchString(cfg.AuthToken) {
		return errors.New("twilio: the auth token has characters other than letters and digits; check CRIER_TWILIO_AUTH_TOKEN")
	}
	if cfg.From == "" && cfg.MessagingServiceSID == "" {
		return errors.New("twilio: neither a From number nor a messaging service SID is set; set [twilio] from or messaging_service_sid")
	}
	if cfg.MessagingServiceSID != "" && !serviceSIDPattern.MatchString(cfg.MessagingServiceSID) {
		return fmt.Errorf("twilio: messaging service SID %q is not MG followed by 32 hexadecimal digits", cfg.MessagingServiceSID)
	}
	if cfg.StatusCallback != "" {
		u, err := url.Parse(cfg.StatusCallback)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("twilio: status callback %q is not an absolute http or https URL", cfg.StatusCallback)
		}
	}
	if cfg.Timeout < 0 {
		return fmt.Errorf("twilio: timeout %v is negative", cfg.Timeout)
	}
	return nil
}

// userAgent names Crier to Twilio, as twilio-go names itself.
var userAgent = "crier (" + runtime.GOOS + " " + runtime.GOARCH + ") go/" + runtime.Version()

// messagesURL is the address a message create is posted to: Twilio's,
// with the edge and region TWILIO_EDGE and TWILIO_REGION name as twilio-go
// applies them, or baseURL's scheme and host.
func messagesURL(accountSID, baseURL string) (string, error) {
	path := "/2010-04-01/Accounts/" + accountSID + "/Messages.json"
	if baseURL != "" {
		if err := CheckBaseURL(baseURL); err != nil {
			return "", fmt.Errorf("twilio: base URL %w", err)
		}
		u, _ := url.Parse(baseURL)
		return u.Scheme + "://" + u.Host + path, nil
	}
	h := &client.RequestHandler{Edge: os.Getenv("TWILIO_EDGE"), Region: os.Getenv("TWILIO_REGION")}
	return h.BuildUrl("https://api.twilio.com" + path)
}

// sharedForm encodes the fields of a message create that are the same for
// every message, each after "&".
func sharedForm(cfg Config) string {
	v := url.Values{}
	if cfg.From != "" {
		v.Set("From", cfg.From)
	}
	if cfg.MessagingServiceSID != "" {
		v.Set("MessagingServiceSid", cfg.MessagingServiceSID)
	}
	if cfg.StatusCallback != "" {
		v.Set("StatusCallback", cfg.StatusCallback)
	}
	if len(v) == 0 {
		return ""
	}
	return "&" + v.Encode()
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
// Send gives up when ctx ends: the request is abandoned and Send returns
// at once with a transient error. Twilio may still have accepted the
// message by then, and a retry may send it twice: delivery is at least
// once.
func (s *Sender) Send(ctx context.Context, m channels.Message) (channels.Receipt, error) {
	return s.SendStaged(ctx, m, nil)
}

// SendStaged is Send, calling ready (when not nil) before the request
// goes out: ready runs on the caller's goroutine, never after SendStaged
// returns, and its wait does not count against the request's timeout. An
// error from ready is returned as it is, and nothing is sent. (A message
// create is a few hundred bytes, one packet, and Twilio takes it only
// once it is whole: there is nothing of it worth sending while ready
// waits.)
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
	if ready != nil {
		if err := ready(); err != nil {
			return channels.Receipt{}, err
		}
	}
	return s.create(ctx, m)
}

// create posts m as a message create, over the Sender's own connections
// or net/http's, and reads Twilio's answer.
func (s *Sender) create(ctx context.Context, m channels.Message) (channels.Receipt, error) {
	f := s.form(m)
	var (
		r   reply
		err error
	)
	if s.wire != nil {
		r, err = s.postWire(ctx, f)
	} else {
		r, err = s.postHTTP(ctx, f)
	}
	if err != nil {
		return channels.Receipt{}, err
	}
	return s.receipt(r)
}

// reply is what create needs of Twilio's answer.
type reply struct {
	status     int
	retryAfter string // the Retry-After header
	body       []byte
}

// postWire posts f over the Sender's own connections.
func (s *Sender) postWire(ctx context.Context, f form) (reply, error) {
	deadline := time.Now().Add(s.timeout)
	r, reason, err := s.wire.post(ctx, deadline, f)
	if err != nil {
		return reply{}, s.unanswered(ctx, !time.Now().Before(deadline), reason, err)
	}
	return r, nil
}

// postHTTP posts f with net/http, through cfg.Transport or a proxy.
func (s *Sender) postHTTP(ctx context.Context, f form) (reply, error) {
	reqCtx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(reqCtx, http.MethodPost, s.endpoint, strings.NewReader(f.String()))
	if err != nil {
		return reply{}, &channels.Error{Permanent: true, Broken: true, Reason: "the request to Twilio cannot be made", Err: err}
	}
	// Shared by every request: a RoundTripper does not change a request.
	req.Header = s.header
	resp, err := s.client.Do(req)
	if err != nil {
		return reply{}, s.unanswered(ctx, reqCtx.Err() != nil, reasonUnreachable, err)
	}
	body, err := readReply(resp)
	if err != nil {
		return reply{}, s.unanswered(ctx, reqCtx.Err() != nil, reasonCutOff, err)
	}
	return reply{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), body: body}, nil
}

// The reasons of a request that got no whole reply.
const (
	reasonUnreachable = "Twilio cannot be reached"
	reasonCutOff      = "Twilio's reply was cut off"
)

// receipt is r's receipt, or its failure in the dispatcher's terms.
func (s *Sender) receipt(r reply) (channels.Receipt, error) {
	if r.status < 200 || r.status > 299 {
		return channels.Receipt{}, s.classify(r.status, r.retryAfter, r.body)
	}
	// Of the message resource, only its SID matters here.
	sid, err := replySID(r.body)
	if err != nil {
		// It may have been accepted: at-least-once allows a repeat.
		return channels.Receipt{}, &channels.Error{Code: strconv.Itoa(r.status), Reason: "Twilio's reply could not be read", Err: err}
	}
	if sid == "" {
		// Accepted, probably, but without an id to follow it by: a retry
		// may send it twice, which at-least-once allows.
		return channels.Receipt{}, &channels.Error{Reason: "Twilio's reply has no message SID"}
	}
	return channels.Receipt{ProviderID: sid, At: s.Now()}, nil
}

// form is a message create's form, in its encoded parts.
type form struct{ to, body, shared string }

// form is m's message create.
func (s *Sender) form(m channels.Message) form {
	return form{to: url.QueryEscape(m.To), body: s.encodedBody(m.SMS.Body), shared: s.shared}
}

// len is the length of f encoded.
func (f form) len() int {
	return len("To=&Body=") + len(f.to) + len(f.body) + len(f.shared)
}

// appendTo appends f encoded to b.
func (f form) appendTo(b []byte) []byte {
	b = append(b, "To="...)
	b = append(b, f.to...)
	b = append(b, "&Body="...)
	b = append(b, f.body...)
	return append(b, f.shared...)
}

func (f form) String() string {
	var b strings.Builder
	b.Grow(f.len())
	b.WriteString("To=")
	b.WriteString(f.to)
	b.WriteString("&Body=")
	b.WriteString(f.body)
	b.WriteString(f.shared)
	return b.String()
}

// encodedBody is a text and its form encoding.
type encodedBody struct{ text, encoded string }

// encodedBody returns text form-encoded, encoding it only when it is not
// the last text encoded.
func (s *Sender) encodedBody(text string) string {
	if last := s.lastBody.Load(); last != nil && last.text == text {
		return last.encoded
	}
	e := &encodedBody{text: text, encoded: url.QueryEscape(text)}
	s.lastBody.Store(e)
	return e.encoded
}

// maxReply bounds the reply read: a message resource is a few kilobytes.
const maxReply = 1 << 20

// readReply reads and closes resp's body, so that its connection can
// carry the next request.
func readReply(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	b, _, err := readBody(resp)
	return b, err
}

// unanswered is the error of a request that got no whole reply: ctx
// ended, the timeout passed (timedOut), or the network failed. All are
// transient.
func (s *Sender) unanswered(ctx context.Context, timedOut bool, reason string, err error) error {
	switch {
	case ctx.Err() != nil:
		return cancelled(ctx, err)
	case timedOut:
		return &channels.Error{Reason: fmt.Sprintf("Twilio did not answer within %v", s.timeout), Err: err}
	}
	return &channels.Error{Reason: reason, Err: err}
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

// classify turns a reply other than 2xx into the dispatcher's terms: by
// the Twilio error code in its body (Twilio's error body, which twilio-go
// reads into a *client.TwilioRestError) when it is one of codes, else by
// the HTTP status.
func (s *Sender) classify(status int, retryAfter string, body []byte) error {
	e := &channels.Error{Code: strconv.Itoa(status)}
	if ra, ok := parseRetryAfter(retryAfter, s.Now()); ok {
		e.RetryAfter = ra
	}
	k, known := kind(0), false
	tre := &client.TwilioRestError{}
	if json.Unmarshal(body, tre) == nil {
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
