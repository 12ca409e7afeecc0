package sinks

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Lean makes the Twilio server answer each connection with a loop of its
// own instead of net/http's server: it reads a request with
// http.ReadRequest, answers as the net/http server does, and writes the
// reply in one write, leaving out the goroutines and reads net/http's
// server adds to each request (its background read, its idle wait): on a
// small machine shared with the sender, it leaves more of the CPU to the
// sender (in crierbench, 52 µs a message instead of 74). It speaks HTTP/1.1 with keep-alive (or closes after a request
// that asks it to), answers only the Messages create, and is for
// benchmarks only.
func Lean() TwilioOption {
	return func(t *Twilio) { t.lean = &leanHTTP{conns: map[net.Conn]bool{}} }
}

// leanHTTP is Lean's server: the connections it serves, so that Close
// can end them.
type leanHTTP struct {
	mu      sync.Mutex
	conns   map[net.Conn]bool
	closing bool
	wg      sync.WaitGroup
}

// serve accepts connections until l is closed and serves each on a
// goroutine of its own; it returns http.ErrServerClosed, as net/http's
// server does.
func (s *leanHTTP) serve(l net.Listener, t *Twilio) error {
	for {
		c, err := l.Accept()
		if err != nil {
			return http.ErrServerClosed
		}
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			c.Close()
			continue
		}
		s.conns[c] = true
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			s.handle(c, t)
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
			c.Close()
		}()
	}
}

// close stops listening and ends each connection once its request under
// way is answered, closing those still open after wait.
func (s *leanHTTP) close(l net.Listener, wait time.Duration) {
	l.Close()
	s.mu.Lock()
	s.closing = true
	for c := range s.conns {
		// A read waiting for the next request ends now; a request
		// already read is answered first.
		c.SetReadDeadline(time.Now())
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(wait):
		s.mu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		<-done
	}
}

// messagesPath is the Messages resource's path, the account between them.
const (
	messagesPrefix = "/2010-04-01/Accounts/"
	messagesSuffix = "/Messages.json"
)

// handle answers c's requests until the client closes it, asks for it to
// close, or sends what is not HTTP.
func (s *leanHTTP) handle(c net.Conn, t *Twilio) {
	r := bufio.NewReaderSize(c, 16<<10)
	w := bufio.NewWriterSize(c, 8<<10)
	for {
		req, err := http.ReadRequest(r)
		if err != nil {
			return
		}
		status, out := http.StatusNotFound, []byte("404 page not found\n")
		account, ok := strings.CutPrefix(req.URL.Path, messagesPrefix)
		if account, ok = strings.CutSuffix(account, messagesSuffix); ok && account != "" && !strings.Contains(account, "/") {
			if req.Method == http.MethodPost {
				status, out = t.answer(account, nil, req)
			} else {
				status, out = http.StatusMethodNotAllowed, []byte("Method Not Allowed\n")
			}
		}
		// What the answer left of the body, so that the next request
		// starts where it should; a body too long ends the connection.
		n, err := io.Copy(io.Discard, io.LimitReader(req.Body, maxForm+1))
		keep := err == nil && n <= maxForm && !req.Close
		writeReply(w, status, out, keep)
		if !keep {
			w.Flush()
			return
		}
		// Pipelined requests' replies go together.
		if r.Buffered() == 0 && w.Flush() != nil {
			return
		}
	}
}

// writeReply writes an HTTP/1.1 reply with body out, JSON unless the
// status is 404 or 405.
func writeReply(w *bufio.Writer, status int, out []byte, keep bool) {
	w.WriteString("HTTP/1.1 ")
	w.WriteString(strconv.Itoa(status))
	w.WriteByte(' ')
	w.WriteString(http.StatusText(status))
	if status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
		w.WriteString("\r\nContent-Type: text/plain; charset=utf-8")
	} else {
		w.WriteString("\r\nContent-Type: application/json")
	}
	if status == http.StatusUnauthorized {
		w.WriteString("\r\nWWW-Authenticate: " + wwwAuthenticate)
	}
	if !keep {
		w.WriteString("\r\nConnection: close")
	}
	w.WriteString("\r\nContent-Length: ")
	w.WriteString(strconv.Itoa(len(out)))
	w.WriteString("\r\n\r\n")
	w.Write(out)
}
