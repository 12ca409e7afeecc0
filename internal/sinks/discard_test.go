package sinks_test

import (
	"context"
	"io"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/crier-notices/crier/internal/sinks"
)

// TestDiscardCountsWhatGoMailSends: go-mail delivers to the lean sink over
// several connections, messages with dot lines and a line longer than the
// sink's buffer included, and the sink counts each message once.
func TestDiscardCountsWhatGoMailSends(t *testing.T) {
	d, err := sinks.StartDiscard("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	c, err := mail.NewClient(d.Host(), mail.WithPort(d.Port()), mail.WithTLSPolicy(mail.NoTLS), mail.WithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	bodies := []string{
		"Boil water until Friday.",
		".\r\n..\r\n.x\r\n.",
		strings.Repeat("x", 100<<10) + "\r\n.\r\nafter a long line",
	}
	const conns, each = 4, 10
	before := time.Now()
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			sc, err := c.DialToSMTPClientWithContext(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			defer c.CloseWithSMTPClient(sc)
			for i := range each {
				if err := c.SendWithSMTPClient(sc, newMsg(t, []string{"ana@example.org"}, nil, nil, bodies[i%len(bodies)])); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if got := d.Accepted(); got != conns*each {
		t.Errorf("Accepted() = %d; want %d", got, conns*each)
	}
	if first, last := d.FirstAccepted(), d.LastAccepted(); first.Before(before) || last.Before(first) {
		t.Errorf("first %v, last %v", first, last)
	}
	if err := d.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
}

// TestDiscardTakesBDATChunks: a client that pipelines MAIL, RCPT and
// BDAT chunks (RFC 3030), writing them in odd splits (a command cut in
// two, a chunk with command lines and a lone dot inside, a chunk larger
// than the sink's buffer), gets 250 for every command and chunk, and the
// sink counts each message once, at its LAST chunk.
func TestDiscardTakesBDATChunks(t *testing.T) {
	big := strings.Repeat("y", 150<<10)
	tests := []struct {
		name   string
		writes []string
		want   int64 // messages accepted
	}{
		{name: "one chunk in one write", writes: []string{"MAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nBDAT 5 LAST\r\nhi\r\n."}, want: 1},
		{name: "command and chunk cut anywhere", writes: []string{"MAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nBD", "AT 1", "5\r\nQUIT\r\n.\r\nRSET\r", "\nBDAT 3 L", "AST\r\nx\r", "\n"}, want: 1},
		{name: "a chunk larger than the buffer", writes: []string{"MAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nBDAT " + strconv.Itoa(len(big)) + "\r\n" + big[:1000], big[1000:], "BDAT 0 LAST\r\n"}, want: 1},
		{name: "two messages", writes: []string{"MAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nBDAT 2 LAST\r\nab", "MAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nBDAT 2 last\r\ncd"}, want: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := sinks.StartDiscard("127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			c, err := net.Dial("tcp", net.JoinHostPort(d.Host(), strconv.Itoa(d.Port())))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			tc := textproto.NewConn(c)
			if _, _, err := tc.ReadResponse(220); err != nil {
				t.Fatal(err)
			}
			if err := tc.PrintfLine("EHLO test"); err != nil {
				t.Fatal(err)
			}
			if _, ext, err := tc.ReadResponse(250); err != nil || !strings.Contains(ext, "CHUNKING") {
				t.Fatalf("EHLO: %q, %v; want CHUNKING offered", ext, err)
			}
			for _, w := range tt.writes {
				if _, err := io.WriteString(c, w); err != nil {
					t.Fatal(err)
				}
			}
			for i := range commandCount(tt.writes) {
				if code, msg, err := tc.ReadResponse(250); err != nil {
					t.Fatalf("reply %d: %d %s, %v", i+1, code, msg, err)
				}
			}
			if got := d.Accepted(); got != tt.want {
				t.Errorf("Accepted() = %d; want %d", got, tt.want)
			}
		})
	}
}

// commandCount is how many commands writes hold, BDAT chunks skipped.
func commandCount(writes []string) int {
	s := strings.Join(writes, "")
	n := 0
	for s != "" {
		line, rest, _ := strings.Cut(s, "\r\n")
		n++
		s = rest
		if f := strings.Fields(line); len(f) >= 2 && strings.EqualFold(f[0], "BDAT") {
			size, _ := strconv.Atoi(f[1])
			s = s[size:]
		}
	}
	return n
}
