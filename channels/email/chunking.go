package email

import (
	"bytes"
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
	all, commands := s.chunkedCommands(sc, (*buf)[:0], from, rcpt, e)
	*buf = all
	w := sc.Text.W
	if _, err := w.Write(commands); err != nil {
		// A chunk not wholly written delivers nothing.
		return "", &stepError{step: mail.ErrSMTPMailFrom, err: err}
	}
	if err := w.Flush(); err != nil {
		return "", &stepError{step: mail.ErrSMTPMailFrom, err: err}
	}
	return s.chunkedReplies(sc)
}

// chunkedCommands appends to b the transaction's commands, the message
// after its BDAT, and returns b and the part of it to write. The message
// is written first, behind room for its BDAT line, whose size is known
// only then; the lines before are moved up to it.
func (s *Sender) chunkedCommands(sc *smtp.Client, b []byte, from, rcpt string, e *channels.Email) (all, commands []byte) {
	b = appendMailFrom(b, sc, from)
	b = append(b, "RCPT TO:"...)
	b = append(b, rcpt...)
	b = append(b, crlf...)
	envelope := len(b)
	b = append(b, make([]byte, maxBDATLine)...)
	b = appendChunk(b, e)
	var line [maxBDATLine]byte
	bdat := append(line[:0], "BDAT "...)
	bdat = strconv.AppendInt(bdat, int64(len(b)-envelope-maxBDATLine), 10)
	bdat = append(bdat, " LAST\r\n"...)
	start := envelope + maxBDATLine - len(bdat)
	copy(b[start:], bdat)
	copy(b[start-envelope:], b[:envelope])
	return b, b[start-envelope:]
}

// maxBDATLine is the longest "BDAT <size> LAST" line: a size of at most
// ten digits.
const maxBDATLine = len("BDAT 1234567890 LAST\r\n")

// appendChunk appends e's message to b as BDAT carries it: the bytes the
// server reads out of DATA, so that both deliver the same message. That
// is e.Data itself when stuffing changed none of its pieces (each piece
// of Stuffed is Data's own: nothing read, where scanning a 12 KB message
// for lines to unstuff cost 3 µs); else e.Stuffed with the dot that DATA
// doubles at a line's start taken away again; or, without Stuffed, Data
// with its line breaks mended as DotWriter mends them. A message that
// does not end in CRLF gets one, as the end of DATA gives it.
func appendChunk(b []byte, e *channels.Email) []byte {
	start := len(b)
	if e.Stuffed != nil && samePieces(e.Stuffed, e.Data) {
		for _, p := range e.Data {
			b = append(b, p...)
		}
	} else if e.Stuffed != nil {
		b = appendUnstuffed(b, e.Stuffed)
	} else if len(e.Data) == 1 {
		b = dotstuff.AppendLines(b, e.Data[0])
	} else {
		var whole []byte
		for _, p := range e.Data {
			whole = append(whole, p...)
		}
		b = dotstuff.AppendLines(b, whole)
	}
	if !bytes.HasSuffix(b[start:], crlf) {
		b = append(b, crlf...)
	}
	return b
}

// samePieces reports whether a and b are the same pieces: the same
// slices, not merely the same bytes.
func samePieces(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) || len(a[i]) > 0 && &a[i][0] != &b[i][0] {
			return false
		}
	}
	return true
}

// appendUnstuffed appends pieces, one after another, to b with the first
// dot of each line that begins with one taken away.
func appendUnstuffed(b []byte, pieces [][]byte) []byte {
	lineStart := true
	for _, p := range pieces {
		if len(p) == 0 {
			continue
		}
		ends := p[len(p)-1] == '\n'
		if lineStart && p[0] == '.' {
			p = p[1:]
		}
		for {
			i := bytes.Index(p, lineThenDot)
			if i < 0 {
				break
			}
			b = append(b, p[:i+1]...)
			p = p[i+2:]
		}
		b = append(b, p...)
		lineStart = ends
	}
	return b
}

var lineThenDot = []byte("\n.")

// chunkedReplies reads the replies to MAIL FROM, RCPT TO and BDAT, all of
// them whatever failed, so the session stays in step; the first failure
// is the transaction's. A reply that cannot be read loses the session,
// and once the chunk is written, the message may have gone: that is the
// reply to the message missing, as after DATA's end.
func (s *Sender) chunkedReplies(sc *smtp.Client) (reply string, err error) {
	var failed *stepError
	taken := false  // the message: the reply to BDAT
	rcptOK := false // the recipient: the reply to RCPT TO
	for _, r := range []struct {
		step mail.SendErrReason
		code int
	}{{mail.ErrSMTPMailFrom, 250}, {mail.ErrSMTPRcptTo, 25}, {mail.ErrSMTPDataClose, 250}} {
		_, msg, err := sc.Text.ReadResponse(r.code)
		if err == nil {
			reply, taken = msg, r.step == mail.ErrSMTPDataClose
			rcptOK = rcptOK || r.step == mail.ErrSMTPRcptTo
			continue
		}
		var refusal *textproto.Error
		if !errors.As(err, &refusal) || refusal.Code < 400 {
			// The chunk is written: the message may have gone, whatever
			// came before, but after a 421 to MAIL FROM, the server
			// closing the session before it took anything.
			if failed == nil || !(failed.step == mail.ErrSMTPMailFrom && failed.code() == 421) {
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
	if taken && rcptOK {
		// The message was taken for its recipient although MAIL FROM
		// was refused: the server is out of step with us (a transaction
		// open before it). The message went.
		return reply, &stepError{step: failed.step, err: failed.err, lost: true, accepted: true}
	}
	if taken {
		// Taken although the recipient was refused: not for that
		// recipient (the server is out of step, the message went to a
		// transaction of its own); the refusal is the message's.
		failed.lost = true
		return "", failed
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
