package sms

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/internal/testenv"
)

// These tests hold the Sender's own HTTP/1.1 client (wire) to what
// net/http's server, the real part it must interoperate with, does.

const (
	testAccount = "AC0123456789abcdef0123456789abcdef"
	testToken   = "s3cretT0kenNeverShown"
	testSID     = "SM0123456789abcdef0123456789abcdef"
)

func testMessage() channels.Message {
	return channels.Message{ID: "d1", To: "+13155550101", SMS: &channels.SMS{Body: "Boil water advisory for Elm St."}}
}

// connCounter counts the connections a server opened and closed, and
// signals each close.
type connCounter struct {
	url            string // the server's
	opened, closed atomic.Int64
	closes         chan struct{}
}

func newConnCounter() *connCounter { return &connCounter{closes: make(chan struct{}, 100)} }

func (c *connCounter) hook(_ net.Conn, s http.ConnState) {
	switch s {
	case http.StateNew:
		c.opened.Add(1)
	case http.StateClosed, http.StateHijacked:
		c.closed.Add(1)
		c.closes <- struct{}{}
	}
}

// waitClosed waits for the server to say it closed n connections, for at
// most a minute of the test's clock.
func (c *connCounter) waitClosed(t *testing.T, n int64) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for c.closed.Load() < n {
		select {
		case <-c.closes:
		case <-time.After(time.Until(deadline)):
			t.Fatalf("the server closed %d connections in a minute; want %d", c.closed.Load(), n)
		}
	}
}

// createdHandler answers every message create with Twilio's 201.
func createdHandler(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	io.WriteString(w, `{"sid": "`+testSID+`", "status": "queued"}`)
}

// startServer starts srv (from httptest.NewUnstartedServer) counting its
// connections, with TLS when tls is set.
func startServer(t *testing.T, srv *httptest.Server, useTLS bool) *connCounter {
	t.Helper()
	cc := newConnCounter()
	srv.Config.ConnState = cc.hook
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshakes refused on purpose
	if useTLS {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	cc.url = srv.URL
	return cc
}

func newTestSender(t *testing.T, baseURL string, timeout time.Duration) *Sender {
	t.Helper()
	s, err := New(Config{AccountSID: testAccount, AuthToken: testToken, From: "+13155550100", BaseURL: baseURL, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	if s.wire == nil {
		t.Fatal("the Sender does not use its own connections for a loopback address")
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestWireServerClosesIdle: a server that closes idle connections sooner
// than the Sender's own limit (maxIdle) costs no message: each send after
// the server closed the connection of the one before goes on a new one.
func TestWireServerClosesIdle(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(createdHandler))
	srv.Config.IdleTimeout = 50 * time.Millisecond
	cc := startServer(t, srv, false)
	s := newTestSender(t, srv.URL, 10*time.Second)
	const sends = 4
	for i := range int64(sends) {
		if _, err := s.Send(t.Context(), testMessage()); err != nil {
			t.Fatalf("send %d, after the server closed the idle connection: %v", i+1, err)
		}
		cc.waitClosed(t, i+1)
	}
	if n := cc.opened.Load(); n != sends {
		t.Errorf("the server saw %d connections; want %d, one a send", n, sends)
	}
}

// TestWireReplies: replies of every shape net/http's server makes are
// read whole, and the connection is reused only when it can carry the
// next request.
func TestWireReplies(t *testing.T) {
	big := strings.Repeat("x", 2*maxReply)
	tests := []struct {
		name      string
		handler   http.HandlerFunc
		wantCode  string // "": accepted
		wantConns int64  // for three sends
	}{
		{name: "Content-Length", handler: createdHandler, wantConns: 1},
		{
			name: "chunked",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusCreated)
				io.WriteString(w, `{"sid": "`+testSID+`",`)
				w.(http.Flusher).Flush() // the rest comes in a chunk of its own
				io.WriteString(w, ` "status": "queued"}`)
			},
			wantConns: 1,
		},
		{
			name: "Connection: close",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Connection", "close")
				createdHandler(w, r)
			},
			wantConns: 3,
		},
		{
			// Read up to maxReply: the rest would be taken for the next
			// reply if the connection carried another request.
			name: "a body longer than maxReply",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusInternalServerError)
				io.WriteString(w, big)
			},
			wantCode: "500", wantConns: 3,
		},
		{
			name: "a chunked body longer than maxReply",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusServiceUnavailable)
				for range 4 {
					io.WriteString(w, big[:maxReply/2])
					w.(http.Flusher).Flush()
				}
			},
			wantCode: "503", wantConns: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cc := startServer(t, httptest.NewUnstartedServer(tt.handler), false)
			s := newTestSender(t, cc.url, 10*time.Second)
			for i := range 3 {
				r, err := s.Send(t.Context(), testMessage())
				if tt.wantCode == "" && (err != nil || r.ProviderID != testSID) {
					t.Fatalf("send %d: %+v, %v; want %s", i+1, r, err, testSID)
				}
				var e *channels.Error
				if tt.wantCode != "" && (!errors.As(err, &e) || e.Code != tt.wantCode) {
					t.Fatalf("send %d: %v; want Twilio's %s", i+1, err, tt.wantCode)
				}
			}
			if n := cc.opened.Load(); n != tt.wantConns {
				t.Errorf("the server saw %d connections; want %d", n, tt.wantConns)
			}
		})
	}
}

