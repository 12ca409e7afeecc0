//go:build race

package scheduler_test

// raceEnabled: the race detector slows the dispatcher about tenfold, so
// the biggest sends are scaled down under it.
const raceEnabled = true
