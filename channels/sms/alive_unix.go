//go:build unix

package sms

import "syscall"

// peeker is a connection's means to peek at its socket, made at its first
// peek so that the next cost no allocation.
type peeker struct {
	raw  syscall.RawConn
	peek func(fd uintptr) bool
	n    int
	err  error
	buf  [1]byte
}

// alive reports whether idle connection c is still open and has nothing
// to read: a server that closed it (its idle limit shorter than maxIdle)
// has sent an end of stream, which one non-blocking peek at the socket
// sees, as net/http's background read does. Anything to read on an idle
// connection (a TLS alert) also rules it out.
func alive(c *wireConn) bool {
	if c.r.Buffered() > 0 {
		return false
	}
	p := &c.peeker
	if p.peek == nil {
		sc, ok := c.tcp.(syscall.Conn)
		if !ok {
			return true
		}
		raw, err := sc.SyscallConn()
		if err != nil {
			return false
		}
		p.raw = raw
		p.peek = func(fd uintptr) bool {
			// The socket is non-blocking: with nothing to read, EAGAIN.
			p.n, _, p.err = syscall.Recvfrom(int(fd), p.buf[:], syscall.MSG_PEEK)
			return true
		}
	}
	err := p.raw.Read(p.peek)
	return err == nil && p.n <= 0 && p.err == syscall.EAGAIN
}
