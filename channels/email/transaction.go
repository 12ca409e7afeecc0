package email

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/textproto"
	"strings"

	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// stepError is a failed step of one mail transaction: the step, named as
// go-mail names it (MAIL FROM, RCPT TO, DATA, the end of the data …), and
// what went wrong there: the server's reply (a *textproto.Error) or an I/O
// error.
type stepError struct {
	step mail.SendErrReason
	err  error
	// lost: the session is out of step or gone whatever the reply was
	// (a later reply of a pipelined group could not be read, RSET
	// failed): it is closed, never reused.
	lost bool
}

func (e *stepError) Error() string { return e.step.String() + ": " + e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

// code is the server's reply code (4xx or 5xx), 0 when there was none.
func (e *stepError) code() int {
	var reply *textproto.Error
	if errors.As(e.err, &reply) && reply.Code >= 400 && reply.Code < 600 {
		return reply.Code
	}
	return 0
}

// words is the server's reply without its code ("5.1.1 no such user"),
// or the error's text when there was no reply.
func (e *stepError) words() string {
	var reply *textproto.Error
	if errors.As(e.err, &reply) {
		return unquote(reply.Msg)
	}
	return e.err.Error()
}

// readyError is the error of a SendStaged's ready: the message was not
// handed over.
type readyError struct{ err error }

func (e *readyError) Error() string { return "not handed over: " + e.err.Error() }
func (e *readyError) Unwrap() error { return e.err }

// transact sends msg over the session sc as one mail transaction, and
// returns the server's reply to the data. When ready is not nil, it is
// called before the end of the data, and an error from it ends the
// transaction there (a *readyError; the session is then of no more use). The message is written to the
// connection as it is, dot-stuffed here in a few bulk copies instead of
// byte by byte (go-mail's writer, net/textproto's DotWriter, looks at
// every byte of every message); buf is the session's buffer, reused from
// message to message.
func (s *Sender) transact(sc *smtp.Client, msg *mail.Msg, buf *bytes.Buffer, ready func() error) (reply string, err error) {
	from, err := msg.GetSender(false)
	if err != nil {
		return "", &stepError{step: mail.ErrGetSender, err: err}
	}
	rcpts, err := msg.GetRecipients()
	if err != nil {
		return "", &stepError{step: mail.ErrGetRcpts, err: err}
	}
	buf.Reset()
	if _, err := msg.WriteTo(buf); err != nil {
		return "", &stepError{step: mail.ErrWriteContent, err: err}
	}
	if !sc.HasConnection() {
		return "", &stepError{step: mail.ErrConnCheck, err: mail.ErrNoActiveConnection}
	}
	if err := sc.UpdateDeadline(s.timeout); err != nil {
		return "", &stepError{step: mail.ErrConnCheck, err: err}
	}
	data := buf.Bytes()
	if bytes.HasSuffix(data, []byte("\n")) {
		data = bytes.TrimSuffix(data[:len(data)-1], []byte("\r"))
	}
	if ok, _ := sc.Extension("PIPELINING"); ok {
		// The end of the data right after the message in the buffer,
		// so that both go in one write.
		n := len(data)
		buf.Truncate(n)
		buf.Write(endOfData)
		return s.pipelined(sc, from, rcpts, buf.Bytes(), n, ready)
	}
	if err := sc.Mail(from); err != nil {
		sc.Reset()
		return "", &stepError{step: mail.ErrSMTPMailFrom, err: err}
	}
	for _, rcpt := range rcpts {
		if err := sc.Rcpt(rcpt); err != nil {
			sc.Reset()
			return "", &stepError{step: mail.ErrSMTPRcptTo, err: err}
		}
	}
	w, err := sc.Data()
	if err != nil {
		return "", &stepError{step: mail.ErrSMTPData, err: err}
	}
	dc, ok := w.(*smtp.DataCloser)
	if !ok {
		return "", &stepError{step: mail.ErrWriteContent, err: errors.New("go-mail's DATA writer is not the one this sender knows")}
	}
	if err := writeStuffed(sc.Text.W, data, len(data)); err != nil {
		return "", &stepError{step: mail.ErrWriteContent, err: err}
	}
	if err := s.ready(sc, ready); err != nil {
		return "", err
	}
	// The last line break goes through go-mail's writer, which then ends
	// the data with "." on its own line.
	if _, err := dc.Write(crlf); err != nil {
		return "", &stepError{step: mail.ErrWriteContent, err: err}
	}
	if err := dc.Close(); err != nil {
		return "", &stepError{step: mail.ErrSMTPDataClose, err: err}
	}
	return dc.ServerResponse(), nil
}

// ready calls ready, if not nil, before the end of the data: the server
// accepts the message only there.
func (s *Sender) ready(sc *smtp.Client, ready func() error) error {
	if ready == nil {
		return nil
	}
	if err := ready(); err != nil {
		return &readyError{err}
	}
	if err := sc.UpdateDeadline(s.timeout); err != nil {
		return &stepError{step: mail.ErrConnCheck, err: err}
	}
	return nil
}

// pipelined is the transaction with a server that offers PIPELINING (RFC
// 2920): MAIL FROM, RCPT TO and DATA go in one write and their replies
// are read after it, one round trip where go-mail takes one per command.
// Then ready, and the data: msg[:n] is the message, msg[n:] the end of
// the data, written together (in one write unless a line begins with a
// dot).
func (s *Sender) pipelined(sc *smtp.Client, from string, rcpts []string, msg []byte, n int, ready func() error) (reply string, err error) {
	for _, a := range append([]string{from}, rcpts...) {
		if strings.ContainsAny(a, "\r\n") {
			return "", &stepError{step: mail.ErrGetRcpts, err: fmt.Errorf("address %q has a line break", a)}
		}
	}
	w := sc.Text.W
	w.WriteString("MAIL FROM:" + from)
	// The parameters go-mail's MAIL FROM gives.
	if ok, _ := sc.Extension("8BITMIME"); ok {
		w.WriteString(" BODY=8BITMIME")
	}
	if ok, _ := sc.Extension("SMTPUTF8"); ok {
		w.WriteString(" SMTPUTF8")
	}
	w.Write(crlf)
	for _, rcpt := range rcpts {
		w.WriteString("RCPT TO:" + rcpt + "\r\n")
	}
	w.WriteString("DATA\r\n")
	if err := w.Flush(); err != nil {
		return "", &stepError{step: mail.ErrSMTPMailFrom, err: err}
	}
	// Every reply is read, so that the session stays in step whatever
	// failed; the first failure is the transaction's.
	var failed *stepError
	read := func(step mail.SendErrReason, code int) (ok, inStep bool) {
		_, _, err := sc.Text.ReadResponse(code)
		if err == nil {
			return true, true
		}
		if failed == nil {
			failed = &stepError{step: step, err: err}
		}
		var reply *textproto.Error
		return false, errors.As(err, &reply)
	}
	lost := func() (string, error) {
		failed.lost = true
		return "", failed
	}
	if _, inStep := read(mail.ErrSMTPMailFrom, 250); !inStep {
		return lost()
	}
	for range rcpts {
		if _, inStep := read(mail.ErrSMTPRcptTo, 25); !inStep {
			return lost()
		}
	}
	dataOK, inStep := read(mail.ErrSMTPData, 354)
	if !inStep {
		return lost()
	}
	if failed != nil {
		if dataOK {
			// The server wants data although the envelope failed: ending
			// it, even empty, could deliver to a recipient it took. Only
			// closing the session leaves nothing delivered.
			return lost()
		}
		if sc.Reset() != nil {
			return lost()
		}
		return "", failed
	}
	if err := s.ready(sc, ready); err != nil {
		return "", err
	}
	if err := writeStuffed(w, msg, n); err != nil {
		return "", &stepError{step: mail.ErrWriteContent, err: err}
	}
	if err := w.Flush(); err != nil {
		return "", &stepError{step: mail.ErrSMTPDataClose, err: err}
	}
	_, reply, err = sc.Text.ReadResponse(250)
	if err != nil {
		return "", &stepError{step: mail.ErrSMTPDataClose, err: err}
	}
	return reply, nil
}

var (
	crlf      = []byte("\r\n")
	endOfData = []byte("\r\n.\r\n")
)

// writeStuffed writes msg[:n] to w as SMTP's data wants it (RFC 5321
// 4.5.2), as net/textproto's DotWriter writes it: a line beginning with
// "." gets a second one, and a line ending in a bare LF ends in CRLF; then
// msg[n:] as it is, in the same last write. A message whose lines all
// end in CRLF (go-mail's, Crier's) is written in a few large pieces, cut
// only where a line begins with a dot.
func writeStuffed(w *bufio.Writer, msg []byte, n int) error {
	data := msg[:n]
	if bytes.Count(data, lf) != bytes.Count(data, crlf) {
		if err := writeLines(w, data); err != nil {
			return err
		}
		_, err := w.Write(msg[n:])
		return err
	}
	if len(data) > 0 && data[0] == '.' {
		w.WriteByte('.')
	}
	off := 0
	for {
		i := bytes.Index(msg[off:n], lineThenDot)
		if i < 0 {
			_, err := w.Write(msg[off:])
			return err
		}
		w.Write(msg[off : off+i+len(lineThenDot)])
		w.WriteByte('.')
		off += i + len(lineThenDot)
	}
}

var (
	lf          = []byte("\n")
	lineThenDot = []byte("\n.")
)

// writeLines is writeStuffed a line at a time, for data with bare LFs.
func writeLines(w *bufio.Writer, data []byte) error {
	for len(data) > 0 {
		if data[0] == '.' {
			w.WriteByte('.')
		}
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			_, err := w.Write(data)
			return err
		}
		if i > 0 && data[i-1] == '\r' {
			w.Write(data[:i+1])
		} else {
			w.Write(data[:i])
			w.Write(crlf)
		}
		data = data[i+1:]
	}
	return nil
}
