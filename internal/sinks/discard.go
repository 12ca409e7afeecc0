package sinks

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"strconv"
	"sync"
	"time"
)

// Discard is the leanest SMTP server that speaks enough of the protocol
// for a client to deliver: EHLO, MAIL, RCPT, DATA, BDAT, RSET, NOOP, QUIT,
// each answered 250 (DATA 354, then 250 when the message ends). It offers
// PIPELINING and CHUNKING (RFC 3030): a BDAT chunk is skipped whole, its
// octets never looked at, and the message counted at its LAST chunk. It
// reads a DATA message a line at a time rather than a byte at a time as go-smtp does,
// so on a small machine shared with the sender it takes little of the
// CPU the benchmark measures. No TLS, no AUTH, no checks: for benchmarks
// only. Start one with StartDiscard.
type Discard struct {
	ln     net.Listener
	counts counters
	wg     sync.WaitGroup

	mu    sync.Mutex
	conns map[net.Conn]bool
	once  sync.Once
}

// StartDiscard listens on addr ("127.0.0.1:0" for a free port) and serves
// until Close.
func StartDiscard(addr string) (*Discard, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	d := &Discard{ln: ln, conns: map[net.Conn]bool{}}
	d.wg.Add(1)
	go d.serve()
	return d, nil
}

func (d *Discard) serve() {
	defer d.wg.Done()
	for {
		c, err := d.ln.Accept()
		if err != nil {
			return
		}
		d.mu.Lock()
		d.conns[c] = true
		d.mu.Unlock()
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			d.handle(c)
			d.mu.Lock()
			delete(d.conns, c)
			d.mu.Unlock()
			c.Close()
		}()
	}
}

var (
	crlf    = []byte("\r\n")
	dotLine = []byte(".\r\n")
)

func (d *Discard) handle(c net.Conn) {
	r := bufio.NewReaderSize(c, 64<<10)
	w := bufio.NewWriter(c)
	// Replies to commands a client pipelined (RFC 2920) go back together,
	// once no more input waits.
	reply := func(s string) bool {
		w.WriteString(s)
		w.Write(crlf)
		if r.Buffered() > 0 {
			return true
		}
		return w.Flush() == nil
	}
	if !reply("220 discard ESMTP") {
		return
	}
	var rcpts int64
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		verb := bytes.ToUpper(bytes.TrimSpace(line))
		if i := bytes.IndexAny(verb, " :"); i >= 0 {
			verb = verb[:i]
		}
		var ok bool
		switch string(verb) {
		case "EHLO":
			ok = reply("250-discard\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 8BITMIME")
		case "HELO", "MAIL", "RSET", "NOOP":
			if string(verb) == "RSET" || string(verb) == "MAIL" {
				rcpts = 0
			}
			ok = reply("250 OK")
		case "RCPT":
			rcpts++
			ok = reply("250 OK")
		case "DATA":
			if !reply("354 end with <CRLF>.<CRLF>") {
				return
			}
			if err := skipMessage(r); err != nil {
				return
			}
			d.counts.add(rcpts)
			rcpts = 0
			ok = reply("250 OK queued")
		case "BDAT":
			size, last, valid := bdatArgs(line)
			if !valid {
				ok = reply("501 5.5.4 BDAT <size> [LAST]")
				break
			}
			if _, err := r.Discard(size); err != nil {
				return
			}
			if last {
				d.counts.add(rcpts)
				rcpts = 0
			}
			ok = reply("250 OK chunk")
		case "QUIT":
			reply("221 bye")
			return
		default:
			ok = reply("502 not implemented")
		}
		if !ok {
			return
		}
	}
}

// skipMessage reads a message's lines up to the lone dot that ends it.
func skipMessage(r *bufio.Reader) error {
	midLine := false // the previous read ended inside a line
	for {
		line, err := r.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			midLine = true // a line longer than the buffer: read on
			continue
		case err != nil:
			return err
		}
		if !midLine && bytes.Equal(line, dotLine) {
			return nil
		}
		midLine = false
	}
}

// bdatArgs reads a BDAT command line: the chunk's size and whether it
// is the message's last.
func bdatArgs(line []byte) (size int, last, ok bool) {
	args := bytes.TrimSpace(bytes.TrimSpace(line)[len("BDAT"):])
	num, rest, _ := bytes.Cut(args, []byte(" "))
	if len(num) == 0 || len(num) > 9 {
		return 0, false, false
	}
	for _, c := range num {
		if c < '0' || c > '9' {
			return 0, false, false
		}
		size = size*10 + int(c-'0')
	}
	switch rest = bytes.TrimSpace(rest); {
	case len(rest) == 0:
	case bytes.EqualFold(rest, []byte("LAST")):
		last = true
	default:
		return 0, false, false
	}
	return size, last, true
}

// Host returns the address the server listens on, without the port.
func (d *Discard) Host() string {
	h, _, _ := net.SplitHostPort(d.ln.Addr().String())
	return h
}

// Port returns the port the server listens on.
func (d *Discard) Port() int {
	_, p, _ := net.SplitHostPort(d.ln.Addr().String())
	n, _ := strconv.Atoi(p)
	return n
}

// Accepted returns how many messages the server has accepted.
func (d *Discard) Accepted() int64 { return d.counts.accepted.Load() }

// FirstAccepted returns when the first message was accepted, or the zero
// time.
func (d *Discard) FirstAccepted() time.Time { return d.counts.first() }

// LastAccepted returns when the latest message was accepted.
func (d *Discard) LastAccepted() time.Time { return d.counts.last() }

// Close stops listening, closes every connection and waits for them.
func (d *Discard) Close() error {
	d.once.Do(func() {
		d.ln.Close()
		d.mu.Lock()
		for c := range d.conns {
			c.Close()
		}
		d.mu.Unlock()
	})
	d.wg.Wait()
	return nil
}
