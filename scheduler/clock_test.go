package scheduler

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestSleepClock(t *testing.T) {
	type step struct{ wall, mono time.Duration }
	tests := []struct {
		name  string
		steps []step
		want  time.Duration // how far the clock moved in all
	}{
		{"running: both clocks move alike", []step{{time.Second, time.Second}, {2 * time.Second, 2 * time.Second}}, 3 * time.Second},
		{"stopped process (SIGSTOP, stalled VM): both move", []step{{90 * time.Second, 90 * time.Second}}, 90 * time.Second},
		{"suspended machine: only the wall clock moves", []step{{time.Second, time.Second}, {10 * time.Minute, 0}}, 10*time.Minute + time.Second},
		{"wall clock set back: the clock goes on with the monotonic one", []step{{-time.Hour, time.Second}, {time.Second, time.Second}}, 2 * time.Second},
		{"wall clock set forward: counted (a look at the store sooner)", []step{{time.Hour, time.Second}}, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wall, mono := time.Date(2026, 12, 6, 17, 0, 0, 0, time.UTC), time.Duration(0)
			c := &sleepClock{read: func() (time.Time, time.Duration) { return wall, mono }}
			start := c.now()
			for _, s := range tt.steps {
				wall, mono = wall.Add(s.wall), mono+s.mono
				if got := c.now(); got.Before(start) {
					t.Fatalf("the clock went back: %v before %v", got, start)
				}
			}
			if got := c.now().Sub(start); got != tt.want {
				t.Errorf("the clock moved %v; want %v", got, tt.want)
			}
		})
	}
}

// TestSleepClockCountsEachStepOnce: read by many goroutines at once
// (every sender reads it), the clock moves by the time that passed, no
// more: a reading applied after a later one would count the time between
// them again.
func TestSleepClockCountsEachStepOnce(t *testing.T) {
	base := time.Date(2026, 12, 6, 17, 0, 0, 0, time.UTC)
	var ticks atomic.Int64 // each reading is a millisecond after the last
	c := &sleepClock{read: func() (time.Time, time.Duration) {
		d := time.Duration(ticks.Add(1)) * time.Millisecond
		runtime.Gosched() // let another reading come between this one and its use
		return base.Add(d), d
	}}
	start := c.now()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 2000 {
				c.now()
			}
		})
	}
	wg.Wait()
	end := c.now()
	if got, want := end.Sub(start), time.Duration(ticks.Load()-1)*time.Millisecond; got != want {
		t.Errorf("the clock moved %v while %v passed", got, want)
	}
}
