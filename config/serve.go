package config

import (
	"net"
	"strings"
	"time"
)

// ServeSettings are [serve], [web] listen, [schedule] grace and
// [console] checked: what crier serve listens on, how it stops, and how
// its console signs users out.
type ServeSettings struct {
	AdminAddress string // "" for none
	WebListen    string // "" for none
	StopTimeout  time.Duration
	Grace        time.Duration
	Console      ConsoleSettings
}

// ServeSettings checks the keys crier serve reads besides the
// dispatcher's; the error lists every problem, each naming its key.
func (c Config) ServeSettings() (ServeSettings, error) {
	k := c.newChecker()
	var out ServeSettings
	switch a := strings.TrimSpace(c.Serve.AdminAddress); a {
	case "off", "":
	default:
		if _, _, err := net.SplitHostPort(a); err != nil {
			k.bad("serve", "admin_address", "%q: write host:port, as in 127.0.0.1:8086, or off", a)
		}
		out.AdminAddress = a
	}
	switch a := strings.TrimSpace(c.Web.Listen); a {
	case "off", "":
	default:
		if _, _, err := net.SplitHostPort(a); err != nil {
			k.bad("web", "listen", "%q: write host:port, as in 127.0.0.1:8080, or off", a)
		}
		out.WebListen = a
	}
	out.StopTimeout = k.duration("serve", "stop_timeout", c.Serve.StopTimeout, "30s")
	out.Grace = k.duration("schedule", "grace", c.Schedule.Grace, "1h")
	out.Console = c.console(k)
	if err := k.err(); err != nil {
		return out, err
	}
	return out, nil
}
