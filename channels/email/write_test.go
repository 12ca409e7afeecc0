package email

import (
	"bytes"
	"context"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/internal/dotstuff"
	"github.com/crier-notices/crier/internal/sinks"
)

// countingConn counts the writes to its connection: each is one system
// call on a plain TCP connection.
type countingConn struct {
	net.Conn
	writes atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// TestOneWritePerChunkedTransaction: to a server that offers CHUNKING and
// PIPELINING (go-smtp), each message, small or larger than every buffer
// on the way, costs the session one write: MAIL FROM, RCPT TO, BDAT and
// the message together.
func TestOneWritePerChunkedTransaction(t *testing.T) {
	sink, err := sinks.StartSMTP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	s, err := New(Config{Host: sink.Host(), Port: sink.Port(), TLS: "none", Connections: 1, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if _, err := s.Send(ctx, message("first", 10)); err != nil {
		t.Fatal(err)
	}
	if len(s.idle) != 1 {
		t.Fatalf("%d idle sessions; want 1", len(s.idle))
	}
	nc := s.idle[0].nc
	counted := &countingConn{Conn: nc.Conn}
	nc.Conn = counted

	tests := []struct {
		name  string
		lines int
	}{
		{name: "small", lines: 10},
		{name: "larger than the buffers", lines: 3000}, // 240 KB
		{name: "small again", lines: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := counted.writes.Load()
			accepted := sink.Accepted()
			if _, err := s.Send(ctx, message(tt.name, tt.lines)); err != nil {
				t.Fatal(err)
			}
			if got := counted.writes.Load() - before; got != 1 {
				t.Errorf("%d writes for one message; want 1", got)
			}
			if got := sink.Accepted() - accepted; got != 1 {
				t.Errorf("the server accepted %d messages; want 1", got)
			}
		})
	}
}

// message is an email of lines lines of 80 bytes to one recipient.
func message(subject string, lines int) channels.Message {
	var b bytes.Buffer
	b.WriteString("From: notices@water.example\r\nTo: ann@water.example\r\nSubject: " + subject + "\r\n\r\n")
	for range lines {
		b.WriteString(strings.Repeat("w", 78) + "\r\n")
	}
	return channels.Message{To: "ann@water.example", Email: &channels.Email{
		From: "notices@water.example", To: []string{"ann@water.example"}, MessageID: subject + "@water.example", Data: [][]byte{b.Bytes()},
	}}
}

// TestChunkIsStuffedDataUndone: the message a BDAT carries, made from
// Data and Stuffed (DATA's dot-stuffed form) in pieces cut anywhere, is
// the text as the server reads it out of DATA: dotstuff's line breaks, no
// dot doubled, ending in CRLF; and so is Stuffed unstuffed, which the
// chunk is made of when Data's line breaks need mending.
func TestChunkIsStuffedDataUndone(t *testing.T) {
	for _, text := range []string{
		"", ".", "..", ".\r\n", "a\r\n.\r\n..\r\n...b\r\n", ".x\r\ny\r\n.", "no dots\r\n", "bare\n.lf\n", "é\r\n.ñ",
	} {
		stuffed := dotstuff.Append(nil, []byte(text))
		lines := dotstuff.AppendLines(nil, []byte(text))
		want := bytes.Clone(lines)
		if !bytes.HasSuffix(want, crlf) {
			want = append(want, crlf...)
		}
		cuts := [][][]byte{{stuffed}, bytesEach(stuffed)}
		for i := range stuffed {
			cuts = append(cuts, [][]byte{stuffed[:i], stuffed[i:]})
		}
		for _, pieces := range cuts {
			got := appendChunk(nil, &channels.Email{Data: [][]byte{[]byte(text)}, Stuffed: pieces})
			if !bytes.Equal(got, want) {
				t.Errorf("text %q stuffed in pieces %q: chunk %q; want %q", text, pieces, got, want)
			}
			if got := appendUnstuffed(nil, pieces); !bytes.Equal(got, lines) {
				t.Errorf("text %q stuffed in pieces %q: unstuffed %q; want %q", text, pieces, got, lines)
			}
		}
	}
}

func bytesEach(b []byte) [][]byte {
	var pieces [][]byte
	for i := range b {
		pieces = append(pieces, b[i:i+1])
	}
	return pieces
}
