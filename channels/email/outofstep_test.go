package email_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/channels/email"
	"github.com/crier-notices/crier/internal/testenv"
)

// outOfStep's first session takes one message; on its second
// transaction it answers MAIL FROM 503 and RCPT 250 (a transaction left
// open), reads the chunk whole and hangs up without the BDAT reply: the
// message may have been taken. Later sessions answer 250 to all. chunks
// counts the chunks read.
func outOfStep(chunks *atomic.Int64) *scriptedSMTP {
	mails := 0 // of the first session
	return &scriptedSMTP{answer: func(session int64, line string) (string, bool) {
		switch {
		case strings.HasPrefix(line, "MAIL") && session == 1:
			if mails++; mails == 2 {
				return "503 5.5.1 Error: nested MAIL command", false
			}
		case line == "BDAT":
			n := chunks.Add(1)
			if session == 1 && mails == 2 {
				return "", true // taken or not: the client cannot know
			}
			return fmt.Sprintf("250 queued as Q%d", n), false
		}
		return "250 OK", false
	}}
}

// TestBDATReplyLostAfterARefusedMailFromIsNotResentAtOnce: a server out
// of step (MAIL FROM refused 503, a transaction of its own open) reads
// the chunk and hangs up without its reply: the message may have gone,
// so it is not written again at once on a new session.
func TestBDATReplyLostAfterARefusedMailFromIsNotResentAtOnce(t *testing.T) {
	var chunks atomic.Int64
	o := outOfStep(&chunks)
	addr := testenv.ServeLoopback(t, o.serve)
	s := newSender(t, email.Config{Host: "127.0.0.1", Port: addr.Port, TLS: "none", Connections: 1, Timeout: 10 * time.Second})
	ctx := context.Background()
	if _, err := s.Send(ctx, notice(t, "Ann", "ann@water.example")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send(ctx, notice(t, "Ben", "ben@water.example")); err == nil {
		t.Errorf("a message whose reply was lost is reported sent")
	}
	if chunks.Load() > 2 {
		t.Errorf("the chunk whose reply was lost was written again at once on a new session (%d chunks written for 2 messages)", chunks.Load())
	}
}

// TestBDATRefusedRecipientTakenChunkIsNotSent: a server out of step (a
// transaction left open with another recipient) refuses our RCPT yet
// takes the chunk: our recipient did not get it, and the refusal (a hard
// bounce here) is the message's.
func TestBDATRefusedRecipientTakenChunkIsNotSent(t *testing.T) {
	srv := &scriptedSMTP{answer: func(_ int64, line string) (string, bool) {
		switch {
		case strings.HasPrefix(line, "RCPT"):
			return "550 5.1.1 No such mailbox", false
		case line == "BDAT":
			return "250 queued as Q1", false
		}
		return "250 OK", false
	}}
	addr := testenv.ServeLoopback(t, srv.serve)
	s := newSender(t, email.Config{Host: "127.0.0.1", Port: addr.Port, TLS: "none", Connections: 1, Timeout: 10 * time.Second})
	r, err := s.Send(context.Background(), notice(t, "Gone", "gone@water.example"))
	if err == nil || !channels.IsPermanent(err) {
		t.Errorf("RCPT refused 550 5.1.1 but the send gave %+v, %v; want the permanent refusal (a hard bounce)", r, err)
	}
}
