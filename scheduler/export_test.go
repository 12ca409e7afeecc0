package scheduler

import "time"

// SetMonotonic makes d read its claims' monotonic clock from mono: a test
// stalls the dispatcher by moving it on.
func SetMonotonic(d *Dispatcher, mono func() time.Time) { d.mono = mono }
