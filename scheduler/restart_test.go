package scheduler_test

import (
	"testing"
	"time"

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
// Mailpit, repeats at most the sends in flight.
func TestMailpitCleanRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 20,000 emails")
	}
	const n, conns = 20000, 4
	mp := testenv.Mailpit(t, "--max", "30000")
	s, lib := newStore(t), library(t)
	importContacts(t, s, "all", n, gen)
	id := publish(t, s, lib, "main-break", "all", notices.Normal, notices.Email)
	d := newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{notices.Email: {Sender: mailpitSender(t, mp, conns), Concurrency: conns}})
	start := time.Now()
	wait := startDrain(t, d, 10*time.Minute)

	// Polled gently: a report counts every delivery.
	for report(t, s, id).Channel(notices.Email).Sent < n/10 {
		if time.Since(start) > 5*time.Minute {
			t.Fatalf("%d emails not sent within 5 minutes", n/10)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("%d sent in %v", n/10, time.Since(start).Round(time.Millisecond))
	mp.Terminate()
	mid := report(t, s, id).Channel(notices.Email)
	t.Logf("Mailpit stopped with SIGTERM at %d sent", mid.Sent)
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
