package scheduler

import (
	"sync"
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

// TestSleepClockNeverGoesBack: readings of the real clocks from many
// goroutines at once (every sender reads it) never see it go back.
func TestSleepClockNeverGoesBack(t *testing.T) {
	c := &sleepClock{read: readClocks}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			prev := c.now()
			for range 10000 {
				now := c.now()
				if now.Before(prev) {
					t.Errorf("the clock went back from %v to %v", prev, now)
					return
				}
				prev = now
			}
		})
	}
	wg.Wait()
}
