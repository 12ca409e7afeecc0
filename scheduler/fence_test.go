package scheduler_test

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
)

// gatedSender holds its first message until open is closed, and keeps
// the addresses of every message it was handed.
type gatedSender struct {
	entered chan struct{} // closed when the first message arrives
	open    chan struct{}
	once    sync.Once

	mu   sync.Mutex
	sent []string
}

func newGatedSender() *gatedSender {
	return &gatedSender{entered: make(chan struct{}), open: make(chan struct{})}
}

func (g *gatedSender) Send(ctx context.Context, m channels.Message) (channels.Receipt, error) {
	g.mu.Lock()
	g.sent = append(g.sent, m.To)
	g.mu.Unlock()
	g.once.Do(func() {
		close(g.entered)
		<-g.open
	})
	return channels.Receipt{ProviderID: "id-" + m.ID, At: time.Now()}, nil
}

func (g *gatedSender) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.sent)
}

// A dispatcher whose monotonic clock passed its lease while a send was in
// flight (a stall: SIGSTOP, a paused VM) sends nothing more of what it
// held when another dispatcher took it meanwhile, and does not count the
// outcome the store refused; when no one took it, it checks its claims in
// the store and sends them all.
func TestStalledDispatcherSendsNothingItLost(t *testing.T) {
	const n, lease = 10, 10 * time.Second
	for _, tc := range []struct {
		name      string
		takenOver bool
		wantSends int   // messages of the notice handed to the sender by the stalled dispatcher
		wantSent  int64 // its progress on the notice
	}{
		{name: "claims taken by another", takenOver: true, wantSends: 1, wantSent: 0},
		{name: "claims still held", takenOver: false, wantSends: n, wantSent: n},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			s, err := notices.Open(ctx, filepath.Join(dir, "crier.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			lib := library(t)
			importContacts(t, s, "everyone", n, gen)
			id := publish(t, s, lib, "boil-water-advisory", "everyone", notices.Normal, notices.Email)

			snd := newGatedSender()
			d := newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{notices.Email: {Sender: snd, Concurrency: 1}},
				func(c *scheduler.Config) { c.Worker, c.Lease = "A", lease })
			// A stall moves A's clocks on together: the monotonic one its
			// claims are fenced by, and the wall clock of its store.
			var stalled atomic.Int64
			scheduler.SetMonotonic(d, func() time.Time { return time.Now().Add(time.Duration(stalled.Load())) })
			s.Now = func() time.Time { return time.Now().Add(time.Duration(stalled.Load())) }
			runCtx, stop := context.WithCancel(ctx)
			defer stop()
			done := make(chan error, 1)
			go func() { done <- d.Run(runCtx) }()
			<-snd.entered

			// A stalls with a send in flight, past its lease; meanwhile B,
			// whose clock has gone on, takes over A's claims.
			const stall = time.Minute
			b, err := notices.Open(ctx, filepath.Join(dir, "crier.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			var taken []notices.Delivery
			if tc.takenOver {
				b.Now = func() time.Time { return time.Now().Add(stall) }
				if taken, err = b.Claim(ctx, notices.Email, "B", notices.ClaimScope{}, 100, time.Hour); err != nil || len(taken) != n {
					t.Fatalf("B claimed %d of %d: %v", len(taken), n, err)
				}
			}
			stalled.Store(int64(stall))
			// A sentinel notice, claimed by A after what it held: once it is
			// sent, A's one sender has been through all it held.
			importContacts(t, s, "sentinel", 1, func(i int) customer { return gen(1000 + i) })
			sentinel := publish(t, s, lib, "boil-water-advisory", "sentinel", notices.Normal, notices.Email)
			close(snd.open)
			waitUntil(t, "the sentinel sent", func() bool { return report(t, s, sentinel).Channel(notices.Email).Sent == 1 })
			stop()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if tc.takenOver {
				outs := make([]notices.Outcome, len(taken))
				for i, dl := range taken {
					outs[i] = notices.Outcome{ID: dl.ID, Status: notices.DeliverySent, Attempted: true}
				}
				if _, err := b.Record(ctx, "B", outs); err != nil {
					t.Fatal(err)
				}
			}

			if got := snd.count() - 1; got != tc.wantSends {
				t.Errorf("the stalled dispatcher handed %d messages to the provider; want %d", got, tc.wantSends)
			}
			if p := d.Progress()[0]; p.Sent-1 != tc.wantSent {
				t.Errorf("its progress says %d of the notice sent; want %d (outcomes the store refused are not progress)", p.Sent-1, tc.wantSent)
			}
			if c := report(t, s, id).Channel(notices.Email); c.Sent != n {
				t.Errorf("report %+v; want all %d sent", c, n)
			}
		})
	}
}

// An address suppressed (a STOP reply, an unsubscribe link) while the
// dispatcher holds its delivery, sending slowly, is not sent: the
// dispatcher sees it within a second, without asking per message. (It
// used to check only deliveries held five seconds.)
func TestSuppressedWhileHeldIsNotSent(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	lib := library(t)
	const n = 10
	importContacts(t, s, "everyone", n, gen)
	id := publish(t, s, lib, "boil-water-advisory", "everyone", notices.Normal, notices.Email)
	ds := deliveries(t, s, id, notices.Email)
	last := ds[len(ds)-1]

	snd := newGatedSender()
	close(snd.open)
	d := newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{notices.Email: {Sender: snd, Concurrency: 1, Rate: 5}})
	done := make(chan error, 1)
	go func() { done <- d.Drain(ctx) }()
	<-snd.entered
	if _, _, err := s.Suppress(ctx, last.Address, notices.StopReply, "", "test"); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	snd.mu.Lock()
	defer snd.mu.Unlock()
	for _, to := range snd.sent {
		if to == last.Address {
			t.Errorf("%s was sent the notice after it was suppressed", to)
		}
	}
	for _, dl := range deliveries(t, s, id, notices.Email) {
		if dl.ID == last.ID && (dl.Status != notices.DeliverySuppressed || dl.Error != notices.SuppressedAfterPublishing) {
			t.Errorf("delivery to the suppressed address: %s %q; want suppressed, %q", dl.Status, dl.Error, notices.SuppressedAfterPublishing)
		}
	}
	if len(snd.sent) != len(ds)-1 {
		t.Errorf("%d messages sent; want the %d others", len(snd.sent), len(ds)-1)
	}
}

