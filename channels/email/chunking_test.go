package email_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/wneessen/go-mail"

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/channels/email"
	"github.com/crier-notices/crier/internal/testenv"
)

// keepingSMTP is go-smtp's server (which offers PIPELINING and CHUNKING)
// keeping each message it accepts, and refusing as its addresses say: a
// sender busy@ gets 451 to MAIL FROM, a recipient gone@ 550 5.1.1 to
// RCPT TO, full@ 552 and later@ 452 to the message.
type keepingSMTP struct {
	addr string
	mu   sync.Mutex
	got  [][]byte
}

func startKeepingSMTP(t *testing.T) *keepingSMTP {
	t.Helper()
	k := &keepingSMTP{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &keepingSession{k: k}, nil
	}))
	srv.Domain = "localhost"
	srv.EnableSMTPUTF8 = true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	k.addr = l.Addr().String()
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(l) }()
	t.Cleanup(func() { srv.Close(); <-done })
	return k
}

// take returns the messages kept since the last take.
func (k *keepingSMTP) take() [][]byte {
	k.mu.Lock()
	defer k.mu.Unlock()
	got := k.got
	k.got = nil
	return got
}

type keepingSession struct {
	k    *keepingSMTP
	rcpt string
}

func (s *keepingSession) Mail(from string, _ *smtp.MailOptions) error {
	if strings.HasPrefix(from, "busy@") {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	}
	return nil
}

func (s *keepingSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if strings.HasPrefix(to, "gone@") {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox"}
	}
	s.rcpt = to
	return nil
}

func (s *keepingSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	switch {
	case strings.HasPrefix(s.rcpt, "full@"):
		return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 2, 2}, Message: "Mailbox full"}
	case strings.HasPrefix(s.rcpt, "later@"):
		return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1}, Message: "Out of storage"}
	}
	s.k.mu.Lock()
	s.k.got = append(s.k.got, b)
	s.k.mu.Unlock()
	return nil
}

func (s *keepingSession) Reset()        { s.rcpt = "" }
func (s *keepingSession) Logout() error { return nil }

// withBody is the notice to ann@ with body as its plain text, as go-mail
// writes it (8bit, unencoded).
func withBody(t *testing.T, body string) channels.Message {
	gm := noticeMsg(t, "Ann Lee", "ann@water.example")
	gm.SetBodyWriter(mail.TypeTextPlain, func(w io.Writer) (int64, error) {
		n, err := io.WriteString(w, body)
		return int64(n), err
	}, mail.WithPartEncoding(mail.NoEncoding))
	return asMessage(t, gm)
}

// TestBDATDeliversWhatDATADelivers: to a server that offers CHUNKING
// (go-smtp), the message goes in a BDAT chunk, and the server receives it
// byte for byte as the same server receives it through DATA when it does
// not offer CHUNKING: lines that begin with a dot, long lines, non-ASCII,
// bare line feeds and a last line without its break included, whether
// the email comes whole, stuffed once before, or in pieces cut mid-line.
func TestBDATDeliversWhatDATADelivers(t *testing.T) {
	srv := startKeepingSMTP(t)
	dataProxy, dataHost, dataPort := startRecordingProxy(t, srv.addr)
	bdatProxy, bdatHost, bdatPort := startChunkingProxy(t, srv.addr)
	viaData := newSender(t, email.Config{Host: dataHost, Port: dataPort, TLS: "none", Connections: 1, Timeout: 10 * time.Second})
	viaBDAT := newSender(t, email.Config{Host: bdatHost, Port: bdatPort, TLS: "none", Connections: 1, Timeout: 10 * time.Second})
	tests := append([]struct {
		name string
		body string
	}{
		{name: "long lines", body: strings.Repeat("w", 990) + "\r\n." + strings.Repeat("x", 1900) + "\r\n"},
		{name: "non-ASCII", body: "Kochen Sie Ihr Wasser ab – ¡hiérvala! 煮沸してください 💧\r\n.ñ\r\n"},
	}, awkwardBodies...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sameThroughBDAT(t, srv, viaData, viaBDAT, withBody(t, tt.body))
		})
		t.Run(tt.name+", no last line break", func(t *testing.T) {
			sameThroughBDAT(t, srv, viaData, viaBDAT, withoutLastBreak(withBody(t, tt.body)))
		})
	}
	if _, stream, _ := dataProxy.written(); bytes.Contains(stream, []byte("BDAT")) {
		t.Errorf("BDAT sent to a server that does not offer CHUNKING")
	}
	if _, stream, _ := bdatProxy.written(); bytes.Contains(stream, []byte("DATA\r\n")) || !bytes.Contains(stream, []byte("BDAT ")) {
		t.Errorf("to a server that offers CHUNKING, the client wrote %.300q…; want BDAT, never DATA", stream)
	}
}

