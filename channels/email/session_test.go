package email_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/wneessen/go-mail"

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/channels/email"
	"github.com/crier-notices/crier/internal/testenv"
)

// stuckSMTP is an SMTP server that answers the end of the data of the
// messages deferred says with 451 and, as Mailpit does while it shuts
// down, leaves the transaction open: the next MAIL FROM on that session
// gets 503 until RSET or EHLO. Mailpit cannot be made to do this on
// request. It counts the sessions opened and the 503 replies given.
type stuckSMTP struct {
	host      string
	port      int
	deferred  func(n int) bool // message n (from 1) gets 451
	messages  atomic.Int64
	sessions  atomic.Int64
	sequences atomic.Int64 // 503 replies
	delivered atomic.Int64
}

func newStuckSMTP(t *testing.T, deferred func(n int) bool) *stuckSMTP {
	t.Helper()
	s := &stuckSMTP{deferred: deferred}
	addr := testenv.ServeLoopback(t, func(c net.Conn) {
		s.sessions.Add(1)
		s.serve(c)
	})
	s.host = "127.0.0.1"
	s.port = addr.Port
	return s
}

func (s *stuckSMTP) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	reply := func(line string) { fmt.Fprintf(c, "%s\r\n", line) }
	reply("220 stuck ESMTP")
	inTransaction := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		verb, _, _ := strings.Cut(strings.ToUpper(strings.TrimSpace(line)), " ")
		switch verb {
		case "EHLO":
			inTransaction = false
			reply("250-stuck\r\n250 8BITMIME")
		case "RSET":
			inTransaction = false
			reply("250 2.0.0 Ok")
		case "MAIL":
			if inTransaction {
				s.sequences.Add(1)
				reply("503 5.5.1 Bad sequence of commands (RSET/HELO/EHLO required before MAIL)")
				continue
			}
			inTransaction = true
			reply("250 2.1.0 Ok")
		case "RCPT":
			reply("250 2.1.5 Ok")
		case "DATA":
			reply("354 Start mail input; end with <CR><LF>.<CR><LF>")
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
			}
			if s.deferred(int(s.messages.Add(1))) {
				reply("451 4.3.5 Unable to process mail") // the transaction stays open
				continue
			}
			s.delivered.Add(1)
			inTransaction = false
			reply("250 2.0.0 Ok: queued")
		case "QUIT":
			reply("221 2.0.0 Bye")
			return
		default:
			reply("502 5.5.2 Command not recognised")
		}
	}
}

// TestDeferredDataClosesTheSession: a session that got 451 at the end of
// the data is not used again, so the server is never asked out of sequence
// and the next message goes on a new session.
func TestDeferredDataClosesTheSession(t *testing.T) {
	srv := newStuckSMTP(t, func(n int) bool { return n == 2 })
	s := newSender(t, email.Config{Host: srv.host, Port: srv.port, TLS: "none", Connections: 1})
	for i, to := range []string{"a@water.example", "b@water.example", "c@water.example", "d@water.example"} {
		_, err := s.Send(context.Background(), notice(t, "X", to))
		if i == 1 {
			if err == nil || channels.IsPermanent(err) || channels.IsBroken(err) {
				t.Fatalf("send to %s, deferred with 451: %v; want a transient error", to, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("send to %s: %v", to, err)
		}
	}
	if n := srv.sequences.Load(); n != 0 {
		t.Errorf("the server answered 503 (bad sequence) %d times: the session that got 451 was reused", n)
	}
	if n := srv.sessions.Load(); n != 2 {
		t.Errorf("%d SMTP sessions, want 2 (a new one after the 451)", n)
	}
	if n := srv.delivered.Load(); n != 3 {
		t.Errorf("the server took %d messages, want 3", n)
	}
}

// TestOutOfStepSessionIsReplaced: Mailpit refuses a message over its size
// limit (552) and leaves the transaction open, so the pooled session
// answers the next MAIL FROM with 503. The next message goes on a new
// session without an error, and the channel is not broken.
func TestOutOfStepSessionIsReplaced(t *testing.T) {
	mp := testenv.Mailpit(t, "--max-message-size", "1")
	cfg := plainConfig(mp)
	cfg.Connections = 1
	s := newSender(t, cfg)
	ctx := context.Background()

	bigMsg := noticeMsg(t, "X", "big@water.example")
	bigMsg.SetBodyString(mail.TypeTextPlain, strings.Repeat("Boil your water before drinking it.\n", 60000)) // 2 MB
	big := asMessage(t, bigMsg)
	_, err := s.Send(ctx, big)
	if !channels.IsPermanent(err) || channels.IsBroken(err) {
		t.Fatalf("send of a 2 MB message to a 1 MB server: %v; want permanent, channel not broken", err)
	}
	for _, to := range []string{"next@water.example", "after@water.example"} {
		if _, err := s.Send(ctx, notice(t, "X", to)); err != nil {
			t.Fatalf("send to %s after the refusal: %v (broken %v)", to, err, channels.IsBroken(err))
		}
	}
	got := mp.Messages(t)
	if len(got) != 2 {
		t.Errorf("Mailpit holds %d messages, want 2", len(got))
	}
}

// TestOutOfStepFreshSession: a server that answers 503 to the first MAIL
// FROM of a new session refuses our sender as configured (it wants
// something first): every message would fail alike, so the channel is
// broken. A 503 later in the transaction is the session's fault, never the
// recipient's: transient, and the message goes again.
func TestOutOfStepFreshSession(t *testing.T) {
	tests := []struct {
		name          string
		at            string // the command answered 503
		wantBroken    bool
		wantPermanent bool
	}{
		{name: "at MAIL FROM", at: "MAIL", wantBroken: true, wantPermanent: true},
		{name: "at RCPT TO", at: "RCPT"},
		{name: "at DATA", at: "DATA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port := outOfStepServer(t, tt.at)
			s := newSender(t, email.Config{Host: "127.0.0.1", Port: port, TLS: "none", Connections: 1})
			_, err := s.Send(context.Background(), notice(t, "X", "a@water.example"))
			if err == nil || channels.IsBroken(err) != tt.wantBroken || channels.IsPermanent(err) != tt.wantPermanent {
				t.Fatalf("503 to %s of a new session: %v (broken %v, permanent %v); want broken %v, permanent %v",
					tt.at, err, channels.IsBroken(err), channels.IsPermanent(err), tt.wantBroken, tt.wantPermanent)
			}
		})
	}
}

// outOfStepServer answers 503 to the command at (MAIL, RCPT or DATA) and
// accepts the commands before it; it returns its port.
func outOfStepServer(t *testing.T, at string) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { l.Close(); <-done })
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			serveOutOfStep(c, at)
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

func serveOutOfStep(c net.Conn, at string) {
	defer c.Close()
	r := bufio.NewReader(c)
	fmt.Fprintf(c, "220 picky ESMTP\r\n")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		switch v := strings.ToUpper(line); {
		case strings.HasPrefix(v, "EHLO"):
			fmt.Fprintf(c, "250-picky\r\n250 8BITMIME\r\n")
		case strings.HasPrefix(v, "QUIT"):
			fmt.Fprintf(c, "221 Bye\r\n")
			return
		case strings.HasPrefix(v, "RSET"):
			fmt.Fprintf(c, "250 Ok\r\n")
		case strings.HasPrefix(v, at):
			fmt.Fprintf(c, "503 5.5.1 Error: bad sequence of commands\r\n")
		default:
			fmt.Fprintf(c, "250 Ok\r\n")
		}
	}
}
