package sms

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"
)

// wire is the Sender's own HTTP/1.1 client for its one request, a message
// create. net/http's client costs about twice as much CPU per request as
// the rest of a send (two goroutines per connection and channel hand-offs
// between them, a request and a response built per request, a timer per
// request's context); here a send takes one connection from the pool,
// writes the request in one write from a buffer of the connection's own,
// and reads the reply on the caller's goroutine. It is used only when no
// proxy applies (newWire's caller decides), so it dials the endpoint
// itself.
type wire struct {
	addr string      // host:port dialled
	tls  *tls.Config // nil for http:// (to this machine only: CheckBaseURL)
	// head is every request up to Content-Length's value: request line,
	// Host, Authorization, Content-Type, Accept, User-Agent.
	head []byte
	now  func() time.Time // the pool's clock; tests move it

	mu   sync.Mutex
	idle []*wireConn // least recently used first
}

// maxIdleConns bounds the connections kept open for reuse, as the
// transport net/http's path uses does.
const maxIdleConns = 64

// maxIdle is how long a connection may wait unused and still carry a
// request. Servers close idle keep-alive connections after a while of
// their own (Node's, which Prism runs on, after 5 s), and a request
// written as the server closes is lost without a word: a POST once
// written cannot be safely sent again, since the server may have taken
// it. Reused within 2 s, a connection is well inside any server's limit;
// a server with a shorter one has closed it visibly by then (alive).
const maxIdle = 2 * time.Second

// wireConn is one connection of the pool and its buffers.
type wireConn struct {
	net.Conn
	tcp       net.Conn // under TLS, the TCP connection; else Conn
	r         *bufio.Reader
	req       []byte // the request under way, its buffer reused
	idleSince time.Time
	abandon   func() // ends c's reads and writes at once; made once
	peeker           // alive's
}

// newWire returns the client for posts to endpoint with header's fields.
func newWire(endpoint string, header http.Header) (*wire, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("twilio: the Messages address %q: %w", endpoint, err)
	}
	w := &wire{now: time.Now}
	port := u.Port()
	switch u.Scheme {
	case "https":
		if port == "" {
			port = "443"
		}
		w.tls = &tls.Config{
			ServerName:         u.Hostname(),
			NextProtos:         []string{"http/1.1"},
			MinVersion:         tls.VersionTLS12,
			ClientSessionCache: tls.NewLRUClientSessionCache(maxIdleConns),
		}
	case "http":
		if port == "" {
			port = "80"
		}
	default:
		return nil, fmt.Errorf("twilio: the Messages address %q is neither http nor https", endpoint)
	}
	w.addr = net.JoinHostPort(u.Hostname(), port)
	head := "POST " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\n"
	for _, k := range []string{"Authorization", "Content-Type", "Accept", "User-Agent"} {
		head += k + ": " + header.Get(k) + "\r\n"
	}
	w.head = []byte(head + "Content-Length: ")
	return w, nil
}

// post sends f and reads the reply, all before deadline. Its error comes
// with the reason to give (reasonUnreachable or reasonCutOff); the error
// itself names addresses, never the request.
func (w *wire) post(ctx context.Context, deadline time.Time, f form) (reply, string, error) {
	if c := w.take(); c != nil {
		r, written, reason, err := w.exchange(ctx, c, deadline, f)
		if err == nil || written || ctx.Err() != nil {
			return r, reason, err
		}
		// Nothing reached the server: the request goes once more, on a
		// new connection.
	}
	c, err := w.dial(ctx, deadline)
	if err != nil {
		return reply{}, reasonUnreachable, err
	}
	r, _, reason, err := w.exchange(ctx, c, deadline, f)
	return r, reason, err
}

// take returns the most recently used idle connection still fit to
// carry a request, closing those that are not, or nil.
func (w *wire) take() *wireConn {
	w.mu.Lock()
	stale := w.dropStale()
	var c *wireConn
	if n := len(w.idle); n > 0 {
		c = w.idle[n-1]
		w.idle[n-1] = nil
		w.idle = w.idle[:n-1]
	}
	w.mu.Unlock()
	closeAll(stale)
	if c != nil && !alive(c) {
		c.Close()
		return nil
	}
	return c
}

// dropStale takes the connections idle longer than maxIdle out of the
// pool and returns them. w.mu is held.
func (w *wire) dropStale() []*wireConn {
	now := w.now()
	i := 0
	for i < len(w.idle) && now.Sub(w.idle[i].idleSince) >= maxIdle {
		i++
	}
	if i == 0 {
		return nil
	}
	stale := slices.Clone(w.idle[:i])
	w.idle = slices.Delete(w.idle, 0, i)
	return stale
}