// withoutLastBreak is m with its message's last line break cut off.
func withoutLastBreak(m channels.Message) channels.Message {
	e := *m.Email
	e.Data = [][]byte{bytes.TrimSuffix(bytes.Join(e.Data, nil), []byte("\r\n"))}
	e.Stuffed = nil
	m.Email = &e
	return m
}

// sameThroughBDAT sends m through DATA, then in its forms through BDAT,
// and compares what the server kept.
func sameThroughBDAT(t *testing.T, srv *keepingSMTP, viaData, viaBDAT *email.Sender, m channels.Message) {
	t.Helper()
	if _, err := viaData.Send(context.Background(), m); err != nil {
		t.Fatalf("through DATA: %v", err)
	}
	want := srv.take()
	if len(want) != 1 {
		t.Fatalf("the server kept %d messages sent through DATA; want 1", len(want))
	}
	for _, form := range []struct {
		name string
		m    channels.Message
	}{{"whole", m}, {"stuffed once before", stuffedOnce(m)}, {"cut mid-line", cutMidLine(m)}} {
		if _, err := viaBDAT.Send(context.Background(), form.m); err != nil {
			t.Fatalf("through BDAT, %s: %v", form.name, err)
		}
		got := srv.take()
		if len(got) != 1 || !bytes.Equal(got[0], want[0]) {
			t.Errorf("the server received through BDAT, %s:\n%q\nwant, as through DATA:\n%q", form.name, got, want[0])
		}
	}
}

// TestBDATRefusals: the replies to MAIL FROM, RCPT TO and BDAT fail a
// message as they fail it through DATA: a dead address is permanent and a
// hard bounce, a 451 to MAIL FROM and a 452 to the message transient, a
// 552 permanent and not a bounce. After a 5xx the session, reset, carries
// the next message; after a 4xx a new one does.
func TestBDATRefusals(t *testing.T) {
	tests := []struct {
		name          string
		from, to      string
		wantCode      string
		wantPermanent bool
		wantBounce    bool
		wantSessions  int64 // after the refused message and the next one
	}{
		{name: "dead address", from: "notices@water.example", to: "gone@water.example", wantCode: "550", wantPermanent: true, wantBounce: true, wantSessions: 1},
		{name: "sender deferred", from: "busy@water.example", to: "ann@water.example", wantCode: "451", wantSessions: 2},
		{name: "message refused", from: "notices@water.example", to: "full@water.example", wantCode: "552", wantPermanent: true, wantSessions: 1},
		{name: "message deferred", from: "notices@water.example", to: "later@water.example", wantCode: "452", wantSessions: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startKeepingSMTP(t)
			proxy, host, port := startChunkingProxy(t, srv.addr)
			s := newSender(t, email.Config{Host: host, Port: port, TLS: "none", Connections: 1, Timeout: 10 * time.Second})
			m := notice(t, "X", tt.to)
			m.Email.From = tt.from
			_, err := s.Send(context.Background(), m)
			var ce *channels.Error
			if !errors.As(err, &ce) || ce.Code != tt.wantCode || channels.IsPermanent(err) != tt.wantPermanent ||
				channels.IsBroken(err) || email.HardBounce(err) != tt.wantBounce {
				t.Fatalf("Send: %v; want code %s, permanent %v, hard bounce %v, channel not broken", err, tt.wantCode, tt.wantPermanent, tt.wantBounce)
			}
			if got := srv.take(); len(got) != 0 {
				t.Errorf("the server kept %d refused messages", len(got))
			}
			if _, err := s.Send(context.Background(), notice(t, "Ann", "ann@water.example")); err != nil {
				t.Fatalf("the next message: %v", err)
			}
			if got := srv.take(); len(got) != 1 {
				t.Errorf("the server kept %d messages after the refusal; want 1", len(got))
			}
			_, stream, sessions := proxy.written()
			if int64(sessions) != tt.wantSessions {
				t.Errorf("%d sessions; want %d", sessions, tt.wantSessions)
			}
			if !bytes.Contains(stream, []byte("BDAT ")) {
				t.Errorf("no BDAT in %q", stream)
			}
		})
	}
}

