package email

import (
	"errors"
	"fmt"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/internal/dotstuff"
)

// chunked is the transaction with a server that offers CHUNKING (RFC
// 3030) and PIPELINING (RFC 2920), to one recipient: MAIL FROM, RCPT TO,
// "BDAT <size> LAST" and the message, unstuffed, go in one write, and the
// three replies come back together, one round trip where DATA takes two
// (its 354, then the reply to the end of the data). The server accepts
// the message at the end of the chunk, which is in that write, so ready
// is called before anything is written: when it fails, the session is as
// it was.
//
// A refused recipient fails the BDAT too (the server reads the chunk all
// the same, and with no recipient taken delivers nothing); with more than
// one recipient, one refused would not stop the message reaching the
// others, so transact sends those through DATA, where it does.
func (s *Sender) chunked(sc *smtp.Client, from, rcpt string, e *channels.Email, buf *[]byte, ready func() error) (reply string, err error) {
	if err := oneLine(from, rcpt); err != nil {
		return "", err
	}
	if ready != nil {
		if err := ready(); err != nil {
			return "", &readyError{err: err, untouched: true}
		}
		if err := sc.UpdateDeadline(s.timeout); err != nil {
			return "", &stepError{step: mail.ErrConnCheck, err: err}
		}
	}
	*buf = s.chunkedCommands(sc, (*buf)[:0], from, rcpt, e)
	w := sc.Text.W
	if _, err := w.Write(*buf); err != nil {
		// A chunk not wholly written delivers nothing.
		return "", &stepError{step: mail.ErrSMTPMailFrom, err: err}
	}
	if err := w.Flush(); err != nil {
		return "", &stepError{step: mail.ErrSMTPMailFrom, err: err}
	}
	return s.chunkedReplies(sc)
}

// chunkedCommands appends to b the transaction's commands, the message
// after its BDAT.
func (s *Sender) chunkedCommands(sc *smtp.Client, b []byte, from, rcpt string, e *channels.Email) []byte {
	b = append(b, "MAIL FROM:"...)
	b = append(b, from...)
	// The parameters go-mail's MAIL FROM gives.
	if ok, _ := sc.Extension("8BITMIME"); ok {
		b = append(b, " BODY=8BITMIME"...)
	}
	if ok, _ := sc.Extension("SMTPUTF8"); ok {
		b = append(b, " SMTPUTF8"...)
	}
	b = append(b, "\r\nRCPT TO:"...)
	b = append(b, rcpt...)
	pieces, size, end := chunk(e)
	if end {
		size += len(crlf)
	}
	b = append(b, "\r\nBDAT "...)
	b = strconv.AppendInt(b, int64(size), 10)
	b = append(b, " LAST\r\n"...)
	for _, p := range pieces {
		b = append(b, p...)
	}
	if end {
		b = append(b, crlf...)
	}
	return b
}

// chunk returns e's message as BDAT carries it: the bytes the server
// reads out of DATA, so that both deliver the same message. They are
// e.Data as it is when stuffing it for DATA changes nothing (e.Stuffed is
// as long as e.Data: no dot to double, no line break to mend), else Data
// with its line breaks mended as DotWriter mends them. end says that the
// message does not end in CRLF and gets one, as the end of DATA gives it.
func chunk(e *channels.Email) (pieces [][]byte, size int, end bool) {
	size = e.Size()
	pieces = e.Data
	if e.Stuffed == nil || length(e.Stuffed) != size {
		var whole []byte
		for _, p := range e.Data {
			whole = append(whole, p...)
		}
		whole = dotstuff.AppendLines(nil, whole)
		pieces, size = [][]byte{whole}, len(whole)
	}
	return pieces, size, !endsInCRLF(pieces)
}

func length(pieces [][]byte) int {
	n := 0
	for _, p := range pieces {
		n += len(p)
	}
	return n
}

// endsInCRLF reports whether pieces, one after another, end in CRLF.
func endsInCRLF(pieces [][]byte) bool {
	var last [2]byte
	got := 0
	for i := len(pieces) - 1; i >= 0 && got < 2; i-- {
		for j := len(pieces[i]) - 1; j >= 0 && got < 2; j-- {
			last[1-got] = pieces[i][j]
			got++
		}
	}
	return got == 2 && last == [2]byte{'\r', '\n'}
}

// chunkedReplies reads the replies to MAIL FROM, RCPT TO and BDAT, all of
// them whatever failed, so the session stays in step; the first failure
// is the transaction's. A reply that cannot be read loses the session,
// and once the chunk is written, the message may have gone: that is the
// reply to the message missing, as after DATA's end.
func (s *Sender) chunkedReplies(sc *smtp.Client) (reply string, err error) {
	var failed *stepError
	taken := false // the message: the reply to BDAT
	for _, r := range []struct {
		step mail.SendErrReason
		code int
	}{{mail.ErrSMTPMailFrom, 250}, {mail.ErrSMTPRcptTo, 25}, {mail.ErrSMTPDataClose, 250}} {
		_, msg, err := sc.Text.ReadResponse(r.code)
		if err == nil {
			reply, taken = msg, r.step == mail.ErrSMTPDataClose
			continue
		}
		var refusal *textproto.Error
		if !errors.As(err, &refusal) || refusal.Code < 400 {
			if failed == nil {
				failed = &stepError{step: mail.ErrSMTPDataClose, err: err}
			}
			failed.lost = true
			return "", failed
		}
		if failed == nil {
			failed = &stepError{step: r.step, err: err}
		}
	}
	if failed == nil {
		return reply, nil
	}
	if taken {
		// The message was taken although its envelope was not: the
		// server is out of step with us (a refused MAIL FROM, a recipient
		// taken into a transaction before it). The message went.
		return reply, &stepError{step: failed.step, err: failed.err, lost: true, accepted: true}
	}
	reply = ""
	// A refused envelope or chunk leaves the server's transaction open
	// with some (RFC 3030 does not say it ends); RSET ends it, for a
	// session kept for the next message.
	if keepSession(failed) && sc.Reset() != nil {
		failed.lost = true
	}
	return "", failed
}

// oneLine refuses addresses that would break a command line.
func oneLine(addrs ...string) error {
	for _, a := range addrs {
		if strings.ContainsAny(a, "\r\n") {
			return &stepError{step: mail.ErrGetRcpts, err: fmt.Errorf("address %q has a line break", a)}
		}
	}
	return nil
}
