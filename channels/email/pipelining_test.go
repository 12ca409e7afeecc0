package email_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/textproto"
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
	"github.com/crier-notices/crier/internal/sinks"
	"github.com/crier-notices/crier/internal/testenv"
)

// recordingProxy forwards connections to addr and keeps what the client
// wrote, one entry per read, so a test sees how the client grouped its
// commands. It counts the sessions. startRecordingProxy's hides the
// server's CHUNKING (go-smtp always offers it), so the client speaks
// DATA; startChunkingProxy's shows it.
type recordingProxy struct {
	mu       sync.Mutex
	reads    [][]byte
	sessions atomic.Int64
}

func startRecordingProxy(t testing.TB, addr string) (*recordingProxy, string, int) {
	return startProxy(t, addr, true)
}

func startChunkingProxy(t testing.TB, addr string) (*recordingProxy, string, int) {
	return startProxy(t, addr, false)
}

func startProxy(t testing.TB, addr string, hideChunking bool) (*recordingProxy, string, int) {
	t.Helper()
	p := &recordingProxy{}
	a := testenv.ServeLoopback(t, func(c net.Conn) {
		defer c.Close()
		up, err := net.Dial("tcp", addr)
		if err != nil {
			return
		}
		p.sessions.Add(1)
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer up.Close()
			buf := make([]byte, 64<<10)
			for {
				n, err := c.Read(buf)
				if n > 0 {
					p.mu.Lock()
					p.reads = append(p.reads, bytes.Clone(buf[:n]))
					p.mu.Unlock()
					up.Write(buf[:n])
				}
				if err != nil {
					return
				}
			}
		}()
		if hideChunking {
			copyHidingChunking(c, up)
		} else {
			io.Copy(c, up)
		}
		c.Close()
		<-done
	})
	return p, "127.0.0.1", a.Port
}

