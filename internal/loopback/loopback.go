// Package loopback holds Crier's one rule for addresses that carry a secret
// or a customer's data: plain http:// (or SMTP without TLS) only to this
// machine, https:// (or TLS) to anything else. It imports nothing of ours,
// so the leaf packages (templates, channels) can share it.
package loopback

import (
	"net"
	"net/url"
	"strings"
)

// Host reports whether host (a name or an IP address, without a port;
// brackets around an IPv6 address allowed) is this machine: localhost,
// 127.0.0.0/8 or ::1. Any other name may resolve anywhere, so it is not.
func Host(host string) bool {
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Secure reports whether u may carry a secret: https://, or http:// to a
// loopback host, where nothing crosses a network.
func Secure(u *url.URL) bool {
	switch u.Scheme {
	case "https":
		return true
	case "http":
		return Host(u.Hostname())
	}
	return false
}