// lostAfterChunk is a server whose first session takes one transaction
// and then reads the next one whole, chunk included, and hangs up without
// a reply: the client cannot know whether that message was taken. Later
// sessions answer 250 to all, the chunks numbered in the replies.
func lostAfterChunk() *scriptedSMTP {
	var chunks atomic.Int64
	return &scriptedSMTP{answer: func(session int64, line string) (string, bool) {
		if line != "BDAT" {
			return "250 OK", false
		}
		n := chunks.Add(1)
		if n == 2 && session == 1 {
			return "", true
		}
		return fmt.Sprintf("250 2.0.0 queued as Q%d", n), false
	}}
}

// TestBDATConnectionLostAfterTheChunk: a pooled session lost once the
// chunk is written leaves the message's fate unknown: the send fails,
// transient, without sending the message again on a new session (which
// could deliver it twice), and the next message goes on a new session.
func TestBDATConnectionLostAfterTheChunk(t *testing.T) {
	l := lostAfterChunk()
	addr := testenv.ServeLoopback(t, l.serve)
	s := newSender(t, email.Config{Host: "127.0.0.1", Port: addr.Port, TLS: "none", Connections: 1, Timeout: 10 * time.Second})
	ctx := context.Background()
	if _, err := s.Send(ctx, notice(t, "Ann", "ann@water.example")); err != nil {
		t.Fatalf("first message: %v", err)
	}
	_, err := s.Send(ctx, notice(t, "Ben", "ben@water.example"))
	if err == nil || channels.IsPermanent(err) || channels.IsBroken(err) {
		t.Fatalf("send on a session lost after the chunk: %v; want a transient error", err)
	}
	if n := l.sessions.Load(); n != 1 {
		t.Errorf("%d sessions after the lost message; want 1: it may have gone, and must not go again at once", n)
	}
	r, err := s.Send(ctx, notice(t, "Cy", "cy@water.example"))
	if err != nil || r.ProviderID != "Q3" {
		t.Fatalf("the next message: %+v, %v; want queued as Q3", r, err)
	}
	if n := l.sessions.Load(); n != 2 {
		t.Errorf("%d sessions; want 2", n)
	}
}

// TestBDATReadyFailingWritesNothing: with CHUNKING, SendStaged calls
// ready before anything of the transaction is written (the message goes
// with its BDAT in one write, and the server takes it at the chunk's
// end); an error from ready is returned as it is, nothing of that message
// reaches the server, and the next message goes on the same session.
func TestBDATReadyFailingWritesNothing(t *testing.T) {
	srv := startKeepingSMTP(t)
	proxy, host, port := startChunkingProxy(t, srv.addr)
	s := newSender(t, email.Config{Host: host, Port: port, TLS: "none", Connections: 1, Timeout: 10 * time.Second})
	ctx := context.Background()
	if _, err := s.Send(ctx, notice(t, "Ann", "ann@water.example")); err != nil {
		t.Fatal(err)
	}
	_, before, _ := proxy.written()
	stop := errors.New("the previous outcome is not recorded")
	if _, err := s.SendStaged(ctx, notice(t, "Ben", "ben@water.example"), func() error { return stop }); err != stop {
		t.Fatalf("SendStaged: %v; want ready's error as it is", err)
	}
	called := false
	if _, err := s.SendStaged(ctx, notice(t, "Cy", "cy@water.example"), func() error { called = true; return nil }); err != nil || !called {
		t.Fatalf("the next message: %v, ready called %v", err, called)
	}
	_, stream, sessions := proxy.written()
	if sessions != 1 {
		t.Errorf("%d sessions; want 1: a ready that fails leaves the session as it was", sessions)
	}
	if bytes.Contains(stream, []byte("ben@water.example")) {
		t.Errorf("the message ready held back was written: %q", stream[len(before):])
	}
	if got := srv.take(); len(got) != 2 {
		t.Errorf("the server kept %d messages; want 2", len(got))
	}
}

