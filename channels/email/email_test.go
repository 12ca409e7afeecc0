package email_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/channels/email"
	"github.com/crier-notices/crier/internal/dotstuff"
	"github.com/crier-notices/crier/internal/emltest"
	"github.com/crier-notices/crier/internal/testenv"
)

// notice is the email one recipient gets, as the channel takes it.
func notice(t testing.TB, name, addr string) channels.Message {
	t.Helper()
	return asMessage(t, noticeMsg(t, name, addr))
}

// noticeMsg builds with go-mail the email one recipient gets, with the
// headers the caller (not this package) adds.
func noticeMsg(t testing.TB, name, addr string) *mail.Msg {
	t.Helper()
	m := mail.NewMsg()
	if err := m.FromFormat("County Water Board", "notices@water.example"); err != nil {
		t.Fatal(err)
	}
	if err := m.AddToFormat(name, addr); err != nil {
		t.Fatal(err)
	}
	m.Subject("Boil water advisory for Elm Street")
	m.SetGenHeader("List-Unsubscribe", "<https://water.example/u/"+addr+">")
	m.SetGenHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	m.SetBodyString(mail.TypeTextPlain, "Dear "+name+",\nboil your water before drinking it.\n")
	m.AddAlternativeString(mail.TypeTextHTML, "<p>Dear "+name+",</p><p>boil your water before drinking it.</p>")
	return m
}

// asMessage is go-mail's m as the channel takes it: the bytes go-mail
// writes, in one piece, not stuffed.
func asMessage(t testing.TB, m *mail.Msg) channels.Message {
	t.Helper()
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	e := &channels.Email{MessageID: strings.Trim(m.GetMessageID(), "<>"), Data: [][]byte{b.Bytes()}}
	if from := m.GetFrom(); len(from) > 0 {
		e.From = from[0].Address
	}
	var to string
	for _, a := range m.GetTo() {
		e.To = append(e.To, a.Address)
		to = a.Address
	}
	return channels.Message{ID: "d-" + to, To: to, Email: e}
}

// stuffedOnce is m's email cut into pieces at line starts and given
// already dot-stuffed as well, as Crier's templates make every email.
func stuffedOnce(m channels.Message) channels.Message {
	e := *m.Email
	data := bytes.Join(e.Data, nil)
	e.Data, e.Stuffed = nil, nil
	for len(data) > 0 {
		n := len(data) // a piece ends at the first line end past 40 bytes
		if i := bytes.IndexByte(data[min(len(data), 40):], '\n'); i >= 0 {
			n = min(len(data), 40) + i + 1
		}
		e.Data = append(e.Data, data[:n])
		e.Stuffed = append(e.Stuffed, dotstuff.Append(nil, data[:n]))
		data = data[n:]
	}
	m.Email = &e
	return m
}

func newSender(t testing.TB, cfg email.Config) *email.Sender {
	t.Helper()
	s, err := email.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func plainConfig(mp *testenv.MailpitServer) email.Config {
	host, port := mp.SMTPAddr()
	return email.Config{Host: host, Port: port, TLS: "none", Timeout: 10 * time.Second}
}

// countingProxy forwards TCP connections to addr and counts them, so a test
// can see how many SMTP sessions the sender opened.
func countingProxy(t testing.TB, addr string) (host string, port int, accepted *atomic.Int64) {
	t.Helper()
	p, host, port := startRecordingProxy(t, addr)
	return host, port, &p.sessions
}

func TestSendConcurrentToMailpit(t *testing.T) {
	mp := testenv.Mailpit(t)
	host, port := mp.SMTPAddr()
	phost, pport, sessions := countingProxy(t, net.JoinHostPort(host, fmt.Sprint(port)))
	s := newSender(t, email.Config{Host: phost, Port: pport, TLS: "none", Connections: 4})

	const n = 50
	receipts := make([]channels.Receipt, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := notice(t, fmt.Sprintf("Customer %d", i), fmt.Sprintf("c%d@example.com", i))
			receipts[i], errs[i] = s.Send(context.Background(), m)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		if receipts[i].ProviderID == "" || receipts[i].At.Before(start) {
			t.Errorf("send %d: receipt %+v", i, receipts[i])
		}
	}
	if got := sessions.Load(); got < 1 || got > 4 {
		t.Errorf("%d SMTP sessions for %d messages, want 1 to 4 (reused)", got, n)
	}

	byID := map[string]bool{}
	for _, r := range receipts {
		byID[r.ProviderID] = true
	}
	got := mp.Messages(t)
	if len(got) != n {
		t.Fatalf("Mailpit holds %d messages, want %d", len(got), n)
	}
	seen := map[string]int{}
	for _, sum := range got {
		if len(sum.To) != 1 {
			t.Errorf("message %s: To %+v, want one address", sum.ID, sum.To)
			continue
		}
		to := sum.To[0]
		seen[to.Address]++
		var i int
		if _, err := fmt.Sscanf(to.Address, "c%d@example.com", &i); err != nil {
			t.Errorf("unexpected recipient %q", to.Address)
			continue
		}
		name := fmt.Sprintf("Customer %d", i)
		if to.Name != name {
			t.Errorf("%s: To name %q, want %q", to.Address, to.Name, name)
		}
		if !byID[sum.ID] {
			t.Errorf("%s: Mailpit id %s is not a receipt's ProviderID", to.Address, sum.ID)
		}
		e := emltest.Read(t, mp.Raw(t, sum.ID))
		if !strings.Contains(e.Text, "Dear "+name+",") || !strings.Contains(e.HTML, "<p>Dear "+name+",</p>") {
			t.Errorf("%s: parts do not greet %q:\n%s\n%s", to.Address, name, e.Text, e.HTML)
		}
		if got, want := e.Header.Get("List-Unsubscribe"), "<https://water.example/u/"+to.Address+">"; got != want {
			t.Errorf("%s: List-Unsubscribe %q, want %q", to.Address, got, want)
		}
		if got := e.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
			t.Errorf("%s: List-Unsubscribe-Post %q", to.Address, got)
		}
	}
	for i := range n {
		if addr := fmt.Sprintf("c%d@example.com", i); seen[addr] != 1 {
			t.Errorf("%s received %d messages, want 1", addr, seen[addr])
		}
	}
}

