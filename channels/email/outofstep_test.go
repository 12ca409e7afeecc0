package email_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/channels/email"
)

// outOfStep: first session takes one message; on its second transaction
// it answers MAIL FROM 503 and RCPT 250 (a transaction left open), reads
// the chunk whole and hangs up without the BDAT reply. The message may
// have been taken; later sessions answer 250 to all.
type outOfStep struct {
	sessions, chunks atomic.Int64
}

func (o *outOfStep) serve(c net.Conn) {
	defer c.Close()
	first := o.sessions.Add(1) == 1
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	fmt.Fprintf(c, "220 x ESMTP\r\n")
	mails := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		f := strings.Fields(line)
		switch verb := strings.ToUpper(f[0]); verb {
		case "EHLO":
			fmt.Fprintf(c, "250-x\r\n250-PIPELINING\r\n250 CHUNKING\r\n")
		case "MAIL":
			mails++
			if first && mails == 2 {
				fmt.Fprintf(c, "503 5.5.1 Error: nested MAIL command\r\n")
			} else {
				fmt.Fprintf(c, "250 OK\r\n")
			}
		case "BDAT":
			n, _ := strconv.Atoi(f[1])
			if _, err := io.CopyN(io.Discard, r, int64(n)); err != nil {
				return
			}
			o.chunks.Add(1)
			if first && mails == 2 {
				return // taken or not: the client cannot know
			}
			fmt.Fprintf(c, "250 queued as Q%d\r\n", o.chunks.Load())
		case "QUIT":
			fmt.Fprintf(c, "221 bye\r\n")
			return
		default:
			fmt.Fprintf(c, "250 OK\r\n")
		}
	}
}

// TestBDATReplyLostAfterARefusedMailFromIsNotResentAtOnce: a server out
// of step (MAIL FROM refused 503, a transaction of its own open) reads
// the chunk and hangs up without its reply: the message may have gone,
// so it is not written again at once on a new session.
func TestBDATReplyLostAfterARefusedMailFromIsNotResentAtOnce(t *testing.T) {
	o := &outOfStep{}
	addr := serveLoopback(t, o.serve)
	s := newSender(t, email.Config{Host: "127.0.0.1", Port: addr.Port, TLS: "none", Connections: 1, Timeout: 10 * time.Second})
	ctx := context.Background()
	if _, err := s.Send(ctx, notice(t, "Ann", "ann@water.example")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send(ctx, notice(t, "Ben", "ben@water.example")); err == nil {
		t.Errorf("a message whose reply was lost is reported sent")
	}
	if o.chunks.Load() > 2 {
		t.Errorf("the chunk whose reply was lost was written again at once on a new session (%d chunks written for 2 messages)", o.chunks.Load())
	}
}

// TestBDATRefusedRecipientTakenChunkIsNotSent: a server out of step (a
// transaction left open with another recipient) refuses our RCPT yet
// takes the chunk: our recipient did not get it, and the refusal (a hard
// bounce here) is the message's.
func TestBDATRefusedRecipientTakenChunkIsNotSent(t *testing.T) {
	addr := serveLoopback(t, func(c net.Conn) {
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		r := bufio.NewReader(c)
		fmt.Fprintf(c, "220 x ESMTP\r\n")
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			f := strings.Fields(line)
			switch strings.ToUpper(f[0]) {
			case "EHLO":
				fmt.Fprintf(c, "250-x\r\n250-PIPELINING\r\n250 CHUNKING\r\n")
			case "RCPT":
				fmt.Fprintf(c, "550 5.1.1 No such mailbox\r\n")
			case "BDAT":
				n, _ := strconv.Atoi(f[1])
				io.CopyN(io.Discard, r, int64(n))
				fmt.Fprintf(c, "250 queued as Q1\r\n")
			case "QUIT":
				fmt.Fprintf(c, "221 bye\r\n")
				return
			default:
				fmt.Fprintf(c, "250 OK\r\n")
			}
		}
	})
	s := newSender(t, email.Config{Host: "127.0.0.1", Port: addr.Port, TLS: "none", Connections: 1, Timeout: 10 * time.Second})
	r, err := s.Send(context.Background(), notice(t, "Gone", "gone@water.example"))
	if err == nil || !channels.IsPermanent(err) {
		t.Errorf("RCPT refused 550 5.1.1 but the send gave %+v, %v; want the permanent refusal (a hard bounce)", r, err)
	}
}
