package config

import "time"

// ConsoleConfig is the [console] table: crier serve's web console.
type ConsoleConfig struct {
	// ApprovalOver is the two-person rule: a notice reaching more than
	// this many recipients waits for a second coordinator's approval
	// before anything is sent; 0 (the default) for none.
	ApprovalOver int `toml:"approval_over"`
	// IdleTimeout signs a console user out after this long without a
	// request, as text such as "30m" (the default); a minute at least.
	IdleTimeout string `toml:"idle_timeout"`
}

// ConsoleSettings are the [console] table checked.
type ConsoleSettings struct {
	ApprovalOver int // 0: no notice waits for approval
	IdleTimeout  time.Duration
}

// ConsoleSettings checks the [console] table; the error lists every
// problem, each naming its key.
func (c Config) ConsoleSettings() (ConsoleSettings, error) {
	k := c.newChecker()
	out := c.console(k)
	return out, k.err()
}

// console checks the [console] table into k.
func (c Config) console(k *checker) ConsoleSettings {
	out := ConsoleSettings{ApprovalOver: c.approvalOver(k)}
	out.IdleTimeout = k.duration("console", "idle_timeout", c.Console.IdleTimeout, "30m")
	if out.IdleTimeout > 0 && out.IdleTimeout < time.Minute {
		// Shorter, a coordinator filling in a notice's form would be
		// signed out before sending it.
		k.bad("console", "idle_timeout", "%q is shorter than a minute; use 1m or more, such as \"30m\"", c.Console.IdleTimeout)
		out.IdleTimeout = 0
	}
	return out
}

// approvalOver checks [console] approval_over into k; 0 when it is wrong.
func (c Config) approvalOver(k *checker) int {
	n := c.Console.ApprovalOver
	if n < 0 {
		k.bad("console", "approval_over", "%d is negative; give the number of recipients above which a notice waits for a second coordinator's approval, or 0 for no approval", n)
		return 0
	}
	return n
}
