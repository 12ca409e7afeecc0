//go:build linux

package scheduler

import (
	"time"

	"golang.org/x/sys/unix"
)

// stallClock reads the clock that claims are fenced by: CLOCK_BOOTTIME,
// which, unlike Go's monotonic clock (CLOCK_MONOTONIC), goes on while the
// machine is suspended, so that a laptop or VM that slept past a lease
// counts the sleep as a stall. It is chosen once: where the kernel lacks
// it, Go's clock is used throughout, never the two mixed.
var stallClock = func() func() time.Time {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts) != nil {
		return time.Now
	}
	return bootClock
}()

// bootClock reads CLOCK_BOOTTIME, which cannot fail once it has worked.
func bootClock() time.Time {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts)
	return time.Unix(ts.Unix())
}