// strictSMTP offers PIPELINING and CHUNKING and, as Postfix does, answers
// a BDAT with no recipient taken 554 and leaves the transaction open:
// a MAIL FROM before RSET then gets 503. It counts sessions and 503s.
type strictSMTP struct {
	sessions atomic.Int64
	nested   atomic.Int64 // 503 replies to MAIL FROM
}

func (s *strictSMTP) serve(c net.Conn) {
	defer c.Close()
	s.sessions.Add(1)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	fmt.Fprintf(c, "220 strict ESMTP\r\n")
	mail, rcpts := false, 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		f := strings.Fields(line)
		switch verb := strings.ToUpper(f[0]); {
		case verb == "EHLO":
			fmt.Fprintf(c, "250-strict\r\n250-PIPELINING\r\n250 CHUNKING\r\n")
		case verb == "MAIL" && mail:
			s.nested.Add(1)
			fmt.Fprintf(c, "503 5.5.1 Error: nested MAIL command\r\n")
		case verb == "MAIL":
			mail = true
			fmt.Fprintf(c, "250 2.1.0 Ok\r\n")
		case verb == "RCPT" && strings.Contains(line, "gone@"):
			fmt.Fprintf(c, "550 5.1.1 <gone@water.example>: Recipient address rejected\r\n")
		case verb == "RCPT":
			rcpts++
			fmt.Fprintf(c, "250 2.1.5 Ok\r\n")
		case verb == "BDAT":
			n, _ := strconv.Atoi(f[1])
			if _, err := io.CopyN(io.Discard, r, int64(n)); err != nil {
				return
			}
			if rcpts == 0 {
				fmt.Fprintf(c, "554 5.5.1 Error: no valid recipients\r\n")
				continue
			}
			mail, rcpts = false, 0
			fmt.Fprintf(c, "250 2.0.0 Ok: queued as Q1\r\n")
		case verb == "RSET":
			mail, rcpts = false, 0
			fmt.Fprintf(c, "250 2.0.0 Ok\r\n")
		case verb == "QUIT":
			fmt.Fprintf(c, "221 2.0.0 Bye\r\n")
			return
		default:
			fmt.Fprintf(c, "502 5.5.2 Error: command not recognized\r\n")
		}
	}
}

// TestBDATRefusedRecipientLeavesTheSessionInStep: to a server that keeps
// the transaction open after a BDAT with no recipient (Postfix), the
// dead address fails its message alone (a hard bounce) and the session
// carries the next message without a 503.
func TestBDATRefusedRecipientLeavesTheSessionInStep(t *testing.T) {
	srv := &strictSMTP{}
	addr := testenv.ServeLoopback(t, srv.serve)
	s := newSender(t, email.Config{Host: "127.0.0.1", Port: addr.Port, TLS: "none", Connections: 1, Timeout: 10 * time.Second})
	ctx := context.Background()
	if _, err := s.Send(ctx, notice(t, "X", "gone@water.example")); !email.HardBounce(err) {
		t.Fatalf("send to a dead address: %v; want a hard bounce", err)
	}
	if r, err := s.Send(ctx, notice(t, "Ann", "ann@water.example")); err != nil || r.ProviderID != "Q1" {
		t.Fatalf("the next message: %+v, %v", r, err)
	}
	if n := srv.nested.Load(); n != 0 {
		t.Errorf("the server answered MAIL FROM 503 %d times: the transaction was left open", n)
	}
	if n := srv.sessions.Load(); n != 1 {
		t.Errorf("%d sessions; want 1", n)
	}
}