// TestCancelOfNoticeClaimedNotRendered: a notice cancelled while its
// deliveries are claimed but not yet begun (queued behind another
// notice's slow send, so never rendered) sends nothing once the cancel is
// a second old: the watcher asks about the notice of every claim held.
func TestCancelOfNoticeClaimedNotRendered(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	lib := library(t)
	importContacts(t, s, "first", 1, gen)
	importContacts(t, s, "second", 10, func(i int) customer { return gen(100 + i) })
	publish(t, s, lib, "boil-water-advisory", "first", notices.Normal, notices.Email)
	b := publish(t, s, lib, "boil-water-advisory", "second", notices.Normal, notices.Email)
	snd := newGatedSender()
	d := newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{notices.Email: {Sender: snd, Concurrency: 1}})
	done := make(chan error, 1)
	go func() { done <- d.Drain(ctx) }()
	<-snd.entered // the first notice's one email is in the provider's hands; the second's are claimed behind it
	if _, err := s.CancelNotice(ctx, b); err != nil {
		t.Fatal(err)
	}
	// The promise is a second; wait a few of the watcher's looks past it.
	time.Sleep(2 * time.Second)
	close(snd.open)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := snd.count(); n != 1 {
		t.Errorf("%d messages handed to the provider; want 1, the first notice's (the second was cancelled 2 s before its turn)", n)
	}
	if r := report(t, s, b).Channel(notices.Email); r.Cancelled != 10 || r.Sent != 0 {
		t.Errorf("report of the cancelled notice: %+v; want 10 cancelled, none sent", r)
	}
}

// tokenSender holds every message until it is given a token (or all
// tokens at once), and keeps the addresses of the messages it was handed.
type tokenSender struct {
	token chan struct{}
	all   chan struct{}

	mu      sync.Mutex
	sent    []string
	blocked int // messages it holds now
}

