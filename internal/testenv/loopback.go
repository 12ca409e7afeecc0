package testenv

import (
	"net"
	"sync"
	"testing"
)

// ServeLoopback listens on a free loopback port and runs serve for each
// connection until the test ends, when the listener and the connections
// still open are closed and every serve has returned. It is for the
// hand-made servers of faults no real part makes on demand.
func ServeLoopback(t testing.TB, serve func(net.Conn)) *net.TCPAddr {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() { serve(c) })
		}
	})
	return l.Addr().(*net.TCPAddr)
}
