package sinks_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/wneessen/go-mail"
	gomailsmtp "github.com/wneessen/go-mail/smtp"

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/channels/sms"
	"github.com/crier-notices/crier/internal/sinks"
)

func startSMTP(t testing.TB, opts ...sinks.SMTPOption) *sinks.SMTP {
	t.Helper()
	s, err := sinks.StartSMTP("127.0.0.1:0", opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

// mailClient is a go-mail client for s as Crier configures one for a
// relay without TLS.
func mailClient(t testing.TB, s *sinks.SMTP, opts ...mail.Option) *mail.Client {
	t.Helper()
	opts = append([]mail.Option{
		mail.WithPort(s.Port()),
		mail.WithTLSPolicy(mail.NoTLS),
		mail.WithTimeout(10 * time.Second),
	}, opts...)
	c, err := mail.NewClient(s.Host(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newMsg(t testing.TB, to, cc, bcc []string, body string) *mail.Msg {
	t.Helper()
	m := mail.NewMsg()
	if err := m.From("notices@water.example.org"); err != nil {
		t.Fatal(err)
	}
	if err := m.To(to...); err != nil {
		t.Fatal(err)
	}
	if len(cc) > 0 {
		if err := m.Cc(cc...); err != nil {
			t.Fatal(err)
		}
	}
	if len(bcc) > 0 {
		if err := m.Bcc(bcc...); err != nil {
			t.Fatal(err)
		}
	}
	m.Subject("Boil water advisory")
	m.SetBodyString(mail.TypeTextPlain, body)
	return m
}

// replyCode is the SMTP reply code in err, or 0 if err has none.
func replyCode(err error) int {
	var se *mail.SendError
	if errors.As(err, &se) && se.ErrorCode() != 0 {
		return se.ErrorCode()
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

func TestSMTPSinkCountsWhatGoMailSends(t *testing.T) {
	tests := []struct {
		name        string
		to, cc, bcc []string
		body        string
		opts        []mail.Option
		n           int // messages sent over one connection
	}{
		{name: "one recipient", to: []string{"ana@example.org"}, body: "Boil water until Friday.", n: 5},
		{
			name: "to, cc and bcc",
			to:   []string{"ana@example.org"}, cc: []string{"ben@example.org"}, bcc: []string{"cy@example.org", "di@example.org"},
			body: "Boil water until Friday.", n: 3,
		},
		{name: "lines that start with a dot", to: []string{"ana@example.org"}, body: ".\r\n..\r\n.x\r\n.", n: 2},
		{name: "a megabyte", to: []string{"ana@example.org"}, body: strings.Repeat("0123456789abcdef\r\n", 1<<16), n: 2},
		{
			name: "AUTH PLAIN with any credentials",
			to:   []string{"ana@example.org"}, body: "Boil water until Friday.", n: 2,
			opts: []mail.Option{mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername("crier"), mail.WithPassword("anything")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startSMTP(t)
			if !s.FirstAccepted().IsZero() || !s.LastAccepted().IsZero() {
				t.Fatal("times set before any message")
			}
			c := mailClient(t, s, tt.opts...)
			ctx := context.Background()
			if err := c.DialWithContext(ctx); err != nil {
				t.Fatal(err)
			}
			before := time.Now()
			for range tt.n {
				if err := c.Send(newMsg(t, tt.to, tt.cc, tt.bcc, tt.body)); err != nil {
					t.Fatal(err)
				}
			}
			after := time.Now()
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			rcpts := len(tt.to) + len(tt.cc) + len(tt.bcc)
			if got := s.Accepted(); got != int64(tt.n) {
				t.Errorf("Accepted() = %d, want %d", got, tt.n)
			}
			if got := s.Recipients(); got != int64(tt.n*rcpts) {
				t.Errorf("Recipients() = %d, want %d", got, tt.n*rcpts)
			}
			first, last := s.FirstAccepted(), s.LastAccepted()
			if first.Before(before) || last.After(after) || last.Before(first) {
				t.Errorf("first %v, last %v: want %v <= first <= last <= %v", first, last, before, after)
			}
		})
	}
}

func TestSMTPSinkConcurrentConnections(t *testing.T) {
	s := startSMTP(t)
	c := mailClient(t, s)
	const conns, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for range conns {
		m := newMsg(t, []string{"ana@example.org"}, nil, nil, "hi")
		wg.Go(func() {
			sc, err := c.DialToSMTPClientWithContext(context.Background())
			if err != nil {
				errs <- err
				return
			}
			defer c.CloseWithSMTPClient(sc)
			for range each {
				if err := c.SendWithSMTPClient(sc, m); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := s.Accepted(); got != conns*each {
		t.Errorf("Accepted() = %d, want %d", got, conns*each)
	}
}

func TestSMTPSinkRequireAuth(t *testing.T) {
	tests := []struct {
		name       string
		user, pass string // empty user: no AUTH at all
		wantCode   int    // 0: the message is accepted
	}{
		{name: "right credentials", user: "crier", pass: "s3cret"},
		{name: "wrong password", user: "crier", pass: "guess", wantCode: 535},
		{name: "unknown user", user: "mallory", pass: "s3cret", wantCode: 535},
		{name: "no login", wantCode: 530},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startSMTP(t, sinks.RequireAuth("crier", "s3cret"))
			var opts []mail.Option
			if tt.user != "" {
				opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain),
					mail.WithUsername(tt.user), mail.WithPassword(tt.pass))
			}
			c := mailClient(t, s, opts...)
			err := c.DialAndSend(newMsg(t, []string{"ana@example.org"}, nil, nil, "hi"))
			if got := replyCode(err); got != tt.wantCode {
				t.Fatalf("reply code %d (error %v), want %d", got, err, tt.wantCode)
			}
			want := int64(1)
			if tt.wantCode != 0 {
				want = 0
			}
			if got := s.Accepted(); got != want {
				t.Errorf("Accepted() = %d, want %d", got, want)
			}
		})
	}
}

func TestSMTPSinkRejectRefusesOnlyChosenRecipients(t *testing.T) {
	s := startSMTP(t, sinks.Reject(func(rcpt string) *smtp.SMTPError {
		if rcpt == "gone@example.org" {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox"}
		}
		return nil
	}))

	// One transaction, spoken by hand so that each reply is seen.
	tc, err := textproto.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	steps := []struct {
		cmd  string
		want int
	}{
		{"", 220},
		{"EHLO test.example.org", 250},
		{"MAIL FROM:<notices@water.example.org>", 250},
		{"RCPT TO:<ana@example.org>", 250},
		{"RCPT TO:<gone@example.org>", 550},
		{"RCPT TO:<ben@example.org>", 250},
		{"DATA", 354},
		{"Subject: Boil water advisory\r\n\r\nBoil water until Friday.\r\n.", 250},
		{"QUIT", 221},
	}
	for _, st := range steps {
		if st.cmd != "" {
			if _, err := tc.Cmd("%s", st.cmd); err != nil {
				t.Fatal(err)
			}
		}
		code, msg, err := tc.ReadResponse(0)
		if err != nil {
			t.Fatal(err)
		}
		if code != st.want {
			t.Errorf("%q: %d %s, want %d", st.cmd, code, msg, st.want)
		}
	}
	if got := s.Accepted(); got != 1 {
		t.Errorf("Accepted() = %d, want 1", got)
	}
	if got := s.Recipients(); got != 2 {
		t.Errorf("Recipients() = %d, want 2 (the refused one not counted)", got)
	}

	// go-mail sees the refusal as a permanent error with its code.
	c := mailClient(t, s)
	for _, tt := range []struct {
		name, to string
		wantCode int
	}{
		{name: "kept recipient", to: "ana@example.org"},
		{name: "refused recipient", to: "gone@example.org", wantCode: 550},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := c.DialAndSend(newMsg(t, []string{tt.to}, nil, nil, "hi"))
			if got := replyCode(err); got != tt.wantCode {
				t.Fatalf("reply code %d (error %v), want %d", got, err, tt.wantCode)
			}
		})
	}
}

func TestSMTPSinkCloseEndsOpenConnections(t *testing.T) {
	s, err := sinks.StartSMTP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := mailClient(t, s)
	if err := c.DialWithContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close waits for an idle client")
	}
	if err := c.Send(newMsg(t, []string{"ana@example.org"}, nil, nil, "hi")); err == nil {
		t.Error("sent over a connection the closed sink should have ended")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

const (
	accountSID = "AC0123456789abcdef0123456789abcdef"
	authToken  = "token0123456789"
	serviceSID = "MG0123456789abcdef0123456789abcdef"
)

func startTwilio(t testing.TB, opts ...sinks.TwilioOption) *sinks.Twilio {
	t.Helper()
	tw, err := sinks.StartTwilio("127.0.0.1:0", opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := tw.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return tw
}

// twilioServers are the servers StartTwilio can run: net/http's, and
// Lean's.
var twilioServers = []struct {
	name string
	opts []sinks.TwilioOption
}{
	{"net-http", nil},
	{"lean", []sinks.TwilioOption{sinks.Lean()}},
}

// eachTwilio runs test once for each of twilioServers, with a start that
// starts that server with the options given.
func eachTwilio(t *testing.T, test func(t *testing.T, start func(...sinks.TwilioOption) *sinks.Twilio)) {
	for _, srv := range twilioServers {
		t.Run(srv.name, func(t *testing.T) {
			test(t, func(opts ...sinks.TwilioOption) *sinks.Twilio {
				return startTwilio(t, append(opts, srv.opts...)...)
			})
		})
	}
}

// post sends form to tw's Messages endpoint for account with Basic auth
// (none when token is empty) and returns the status and body.
func post(t testing.TB, tw *sinks.Twilio, account, token string, form url.Values) (int, []byte) {
	t.Helper()
	status, body, err := tryPost(tw, account, token, form)
	if err != nil {
		t.Fatal(err)
	}
	return status, body
}

func tryPost(tw *sinks.Twilio, account, token string, form url.Values) (int, []byte, error) {
	req, err := http.NewRequest(http.MethodPost, tw.URL()+"/2010-04-01/Accounts/"+account+"/Messages.json",
		strings.NewReader(form.Encode()))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if token != "" {
		req.SetBasicAuth(account, token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// twilioMessage is the part of Twilio's message resource the tests check;
// pointers tell null from "".
type twilioMessage struct {
	SID                 string            `json:"sid"`
	AccountSID          string            `json:"account_sid"`
	To                  string            `json:"to"`
	From                *string           `json:"from"`
	MessagingServiceSID *string           `json:"messaging_service_sid"`
	Body                string            `json:"body"`
	Status              string            `json:"status"`
	NumSegments         string            `json:"num_segments"`
	NumMedia            string            `json:"num_media"`
	DateCreated         string            `json:"date_created"`
	APIVersion          string            `json:"api_version"`
	URI                 string            `json:"uri"`
	SubresourceURIs     map[string]string `json:"subresource_uris"`
}

var sidPattern = regexp.MustCompile(`^SM[0-9a-f]{32}$`)

func TestTwilioSinkCreatesMessages(t *testing.T) { eachTwilio(t, testTwilioSinkCreatesMessages) }

func testTwilioSinkCreatesMessages(t *testing.T, start func(...sinks.TwilioOption) *sinks.Twilio) {
	tw := start(sinks.RequireToken(authToken))
	tests := []struct {
		name         string
		form         url.Values
		wantFrom     string // "" for null
		wantSegments string
		wantMedia    string
	}{
		{
			name:     "from a number",
			form:     url.Values{"To": {"+13155550101"}, "From": {"+13155550100"}, "Body": {"Boil water until Friday."}},
			wantFrom: "+13155550100", wantSegments: "1", wantMedia: "0",
		},
		{
			name:         "through a messaging service",
			form:         url.Values{"To": {"+13155550101"}, "MessagingServiceSid": {serviceSID}, "Body": {"Boil water until Friday."}},
			wantSegments: "1", wantMedia: "0",
		},
		{
			name:     "160 GSM characters, one of them from the extension table, take two segments",
			form:     url.Values{"To": {"+13155550101"}, "From": {"+13155550100"}, "Body": {strings.Repeat("a", 159) + "€"}},
			wantFrom: "+13155550100", wantSegments: "2", wantMedia: "0",
		},
		{
			name:     "160 GSM characters take one",
			form:     url.Values{"To": {"+13155550101"}, "From": {"+13155550100"}, "Body": {strings.Repeat("é", 160)}},
			wantFrom: "+13155550100", wantSegments: "1", wantMedia: "0",
		},
		{
			name:     "71 characters outside GSM take two",
			form:     url.Values{"To": {"+13155550101"}, "From": {"+13155550100"}, "Body": {strings.Repeat("ą", 71)}},
			wantFrom: "+13155550100", wantSegments: "2", wantMedia: "0",
		},
		{
			name:     "an emoji is two UTF-16 units",
			form:     url.Values{"To": {"+13155550101"}, "From": {"+13155550100"}, "Body": {strings.Repeat("a", 69) + "💧"}},
			wantFrom: "+13155550100", wantSegments: "2", wantMedia: "0",
		},
		{
			name:     "a picture without a body",
			form:     url.Values{"To": {"+13155550101"}, "From": {"+13155550100"}, "MediaUrl": {"https://water.example.org/map.png"}},
			wantFrom: "+13155550100", wantSegments: "1", wantMedia: "1",
		},
	}
	sids := make(map[string]bool)
	before := time.Now().Add(-time.Second) // Twilio's dates have whole seconds
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := post(t, tw, accountSID, authToken, tt.form)
			if status != http.StatusCreated {
				t.Fatalf("status %d, body %s", status, body)
			}
			var m twilioMessage
			if err := json.Unmarshal(body, &m); err != nil {
				t.Fatalf("%v in %s", err, body)
			}
			if !sidPattern.MatchString(m.SID) {
				t.Errorf("sid %q is not SM and 32 hexadecimal digits", m.SID)
			}
			if sids[m.SID] {
				t.Errorf("sid %q given twice", m.SID)
			}
			sids[m.SID] = true
			var from string
			if m.From != nil {
				from = *m.From
			}
			var service string
			if m.MessagingServiceSID != nil {
				service = *m.MessagingServiceSID
			}
			created, err := time.Parse("Mon, 02 Jan 2006 15:04:05 -0700", m.DateCreated)
			if err != nil || created.Before(before) || created.After(time.Now()) {
				t.Errorf("date_created %q: %v", m.DateCreated, err)
			}
			uri := "/2010-04-01/Accounts/" + accountSID + "/Messages/" + m.SID
			for _, c := range []struct{ field, got, want string }{
				{"account_sid", m.AccountSID, accountSID},
				{"to", m.To, tt.form.Get("To")},
				{"from", from, tt.wantFrom},
				{"messaging_service_sid", service, tt.form.Get("MessagingServiceSid")},
				{"body", m.Body, tt.form.Get("Body")},
				{"status", m.Status, "queued"},
				{"num_segments", m.NumSegments, tt.wantSegments},
				{"num_media", m.NumMedia, tt.wantMedia},
				{"api_version", m.APIVersion, "2010-04-01"},
				{"uri", m.URI, uri + ".json"},
				{"subresource_uris.media", m.SubresourceURIs["media"], uri + "/Media.json"},
			} {
				if c.got != c.want {
					t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
				}
			}
		})
	}
	if got := tw.Accepted(); got != int64(len(tests)) {
		t.Errorf("Accepted() = %d, want %d", got, len(tests))
	}
	if first, last := tw.FirstAccepted(), tw.LastAccepted(); first.IsZero() || last.Before(first) {
		t.Errorf("first %v, last %v", first, last)
	}
}

func TestTwilioSinkRefuses(t *testing.T) { eachTwilio(t, testTwilioSinkRefuses) }

func testTwilioSinkRefuses(t *testing.T, start func(...sinks.TwilioOption) *sinks.Twilio) {
	tw := start(sinks.RequireToken(authToken))
	good := url.Values{"To": {"+13155550101"}, "From": {"+13155550100"}, "Body": {"Boil water until Friday."}}
	without := func(key string) url.Values {
		v := url.Values{}
		for k, vs := range good {
			if k != key {
				v[k] = vs
			}
		}
		return v
	}
	tests := []struct {
		name       string
		token      string
		form       url.Values
		wantStatus int
		wantBody   string // Twilio's error JSON
	}{
		{
			name: "missing To", token: authToken, form: without("To"), wantStatus: 400,
			wantBody: `{"code":21604,"message":"A 'To' phone number is required.","more_info":"https://www.twilio.com/docs/errors/21604","status":400}`,
		},
		{
			name: "missing From and MessagingServiceSid", token: authToken, form: without("From"), wantStatus: 400,
			wantBody: `{"code":21603,"message":"A 'From' phone number is required.","more_info":"https://www.twilio.com/docs/errors/21603","status":400}`,
		},
		{
			name: "missing Body", token: authToken, form: without("Body"), wantStatus: 400,
			wantBody: `{"code":21602,"message":"Message body is required.","more_info":"https://www.twilio.com/docs/errors/21602","status":400}`,
		},
		{
			name: "wrong token", token: "wrong0123456789", form: good, wantStatus: 401,
			wantBody: `{"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401}`,
		},
		{
			name: "no credentials", form: good, wantStatus: 401,
			wantBody: `{"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := post(t, tw, accountSID, tt.token, tt.form)
			if status != tt.wantStatus || string(body) != tt.wantBody {
				t.Errorf("got %d %s\nwant %d %s", status, body, tt.wantStatus, tt.wantBody)
			}
		})
	}
	if got := tw.Accepted(); got != 0 {
		t.Errorf("Accepted() = %d after refusals only", got)
	}
}

func TestTwilioSinkWithSMSSender(t *testing.T) { eachTwilio(t, testTwilioSinkWithSMSSender) }

func testTwilioSinkWithSMSSender(t *testing.T, start func(...sinks.TwilioOption) *sinks.Twilio) {
	tw := start(sinks.RequireToken(authToken))
	tests := []struct {
		name        string
		token       string
		wantErrCode string // "": accepted
	}{
		{name: "accepted", token: authToken},
		{name: "wrong token breaks the channel", token: "wrong0123456789", wantErrCode: "20003"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := sms.New(sms.Config{
				AccountSID: accountSID,
				AuthToken:  tt.token,
				From:       "+13155550100",
				BaseURL:    tw.URL(),
			})
			if err != nil {
				t.Fatal(err)
			}
			before := tw.Accepted()
			r, err := s.Send(context.Background(), channels.Message{
				To:  "+13155550101",
				SMS: &channels.SMS{Body: "Boil water until Friday."},
			})
			if tt.wantErrCode != "" {
				var ce *channels.Error
				if !errors.As(err, &ce) || ce.Code != tt.wantErrCode || !ce.Broken {
					t.Fatalf("error %v, want a broken channel with code %s", err, tt.wantErrCode)
				}
				if got := tw.Accepted(); got != before {
					t.Errorf("Accepted() went from %d to %d on a refusal", before, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !sidPattern.MatchString(r.ProviderID) {
				t.Errorf("receipt's ProviderID %q is not a message SID", r.ProviderID)
			}
			if got := tw.Accepted(); got != before+1 {
				t.Errorf("Accepted() = %d, want %d", got, before+1)
			}
		})
	}
}

func TestTwilioSinkSIDsUniqueUnderConcurrency(t *testing.T) {
	eachTwilio(t, testTwilioSinkSIDsUniqueUnderConcurrency)
}

func testTwilioSinkSIDsUniqueUnderConcurrency(t *testing.T, start func(...sinks.TwilioOption) *sinks.Twilio) {
	tw := start()
	const workers, each = 8, 50
	var (
		mu   sync.Mutex
		sids = make(map[string]bool)
		wg   sync.WaitGroup
	)
	form := url.Values{"To": {"+13155550101"}, "From": {"+13155550100"}, "Body": {"hi"}}
	for range workers {
		wg.Go(func() {
			for range each {
				status, body, err := tryPost(tw, accountSID, authToken, form)
				var m twilioMessage
				if err == nil {
					err = json.Unmarshal(body, &m)
				}
				if status != http.StatusCreated || err != nil {
					t.Errorf("status %d, body %s: %v", status, body, err)
					return
				}
				mu.Lock()
				if sids[m.SID] {
					t.Errorf("sid %s given twice", m.SID)
				}
				sids[m.SID] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if got := tw.Accepted(); got != workers*each || len(sids) != workers*each {
		t.Errorf("Accepted() = %d, %d distinct sids, want %d", got, len(sids), workers*each)
	}
}

// run calls send(worker) b.N times in all from workers goroutines and
// reports the rate.
func run(b *testing.B, workers int, send func(worker int) error) {
	b.Helper()
	var next atomic.Int64
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	b.ResetTimer()
	for w := range workers {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				if err := send(w); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

func BenchmarkSMTPSink(b *testing.B) {
	b.Run("go-mail/4conns", func(b *testing.B) {
		s := startSMTP(b)
		c := mailClient(b, s, mail.WithoutNoop(), mail.WithoutRset())
		const conns = 4
		clients := make([]*mailConn, conns)
		for i := range clients {
			sc, err := c.DialToSMTPClientWithContext(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			defer c.CloseWithSMTPClient(sc)
			clients[i] = &mailConn{c: c, sc: sc, msg: newMsg(b, []string{"ana@example.org"}, nil, nil,
				"Boil water until Friday: bring tap water to a rolling boil for one minute.")}
		}
		run(b, conns, func(w int) error { return clients[w].send() })
		if got := s.Accepted(); got != int64(b.N) {
			b.Errorf("Accepted() = %d, want %d", got, b.N)
		}
	})
	// A client that costs next to nothing shows what the sink itself can
	// take: one message is MAIL, RCPT, DATA and the body, four round trips.
	b.Run("raw/8conns", func(b *testing.B) {
		s := startSMTP(b)
		const conns = 8
		tcs := make([]*textproto.Conn, conns)
		for i := range tcs {
			tc, err := textproto.Dial("tcp", s.Addr())
			if err != nil {
				b.Fatal(err)
			}
			defer tc.Close()
			if _, _, err := tc.ReadResponse(220); err != nil {
				b.Fatal(err)
			}
			if id, err := tc.Cmd("EHLO bench.example.org"); err != nil {
				b.Fatal(err)
			} else if err := expect(tc, id, 250); err != nil {
				b.Fatal(err)
			}
			tcs[i] = tc
		}
		steps := []struct {
			cmd  string
			code int
		}{
			{"MAIL FROM:<notices@water.example.org>", 250},
			{"RCPT TO:<ana@example.org>", 250},
			{"DATA", 354},
			{"From: notices@water.example.org\r\nTo: ana@example.org\r\nSubject: Boil water advisory\r\n\r\n" +
				"Boil water until Friday: bring tap water to a rolling boil for one minute.\r\n.", 250},
		}
		run(b, conns, func(w int) error {
			tc := tcs[w]
			for _, st := range steps {
				id, err := tc.Cmd("%s", st.cmd)
				if err != nil {
					return err
				}
				if err := expect(tc, id, st.code); err != nil {
					return err
				}
			}
			return nil
		})
		if got := s.Accepted(); got != int64(b.N) {
			b.Errorf("Accepted() = %d, want %d", got, b.N)
		}
	})
}

// mailConn is one benchmark worker's connection and message, sent again
// and again.
type mailConn struct {
	c   *mail.Client
	sc  *gomailsmtp.Client
	msg *mail.Msg
}

func (m *mailConn) send() error { return m.c.SendWithSMTPClient(m.sc, m.msg) }

func expect(tc *textproto.Conn, id uint, code int) error {
	tc.StartResponse(id)
	defer tc.EndResponse(id)
	_, _, err := tc.ReadResponse(code)
	return err
}

func BenchmarkTwilioSink(b *testing.B) {
	const workers = 8
	form := url.Values{"To": {"+13155550101"}, "From": {"+13155550100"}, "Body": {"Boil water until Friday."}}.Encode()
	b.Run("net-http/8conns", func(b *testing.B) {
		tw := startTwilio(b, sinks.RequireToken(authToken))
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
		defer client.CloseIdleConnections()
		endpoint := tw.URL() + "/2010-04-01/Accounts/" + accountSID + "/Messages.json"
		run(b, workers, func(int) error {
			req, err := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(form))
			if err != nil {
				return err
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(accountSID, authToken)
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode != http.StatusCreated {
				err = fmt.Errorf("status %d", resp.StatusCode)
			}
			return err
		})
		if got := tw.Accepted(); got != int64(b.N) {
			b.Errorf("Accepted() = %d, want %d", got, b.N)
		}
	})
	b.Run("sms.Sender/8conns", func(b *testing.B) {
		tw := startTwilio(b, sinks.RequireToken(authToken))
		tr := &http.Transport{MaxIdleConnsPerHost: workers}
		defer tr.CloseIdleConnections()
		s, err := sms.New(sms.Config{
			AccountSID: accountSID, AuthToken: authToken, From: "+13155550100",
			BaseURL: tw.URL(), Transport: tr,
		})
		if err != nil {
			b.Fatal(err)
		}
		m := channels.Message{To: "+13155550101", SMS: &channels.SMS{Body: "Boil water until Friday."}}
		ctx := context.Background()
		run(b, workers, func(int) error {
			_, err := s.Send(ctx, m)
			return err
		})
		if got := tw.Accepted(); got != int64(b.N) {
			b.Errorf("Accepted() = %d, want %d", got, b.N)
		}
	})
}

// TestTwilioSinkLeanSpeaksHTTP11: the lean server answers pipelined
// requests in order on one connection (a chunked one among them), closes
// it after a request that asks it to, and answers other methods and paths
// as net/http's would.
func TestTwilioSinkLeanSpeaksHTTP11(t *testing.T) {
	tw := startTwilio(t, sinks.RequireToken(authToken), sinks.Lean())
	c, err := net.Dial("tcp", tw.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Not a measure of time: a server that keeps the connection would
	// otherwise hang the test.
	c.SetReadDeadline(time.Now().Add(time.Minute))
	form := url.Values{"To": {"+13155550101"}, "From": {"+13155550100"}, "Body": {"Boil water until Friday."}}.Encode()
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(accountSID+":"+authToken))
	create := func(header string) string {
		return "POST /2010-04-01/Accounts/" + accountSID + "/Messages.json HTTP/1.1\r\nHost: twilio\r\nAuthorization: " + auth +
			"\r\nContent-Type: application/x-www-form-urlencoded\r\n" + header + "Content-Length: " + strconv.Itoa(len(form)) + "\r\n\r\n" + form
	}
	// All in one write: the server reads them as they come.
	_, err = io.WriteString(c, create("")+
		"GET /2010-04-01/Accounts/"+accountSID+"/Messages.json HTTP/1.1\r\nHost: twilio\r\n\r\n"+
		"POST /2010-04-01/Accounts/"+accountSID+"/Calls.json HTTP/1.1\r\nHost: twilio\r\nContent-Length: 2\r\n\r\nab"+
		"POST /2010-04-01/Accounts/"+accountSID+"/Messages.json HTTP/1.1\r\nHost: twilio\r\nAuthorization: "+auth+
		"\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"+
		strconv.FormatInt(int64(len(form)), 16)+"\r\n"+form+"\r\n0\r\n\r\n"+
		create("Connection: close\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	tests := []struct {
		name   string
		status int
		close  bool
	}{
		{name: "a message create", status: http.StatusCreated},
		{name: "GET", status: http.StatusMethodNotAllowed},
		{name: "another resource", status: http.StatusNotFound},
		{name: "a chunked create", status: http.StatusCreated},
		{name: "a create asking to close", status: http.StatusCreated, close: true},
	}
	for _, tt := range tests {
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != tt.status || resp.Close != tt.close {
			t.Errorf("%s: %d %s (close %v), %v; want %d, close %v", tt.name, resp.StatusCode, body, resp.Close, err, tt.status, tt.close)
		}
	}
	if n, err := r.ReadByte(); err != io.EOF {
		t.Errorf("after Connection: close, read %q, %v; want the connection closed", n, err)
	}
	if got := tw.Accepted(); got != 3 {
		t.Errorf("Accepted() = %d, want 3", got)
	}
}

// TestTwilioSinkCloseEndsIdleConnections: Close returns with a client's
// keep-alive connection open and idle, and closes it.
func TestTwilioSinkCloseEndsIdleConnections(t *testing.T) {
	eachTwilio(t, func(t *testing.T, start func(...sinks.TwilioOption) *sinks.Twilio) {
		tw := start()
		c, err := net.Dial("tcp", tw.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(time.Minute)) // not a measure: a hang's end
		form := url.Values{"To": {"+13155550101"}, "From": {"+13155550100"}, "Body": {"hi"}}.Encode()
		req := "POST /2010-04-01/Accounts/" + accountSID + "/Messages.json HTTP/1.1\r\nHost: twilio\r\nAuthorization: Basic " +
			base64.StdEncoding.EncodeToString([]byte(accountSID+":"+authToken)) +
			"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " + strconv.Itoa(len(form)) + "\r\n\r\n" + form
		if _, err := io.WriteString(c, req); err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(c)
		resp, err := http.ReadResponse(r, nil)
		if err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("%v, %v", resp, err)
		}
		io.Copy(io.Discard, resp.Body)
		if err := tw.Close(); err != nil {
			t.Fatal(err)
		}
		if n, err := r.ReadByte(); err == nil {
			t.Errorf("read %q after Close; want the connection closed", n)
		}
		if got := tw.Accepted(); got != 1 {
			t.Errorf("Accepted() = %d, want 1", got)
		}
	})
}