// TestFailuresAreClassified makes each fault with a real Mailpit where it
// can (refused recipient, chaos replies, wrong password, missing TLS), and
// a closed port for a server that is down.
func TestFailuresAreClassified(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := testenv.SelfSigned(t, dir)
	const user, password = "crier", "s3cret-Pa55word"
	users := testenv.MailpitUsers(t, dir, user, password)
	tlsAuth := []string{"--smtp-tls-cert", certFile, "--smtp-tls-key", keyFile, "--smtp-require-starttls", "--smtp-auth-file", users}
	secure := func(pass string) func(email.Config) email.Config {
		return func(c email.Config) email.Config {
			c.TLS, c.TLSConfig = "mandatory", &tls.Config{RootCAs: pool}
			c.Username, c.Password = user, pass
			return c
		}
	}

	tests := []struct {
		name      string
		flags     []string // Mailpit's
		cfg       func(email.Config) email.Config
		to        string
		ok        bool
		permanent bool
		broken    bool
		code      string
		reason    string // in the Reason
		bounce    bool   // a hard bounce: the address goes to the suppressions
	}{
		{name: "accepted over STARTTLS with login", flags: tlsAuth, cfg: secure(password), to: "ann@water.example", ok: true},
		{
			name:  "recipient refused 550",
			flags: []string{"--smtp-allowed-recipients", `@water\.example$`},
			to:    "nobody@elsewhere.example", permanent: true, code: "550", reason: "5.1.0 Requested action not taken: mailbox unavailable", bounce: true,
		},
		{
			name:  "recipient refused 552 is no hard bounce",
			flags: []string{"--chaos-triggers", "Recipient:552:100"},
			to:    "ann@water.example", permanent: true, code: "552", reason: "Chaos recipient error",
		},
		{
			name:  "recipient deferred 451",
			flags: []string{"--chaos-triggers", "Recipient:451:100"},
			to:    "ann@water.example", code: "451", reason: "Chaos recipient error",
		},
		{
			name:  "sender refused 550 breaks the channel",
			flags: []string{"--chaos-triggers", "Sender:550:100"},
			to:    "ann@water.example", permanent: true, broken: true, code: "550",
		},
		{name: "wrong password 535", flags: tlsAuth, cfg: secure("wrong-" + password), to: "ann@water.example", permanent: true, broken: true, code: "535", reason: "credentials invalid"},
		{
			name:  "login required but not configured 530",
			flags: []string{"--smtp-auth-file", users, "--smtp-auth-allow-insecure"},
			to:    "ann@water.example", permanent: true, broken: true, code: "530",
		},
		{
			name: "TLS mandatory, server without STARTTLS",
			cfg: func(c email.Config) email.Config {
				c.TLS = "mandatory"
				return c
			},
			to: "ann@water.example", permanent: true, broken: true, reason: "STARTTLS",
		},
		{
			name:  "untrusted certificate",
			flags: []string{"--smtp-tls-cert", certFile, "--smtp-tls-key", keyFile},
			cfg: func(c email.Config) email.Config {
				c.TLS = "mandatory"
				return c
			},
			to: "ann@water.example", permanent: true, broken: true, reason: "TLS handshake",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mp := testenv.Mailpit(t, tt.flags...)
			cfg := plainConfig(mp)
			if tt.cfg != nil {
				cfg = tt.cfg(cfg)
			}
			s := newSender(t, cfg)
			_, err := s.Send(context.Background(), notice(t, "Ann Lee", tt.to))
			if tt.ok {
				if err != nil {
					t.Fatalf("Send: %v", err)
				}
				if n := len(mp.Messages(t)); n != 1 {
					t.Errorf("Mailpit holds %d messages, want 1", n)
				}
				return
			}
			var ce *channels.Error
			if !errors.As(err, &ce) {
				t.Fatalf("Send error %v (%T), want a *channels.Error", err, err)
			}
			t.Logf("error: %v", err)
			if channels.IsPermanent(err) != tt.permanent || channels.IsBroken(err) != tt.broken {
				t.Errorf("permanent %v, broken %v; want %v, %v", channels.IsPermanent(err), channels.IsBroken(err), tt.permanent, tt.broken)
			}
			if ce.Code != tt.code {
				t.Errorf("Code %q, want %q", ce.Code, tt.code)
			}
			if email.HardBounce(err) != tt.bounce {
				t.Errorf("HardBounce %v, want %v", email.HardBounce(err), tt.bounce)
			}
			if !strings.Contains(ce.Reason, tt.reason) {
				t.Errorf("Reason %q, want it to contain %q", ce.Reason, tt.reason)
			}
			if tt.code != "" && (strings.HasPrefix(ce.Reason, `"`) || strings.HasPrefix(ce.Reason, tt.code)) {
				t.Errorf("Reason %q, want the server's words alone", ce.Reason)
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("the password is in the error: %v", err)
			}
			if n := len(mp.Messages(t)); n != 0 {
				t.Errorf("Mailpit holds %d messages, want none", n)
			}
		})
	}
}