// TestBDATOnlyForOneRecipient: an email to several recipients, one of
// them refused, is not delivered to the others: it goes through DATA,
// which can still be withheld once the refusal is read, where a BDAT
// chunk written with the envelope would reach the recipients taken.
func TestBDATOnlyForOneRecipient(t *testing.T) {
	srv := startKeepingSMTP(t)
	proxy, host, port := startChunkingProxy(t, srv.addr)
	s := newSender(t, email.Config{Host: host, Port: port, TLS: "none", Connections: 1, Timeout: 10 * time.Second})
	m := notice(t, "Ann", "ann@water.example")
	m.Email.To = []string{"ann@water.example", "gone@water.example"}
	if _, err := s.Send(context.Background(), m); !channels.IsPermanent(err) || !strings.Contains(err.Error(), "550") {
		t.Fatalf("send to two recipients, one refused: %v; want the 550", err)
	}
	if got := srv.take(); len(got) != 0 {
		t.Errorf("the server kept %d messages; want none: the message went to the recipient taken", len(got))
	}
	if _, stream, _ := proxy.written(); bytes.Contains(stream, []byte("BDAT")) {
		t.Errorf("the client wrote BDAT for two recipients: %q", stream)
	}
}

// closingAfterOne ends its first session after one message, saying bye
// first (go-smtp's and Postfix's idle timeout: a 421) or, with bye "",
// without a word. The messages are queued as Q and the session's number
// through BDAT, D and the number through DATA.
func closingAfterOne(bye string) *scriptedSMTP {
	return &scriptedSMTP{firstEnded: make(chan struct{}), answer: func(session int64, line string) (string, bool) {
		switch {
		case line == "BDAT" && session == 1 && bye != "":
			return "250 2.0.0 queued as Q1\r\n" + bye, true
		case line == "BDAT":
			return fmt.Sprintf("250 2.0.0 queued as Q%d", session), session == 1
		case line == "DATA":
			return fmt.Sprintf("250 2.0.0 queued as D%d", session), false
		}
		return "250 OK", false
	}}
}

// TestIdleClosedSessionIsReplaced: a pooled session the server has since
// closed costs the next message nothing; it goes at once on a new session
// (through BDAT there) without an error. Closed with a 421, the 421
// answers the BDAT transaction before the chunk was read. Closed without
// a word, the session idle past maxChunkIdle sends through DATA, whose
// envelope finds it dead before any of the message went.
func TestIdleClosedSessionIsReplaced(t *testing.T) {
	tests := []struct {
		name string
		bye  string
		idle time.Duration // by the pool's clock, between the two messages
	}{
		{"closed with 421, reused at once", "421 4.4.2 Idle timeout, bye bye", 0},
		{"closed without a word, reused after idling", "", 5 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := closingAfterOne(tt.bye)
			addr := testenv.ServeLoopback(t, srv.serve)
			s := newSender(t, email.Config{Host: "127.0.0.1", Port: addr.Port, TLS: "none", Connections: 1, Timeout: 10 * time.Second})
			// The pool's clock moves only as the test says, however slow
			// the machine.
			var mu sync.Mutex
			now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
			s.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			ctx := context.Background()
			if r, err := s.Send(ctx, notice(t, "Ann", "ann@water.example")); err != nil || r.ProviderID != "Q1" {
				t.Fatalf("first message: %+v, %v; want queued as Q1 (through BDAT)", r, err)
			}
			<-srv.firstEnded
			mu.Lock()
			now = now.Add(tt.idle)
			mu.Unlock()
			r, err := s.Send(ctx, notice(t, "Ben", "ben@water.example"))
			if err != nil || r.ProviderID != "Q2" {
				t.Fatalf("send over the closed session: %+v, %v; want it sent at once on a new session (queued as Q2)", r, err)
			}
		})
	}
}