// put returns c to the pool, or closes it when the pool is full.
func (w *wire) put(c *wireConn) {
	c.idleSince = w.now()
	w.mu.Lock()
	full := len(w.idle) >= maxIdleConns
	if !full {
		w.idle = append(w.idle, c)
	}
	w.mu.Unlock()
	if full {
		c.Close()
	}
}

// closeIdle closes the idle connections.
func (w *wire) closeIdle() {
	w.mu.Lock()
	idle := w.idle
	w.idle = nil
	w.mu.Unlock()
	closeAll(idle)
}

func closeAll(cs []*wireConn) {
	for _, c := range cs {
		c.Close()
	}
}

// dial opens a connection to w.addr, with TLS for https, by deadline.
func (w *wire) dial(ctx context.Context, deadline time.Time) (*wireConn, error) {
	d := net.Dialer{Deadline: deadline}
	tcp, err := d.DialContext(ctx, "tcp", w.addr)
	if err != nil {
		return nil, err
	}
	c := &wireConn{Conn: tcp, tcp: tcp}
	if w.tls != nil {
		tc := tls.Client(tcp, w.tls)
		tcp.SetDeadline(deadline)
		if err := tc.HandshakeContext(ctx); err != nil {
			tcp.Close()
			return nil, err
		}
		c.Conn = tc
	}
	c.r = bufio.NewReaderSize(c.Conn, 4<<10)
	return c, nil
}

// aLongTimeAgo, as a deadline, ends a connection's reads and writes at
// once.
var aLongTimeAgo = time.Unix(1, 0)

// exchange writes f's request on c and reads its reply, then returns c to
// the pool or closes it. written says whether any of the request went
// out: if not, the server has seen nothing of it.
func (w *wire) exchange(ctx context.Context, c *wireConn, deadline time.Time, f form) (r reply, written bool, reason string, err error) {
	c.SetDeadline(deadline)
	stop := func() bool { return true }
	if ctx.Done() != nil {
		// ctx ending abandons the request at once, as net/http's does.
		if c.abandon == nil {
			c.abandon = func() { c.SetDeadline(aLongTimeAgo) }
		}
		stop = context.AfterFunc(ctx, c.abandon)
	}
	c.req = w.request(c.req[:0], f)
	n, err := c.Write(c.req)
	if err != nil {
		stop()
		c.Close()
		return reply{}, n > 0, reasonUnreachable, err
	}
	r, reuse, err := readWireReply(c.r)
	if !stop() {
		reuse = false // its deadline is spoilt
	}
	if err != nil || !reuse {
		c.Close()
	} else {
		w.put(c)
	}
	if err != nil {
		return reply{}, true, reasonCutOff, err
	}
	return r, true, "", nil
}

// request appends to b the request posting f.
func (w *wire) request(b []byte, f form) []byte {
	b = append(b, w.head...)
	b = strconv.AppendInt(b, int64(f.len()), 10)
	b = append(b, "\r\n\r\n"...)
	return f.appendTo(b)
}

// readWireReply reads a reply, its body bounded by maxReply, and says
// whether the connection can carry another request: not when the server
// said it closes (Connection: close, HTTP/1.0) or the body was not read
// to its end.
func readWireReply(br *bufio.Reader) (reply, bool, error) {
	resp, err := http.ReadResponse(br, nil)
	// 1xx replies are interim: the final one follows.
	for err == nil && resp.StatusCode >= 100 && resp.StatusCode <= 199 && resp.StatusCode != http.StatusSwitchingProtocols {
		resp, err = http.ReadResponse(br, nil)
	}
	if err != nil {
		return reply{}, false, err
	}
	body, whole, err := readBody(resp)
	if err != nil {
		return reply{}, false, err
	}
	r := reply{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), body: body}
	return r, whole && !resp.Close, nil
}

// readBody reads resp's body up to maxReply and says whether it was read
// to its end.
func readBody(resp *http.Response) ([]byte, bool, error) {
	if n := resp.ContentLength; n >= 0 && n <= maxReply {
		b := make([]byte, n)
		_, err := io.ReadFull(resp.Body, b)
		return b, true, err
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxReply+1))
	if len(b) > maxReply {
		return b[:maxReply], false, err
	}
	return b, true, err
}
