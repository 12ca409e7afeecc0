package email_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// scriptedSMTP is a hand-made SMTP server offering PIPELINING and
// CHUNKING, for the faults no real server makes on demand. It answers
// EHLO and QUIT itself, reads a DATA body or a BDAT chunk whole before
// asking for its reply, and asks answer for every other reply: given the
// session's number (1 for the first), the command's line ("DATA" and
// "BDAT" for the end of a body or chunk), it returns the reply and
// whether to hang up after it ("" and true: without a word).
type scriptedSMTP struct {
	answer   func(session int64, line string) (reply string, hangup bool)
	sessions atomic.Int64
	// firstEnded, when not nil, is closed once the first session ends.
	firstEnded chan struct{}
}

func (s *scriptedSMTP) serve(c net.Conn) {
	session := s.sessions.Add(1)
	defer func() {
		c.Close()
		if session == 1 && s.firstEnded != nil {
			close(s.firstEnded)
		}
	}()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	fmt.Fprintf(c, "220 scripted ESMTP\r\n")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		f := strings.Fields(line)
		if len(f) == 0 {
			return
		}
		switch verb := strings.ToUpper(f[0]); verb {
		case "EHLO":
			fmt.Fprintf(c, "250-scripted\r\n250-PIPELINING\r\n250 CHUNKING\r\n")
			continue
		case "QUIT":
			fmt.Fprintf(c, "221 bye\r\n")
			return
		case "DATA":
			fmt.Fprintf(c, "354 go on\r\n")
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
			}
			line = "DATA"
		case "BDAT":
			n, _ := strconv.Atoi(f[1])
			if _, err := io.CopyN(io.Discard, r, int64(n)); err != nil {
				return
			}
			line = "BDAT"
		}
		reply, hangup := s.answer(session, line)
		if reply != "" {
			fmt.Fprintf(c, "%s\r\n", reply)
		}
		if hangup {
			return
		}
	}
}
