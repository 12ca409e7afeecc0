package scheduler

import (
	"sync"
	"time"
)

// newStallClock returns the clock a dispatcher fences its claims by (see
// sleepClock).
func newStallClock() func() time.Time { return (&sleepClock{read: readClocks}).now }

// sleepClock counts the time a process or machine stood still: Go's
// monotonic clock (CLOCK_MONOTONIC) goes on while the process is stopped
// (SIGSTOP, a stalled VM) but not while the machine is suspended; the wall
// clock, which the kernel moves forward by the sleep on resume, does. So
// the clock advances, between two readings, by the larger of the two
// steps: a suspend past a lease counts as a stall, a wall clock set back
// never turns the clock back, and one set forward only makes the fence
// look at the store sooner. Both are read in one time.Now, without a
// system call (CLOCK_BOOTTIME, which counts a suspend, is one: 2.5 µs of
// every message here).
type sleepClock struct {
	read func() (wall time.Time, mono time.Duration)

	mu       sync.Mutex
	read1    bool          // a reading was taken
	lastWall time.Time     // the last reading
	lastMono time.Duration //
	at       time.Time     // the clock's value at the last reading
}

// monoBase is where readClocks' monotonic readings count from.
var monoBase = time.Now()

// readClocks reads the wall clock and the monotonic one at once.
func readClocks() (wall time.Time, mono time.Duration) {
	t := time.Now()
	return t.Round(0), t.Sub(monoBase)
}

func (c *sleepClock) now() time.Time {
	// Read under the lock: a reading applied after a later one would
	// count the time between them twice.
	c.mu.Lock()
	defer c.mu.Unlock()
	wall, mono := c.read()
	if !c.read1 {
		c.read1, c.at = true, wall
	} else {
		c.at = c.at.Add(max(mono-c.lastMono, wall.Sub(c.lastWall), 0))
	}
	c.lastWall, c.lastMono = wall, mono
	return c.at
}