// TestRefusalKeepsConnection: a refused recipient does not spoil the session
// for the next message.
func TestRefusalKeepsConnection(t *testing.T) {
	mp := testenv.Mailpit(t, "--smtp-allowed-recipients", `@water\.example$`)
	host, port := mp.SMTPAddr()
	phost, pport, sessions := countingProxy(t, net.JoinHostPort(host, fmt.Sprint(port)))
	s := newSender(t, email.Config{Host: phost, Port: pport, TLS: "none", Connections: 1})
	for i, to := range []string{"a@water.example", "nobody@elsewhere.example", "b@water.example"} {
		_, err := s.Send(context.Background(), notice(t, "X", to))
		if (err != nil) != (i == 1) {
			t.Fatalf("send to %s: %v", to, err)
		}
	}
	if got := sessions.Load(); got != 1 {
		t.Errorf("%d SMTP sessions, want 1", got)
	}
	if n := len(mp.Messages(t)); n != 2 {
		t.Errorf("Mailpit holds %d messages, want 2", n)
	}
}

func TestServerDownIsTransient(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := newSender(t, email.Config{Host: "127.0.0.1", Port: port, TLS: "none"})
	_, err = s.Send(context.Background(), notice(t, "Ann", "ann@water.example"))
	if err == nil || channels.IsPermanent(err) || channels.IsBroken(err) {
		t.Fatalf("Send to a closed port: %v; want a transient error", err)
	}
}

// TestMailpitRestart: pooled connections die with the server; while it is
// down sends fail as transient, and once it is back the next send redials
// without an error.
func TestMailpitRestart(t *testing.T) {
	mp := testenv.Mailpit(t)
	s := newSender(t, plainConfig(mp))
	send := func(to string) error {
		_, err := s.Send(context.Background(), notice(t, "X", to))
		return err
	}
	if err := send("before@water.example"); err != nil {
		t.Fatal(err)
	}
	mp.Stop()
	if err := send("during@water.example"); err == nil || channels.IsPermanent(err) || channels.IsBroken(err) {
		t.Fatalf("send while Mailpit is down: %v; want a transient error", err)
	}
	mp.Start(t)
	if err := send("after@water.example"); err != nil {
		t.Fatalf("send after restart: %v", err)
	}
	// The pooled session of the first send died with Mailpit: it is found
	// stale and replaced inside Send.
	if err := send("after2@water.example"); err != nil {
		t.Fatalf("second send after restart: %v", err)
	}
	if n := len(mp.Messages(t)); n != 3 {
		t.Errorf("Mailpit holds %d messages, want 3", n)
	}
}