// TestWireHTTPS: over https, the Sender checks the server's certificate
// against the roots it trusts, offers HTTP/1.1 only and reuses the
// connection.
func TestWireHTTPS(t *testing.T) {
	var proto atomic.Value
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proto.Store(r.TLS.NegotiatedProtocol + " " + r.Proto)
		createdHandler(w, r)
	}))
	cc := startServer(t, srv, true)

	t.Run("trusted", func(t *testing.T) {
		s := newTestSender(t, srv.URL, 10*time.Second)
		s.wire.tls.RootCAs = srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
		for range 3 {
			r, err := s.Send(t.Context(), testMessage())
			if err != nil || r.ProviderID != testSID {
				t.Fatalf("Send: %+v, %v", r, err)
			}
		}
		if p := proto.Load(); p != "http/1.1 HTTP/1.1" {
			t.Errorf("ALPN and protocol %q; want http/1.1", p)
		}
		if n := cc.opened.Load(); n != 1 {
			t.Errorf("the server saw %d connections; want 1, reused", n)
		}
	})
	t.Run("a certificate of no trusted authority", func(t *testing.T) {
		s := newTestSender(t, srv.URL, 10*time.Second)
		_, err := s.Send(t.Context(), testMessage())
		var e *channels.Error
		if !errors.As(err, &e) || e.Permanent || !strings.Contains(e.Reason, reasonUnreachable) || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("err = %v; want a transient failure saying the certificate is not trusted", err)
		}
	})
}

