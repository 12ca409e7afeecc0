package scheduler_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
)

// scripted answers each send by its call number: the faults a real
// provider makes only by chance (an outage that then refuses the login).
type scripted struct {
	mu   sync.Mutex
	n    int
	fn   func(n int) error
	sent atomic.Int64
}

func (s *scripted) Send(ctx context.Context, m channels.Message) (channels.Receipt, error) {
	s.mu.Lock()
	s.n++
	n := s.n
	s.mu.Unlock()
	if err := s.fn(n); err != nil {
		return channels.Receipt{}, err
	}
	s.sent.Add(1)
	return channels.Receipt{ProviderID: "x", At: time.Now()}, nil
}

var (
	unreachable = &channels.Error{Reason: "the server cannot be reached"}
	authRefused = &channels.Error{Broken: true, Permanent: true, Code: "535", Reason: "authentication refused"}
	relayDenied = &channels.Error{Permanent: true, Code: "550", Reason: "relaying denied"}
)

// TestBrokenProbeDoesNotFreezeTheChannel: an outage trips the breaker, and
// its probe is then refused the login: that notice pauses, and another
// notice on the same channel is still sent.
func TestBrokenProbeDoesNotFreezeTheChannel(t *testing.T) {
	s, lib := newStore(t), library(t)
	importContacts(t, s, "all", 10, gen)
	a := publish(t, s, lib, "hydrant-flushing", "all", notices.Emergency, notices.SMS)
	b := publish(t, s, lib, "main-break", "all", notices.Normal, notices.SMS)
	snd := &scripted{fn: func(n int) error {
		switch {
		case n <= 4:
			return unreachable
		case n == 5:
			return authRefused
		}
		return nil
	}}
	d := newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{notices.SMS: {Sender: snd, Concurrency: 1}},
		func(c *scheduler.Config) { c.Backoff = 10 * time.Millisecond; c.MaxBackoff = 20 * time.Millisecond })
	drain(t, d, 30*time.Second)
	if r := report(t, s, a).Channel(notices.SMS); r.Paused == nil || r.Sent != 0 {
		t.Errorf("notice A: %+v; want paused with nothing sent", r)
	}
	if r := report(t, s, b).Channel(notices.SMS); r.Sent != 10 {
		t.Errorf("notice B: %+v; want all 10 sent", r)
	}
}

// TestLongOutagePauses: a channel failing longer than OutagePause pauses
// the notice instead of failing its recipients one by one; the probes of
// the failing channel count no attempt.
func TestLongOutagePauses(t *testing.T) {
	s, lib := newStore(t), library(t)
	importContacts(t, s, "all", 3, gen)
	id := publish(t, s, lib, "main-break", "all", notices.Emergency, notices.SMS)
	snd := &scripted{fn: func(int) error { return unreachable }}
	d := newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{notices.SMS: {Sender: snd, Concurrency: 1}},
		func(c *scheduler.Config) {
			c.Backoff, c.MaxBackoff, c.MaxAttempts = 10*time.Millisecond, 20*time.Millisecond, 4
			c.OutagePause = 2 * time.Second
		})
	drain(t, d, 30*time.Second)
	r := report(t, s, id).Channel(notices.SMS)
	if r.Paused == nil || !strings.Contains(r.Paused.Reason, "failing since") {
		t.Fatalf("report %+v; want the channel paused for the outage", r)
	}
	if r.Failed != 0 || r.Queued != 3 {
		t.Errorf("report %+v; want all 3 still queued, none failed", r)
	}
}

// TestPauseAfterAgainAfterResume: refusals in a row pause the notice; once
// resumed in the same running dispatcher, a new run of refusals pauses it
// again instead of failing everyone.
func TestPauseAfterAgainAfterResume(t *testing.T) {
	s, lib := newStore(t), library(t)
	importContacts(t, s, "all", 30, gen)
	id := publish(t, s, lib, "hydrant-flushing", "all", notices.Normal, notices.SMS)
	snd := &scripted{fn: func(int) error { return relayDenied }}
	d := newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{notices.SMS: {Sender: snd, Concurrency: 1}},
		func(c *scheduler.Config) { c.PauseAfter = 3 })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	waitPaused := func() notices.ChannelReport {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			if r := report(t, s, id).Channel(notices.SMS); r.Paused != nil && r.Sending == 0 {
				return r
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatal("not paused")
		return notices.ChannelReport{}
	}
	first := waitPaused()
	if _, err := s.Resume(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	second := waitPaused()
	cancel()
	<-done
	if first.Failed != 3 || second.Failed != 6 {
		t.Errorf("failed %d at the first pause, %d at the second; want 3 and 6", first.Failed, second.Failed)
	}
}

// TestCancelWhileHeld: deliveries waiting on the rate limit when their
// notice is cancelled are not sent.
func TestCancelWhileHeld(t *testing.T) {
	s, lib := newStore(t), library(t)
	importContacts(t, s, "all", 40, gen)
	id := publish(t, s, lib, "hydrant-flushing", "all", notices.Normal, notices.SMS)
	snd := &scripted{fn: func(int) error { return nil }}
	d := newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{notices.SMS: {Sender: snd, Concurrency: 4, Rate: 4}})
	wait := startDrain(t, d, time.Minute)
	waitSent(t, s, id, notices.SMS, 4)
	if _, err := s.CancelNotice(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	atCancel := snd.sent.Load()
	wait()
	// At the rate of 4 a second, at most the one send the limiter lets
	// through while the cancel is seen (the poll) may still go.
	if extra := snd.sent.Load() - atCancel; extra > 4 {
		t.Errorf("%d messages went out after the cancel", extra)
	}
	r := report(t, s, id).Channel(notices.SMS)
	if r.Queued+r.Sending != 0 || int64(r.Sent) != snd.sent.Load() || r.Sent+r.Cancelled != 40 {
		t.Errorf("report %+v, %d sent by the provider", r, snd.sent.Load())
	}
}
