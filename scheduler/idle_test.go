package scheduler_test

import (
	"context"
	"testing"
	"time"

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
)

// blocked holds every send until released: a channel busy with a long,
// rate-limited batch.
type blocked struct{ release chan struct{} }

func (b blocked) Send(ctx context.Context, m channels.Message) (channels.Receipt, error) {
	select {
	case <-b.release:
		return channels.Receipt{ProviderID: "x"}, nil
	case <-ctx.Done():
		return channels.Receipt{}, ctx.Err()
	}
}

// TestRetryGoesWhileAnotherChannelIsBusy: with an hour's poll, an email
// retry goes when it falls due, though the text message lane is still
// holding its deliveries: a lane sleeps until its own next due time, not
// until the dispatcher is idle.
func TestRetryGoesWhileAnotherChannelIsBusy(t *testing.T) {
	s, lib := newStore(t), library(t)
	importContacts(t, s, "all", 2, gen)
	emails := publish(t, s, lib, "main-break", "all", notices.Emergency, notices.Email)
	publish(t, s, lib, "main-break", "all", notices.Emergency, notices.SMS)
	email := &scripted{fn: func(n int) error {
		if n == 1 {
			// Once, slowly, so that the lane has gone to sleep by then;
			// the retry is due 50-100 ms later.
			time.Sleep(300 * time.Millisecond)
			return unreachable
		}
		return nil
	}}
	text := blocked{release: make(chan struct{})}
	d := newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{
		notices.Email: {Sender: email, Concurrency: 1},
		notices.SMS:   {Sender: text, Concurrency: 2},
	}, func(c *scheduler.Config) { c.Poll, c.Backoff = time.Hour, 100*time.Millisecond })
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- d.Run(ctx) }()
	defer func() {
		close(text.release)
		cancel()
		<-ran
	}()
	waitUntil(t, "both emails sent, the retry included, while the text messages are held", func() bool {
		r := report(t, s, emails).Channel(notices.Email)
		return r.Sent == 2 && r.Retried == 1
	})
}
