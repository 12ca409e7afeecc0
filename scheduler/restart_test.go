package scheduler_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/internal/testenv"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
)

// TestMailpitCleanRestart restarts Mailpit the way a service manager does
// (SIGTERM, then start again on the same port) in the middle of a
// 20,000-email notice. Mailpit closes its database before its SMTP
// sessions, so the sends in flight get 451 and their sessions are left
// out of step (503 to the next MAIL FROM). The notice must go on by
// itself: no pause, every delivery sent, every customer's message in
// Mailpit, repeats at most the sends in flight. Under the race detector it
// sends 1,000 (100 before the restart, 900 after: what it looks for is
// a race in the sessions' reconnecting, not the notice's size); .ci/run
// runs the 20,000 without it.
func TestMailpitCleanRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 20,000 emails")
	}
	n, conns := 20000, 4
	if raceEnabled {
		n = 1000
	}
	mp := testenv.Mailpit(t, "--max", "30000")
	s, lib := newStore(t), library(t)
	importContacts(t, s, "all", n, gen)
	id := publish(t, s, lib, "main-break", "all", notices.Normal, notices.Email)
	sender := &countingSender{Channel: mailpitSender(t, mp, conns)}
	d := newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{notices.Email: {Sender: sender, Concurrency: conns}})
	start := time.Now()
	wait := startDrain(t, d, 10*time.Minute)

	// Counted at the sender: a report would read every delivery.
	for sender.sent.Load() < int64(n/10) {
		if time.Since(start) > 5*time.Minute {
			t.Fatalf("%d emails not sent within 5 minutes", n/10)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("%d sent in %v", sender.sent.Load(), time.Since(start).Round(time.Millisecond))
	mp.Terminate()
	t.Logf("Mailpit stopped with SIGTERM at %d sent", sender.sent.Load())
	mp.Start(t)
	wait()
	t.Logf("drained in %v", time.Since(start).Round(time.Millisecond))

	r := report(t, s, id)
	c := r.Channel(notices.Email)
	if c.Paused != nil {
		t.Errorf("the email channel paused: %+v", *c.Paused)
	}
	if c.Sent != n || c.Failed != 0 || r.Notice.Status != notices.Done {
		t.Errorf("notice %s, report %+v; want done with all %d sent", r.Notice.Status, c, n)
	}
	t.Logf("retried %d deliveries, %d attempts", c.Retried, c.Attempts)
	got := map[string]int{}
	for _, m := range mp.Messages(t) {
		got[m.To[0].Address]++
	}
	var missing []string
	repeats := 0
	for i := 1; i <= n; i++ {
		switch k := got[gen(i).email]; {
		case k == 0:
			missing = append(missing, gen(i).email)
		case k > 1:
			repeats += k - 1
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d customers never received the notice, such as %s", len(missing), missing[0])
	}
	if repeats > conns {
		t.Errorf("%d repeats; at most the %d in flight when Mailpit stopped may repeat", repeats, conns)
	}
}

// countingSender counts the messages its channel accepted.
type countingSender struct {
	channels.Channel
	sent atomic.Int64
}

func (c *countingSender) Send(ctx context.Context, m channels.Message) (channels.Receipt, error) {
	r, err := c.Channel.Send(ctx, m)
	if err == nil {
		c.sent.Add(1)
	}
	return r, err
}
