package scheduler_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
)

// hanging never answers until its context ends: a provider that accepted
// the connection and went silent, which no real server does on cue.
type hanging struct{ began chan struct{} }

func (h hanging) Send(ctx context.Context, m channels.Message) (channels.Receipt, error) {
	select {
	case h.began <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return channels.Receipt{}, &channels.Error{Reason: "connection closed: " + ctx.Err().Error()}
}

// TestStopTimeoutAbandonsHangingSends: a stop waits StopTimeout for the
// sends in flight, then abandons them: Run returns, and the deliveries are
// back in the queue, unattempted, held by nobody, saying why.
func TestStopTimeoutAbandonsHangingSends(t *testing.T) {
	s, lib := newStore(t), library(t)
	importContacts(t, s, "all", 2, gen)
	id := publish(t, s, lib, "main-break", "all", notices.Emergency, notices.SMS)
	snd := hanging{began: make(chan struct{}, 1)}
	d := newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{notices.SMS: {Sender: snd, Concurrency: 2}},
		func(c *scheduler.Config) { c.StopTimeout = 200 * time.Millisecond })
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- d.Run(ctx) }()
	<-snd.began
	cancel()
	select {
	case err := <-ran:
		if err != nil {
			t.Errorf("Run: %v; want nil after a stop", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run still waiting for the hanging sends 10 s after the stop; the stop timeout is 200 ms")
	}
	abandoned := 0
	for _, dl := range deliveries(t, s, id, notices.SMS) {
		if dl.Status != notices.DeliveryQueued || dl.Attempts != 0 || dl.ClaimedBy != "" {
			t.Errorf("delivery %s: %s, %d attempts, claimed by %q; want queued, unattempted, unclaimed", dl.Address, dl.Status, dl.Attempts, dl.ClaimedBy)
		}
		if strings.Contains(dl.Error, "abandoned in flight") {
			abandoned++
		}
	}
	if abandoned == 0 {
		t.Error("no delivery says its send was abandoned in flight; the one hanging at the stop should")
	}
}