// copyHidingChunking copies the server's replies to the client but for
// the EHLO line that offers CHUNKING.
func copyHidingChunking(c net.Conn, up net.Conn) {
	r := bufio.NewReader(up)
	for {
		line, err := r.ReadBytes('\n')
		if !bytes.EqualFold(bytes.TrimSpace(line), []byte("250-CHUNKING")) {
			if _, err := c.Write(line); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *recordingProxy) written() ([][]byte, []byte, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slicesClone(p.reads), bytes.Join(p.reads, nil), int(p.sessions.Load())
}

func slicesClone(b [][]byte) [][]byte { return append([][]byte(nil), b...) }

// TestPipelinedTransactions: with a server that offers PIPELINING
// (go-smtp's), MAIL FROM, RCPT TO and DATA go in one write; the data
// arrives as go-mail would write it, dot-stuffed; a refused recipient
// fails its message alone (permanent, a hard bounce) and the session,
// still in step, carries the next message.
func TestPipelinedTransactions(t *testing.T) {
	sink, err := sinks.StartSMTP("127.0.0.1:0", sinks.Reject(func(rcpt string) *smtp.SMTPError {
		if rcpt == "gone@water.example" {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox"}
		}
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	proxy, host, port := startRecordingProxy(t, sink.Addr())
	s := newSender(t, email.Config{Host: host, Port: port, TLS: "none", Connections: 1, Timeout: 10 * time.Second})

	first := notice(t, "Ann Lee", "ann@water.example")
	for i, to := range []string{"ann@water.example", "gone@water.example", "ben@water.example"} {
		m := first
		if i > 0 {
			m = notice(t, "Customer", to)
		}
		_, err := s.Send(context.Background(), m)
		switch {
		case i == 1:
			if !channels.IsPermanent(err) || !email.HardBounce(err) || !strings.Contains(err.Error(), "550") {
				t.Errorf("send to %s: %v; want a permanent 550, a hard bounce", to, err)
			}
		case err != nil:
			t.Errorf("send to %s: %v", to, err)
		}
	}
	if got := sink.Accepted(); got != 2 {
		t.Errorf("the server accepted %d messages; want 2", got)
	}
	reads, stream, sessions := proxy.written()
	if sessions != 1 {
		t.Errorf("%d sessions; want 1: a refused recipient leaves the session in step", sessions)
	}
	envelope := false
	for _, r := range reads {
		if bytes.HasPrefix(r, []byte("MAIL FROM:<notices@water.example>")) && bytes.HasSuffix(r, []byte("RCPT TO:<ann@water.example>\r\nDATA\r\n")) {
			envelope = true
		}
	}
	if !envelope {
		t.Errorf("MAIL FROM, RCPT TO and DATA did not come in one write; the client wrote %q", reads)
	}

	// The first message's data, as go-mail's own writer stuffs it.
	var want bytes.Buffer
	dw := textproto.NewWriter(bufioWriter(&want)).DotWriter()
	if _, err := first.Email.WriteTo(dw); err != nil {
		t.Fatal(err)
	}
	dw.Close()
	_, data, ok := bytes.Cut(stream, []byte("DATA\r\n"))
	if !ok {
		t.Fatalf("no DATA in %q", stream)
	}
	end := bytes.Index(data, []byte("\r\n.\r\n"))
	if end < 0 {
		t.Fatalf("the data never ends: %q", data)
	}
	if got := data[:end+len("\r\n.\r\n")]; !bytes.Equal(got, want.Bytes()) {
		t.Errorf("the data written:\n%q\nwant, as go-mail writes it:\n%q", got, want.Bytes())
	}
}

// TestStagedSendWaitsAtTheEndOfTheData: SendStaged calls ready once the
// message is written but for the end of its data; an error from ready
// leaves the message unaccepted and is returned as it is, and the next
// message goes on a new session. With a server that offers PIPELINING
// (go-smtp) and one that does not (Mailpit).
func TestStagedSendWaitsAtTheEndOfTheData(t *testing.T) {
	tests := []struct {
		name  string
		start func(t *testing.T) (cfg email.Config, accepted func() int)
	}{
		{"pipelining", func(t *testing.T) (email.Config, func() int) {
			sink, err := sinks.StartSMTP("127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { sink.Close() })
			return email.Config{Host: sink.Host(), Port: sink.Port(), TLS: "none"}, func() int { return int(sink.Accepted()) }
		}},
		{"one command at a time", func(t *testing.T) (email.Config, func() int) {
			mp := testenv.Mailpit(t)
			return plainConfig(mp), func() int { return len(mp.Messages(t)) }
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, accepted := tt.start(t)
			cfg.Connections, cfg.Timeout = 1, 10*time.Second
			s := newSender(t, cfg)
			ctx := context.Background()

			stop := errors.New("the previous outcome is not recorded")
			_, err := s.SendStaged(ctx, notice(t, "Ann", "ann@water.example"), func() error {
				if got := accepted(); got != 0 {
					t.Errorf("the server accepted %d messages before the end of the data", got)
				}
				return stop
			})
			if err != stop {
				t.Fatalf("SendStaged: %v; want ready's error as it is", err)
			}
			called := false
			if _, err := s.SendStaged(ctx, notice(t, "Ben", "ben@water.example"), func() error { called = true; return nil }); err != nil || !called {
				t.Fatalf("SendStaged: %v, ready called %v", err, called)
			}
			deadline := time.Now().Add(5 * time.Second)
			for accepted() != 1 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if got := accepted(); got != 1 {
				t.Errorf("the server accepted %d messages; want 1 (the one ready let go)", got)
			}
		})
	}
}

func bufioWriter(b *bytes.Buffer) *bufio.Writer { return bufio.NewWriter(b) }

// TestPipelinedDataAsGoMailWritesIt: with PIPELINING, the message and the
// end of the data (written together) are byte for byte what go-mail's
// own writer sends: lines that begin with a dot, bare line feeds and a
// last line without its break included.
func TestPipelinedDataAsGoMailWritesIt(t *testing.T) {
	sink, err := sinks.StartSMTP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	for _, body := range []string{
		".\r\n..\r\n.hidden line\r\nend.\r\n. \r\n",
		".first\r\nmiddle\r\n.",
		"one\ntwo\n.three\n",
		"one\r\n.two\n..three\r\nfour\n",
		"Boil your water before drinking it.\r\n",
		"",
	} {
		gm := noticeMsg(t, "Ann Lee", "ann@water.example")
		gm.SetBodyWriter(mail.TypeTextPlain, func(w io.Writer) (int64, error) {
			n, err := io.WriteString(w, body)
			return int64(n), err
		}, mail.WithPartEncoding(mail.NoEncoding))
		var want bytes.Buffer
		dw := textproto.NewWriter(bufioWriter(&want)).DotWriter()
		if _, err := gm.WriteTo(dw); err != nil {
			t.Fatal(err)
		}
		dw.Close()
		m := asMessage(t, gm)
		for _, m := range []channels.Message{m, stuffedOnce(m), cutMidLine(m)} {
			proxy, host, port := startRecordingProxy(t, sink.Addr())
			s := newSender(t, email.Config{Host: host, Port: port, TLS: "none", Connections: 1, Timeout: 10 * time.Second})
			if _, err := s.Send(context.Background(), m); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			s.Close()
			_, stream, _ := proxy.written()
			_, data, ok := bytes.Cut(stream, []byte("DATA\r\n"))
			if !ok || !bytes.HasPrefix(data, want.Bytes()) {
				t.Errorf("body %q, stuffed before %v: the data written:\n%q\nwant, as go-mail writes it:\n%q", body, m.Email.Stuffed != nil, data, want.Bytes())
			}
		}
	}
}

// cutMidLine is m with its data in pieces of 3 bytes, unstuffed: pieces
// that begin in the middle of a line (a dot there is not doubled) and
// between a CR and its LF.
func cutMidLine(m channels.Message) channels.Message {
	e := *m.Email
	data := bytes.Join(e.Data, nil)
	e.Data, e.Stuffed = nil, nil
	for len(data) > 0 {
		n := min(len(data), 3)
		e.Data = append(e.Data, data[:n])
		data = data[n:]
	}
	m.Email = &e
	return m
}

// quirkySMTP offers PIPELINING and answers each session's first RCPT TO
// with 550, then DATA with dataReply: what go-smtp and Mailpit never do
// on request. It counts sessions and ends of data.
type quirkySMTP struct {
	addr      string
	dataReply string
	sessions  atomic.Int64
	ends      atomic.Int64 // "." lines received
}

func startQuirkySMTP(t *testing.T, dataReply string) *quirkySMTP {
	t.Helper()
	q := &quirkySMTP{dataReply: dataReply}
	q.addr = testenv.ServeLoopback(t, func(c net.Conn) {
		q.sessions.Add(1)
		q.serve(c)
	}).String()
	return q
}

func (q *quirkySMTP) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	reply := func(s string) { io.WriteString(c, s+"\r\n") }
	reply("220 quirky ESMTP")
	refused := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		switch verb, _, _ := strings.Cut(strings.ToUpper(strings.TrimSpace(line)), " "); {
		case verb == "EHLO":
			reply("250-quirky\r\n250 PIPELINING")
		case verb == "RCPT" && !refused:
			refused = true
			reply("550 5.1.1 No such mailbox")
		case verb == "DATA":
			reply(q.dataReply)
		case verb == "QUIT":
			reply("221 bye")
			return
		case strings.TrimSpace(line) == ".":
			q.ends.Add(1)
			reply("250 queued")
		default:
			reply("250 OK")
		}
	}
}

// TestPipelinedFailureLeavesNoSessionOutOfStep: a refused recipient whose
// DATA then gets no clean refusal (a 354 all the same, or a garbled
// reply) fails its message with the refusal, ends nothing (no ".", which
// could deliver to a recipient the server took), and closes the session:
// the next message goes on a new one.
func TestPipelinedFailureLeavesNoSessionOutOfStep(t *testing.T) {
	for _, tt := range []struct{ name, dataReply string }{
		{"354 after a refused recipient", "354 go ahead"},
		{"a garbled reply", "what?"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q := startQuirkySMTP(t, tt.dataReply)
			host, port, _ := net.SplitHostPort(q.addr)
			p, _ := strconv.Atoi(port)
			s := newSender(t, email.Config{Host: host, Port: p, TLS: "none", Connections: 1, Timeout: 5 * time.Second})
			_, err := s.Send(context.Background(), notice(t, "Gone", "gone@water.example"))
			if !channels.IsPermanent(err) || !strings.Contains(err.Error(), "550") {
				t.Fatalf("send to a refused recipient: %v; want the 550", err)
			}
			if q.ends.Load() != 0 {
				t.Errorf("the data of a failed envelope was ended (%d \".\" lines)", q.ends.Load())
			}
			s.Send(context.Background(), notice(t, "Ann", "ann@water.example"))
			if got := q.sessions.Load(); got != 2 {
				t.Errorf("%d sessions; want 2: the one left out of step is not reused", got)
			}
		})
	}
}