// TestStalePooledConnection: the pool holds a session the server has closed
// since; Send replaces it without reporting an error.
func TestStalePooledConnection(t *testing.T) {
	mp := testenv.Mailpit(t)
	s := newSender(t, plainConfig(mp))
	ctx := context.Background()
	if _, err := s.Send(ctx, notice(t, "X", "one@water.example")); err != nil {
		t.Fatal(err)
	}
	mp.Stop()
	mp.Start(t)
	if _, err := s.Send(ctx, notice(t, "X", "two@water.example")); err != nil {
		t.Fatalf("send over a stale pooled connection: %v", err)
	}
}

// silentSMTP is a server that stops answering at a chosen point, which no
// real server does on request: it greets (or not) and answers EHLO, then
// says nothing more.
func silentSMTP(t *testing.T, greet bool) (string, int) {
	t.Helper()
	addr := testenv.ServeLoopback(t, func(c net.Conn) {
		if !greet {
			io.Copy(io.Discard, c)
			return
		}
		fmt.Fprintf(c, "220 silent ESMTP\r\n")
		r := bufio.NewReader(c)
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if strings.HasPrefix(strings.ToUpper(line), "EHLO") {
			fmt.Fprintf(c, "250-silent\r\n250 8BITMIME\r\n")
		}
		io.Copy(io.Discard, r)
	})
	return "127.0.0.1", addr.Port
}

func TestCancelReturnsPromptly(t *testing.T) {
	tests := []struct {
		name  string
		greet bool
	}{
		{"server never greets", false},
		{"server silent after EHLO", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			host, port := silentSMTP(t, tt.greet)
			s := newSender(t, email.Config{Host: host, Port: port, TLS: "none", Timeout: time.Minute, Connections: 1})
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := s.Send(ctx, notice(t, "Ann", "ann@water.example"))
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("Send took %v after its context ended at 200ms", d)
			}
			if !errors.Is(err, context.DeadlineExceeded) || channels.IsPermanent(err) {
				t.Errorf("Send: %v; want a transient error wrapping context.DeadlineExceeded", err)
			}
		})
	}

	t.Run("waiting for a free connection", func(t *testing.T) {
		host, port := silentSMTP(t, true)
		s := newSender(t, email.Config{Host: host, Port: port, TLS: "none", Timeout: time.Minute, Connections: 1})
		busy, stopBusy := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.Send(busy, notice(t, "Ann", "ann@water.example")) // holds the only connection
		}()
		time.Sleep(100 * time.Millisecond)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := s.Send(ctx, notice(t, "Bob", "bob@water.example"))
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Send took %v after its context ended at 200ms", d)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Send: %v; want context.DeadlineExceeded", err)
		}
		stopBusy()
		<-done
	})
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  email.Config
	}{
		{"no host", email.Config{Port: 25}},
		{"unknown TLS policy", email.Config{Host: "smtp.example", TLS: "sometimes"}},
		{"negative connections", email.Config{Host: "smtp.example", Connections: -1}},
		{"port out of range", email.Config{Host: "smtp.example", Port: 70000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := email.New(tt.cfg); err == nil {
				t.Error("New accepted the configuration")
			}
		})
	}
}

func TestSendWithoutEmailIsPermanent(t *testing.T) {
	s := newSender(t, email.Config{Host: "127.0.0.1", Port: 1, TLS: "none"})
	_, err := s.Send(context.Background(), channels.Message{ID: "x", To: "a@b.example"})
	if !channels.IsPermanent(err) {
		t.Errorf("Send of a message without an email: %v; want permanent", err)
	}
}

// BenchmarkSendMailpit measures messages per second to Mailpit over four
// pooled connections, with eight senders competing for them.
func BenchmarkSendMailpit(b *testing.B) {
	mp := testenv.Mailpit(b)
	s := newSender(b, email.Config{Host: "127.0.0.1", Port: func() int { _, p := mp.SMTPAddr(); return p }(), TLS: "none", Connections: 4})
	msgs := make([]channels.Message, b.N)
	for i := range msgs {
		msgs[i] = notice(b, "Customer", fmt.Sprintf("c%d@example.com", i))
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(msgs) {
					return
				}
				if _, err := s.Send(context.Background(), msgs[i]); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}
