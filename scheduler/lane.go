package scheduler

import (
	"context"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/crier-notices/crier/notices"
)

// lane is one channel's side of the dispatcher: its sender, its rate
// limit (a token bucket for the rate, a window of sends for the cap on any
// one second), and a gate that holds every sender of the channel back
// while the provider asked for a pause (Retry-After) or while the channel
// keeps failing (a circuit breaker: after a run of transient failures one
// probe goes at a time, the waits doubling up to maxCool, so that an
// outage costs each delivery a few attempts instead of all of them).
type lane struct {
	name    notices.Channel
	cfg     Channel
	limiter *rate.Limiter
	window  *window       // nil: no rate limit
	queue   chan claimed  // claimed, not yet begun
	kick    chan struct{} // look for due deliveries now
	taken   chan struct{} // a sender took a delivery: room to claim more

	mu        sync.Mutex
	holdUntil time.Time
	run       int // consecutive transient failures
	tripped   bool
	since     time.Time // when the breaker tripped
	probing   bool
	cool      time.Duration

	stats laneStats

	// Owned by the lane's feeder: the notices it has started sending, to
	// log each once, and the quiet hours it has logged.
	started     map[int64]bool
	quietLogged time.Time
}

// The circuit breaker's settings: trip after max(tripAfter, concurrency)
// transient failures in a row, wait minCool, doubling up to maxCool.
const (
	tripAfter = 3
	minCool   = time.Second
	maxCool   = 30 * time.Second
)

type laneStats struct {
	sent, failed, retried, cancelled atomic.Int64
}

func newLane(name notices.Channel, cfg Channel, lease time.Duration) *lane {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 1
	}
	limit := rate.Inf
	if cfg.Rate > 0 {
		limit = rate.Limit(cfg.Rate)
	}
	l := &lane{
		name:    name,
		cfg:     cfg,
		limiter: rate.NewLimiter(limit, cfg.Burst),
		kick:    make(chan struct{}, 1),
		taken:   make(chan struct{}, 1),
	}
	if cfg.Rate > 0 {
		l.window = newWindow(int(math.Floor(cfg.Rate)) + cfg.Burst)
	}
	l.queue = make(chan claimed, l.backlog(lease))
	return l
}

// backlog is how many claimed deliveries the lane keeps ready: enough to
// keep every sender busy and to claim in large batches (a claim is a
// transaction, and it claims when half the backlog is gone: 512 at a
// time), and no more than a quarter of the lease's worth at the rate
// limit. Those not begun at a crash are not sent twice: the restart puts
// them back.
func (l *lane) backlog(lease time.Duration) int {
	n := max(2*l.cfg.Concurrency, 1024)
	if l.cfg.Rate > 0 {
		n = min(n, int(l.cfg.Rate*lease.Seconds()/4))
	}
	return max(n, 1)
}

// announce logs each notice the lane claims for the first time: the
// coordinator reading the log sees when a notice began going out.
func (l *lane) announce(log *slog.Logger, ds []notices.Delivery) {
	if l.started == nil {
		l.started = map[int64]bool{}
	}
	for _, dl := range ds {
		if !l.started[dl.NoticeID] {
			l.started[dl.NoticeID] = true
			log.Info("sending notice", "notice", dl.NoticeID, "channel", l.name)
		}
	}
}

// waitKick waits d, or until the lane is kicked or ctx ends.
func (l *lane) waitKick(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-l.kick:
	case <-t.C:
	}
}

func (l *lane) wake() {
	select {
	case l.kick <- struct{}{}:
	default:
	}
}

// admit waits until the gate is open, or this sender is the breaker's one
// probe. probe says this send tests a failing channel.
func (l *lane) admit(ctx context.Context, now func() time.Time) (probe bool, err error) {
	for {
		l.mu.Lock()
		wait := l.holdUntil.Sub(now())
		if wait <= 0 && !(l.tripped && l.probing) {
			if l.tripped {
				l.probing, probe = true, true
			}
			l.mu.Unlock()
			return probe, nil
		}
		if wait <= 0 {
			wait = 20 * time.Millisecond // another sender is probing
		}
		l.mu.Unlock()
		if err := sleep(ctx, wait); err != nil {
			return false, err
		}
	}
}

// take waits until the rate limit lets one more message go: a token of the
// bucket (the rate over time), then a place in the window (the cap on any
// one second). The caller sends at once and calls done when the provider
// has answered, or done with sent false when it did not send after all.
func (l *lane) take(ctx context.Context) (done func(sent bool), err error) {
	if err := l.limiter.Wait(ctx); err != nil {
		return nil, err
	}
	if l.window == nil {
		return func(bool) {}, nil
	}
	if err := l.window.enter(ctx); err != nil {
		return nil, err
	}
	return l.window.leave, nil
}

