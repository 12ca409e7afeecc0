package email

import (
	"bytes"
	"errors"
	netmail "net/mail"
	"net/textproto"

	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/internal/dotstuff"
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
	// accepted: the server took the message all the same (a BDAT
	// answered 250 after a refused MAIL FROM): the send succeeded, on a
	// session that is lost.
	accepted bool
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
type readyError struct {
	err error
	// untouched: nothing of the transaction was written (CHUNKING), so
	// the session can carry the next message; otherwise it is left in
	// the middle of DATA, which SMTP has no way out of.
	untouched bool
}

func (e *readyError) Error() string { return "not handed over: " + e.err.Error() }
func (e *readyError) Unwrap() error { return e.err }

// transact sends e over the session sc as one mail transaction, and
// returns the server's reply to the message. When ready is not nil, it is
// called before the server can accept the message, and an error from it
// ends the transaction there (a *readyError).
//
// To a server that offers CHUNKING and PIPELINING, the transaction goes
// in one write (see chunked), when chunk allows it (a session idle for
// long does not: see maxChunkIdle). Otherwise the message goes through DATA, in
// one write as e.Stuffed gives it, dot-stuffed once per notice; an email
// without Stuffed is stuffed here, in a few bulk copies where its lines
// end in CRLF. go-mail's writer (net/textproto's DotWriter) would look at
// every byte of every message. buf is the session's buffer, reused from
// message to message; the message is assembled there.
func (s *Sender) transact(sc *smtp.Client, e *channels.Email, buf *[]byte, ready func() error, chunk bool) (reply string, err error) {
	from, rcpts, err := envelope(e)
	if err != nil {
		return "", err
	}
	if !sc.HasConnection() {
		return "", &stepError{step: mail.ErrConnCheck, err: mail.ErrNoActiveConnection}
	}
	if err := sc.UpdateDeadline(s.timeout); err != nil {
		return "", &stepError{step: mail.ErrConnCheck, err: err}
	}
	pipelining, _ := sc.Extension("PIPELINING")
	if chunking, _ := sc.Extension("CHUNKING"); chunk && chunking && pipelining && len(rcpts) == 1 {
		return s.chunked(sc, from, rcpts[0], e, buf, ready)
	}
	data, n := stuffed(e, (*buf)[:0])
	*buf = data
	if pipelining {
		return s.pipelined(sc, from, rcpts, data, ready)
	}
	return s.lockstep(sc, from, rcpts, data[:n], ready)
}

// stuffed appends e's message to data as DATA carries it, ended by the
// end of the data, and returns it with the length of the message without
// its last line break.
func stuffed(e *channels.Email, data []byte) ([]byte, int) {
	if e.Stuffed != nil {
		for _, p := range e.Stuffed {
			data = append(data, p...)
		}
	} else {
		// Stuffed whole: a piece may begin in the middle of a line, where
		// a dot is not doubled.
		var whole []byte
		for _, p := range e.Data {
			whole = append(whole, p...)
		}
		data = dotstuff.Append(data, whole)
	}
	// The last line break goes with the end of the data.
	n := len(data)
	if bytes.HasSuffix(data, crlf) {
		n -= len(crlf)
	}
	return append(data[:n], endOfData...), n
}

// envelope returns e's sender and recipients as SMTP's MAIL FROM and
// RCPT TO take them (<address>), as go-mail wrote them.
func envelope(e *channels.Email) (from string, rcpts []string, err error) {
	if e.From == "" {
		return "", nil, &stepError{step: mail.ErrGetSender, err: mail.ErrNoFromAddress}
	}
	if len(e.To) == 0 {
		return "", nil, &stepError{step: mail.ErrGetRcpts, err: mail.ErrNoRcptAddresses}
	}
	from = (&netmail.Address{Address: e.From}).String()
	rcpts = make([]string, len(e.To))
	for i, a := range e.To {
		rcpts[i] = (&netmail.Address{Address: a}).String()
	}
	return from, rcpts, nil
}

// lockstep is the transaction with a server that does not offer
// PIPELINING: each command waits for its reply, as go-mail sends. msg is
// the message, stuffed, without its last line break, which goes through
// go-mail's data writer, which then ends the data with "." on its own
// line.
func (s *Sender) lockstep(sc *smtp.Client, from string, rcpts []string, msg []byte, ready func() error) (reply string, err error) {
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
	if _, err := sc.Text.W.Write(msg); err != nil {
		return "", &stepError{step: mail.ErrWriteContent, err: err}
	}
	if err := s.ready(sc, ready); err != nil {
		return "", err
	}
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
		return &readyError{err: err}
	}
	if err := sc.UpdateDeadline(s.timeout); err != nil {
		return &stepError{step: mail.ErrConnCheck, err: err}
	}
	return nil
}

// pipelined is the transaction with a server that offers PIPELINING (RFC
// 2920): MAIL FROM, RCPT TO and DATA go in one write and their replies
// are read after it, one round trip where go-mail takes one per command.
// Then ready, and the data: msg is the message, stuffed, and the end of
// the data, written together in one write.
func (s *Sender) pipelined(sc *smtp.Client, from string, rcpts []string, msg []byte, ready func() error) (reply string, err error) {
	if err := oneLine(append([]string{from}, rcpts...)...); err != nil {
		return "", err
	}
	w := sc.Text.W
	w.Write(appendMailFrom(nil, sc, from))
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
	if _, err := w.Write(msg); err != nil {
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

// appendMailFrom appends to b the MAIL FROM line of from, with the
// parameters go-mail's MAIL FROM gives where the server offers them.
func appendMailFrom(b []byte, sc *smtp.Client, from string) []byte {
	b = append(b, "MAIL FROM:"...)
	b = append(b, from...)
	if ok, _ := sc.Extension("8BITMIME"); ok {
		b = append(b, " BODY=8BITMIME"...)
	}
	if ok, _ := sc.Extension("SMTPUTF8"); ok {
		b = append(b, " SMTPUTF8"...)
	}
	return append(b, crlf...)
}

var (
	crlf      = []byte("\r\n")
	endOfData = []byte("\r\n.\r\n")
)
