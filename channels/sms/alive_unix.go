//go:build unix

package sms

import "syscall"

// alive reports whether idle connection c is still open and has nothing
// to read: a server that closed it (its idle limit shorter than maxIdle)
// has sent an end of stream, which one non-blocking peek at the socket
// sees, as net/http's background read does. Anything to read on an idle
// connection (a TLS alert) also rules it out.
func alive(c *wireConn) bool {
	if c.r.Buffered() > 0 {
		return false
	}
	sc, ok := c.tcp.(syscall.Conn)
	if !ok {
		return true
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	var peekErr error
	n := 0
	err = raw.Read(func(fd uintptr) bool {
		// The socket is non-blocking: with nothing to read, EAGAIN.
		n, _, peekErr = syscall.Recvfrom(int(fd), c.peek[:], syscall.MSG_PEEK)
		return true
	})
	return err == nil && n <= 0 && peekErr == syscall.EAGAIN
}