func newTokenSender() *tokenSender {
	return &tokenSender{token: make(chan struct{}), all: make(chan struct{})}
}

func (g *tokenSender) Send(ctx context.Context, m channels.Message) (channels.Receipt, error) {
	g.mu.Lock()
	g.sent = append(g.sent, m.To)
	g.blocked++
	g.mu.Unlock()
	select {
	case <-g.token:
	case <-g.all:
	}
	g.mu.Lock()
	g.blocked--
	g.mu.Unlock()
	return channels.Receipt{ProviderID: "id-" + m.ID, At: time.Now()}, nil
}

// state is how many messages it was handed and how many it holds.
func (g *tokenSender) state() (handed, blocked int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.sent), g.blocked
}

// handed counts the messages to address to.
func (g *tokenSender) handed(to string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, a := range g.sent {
		if a == to {
			n++
		}
	}
	return n
}

// A dispatcher stalled past its lease, whose claims another dispatcher put
// back in the queue, may claim some of them again itself while the copies
// of its lost claims still wait for its senders: the store cannot tell
// the two claims apart (both are this dispatcher's), yet only one copy
// may go. (Under load, with a short lease, two senders sent such a
// delivery twice each, within milliseconds.)
func TestClaimedAgainAfterAStallGoesOnce(t *testing.T) {
	const n, lease, stall = 4, 10 * time.Second, time.Minute
	ctx := context.Background()
	dir := t.TempDir()
	s, err := notices.Open(ctx, filepath.Join(dir, "crier.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	lib := library(t)
	importContacts(t, s, "everyone", n, gen)
	id := publish(t, s, lib, "boil-water-advisory", "everyone", notices.Normal, notices.Email)

	snd := newTokenSender()
	d := newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{notices.Email: {Sender: snd, Concurrency: 2}},
		func(c *scheduler.Config) { c.Worker, c.Lease = "A", lease })
	var stalled atomic.Int64
	scheduler.SetMonotonic(d, func() time.Time { return time.Now().Add(time.Duration(stalled.Load())) })
	s.Now = func() time.Time { return time.Now().Add(time.Duration(stalled.Load())) }
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- d.Run(runCtx) }()
	waitUntil(t, "A's two senders sending", func() bool { _, b := snd.state(); return b == 2 })

	// A stalls past its lease with two sends in flight and two deliveries
	// waiting. B, whose clock has gone on, puts all four back and claims
	// three; A, continued, claims the fourth again.
	b, err := notices.Open(ctx, filepath.Join(dir, "crier.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	b.Now = func() time.Time { return time.Now().Add(stall) }
	taken, err := b.Claim(ctx, notices.Email, "B", notices.ClaimScope{}, n-1, time.Hour)
	if err != nil || len(taken) != n-1 {
		t.Fatalf("B claimed %d of %d: %v", len(taken), n-1, err)
	}
	stalled.Store(int64(stall))
	d.Wake()
	waitUntil(t, "A claiming the fourth again", func() bool {
		c := report(t, s, id).Channel(notices.Email)
		return c.Queued == 0 && c.Sending == n
	})

	// A's senders, one after the other, go through the copies of the
	// lost claims and the copy of the new one.
	snd.token <- struct{}{}
	waitUntil(t, "a third message handed over", func() bool { h, b := snd.state(); return h == 3 && b == 2 })
	snd.token <- struct{}{}
	waitUntil(t, "A's senders sending or idle", func() bool { _, b := snd.state(); return scheduler.Holding(d) == int64(b) })
	close(snd.all)
	waitUntil(t, "the fourth sent", func() bool { return report(t, s, id).Channel(notices.Email).Sent == 1 })
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	fourth := deliveries(t, s, id, notices.Email)
	for _, dl := range fourth {
		if slices.ContainsFunc(taken, func(t notices.Delivery) bool { return t.ID == dl.ID }) {
			continue
		}
		if got := snd.handed(dl.Address); got != 1 {
			t.Errorf("A handed the delivery it claimed again (%s) to the provider %d times; want once", dl.Address, got)
		}
	}
}
