package scheduler

import "time"

// SetMonotonic makes d read its claims' monotonic clock from mono: a test
// stalls the dispatcher by moving it on.
func SetMonotonic(d *Dispatcher, mono func() time.Time) { d.mono = mono }

// Holding is how many copies of claims d has taken and not yet finished
// with (sent and recorded, put back, or found lost).
func Holding(d *Dispatcher) int64 { return d.holding.Load() }
