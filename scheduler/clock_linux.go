//go:build linux

package scheduler

import (
	"time"

	"golang.org/x/sys/unix"
)

// stallClock reads the clock that claims are fenced by: CLOCK_BOOTTIME,
// which, unlike Go's monotonic clock (CLOCK_MONOTONIC), goes on while the
// machine is suspended, so that a laptop or VM that slept past a lease
// counts the sleep as a stall.
func stallClock() time.Time {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return time.Now()
	}
	return time.Unix(ts.Unix())
}