// TestWireCloseLeavesNothing: Close closes the idle connections (the
// server sees each closed), and no goroutine of the Sender outlives it,
// after sends over http and https, some of them cancelled while the
// server holds their reply.
func TestWireCloseLeavesNothing(t *testing.T) {
	// holding answers a message "hold" only once the client went, and
	// says on held that it has it.
	holding := func(held chan<- struct{}) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.FormValue("Body") == "hold" {
				held <- struct{}{}
				<-r.Context().Done()
				return
			}
			createdHandler(w, r)
		})
	}
	heldPlain, heldSecure := make(chan struct{}, 1), make(chan struct{}, 1)
	plain := httptest.NewUnstartedServer(holding(heldPlain))
	secure := httptest.NewUnstartedServer(holding(heldSecure))
	ccPlain, ccSecure := startServer(t, plain, false), startServer(t, secure, true)
	before := runtime.NumGoroutine()

	sp := newTestSender(t, plain.URL, time.Minute)
	ss := newTestSender(t, secure.URL, time.Minute)
	ss.wire.tls.RootCAs = secure.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	var wg sync.WaitGroup
	for _, sh := range []struct {
		s    *Sender
		held chan struct{}
	}{{sp, heldPlain}, {ss, heldSecure}} {
		for range 4 {
			wg.Go(func() {
				if _, err := sh.s.Send(t.Context(), testMessage()); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Go(func() {
			ctx, cancel := context.WithCancel(t.Context())
			wg.Go(func() { <-sh.held; cancel() })
			m := testMessage()
			m.SMS.Body = "hold"
			if _, err := sh.s.Send(ctx, m); !errors.Is(err, context.Canceled) {
				t.Errorf("a send cancelled while the server held it: %v", err)
			}
		})
	}
	wg.Wait()
	sp.Close()
	ss.Close()
	ccPlain.waitClosed(t, ccPlain.opened.Load())
	ccSecure.waitClosed(t, ccSecure.opened.Load())
	waitGoroutines(t, before)
}

// waitGoroutines waits, for at most a minute of the test's clock, for the
// goroutines to be no more than n.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines; want at most %d:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestWireIdleLimit: a connection idle for maxIdle or longer, by the
// pool's clock, is closed and a new one dialled, not reused.
func TestWireIdleLimit(t *testing.T) {
	tests := []struct {
		name      string
		idle      time.Duration
		wantConns int64
	}{
		{name: "reused within the limit", idle: maxIdle - time.Millisecond, wantConns: 1},
		{name: "closed at the limit", idle: maxIdle, wantConns: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cc := startServer(t, httptest.NewUnstartedServer(http.HandlerFunc(createdHandler)), false)
			s := newTestSender(t, cc.url, 10*time.Second)
			now := time.Now()
			s.wire.now = func() time.Time { return now }
			for range 2 {
				if _, err := s.Send(t.Context(), testMessage()); err != nil {
					t.Fatal(err)
				}
				now = now.Add(tt.idle)
			}
			if n := cc.opened.Load(); n != tt.wantConns {
				t.Errorf("the server saw %d connections; want %d", n, tt.wantConns)
			}
		})
	}
}

// TestPathChosen: the Sender's own connections carry message creates only
// when no Transport is given and no proxy applies; a Transport given, or
// a proxy named in HTTPS_PROXY, leaves them to net/http.
func TestPathChosen(t *testing.T) {
	var got *http.Request
	s, err := New(Config{AccountSID: testAccount, AuthToken: testToken, From: "+13155550100",
		Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
			got = r
			return &http.Response{StatusCode: http.StatusCreated, Body: io.NopCloser(strings.NewReader(`{"sid": "` + testSID + `"}`)), ContentLength: -1, Request: r}, nil
		})})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send(t.Context(), testMessage()); err != nil || s.wire != nil || got == nil {
		t.Errorf("with a Transport: %v, own connections %v, the Transport carried %v; want the Transport to carry it", err, s.wire != nil, got)
	}
	s, err = New(Config{AccountSID: testAccount, AuthToken: testToken, From: "+13155550100"})
	if err != nil {
		t.Fatal(err)
	}
	if s.wire == nil && os.Getenv("HTTPS_PROXY") == "" && os.Getenv("https_proxy") == "" {
		t.Error("without a Transport or a proxy, the Sender does not use its own connections")
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestProxyTakesNetHTTP: with HTTPS_PROXY naming a proxy, message creates
// to Twilio go through it (net/http's CONNECT), and those to a mock on
// this machine do not. net/http reads the proxy variables once per
// process, so the test runs itself again in a process of its own, where
// it sets them before anything reads them.
func TestProxyTakesNetHTTP(t *testing.T) {
	if os.Getenv("CRIER_SMS_PROXY_CHILD") == "" {
		cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestProxyTakesNetHTTP$", "-test.v")
		cmd.Env = append(os.Environ(), "CRIER_SMS_PROXY_CHILD=1")
		out, err := cmd.CombinedOutput()
		t.Logf("the test in a process of its own:\n%s", out)
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	proxy := startProxy(t)
	t.Setenv("HTTPS_PROXY", "http://"+proxy.addr)
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")

	s, err := New(Config{AccountSID: testAccount, AuthToken: testToken, From: "+13155550100", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Send(t.Context(), testMessage())
	if got := proxy.request(); got != "CONNECT api.twilio.com:443" || s.wire != nil {
		t.Errorf("the proxy was asked %q (own connections %v); want CONNECT api.twilio.com:443", got, s.wire != nil)
	}
	if err == nil || strings.Contains(err.Error(), testToken) {
		t.Errorf("err = %v; want the proxy's refusal, without the auth token", err)
	}

	// A proxy never applies to this machine.
	asked := proxy.request()
	mock := startServer(t, httptest.NewUnstartedServer(http.HandlerFunc(createdHandler)), false)
	s = newTestSender(t, mock.url, 10*time.Second)
	if _, err := s.Send(t.Context(), testMessage()); err != nil {
		t.Fatal(err)
	}
	if got := proxy.request(); got != asked {
		t.Errorf("a send to this machine went to the proxy: %q", got)
	}
}

// fakeProxy records the first line of each request it is asked and
// refuses it.
type fakeProxy struct {
	addr string
	mu   sync.Mutex
	reqs []string
}

func (p *fakeProxy) request() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.reqs, "; ")
}

func startProxy(t *testing.T) *fakeProxy {
	p := &fakeProxy{}
	p.addr = testenv.ServeLoopback(t, func(c net.Conn) {
		defer c.Close()
		req, err := http.ReadRequest(bufio.NewReader(c))
		if err == nil {
			p.mu.Lock()
			p.reqs = append(p.reqs, req.Method+" "+req.Host)
			p.mu.Unlock()
		}
		io.WriteString(c, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
	}).String()
	return p
}

// TestWireRetriesWhatNeverWent: a reused connection that takes no byte of
// the request (here its sending side shut down, which the server cannot
// see while it waits) costs no message: the request goes once on a new
// connection, since the server saw nothing of it. The server is a fake
// because net/http's closes its side at once, which the pool would see.
func TestWireRetriesWhatNeverWent(t *testing.T) {
	var accepted atomic.Int64
	addr := testenv.ServeLoopback(t, func(c net.Conn) {
		accepted.Add(1)
		serveHoldingOpen(c)
	})
	s := newTestSender(t, "http://"+addr.String(), 10*time.Second)
	if _, err := s.Send(t.Context(), testMessage()); err != nil {
		t.Fatal(err)
	}
	s.wire.idle[0].tcp.(*net.TCPConn).CloseWrite()
	if _, err := s.Send(t.Context(), testMessage()); err != nil {
		t.Fatalf("a send on a connection that took nothing: %v", err)
	}
	if n := accepted.Load(); n != 2 {
		t.Errorf("the server saw %d connections; want 2", n)
	}
}

// serveHoldingOpen answers c's requests with Twilio's 201 and, at the end
// of the client's stream, keeps c open until it is closed.
func serveHoldingOpen(c net.Conn) {
	br := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			io.Copy(io.Discard, c) // until the test closes c
			return
		}
		io.Copy(io.Discard, req.Body)
		body := `{"sid": "` + testSID + `"}`
		io.WriteString(c, "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body)
	}
}
