package scheduler

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// TestWindowPlaces: a send given back unsent frees its place at once; an
// answered one holds it for a second after its answer, and a sender
// waiting while every place is in flight goes once that second is over.
func TestWindowPlaces(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	// enterNow enters only if a place is free without waiting.
	enterNow := func(w *window) bool { return w.enter(cancelled) == nil }

	t.Run("unsent frees at once", func(t *testing.T) {
		w := newWindow(2)
		if !enterNow(w) || !enterNow(w) {
			t.Fatal("an empty window of 2 refused two sends")
		}
		if enterNow(w) {
			t.Fatal("a window of 2 let a third send in")
		}
		w.leave(false)
		if !enterNow(w) {
			t.Error("a place given back unsent is not free")
		}
	})

	t.Run("answered holds a second", func(t *testing.T) {
		w := newWindow(1)
		enterNow(w)
		answered := time.Now()
		w.leave(true)
		if full := !enterNow(w); !full && time.Since(answered) < time.Second {
			t.Errorf("a send went %v after the last one's answer; want a second", time.Since(answered))
		}
	})

	t.Run("a waiting sender goes after the answers", func(t *testing.T) {
		// More senders than places (a Twilio long code: rate 1, burst 1,
		// 4 in flight): all places are in flight when the third asks.
		w := newWindow(2)
		enterNow(w)
		enterNow(w)
		ctx, stop := context.WithTimeout(context.Background(), 30*time.Second)
		defer stop()
		entered := make(chan error, 1)
		go func() { entered <- w.enter(ctx) }()
		for !w.hasWaiting() {
			runtime.Gosched()
		}
		answered := time.Now()
		w.leave(true)
		w.leave(true)
		if err := <-entered; err != nil {
			t.Fatalf("the waiting sender never went: %v", err)
		}
		if waited := time.Since(answered); waited < time.Second {
			t.Errorf("the waiting sender went %v after the answers; want a second", waited)
		}
	})
}

func (w *window) hasWaiting() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.waiting > 0
}