// released gives back the probe of a sender that did not send after all.
func (l *lane) released(probe bool) {
	if probe {
		l.mu.Lock()
		l.probing = false
		l.mu.Unlock()
	}
}

// answered records that the provider answered (accepted or refused a
// recipient, or refused the channel): it is reachable.
func (l *lane) answered() (recovered bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	recovered = l.tripped
	l.run, l.tripped, l.probing, l.cool, l.since = 0, false, false, 0, time.Time{}
	return recovered
}

// failed records a transient failure and returns how long the gate now
// holds (0 when it does not), whether the breaker just tripped, and since
// when it has been tripped (zero when it is not). A provider that says how
// long to wait (429 with Retry-After) is answering: the gate holds that
// long and the breaker does not count it.
func (l *lane) failed(retryAfter time.Duration, now time.Time) (hold time.Duration, tripped bool, since time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.probing = false
	if retryAfter > 0 {
		l.holdUntil = later(l.holdUntil, now.Add(retryAfter))
	} else {
		l.run++
		if l.run >= max(tripAfter, l.cfg.Concurrency) {
			if !l.tripped {
				tripped, l.since = true, now
			}
			l.tripped = true
			l.cool = min(max(2*l.cool, minCool), maxCool)
			l.holdUntil = later(l.holdUntil, now.Add(l.cool))
		}
	}
	if d := l.holdUntil.Sub(now); d > 0 {
		hold = d
	}
	return hold, tripped, l.since
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// window caps the sends that may reach the provider within any one second.
// A token bucket alone cannot: it spaces the moments senders are let go,
// but a sender that stalls between its token and the provider (a busy
// machine, a slow connection) arrives together with the ones after it.
// What the provider counts happens somewhere between the moment a send
// begins and the moment its answer comes back, so the window counts each
// send from its start to one second after its answer: a send may begin
// only while fewer than max sends are in flight or answered within the
// last second. Then no one-second window at the provider holds more than
// max, however late any send arrives. The price: a provider answering in
// d seconds gets at most max/(1+d) messages a second.
type window struct {
	max int

	mu      sync.Mutex
	busy    int           // sends begun and not answered
	waiting int           // senders waiting for a place
	ends    []time.Time   // answers within the last second, oldest first
	changed chan struct{} // closed when a send ends: a wait may be shorter now
}

func newWindow(max int) *window {
	return &window{max: max, changed: make(chan struct{})}
}

// enter waits until a send may begin, and counts it as begun.
func (w *window) enter(ctx context.Context) error {
	for {
		w.mu.Lock()
		now := time.Now()
		for len(w.ends) > 0 && now.Sub(w.ends[0]) >= time.Second {
			w.ends = w.ends[1:]
		}
		if w.busy+len(w.ends) < w.max {
			w.busy++
			w.mu.Unlock()
			return nil
		}
		// Full: the oldest answer leaving the window frees a place, and so
		// does a send given back unsent; a send answered now starts a
		// second of its own, which may be the first to end.
		wait := time.Hour
		if len(w.ends) > 0 {
			wait = time.Second - now.Sub(w.ends[0])
		}
		changed := w.changed
		w.waiting++
		w.mu.Unlock()
		err := w.wait(ctx, changed, wait)
		w.mu.Lock()
		w.waiting--
		w.mu.Unlock()
		if err != nil {
			return err
		}
	}
}

// wait waits d, or until changed is closed or ctx ends.
func (w *window) wait(ctx context.Context, changed <-chan struct{}, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-changed:
	case <-t.C:
	}
	return nil
}

// leave ends a send begun with enter: sent, it stays in the window for a
// second from now; unsent, its place is free at once.
func (w *window) leave(sent bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.busy--
	if sent {
		w.ends = append(w.ends, time.Now())
	}
	if w.waiting > 0 { // a new channel only when someone waits on the old one
		close(w.changed)
		w.changed = make(chan struct{})
	}
}

// count adds out, applied by the store, to the lane's progress.
func (l *lane) count(out notices.Outcome) {
	switch {
	case out.Status == notices.DeliverySent:
		l.stats.sent.Add(1)
	case out.Status == notices.DeliveryFailed:
		l.stats.failed.Add(1)
	case out.Status == notices.DeliveryCancelled:
		l.stats.cancelled.Add(1)
	case out.Status == notices.DeliveryQueued && out.Attempted:
		l.stats.retried.Add(1)
	}
}
