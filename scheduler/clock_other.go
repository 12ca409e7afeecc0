//go:build !linux

package scheduler

import "time"

// stallClock reads the clock that claims are fenced by: Go's monotonic
// clock where no clock counting a suspended machine's sleep is at hand.
func stallClock() time.Time { return time.Now() }
