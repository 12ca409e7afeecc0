//go:build !unix

package sms

// peeker is empty: there is no peek at the socket here.
type peeker struct{}

// alive reports whether idle connection c has nothing unread. Without a
// peek at the socket, a server closing it sooner than maxIdle goes
// unseen until the next request fails.
func alive(c *wireConn) bool { return c.r.Buffered() == 0 }
