package scheduler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/channels/email"
	"github.com/crier-notices/crier/channels/sms"
	"github.com/crier-notices/crier/internal/logs"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// Dispatcher works the delivery queue: it claims due deliveries under a
// lease, renders each recipient's message, sends it through the channel
// within the channel's limits, and records the outcome, retrying what is
// transient. Every outcome is committed before its sender hands the next
// message to the provider, so a crash repeats at most the sends in
// flight: one per sender. The rest of that next send (its claim, its
// message, an email's envelope and data) overlaps the commit, which takes
// the outcomes of several senders at once.
type Dispatcher struct {
	store Queue
	cfg   Config
	log   *slog.Logger
	lanes map[notices.Channel]*lane

	renders *renderCache
	records chan recordRequest
	// need tells the recorder that a sender waits for a commit: it
	// commits then, with whatever outcomes have come in.
	need   chan struct{}
	wakeUp chan struct{}

	printRetry   map[int64]retryAt // print jobs that failed: when to try again
	publishRetry map[int64]retryAt // scheduled notices whose publishing failed
	inFlight     atomic.Int64      // sends begun whose outcome is not committed
	working      atomic.Int64      // senders at work on a delivery
	holding      atomic.Int64      // deliveries claimed whose outcome is not committed
	// sending is the context of the sends: cancelled when a stop has
	// waited StopTimeout for them.
	sending context.Context

	// mono reads the monotonic clock the claims are fenced by (tests
	// stall it).
	mono func() time.Time

	fenceMu     sync.Mutex
	held        map[int64]heldClaim // the claims this dispatcher holds, by delivery
	claims      uint64              // the claims taken so far: the number of the latest
	unreachable map[int64]bool      // held deliveries suppressed since publishing, at the last look
	looked      time.Time           // monotonic: when the last complete look began

	mu        sync.Mutex
	cancelled map[int64]bool
	paused    map[pauseKey]time.Time // when the store had the pause; zero while it is being written
	permRuns  map[pauseKey]int       // consecutive permanent failures
}

// retryAt is when to try a failed job again, the wait that led there,
// and how many times it failed.
type retryAt struct {
	at   time.Time
	wait time.Duration
	n    int
}

type pauseKey struct {
	notice  int64
	channel notices.Channel
}

// New returns a dispatcher over the store with the configuration's
// channels. It starts nothing: Run or Drain does.
func New(store Queue, cfg Config) (*Dispatcher, error) {
	if store == nil || cfg.Library == nil {
		return nil, errors.New("dispatcher: a store and a template library are required")
	}
	if len(cfg.Channels) == 0 {
		return nil, errors.New("dispatcher: no channel to send through")
	}
	setDefaults(&cfg)
	d := &Dispatcher{
		store:     store,
		cfg:       cfg,
		log:       cfg.Log,
		lanes:     map[notices.Channel]*lane{},
		records:   make(chan recordRequest, 256),
		need:      make(chan struct{}, 1),
		wakeUp:    make(chan struct{}, 1),
		cancelled: map[int64]bool{},
		paused:    map[pauseKey]time.Time{},
		permRuns:  map[pauseKey]int{},
		mono:      newStallClock(),
		held:      map[int64]heldClaim{},
	}
	d.printRetry, d.publishRetry = map[int64]retryAt{}, map[int64]retryAt{}
	d.renders = newRenderCache(store, &d.cfg)
	for name, ch := range cfg.Channels {
		if ch.Sender == nil {
			return nil, fmt.Errorf("dispatcher: channel %s has no sender", name)
		}
		d.lanes[name] = newLane(name, ch, cfg.Lease)
	}
	return d, nil
}

func setDefaults(c *Config) {
	if c.Worker == "" {
		c.Worker = workerName()
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.Lease, 2*time.Minute)
	def(&c.MaxAge, 24*time.Hour)
	def(&c.Backoff, 5*time.Second)
	def(&c.MaxBackoff, 10*time.Minute)
	def(&c.Poll, time.Second)
	def(&c.OutagePause, 15*time.Minute)
	def(&c.Grace, time.Hour)
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	if c.PauseAfter <= 0 {
		c.PauseAfter = 25
	}
	if c.Log == nil {
		c.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Worker is the name this dispatcher claims under.
func (d *Dispatcher) Worker() string { return d.cfg.Worker }

// Wake makes an idle dispatcher look for due deliveries at once (a notice
// was just published) instead of at its next poll.
func (d *Dispatcher) Wake() {
	select {
	case d.wakeUp <- struct{}{}:
	default:
	}
}

// Run works the queue until ctx ends, then stops taking messages, lets the
// sends in flight end, and puts back what it had claimed and not begun. A
// dispatcher runs once: Run or Drain, not both, not twice.
func (d *Dispatcher) Run(ctx context.Context) error { return d.run(ctx, false) }

// Drain works the queue until no delivery is queued or sending (retries
// waiting for their time included), then stops as Run does. Deliveries of
// paused channels and of notices scheduled later are left for later.
func (d *Dispatcher) Drain(ctx context.Context) error { return d.run(ctx, true) }

func (d *Dispatcher) run(ctx context.Context, drain bool) error {
	d.releaseDead(ctx)

	// Sends and records outlive ctx: a message in flight when the stop
	// comes is finished and recorded (within StopTimeout), never
	// abandoned half-sent.
	sendCtx := context.WithoutCancel(ctx)
	sending, abandon := context.WithCancel(sendCtx)
	defer abandon()
	d.sending = sending
	stopping, stop := context.WithCancel(ctx)
	defer stop()

	var recorderDone sync.WaitGroup
	recorderDone.Add(1)
	go func() {
		defer recorderDone.Done()
		d.recorder(sendCtx)
	}()

	var workers sync.WaitGroup
	workers.Add(1)
	go func() {
		defer workers.Done()
		d.watch(stopping)
	}()
	for _, l := range d.sortedLanes() {
		if l.name == notices.Print {
			continue // print works a notice at a time, from the main loop
		}
		workers.Add(1)
		go func() {
			defer workers.Done()
			d.feed(stopping, l)
		}()
		for range l.cfg.Concurrency {
			workers.Add(1)
			go func() {
				defer workers.Done()
				d.work(stopping, sendCtx, l)
			}()
		}
	}

	err := d.loop(stopping, drain)
	stop()
	if d.cfg.StopTimeout > 0 {
		t := time.AfterFunc(d.cfg.StopTimeout, func() {
			if n := d.inFlight.Load(); n > 0 {
				d.log.Warn("stop timeout: abandoning the sends in flight; they go again on the next start", "count", n, "timeout", d.cfg.StopTimeout)
			}
			abandon()
		})
		defer t.Stop()
	}
	workers.Wait()
	close(d.records)
	recorderDone.Wait()
	if n, rerr := d.store.ReleaseClaims(sendCtx, d.cfg.Worker); rerr != nil {
		err = errors.Join(err, rerr)
	} else if n > 0 {
		d.log.Info("put back deliveries claimed and not begun", "count", n)
	}
	if ctx.Err() != nil && err == nil {
		return nil // stopped as asked
	}
	return err
}

// channels are the channels this dispatcher sends on.
func (d *Dispatcher) channels() []notices.Channel {
	var chs []notices.Channel
	for _, l := range d.sortedLanes() {
		chs = append(chs, l.name)
	}
	return chs
}

func (d *Dispatcher) sortedLanes() []*lane {
	var ls []*lane
	for _, ch := range notices.NoticeChannels {
		if l := d.lanes[ch]; l != nil {
			ls = append(ls, l)
		}
	}
	return ls
}

// loop is the housekeeping: scheduled notices started, print documents
// written, cancellations and pauses seen, finished notices closed; in a
// drain, the end of the work noticed.
func (d *Dispatcher) loop(ctx context.Context, drain bool) error {
	for {
		var settle time.Duration
		if err := d.housekeep(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			// A locked or busy store: the next round tries again, not at
			// once (something due would have it spin).
			settle = min(time.Second, d.cfg.Poll)
			d.log.Error("housekeeping failed; trying again", "in", settle, "err", err)
		}
		if drain {
			held := map[notices.Channel]notices.ClaimScope{}
			if l := d.lanes[notices.SMS]; l != nil {
				if sc := d.scope(l); sc.EmergencyOnly {
					held[notices.SMS] = sc // quiet hours: a drain leaves them for the morning
				}
			}
			pending, err := d.pending(ctx, held)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
			if !pending {
				// The last outcomes may have come in after this round's
				// housekeeping: close their notices now.
				return d.finishDone(ctx)
			}
		}
		wait := d.nextLook(ctx)
		if drain {
			// What is left may be another dispatcher's to finish: look
			// again soon rather than at the next poll.
			wait = min(wait, time.Second)
		}
		t := time.NewTimer(max(wait, settle))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-d.wakeUp:
			for _, l := range d.lanes {
				l.wake()
			}
		case <-t.C:
		}
		t.Stop()
	}
}

// pending says whether a drain has work left: on every notice, or on
// the one notice the dispatcher is limited to.
func (d *Dispatcher) pending(ctx context.Context, held map[notices.Channel]notices.ClaimScope) (bool, error) {
	if d.cfg.Notice != 0 {
		return d.store.NoticePending(ctx, d.cfg.Notice, d.channels()...)
	}
	return d.store.PendingExcept(ctx, held, d.channels()...)
}

// minWait keeps a wait for something already due from spinning.
const minWait = 10 * time.Millisecond

// nextLook is how long the housekeeping may wait: a poll when idle, but no
// later than the next scheduled notice or print retry, and at most a
// second while deliveries are held (cancellations, pauses and lease
// renewals are seen within it).
func (d *Dispatcher) nextLook(ctx context.Context) time.Duration {
	wait := d.cfg.Poll
	if d.holding.Load() > 0 {
		wait = min(wait, time.Second, d.cfg.Lease/4)
	}
	now := d.cfg.Now()
	until := func(t time.Time) {
		wait = min(wait, max(t.Sub(now), minWait))
	}
	// One already due was handled by this round's housekeeping: published,
	// paused, or waiting for its retry (below).
	if at, ok, err := d.store.NextScheduled(ctx); err == nil && ok && at.After(now) {
		until(at)
	}
	for _, r := range d.printRetry {
		until(r.at)
	}
	for _, r := range d.publishRetry {
		until(r.at)
	}
	return wait
}

func (d *Dispatcher) housekeep(ctx context.Context) error {
	if d.cfg.Notice != 0 {
		return d.finishDone(ctx) // one notice's work: the rest is another dispatcher's
	}
	if err := d.publishDue(ctx); err != nil {
		return err
	}
	started, err := d.store.StartDue(ctx)
	if err != nil {
		return err
	}
	for _, id := range started {
		d.log.Info("scheduled notice due: sending", "notice", id)
	}
	if len(started) > 0 {
		for _, l := range d.lanes {
			l.wake()
		}
	}
	if l := d.lanes[notices.Print]; l != nil {
		if err := d.printDue(ctx, l); err != nil || ctx.Err() != nil {
			return err // stopping: the notices done are finished next time
		}
	}
	return d.finishDone(ctx)
}

// publishDue publishes the scheduled notices whose time has come: their
// audience, addresses and languages are read now. One found more than the
// grace window late pauses with the reason (pauseLate). One that cannot be
// published (its template gone, its values no longer filling it, its
// list deleted) pauses with the reason, for the coordinator to fix and
// resume, reschedule or cancel. A store error is retried with backoff,
// the other notices and the rest of the housekeeping going on meanwhile;
// after publishAttempts it pauses too.
func (d *Dispatcher) publishDue(ctx context.Context) error {
	ids, err := d.store.DueScheduled(ctx)
	if err != nil {
		return err
	}
	now := d.cfg.Now()
	for _, id := range ids {
		retry := d.publishRetry[id]
		if now.Before(retry.at) {
			continue
		}
		n, err := d.store.Notice(ctx, id)
		if err == nil {
			if late, err := d.pauseLate(ctx, n, now); late || err != nil {
				if err != nil {
					return err
				}
				delete(d.publishRetry, id)
				continue
			}
		}
		var sum notices.PublishSummary
		var fam *templates.Family
		if err == nil {
			if fam, err = d.cfg.Library.Family(n.Template); err == nil {
				err = d.checkNotice(n)
			}
			if err == nil {
				sum, err = d.store.Publish(ctx, id, fam, d.cfg.DefaultLanguage)
			}
		}
		switch code := notices.ErrorCode(err); {
		case err == nil:
			delete(d.publishRetry, id)
			if sum.Status == notices.Scheduled {
				continue // moved later meanwhile
			}
			d.log.Info("scheduled notice due: published", "notice", id, "queued", sum.Queued())
			for _, l := range d.lanes {
				l.wake()
			}
		case code == notices.Conflict:
			delete(d.publishRetry, id) // published meanwhile by another dispatcher, or cancelled
		case code == notices.Internal && fam != nil && retry.n+1 < publishAttempts:
			if ctx.Err() != nil {
				return nil
			}
			retry.n++
			retry.wait = min(max(2*retry.wait, d.cfg.Backoff), d.cfg.MaxBackoff)
			retry.at = now.Add(retry.wait)
			d.publishRetry[id] = retry
			d.log.Error("scheduled notice not published; will try again", "notice", id, "in", retry.wait, "err", err)
		default:
			delete(d.publishRetry, id)
			reason := "not published at its send time: " + err.Error()
			paused, perr := d.store.PauseUnpublished(ctx, id, reason)
			if perr != nil {
				return perr
			}
			if paused {
				d.log.Error("scheduled notice paused: fix the cause, then run crier notices resume (or reschedule, or cancel)", "notice", id, "reason", reason)
			}
		}
	}
	return nil
}

// checkNotice makes a scheduled notice's messages for a sample recipient
// before it is published, as crier send does: a fault that would stop
// every recipient's message pauses the notice unpublished instead.
func (d *Dispatcher) checkNotice(n notices.Notice) error {
	if err := CheckNotice(d.cfg, n); err != nil {
		return &notices.Error{Code: notices.Invalid, Message: "its messages cannot be made", Err: err}
	}
	return nil
}

// publishAttempts is how many times a store error may stop a scheduled
// notice's publishing before it pauses for the coordinator.
const publishAttempts = 5

// finishDone marks done the notices with nothing left to send.
func (d *Dispatcher) finishDone(ctx context.Context) error {
	done, err := d.store.FinishDone(ctx)
	if err != nil {
		return err
	}
	for _, id := range done {
		d.log.Info("notice done", "notice", id)
		d.renders.forget(id)
	}
	return nil
}

// refreshStates learns which notices being sent were cancelled or paused
// by someone else (crier notices cancel, another dispatcher).
func (d *Dispatcher) refreshStates(ctx context.Context) error {
	// The notices being rendered, and those of every claim held: a notice
	// claimed and not yet rendered can be cancelled too.
	ids := d.renders.ids()
	for _, id := range d.heldNotices() {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	asked := time.Now()
	cancelled, paused, err := d.store.NoticeStates(ctx, ids)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cancelled = cancelled
	for k, stored := range d.paused {
		// Only a pause the store had before this question can have been
		// lifted: one paused since (or still being written) stays.
		if !stored.IsZero() && stored.Before(asked) && !slices.Contains(paused[k.notice], k.channel) {
			delete(d.paused, k) // resumed
		}
	}
	for id, chs := range paused {
		for _, ch := range chs {
			if _, ok := d.paused[pauseKey{id, ch}]; !ok {
				d.paused[pauseKey{id, ch}] = asked
			}
		}
	}
	return nil
}

func (d *Dispatcher) isCancelled(id int64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cancelled[id]
}

func (d *Dispatcher) isPaused(id int64, ch notices.Channel) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.paused[pauseKey{id, ch}]
	return ok
}

// feed claims due deliveries for the lane's senders, keeping its backlog
// full, and waits for a kick or the poll when nothing is due.
func (d *Dispatcher) feed(ctx context.Context, l *lane) {
	defer close(l.queue)
	want := l.backlog(d.cfg.Lease)
	// The first claim after a rest is small, so that the first messages
	// go at once; each full claim doubles the next, up to the backlog.
	first := min(want, max(2*l.cfg.Concurrency, 16))
	size := first
	for ctx.Err() == nil {
		room := want - len(l.queue)
		if room < max(1, want/2) {
			select { // until a sender takes one
			case <-ctx.Done():
				return
			case <-l.taken:
			}
			continue
		}
		scope := d.scope(l)
		sent := d.mono()
		ask := min(room, size)
		ds, err := d.store.Claim(ctx, l.name, d.cfg.Worker, scope, ask, d.cfg.Lease)
		if err != nil {
			if ctx.Err() == nil {
				// A busy store (another process importing): try again soon,
				// or at once when woken (an emergency published meanwhile).
				wait := min(d.cfg.Poll, d.cfg.Backoff)
				d.log.Error("claim failed; trying again", "channel", l.name, "in", wait, "err", err)
				l.waitKick(ctx, wait)
			}
			continue
		}
		cs := d.hold(ds, sent)
		d.holding.Add(int64(len(ds)))
		l.announce(d.log, ds)
		for _, c := range cs {
			select {
			case l.queue <- c:
			case <-ctx.Done():
				return // ReleaseClaims puts back the rest
			}
		}
		if len(ds) < ask {
			d.idle(ctx, l, scope)
			size = first
			continue
		}
		size = min(2*size, want)
	}
}

// scope is what the lane may claim now: during quiet hours, only the
// text messages of emergencies.
func (d *Dispatcher) scope(l *lane) notices.ClaimScope {
	return notices.ClaimScope{Notice: d.cfg.Notice, EmergencyOnly: l.name == notices.SMS && !d.cfg.QuietHours.Until(d.cfg.Now()).IsZero()}
}

// idle waits, once the lane has claimed everything due, for a kick (a
// notice published, Wake), the next delivery's due time, or the end of
// quiet hours, whichever comes first; at the longest, the poll.
func (d *Dispatcher) idle(ctx context.Context, l *lane, scope notices.ClaimScope) {
	now := d.cfg.Now()
	due, ok, err := d.store.NextDue(ctx, l.name, d.cfg.Worker, scope)
	poll := d.cfg.Poll
	switch {
	case err != nil:
		poll = min(poll, d.cfg.Backoff) // the store did not say: look again soon
	case !ok:
		due = time.Time{}
	}
	var quietEnd time.Time
	if scope.EmergencyOnly {
		if quietEnd = d.cfg.QuietHours.Until(now); !quietEnd.IsZero() && l.quietLogged != quietEnd {
			l.quietLogged = quietEnd
			d.log.Info("quiet hours: text messages of normal notices wait; emergencies go", "until", quietEnd.In(d.cfg.QuietHours.Location).Format("2006-01-02 15:04 MST"))
		}
	}
	l.waitKick(ctx, idleWait(now, poll, due, quietEnd))
}

// idleWait is how long an idle lane sleeps at now: until the next
// delivery falls due or quiet hours end (zero times: none), at most poll,
// and never so little that it spins.
func idleWait(now time.Time, poll time.Duration, due, quietEnd time.Time) time.Duration {
	wait := poll
	for _, t := range []time.Time{due, quietEnd} {
		if !t.IsZero() {
			wait = min(wait, max(t.Sub(now), minWait))
		}
	}
	return wait
}

// work sends the lane's claimed deliveries one at a time until the lane
// stops.
func (d *Dispatcher) work(stopping, sendCtx context.Context, l *lane) {
	// prev is this sender's last outcome, perhaps not yet committed. The
	// next send waits for its commit just before its message can be
	// accepted; the sender waits for it before waiting for work, which
	// may be long.
	var prev *pendingOutcome
	defer func() { prev.wait() }()
	for {
		if stopping.Err() != nil {
			return // what is left in the queue is put back at the stop
		}
		var c claimed
		var ok bool
		select {
		case c, ok = <-l.queue:
		default:
			prev.wait()
			prev = nil
			select {
			case <-stopping.Done():
				return
			case c, ok = <-l.queue:
			}
		}
		if !ok {
			return
		}
		select {
		case l.taken <- struct{}{}:
		default:
		}
		d.working.Add(1)
		next := d.deliver(stopping, sendCtx, l, c, prev.wait)
		d.working.Add(-1)
		if next != nil {
			prev.wait() // a send that failed before its hand-over did not
			prev = next
		}
	}
}

// deliver sends one delivery and records what became of it. Just before
// the provider can accept the message, it calls prev, which waits for the
// commit of this sender's previous outcome. The outcome of a message
// handed to the provider is returned uncommitted, for the sender to wait
// for (pendingOutcome.wait); any other outcome is committed before
// deliver returns nil.
func (d *Dispatcher) deliver(stopping, sendCtx context.Context, l *lane, c claimed, prev func()) (pending *pendingOutcome) {
	dl := c.Delivery
	defer func() {
		if pending == nil {
			d.letGo()
		}
	}()
	if !d.current(c) {
		// Lost meanwhile, or claimed again: its outcome is not this copy's
		// to record (the store would refuse it, or take it for the later
		// claim's).
		return
	}
	out := notices.Outcome{ID: dl.ID}
	if d.stopped(l, dl, &out) || d.quiet(l, dl, &out) {
		d.settle(sendCtx, l, out)
		return
	}
	msg, err := d.renders.message(sendCtx, dl)
	var ne *noticeError
	switch {
	case errors.As(err, &ne):
		// The notice itself cannot be rendered (its template is gone, its
		// SMS no longer fits): no recipient's fault, so wait for the
		// coordinator instead of failing everyone.
		out.Status, out.Error = notices.DeliveryQueued, err.Error()
		d.pause(sendCtx, dl.NoticeID, l.name, err.Error())
		d.settle(sendCtx, l, out)
		return
	case errors.Is(err, errStore):
		// The store could not be read: try again later, unattempted.
		out.Status, out.NextAttemptAt = notices.DeliveryQueued, d.cfg.Now().Add(d.cfg.Backoff)
		d.log.Error("notice not loaded; will try again", "notice", dl.NoticeID, "err", err)
		d.settle(sendCtx, l, out)
		return
	case err != nil:
		out.Status, out.Attempted, out.Error = notices.DeliveryFailed, true, "not sent: "+err.Error()
		d.log.Error("message not rendered", "notice", dl.NoticeID, "delivery", dl.ID, "channel", l.name, "err", err)
		d.settle(sendCtx, l, out)
		return
	}
	probe, err := l.admit(stopping, d.cfg.Now)
	if err != nil {
		out.Status = notices.DeliveryQueued // stopping before it began
		d.settle(sendCtx, l, out)
		return
	}
	// The wait may have been long (a hold): look again, in memory.
	if d.stopped(l, dl, &out) || d.quiet(l, dl, &out) || d.suppressedMeanwhile(dl, &out) {
		l.released(probe)
		d.settle(sendCtx, l, out)
		return
	}
	// The rate limit, so that nothing slow comes between a message's turn
	// and its send but the claim's check, which must be last: only what
	// the dispatcher already knows is looked at again after the wait.
	taken, err := l.take(stopping)
	if err != nil {
		out.Status = notices.DeliveryQueued // stopping before it began
		l.released(probe)
		d.settle(sendCtx, l, out)
		return
	}
	if d.stopped(l, dl, &out) || d.quiet(l, dl, &out) || d.suppressedMeanwhile(dl, &out) {
		taken(false)
		l.released(probe)
		d.settle(sendCtx, l, out)
		return
	}
	// The claim, last before the send: a sender that stalled past its
	// lease (or waited its turn that long) sends nothing it lost.
	switch d.fence(sendCtx, c, &out) {
	case fenceLost:
		taken(false)
		l.released(probe)
		d.log.Warn("claim lost while this dispatcher stalled past its lease: another dispatcher has the delivery; not sending it", "delivery", dl.ID, "channel", l.name)
		return
	case fenceStop:
		taken(false)
		l.released(probe)
		d.settle(sendCtx, l, out)
		return
	}
	d.inFlight.Add(1)
	// ready is the last step before the provider can accept the message:
	// the previous outcome committed, and the claim checked again, for
	// the wait may have been long.
	verdict := fenceSend
	ready := func() error {
		prev()
		if verdict = d.fence(sendCtx, c, &out); verdict != fenceSend {
			return errNotHanded
		}
		return nil
	}
	var receipt channels.Receipt
	if st, ok := l.cfg.Sender.(channels.Staged); ok {
		receipt, err = st.SendStaged(d.sending, msg, ready)
	} else if err = ready(); err == nil {
		receipt, err = l.cfg.Sender.Send(d.sending, msg)
	}
	if errors.Is(err, errNotHanded) {
		d.inFlight.Add(-1)
		taken(false)
		l.released(probe)
		if verdict == fenceLost {
			d.log.Warn("claim lost while this dispatcher stalled past its lease: another dispatcher has the delivery; not sending it", "delivery", dl.ID, "channel", l.name)
			return nil
		}
		d.settle(sendCtx, l, out)
		return nil
	}
	taken(true)
	now := d.cfg.Now()
	out.Attempted, out.At = true, now
	switch {
	case err != nil && d.sending.Err() != nil:
		// Abandoned at the stop timeout: the recipient may have it or
		// not; it goes again on the next start, unattempted.
		out.Status, out.Attempted, out.NextAttemptAt = notices.DeliveryQueued, false, now
		out.Error = "abandoned in flight when crier stopped (it may have gone): " + err.Error()
	case err == nil:
		out.Status, out.ProviderID = notices.DeliverySent, receipt.ProviderID
		if !receipt.At.IsZero() {
			out.At = receipt.At
		}
		d.answered(l, dl.NoticeID)
	case channels.IsBroken(err):
		// Not the recipient's fault: put it back without counting the attempt.
		out.Status, out.Attempted, out.Error, out.NextAttemptAt = notices.DeliveryQueued, false, err.Error(), now
		d.answered(l, dl.NoticeID) // the server answered; the pause below stops the notice
		d.pause(sendCtx, dl.NoticeID, l.name, err.Error())
	case channels.IsPermanent(err):
		out.Status, out.Error = notices.DeliveryFailed, err.Error()
		d.suppressFound(sendCtx, dl, err, &out)
		if l.answered() {
			d.log.Info("channel answering again", "channel", l.name)
		}
		d.permanentFailure(sendCtx, l.name, dl.NoticeID, err)
	default:
		retryAfter := min(channels.RetryAfter(err), d.cfg.MaxBackoff)
		out.Error = err.Error()
		if probe {
			// A probe of a failing channel: the channel's fault, not the
			// recipient's, so no attempt is counted.
			out.Status, out.Attempted, out.NextAttemptAt = notices.DeliveryQueued, false, now
		} else {
			attempts := dl.Attempts + 1
			first := dl.FirstAttemptAt
			if first.IsZero() {
				first = now
			}
			if attempts >= d.cfg.MaxAttempts || now.Sub(first) >= d.cfg.MaxAge {
				out.Status = notices.DeliveryFailed
				out.Error = fmt.Sprintf("gave up after %d attempts over %s: %v", attempts, now.Sub(first).Round(time.Second), err)
			} else {
				out.Status = notices.DeliveryQueued
				out.NextAttemptAt = now.Add(max(d.backoff(attempts), retryAfter))
			}
		}
		hold, tripped, since := l.failed(retryAfter, now)
		if tripped {
			d.log.Warn("channel failing: holding its sends and probing", "channel", l.name, "hold", hold.Round(time.Millisecond), "err", err)
		}
		if !since.IsZero() && now.Sub(since) >= d.cfg.OutagePause {
			d.pause(sendCtx, dl.NoticeID, l.name, fmt.Sprintf("failing since %s: %v", since.Format(time.RFC3339), err))
		}
	}
	if d.log.Enabled(sendCtx, slog.LevelDebug) { // its arguments are made even when it is not written
		d.log.Debug("outcome", "notice", dl.NoticeID, "delivery", dl.ID, "channel", l.name, "to", logs.ShortAddress(dl.Address),
			"status", out.Status, "attempted", out.Attempted, "error", out.Error)
	}
	d.unhold(out.ID)
	return &pendingOutcome{d: d, l: l, req: d.enqueue(out)}
}

// errNotHanded is the error of a send stopped just before its hand-over
// to the provider: the claim was lost, or the fence said what to record
// instead.
var errNotHanded = errors.New("not handed to the provider")

// letGo ends the dispatcher's hold of a delivery whose outcome is
// committed. (Its claim was forgotten before the record: a put-back due
// at once may be claimed and held again by now.) The last outcome in hand
// wakes the housekeeping, which may see the work ended (a drain) or due.
func (d *Dispatcher) letGo() {
	if d.holding.Add(-1) == 0 {
		d.Wake()
	}
}

// pendingOutcome is the outcome of a message handed to the provider,
// given to the recorder and not yet waited for.
type pendingOutcome struct {
	d     *Dispatcher
	l     *lane
	req   recordRequest
	ended bool
}

// wait returns once p is committed (trying again while the commit fails),
// counts it in its lane's progress and lets the delivery go. It does
// nothing on nil or when called again.
func (p *pendingOutcome) wait() {
	if p == nil || p.ended {
		return
	}
	p.ended = true
	d, out := p.d, p.req.out
	if d.committed(p.req) {
		p.l.count(out)
	}
	d.inFlight.Add(-1)
	if out.Status == notices.DeliveryQueued {
		// A retry with its own due time: the feeder, which may be asleep
		// until a later one, looks again.
		p.l.wake()
	}
	d.letGo()
}

// suppressFound adds the address of dl to the suppressions, with the
// notice that found it, when the permanent failure err says it is dead
// for good: a number that replied STOP (Twilio's 21610), or a mailbox or
// domain that does not exist (an SMTP 5.1.x refusal). Other permanent
// failures fail only this delivery.
func (d *Dispatcher) suppressFound(ctx context.Context, dl notices.Delivery, err error, out *notices.Outcome) {
	reason, note, noun := notices.StopReply, "Twilio: ", "number"
	switch {
	case sms.OptedOut(err):
	case email.HardBounce(err):
		reason, note, noun = notices.HardBounce, "SMTP: ", "address"
	default:
		return
	}
	if _, _, serr := d.store.SuppressFound(ctx, dl.Address, reason, note+err.Error(), "dispatcher", dl.NoticeID); serr != nil {
		d.log.Error(noun+" not suppressed", "delivery", dl.ID, "reason", reason, "err", serr)
		return
	}
	out.Error += "; the " + noun + " is added to the suppressions"
}

// stopped sets out when the delivery must not go now: its notice was
// cancelled, or its channel paused for the notice.
func (d *Dispatcher) stopped(l *lane, dl notices.Delivery, out *notices.Outcome) bool {
	switch {
	case d.isCancelled(dl.NoticeID):
		out.Status = notices.DeliveryCancelled
		return true
	case d.isPaused(dl.NoticeID, l.name):
		out.Status = notices.DeliveryQueued // put back: the channel waits for the coordinator
		return true
	}
	return false
}

// quiet sets out when the delivery is a normal notice's text message
// and it is quiet hours: put back, unattempted, until they end.
func (d *Dispatcher) quiet(l *lane, dl notices.Delivery, out *notices.Outcome) bool {
	if l.name != notices.SMS || dl.Priority == 0 {
		return false
	}
	end := d.cfg.QuietHours.Until(d.cfg.Now())
	if end.IsZero() {
		return false
	}
	out.Status, out.NextAttemptAt = notices.DeliveryQueued, end
	return true
}

// backoff is the wait before attempt n+1: Backoff doubling per attempt up
// to MaxBackoff, with jitter (between half and all of it) so that the
// retries of a burst do not come back together.
func (d *Dispatcher) backoff(n int) time.Duration {
	w := d.cfg.Backoff
	for i := 1; i < n && w < d.cfg.MaxBackoff; i++ {
		w *= 2
	}
	w = min(w, d.cfg.MaxBackoff)
	return w/2 + rand.N(w/2+1)
}

func (d *Dispatcher) answered(l *lane, notice int64) {
	if l.answered() {
		d.log.Info("channel answering again", "channel", l.name)
	}
	d.mu.Lock()
	delete(d.permRuns, pauseKey{notice, l.name})
	d.mu.Unlock()
}

// permanentFailure counts permanent failures in a row on the notice's
// channel and pauses it past the threshold: a server that refuses every
// recipient is broken, whatever its replies say.
func (d *Dispatcher) permanentFailure(ctx context.Context, ch notices.Channel, notice int64, err error) {
	k := pauseKey{notice, ch}
	d.mu.Lock()
	d.permRuns[k]++
	run := d.permRuns[k]
	d.mu.Unlock()
	if run >= d.cfg.PauseAfter {
		d.mu.Lock()
		delete(d.permRuns, k) // counted afresh after a resume
		d.mu.Unlock()
		d.pause(ctx, notice, ch, fmt.Sprintf("%d recipients in a row refused; the last: %v", run, err))
	}
}

// pause stops the notice's channel and says so; the coordinator resumes
// it with crier notices resume once the cause is fixed.
func (d *Dispatcher) pause(ctx context.Context, notice int64, ch notices.Channel, reason string) {
	k := pauseKey{notice, ch}
	d.mu.Lock()
	_, already := d.paused[k]
	if !already {
		d.paused[k] = time.Time{} // paused now; the store's record follows
	}
	d.mu.Unlock()
	if already {
		return
	}
	d.log.Error("channel paused for the notice: fix the cause, then run crier notices resume", "notice", notice, "channel", ch, "reason", reason)
	if err := d.store.PauseChannel(ctx, notice, ch, reason); err != nil {
		d.log.Error("pause not recorded", "notice", notice, "channel", ch, "err", err)
	}
	d.mu.Lock()
	if _, ok := d.paused[k]; ok {
		d.paused[k] = time.Now()
	}
	d.mu.Unlock()
}

// recordRequest is an outcome waiting for its commit.
type recordRequest struct {
	out  notices.Outcome
	done chan recordResult
	// waited is set once a sender waits for this commit: the recorder
	// then commits without waiting for more outcomes.
	waited *atomic.Bool
}

// recordResult is what the commit of one outcome came to.
type recordResult struct {
	applied bool // false: the claim was another's by then
	err     error
}

// settle records out and counts it in the lane's progress when the store
// applied it: an outcome refused (the claim was lost) is no one's progress.
func (d *Dispatcher) settle(ctx context.Context, l *lane, out notices.Outcome) {
	// Forgotten before the record, so that a renewal meanwhile does not
	// take the claim it ends for one lost.
	d.unhold(out.ID)
	if d.committed(d.enqueue(out)) {
		l.count(out)
	}
}

// enqueue gives out to the recorder.
func (d *Dispatcher) enqueue(out notices.Outcome) recordRequest {
	req := recordRequest{out: out, done: make(chan recordResult, 1), waited: new(atomic.Bool)}
	d.records <- req
	return req
}

// committed returns once req's outcome is committed, saying whether the
// store applied it. Until it is, its sender hands no other message to a
// provider: an outcome that cannot be written (a full disk, a locked
// database) stops the sending instead of letting unrecorded sends pile up
// to be repeated.
func (d *Dispatcher) committed(req recordRequest) (applied bool) {
	wait := 100 * time.Millisecond
	for {
		var res recordResult
		select {
		case res = <-req.done:
		default:
			req.waited.Store(true)
			select {
			case d.need <- struct{}{}:
			default: // the recorder has been told already
			}
			res = <-req.done
		}
		if res.err == nil {
			return res.applied
		}
		d.log.Error("outcome not recorded; trying again", "delivery", req.out.ID, "status", req.out.Status, "in", wait, "err", res.err)
		time.Sleep(wait)
		wait = min(2*wait, 5*time.Second)
		req = d.enqueue(req.out)
	}
}

// groupWait is the longest an outcome waits for others to join its
// commit when no sender waits for it; lingerWait, when one does.
const (
	groupWait  = 10 * time.Millisecond
	lingerWait = 500 * time.Microsecond
)

// recorder commits outcomes in groups: one commit of many costs about
// what one of one does. A group is committed once a sender waits for one
// of its outcomes (see committed: a sender waits just before its next
// hand-over) and every sender at work has an outcome in it, or lingerWait
// after that wait began, or groupWait after the first outcome; until
// then the outcomes of the other senders join it. On a small machine the
// wait costs less than the commits it saves.
func (d *Dispatcher) recorder(ctx context.Context) {
	batch := make([]recordRequest, 0, 256)
	outs := make([]notices.Outcome, 0, 256)
	timer := time.NewTimer(groupWait)
	for req := range d.records {
		batch = append(batch[:0], req)
		timer.Reset(groupWait)
	gather:
		for len(batch) < cap(batch) {
			select {
			case r, ok := <-d.records:
				if !ok {
					break gather
				}
				batch = append(batch, r)
			case <-timer.C:
				break gather
			case <-d.need:
				// The outcomes given before the sender's wait are in
				// the channel or the group by now.
				batch = d.drainRecords(batch)
				if slices.ContainsFunc(batch, func(r recordRequest) bool { return r.waited.Load() }) {
					batch = d.linger(batch)
					break gather
				}
				// A sender waiting for a commit already under way.
			}
		}
		outs = outs[:0]
		for _, r := range batch {
			outs = append(outs, r.out)
		}
		applied, err := d.store.Record(ctx, d.cfg.Worker, outs)
		for i, r := range batch {
			r.done <- recordResult{applied: err == nil && applied[i], err: err}
		}
	}
}

// linger appends to batch the outcomes that come in within lingerWait,
// and returns as soon as every sender at work has one in it: no other can
// come before a commit.
func (d *Dispatcher) linger(batch []recordRequest) []recordRequest {
	t := time.NewTimer(lingerWait)
	defer t.Stop()
	for len(batch) < cap(batch) && int64(len(batch)) < d.working.Load() {
		select {
		case r, ok := <-d.records:
			if !ok {
				return batch
			}
			batch = append(batch, r)
		case <-t.C:
			return batch
		}
	}
	return batch
}

// drainRecords appends to batch the outcomes waiting in d.records, up to
// batch's capacity.
func (d *Dispatcher) drainRecords(batch []recordRequest) []recordRequest {
	for len(batch) < cap(batch) {
		select {
		case r, ok := <-d.records:
			if !ok {
				return batch
			}
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

// releaseDead puts back the claims of dispatchers provably gone (see
// Gone), so a restart after a crash resumes at once instead of waiting
// for their leases to run out. Any other's claims wait for their lease.
func (d *Dispatcher) releaseDead(ctx context.Context) {
	workers, err := d.store.Claimants(ctx)
	if err != nil {
		d.log.Error("claims of dead dispatchers not checked", "err", err)
		return
	}
	for _, w := range workers {
		if w == d.cfg.Worker || !Gone(w) {
			continue
		}
		n, err := d.store.ReleaseClaims(ctx, w)
		if err != nil {
			d.log.Error("claims of a dead dispatcher not released", "worker", w, "err", err)
			continue
		}
		d.log.Info("put back the deliveries of a dispatcher that died", "worker", w, "count", n)
	}
}

// Progress is what a channel has done since the dispatcher started.
type Progress struct {
	Channel                          notices.Channel
	Sent, Failed, Retried, Cancelled int64
}

// Progress reports each channel's counts, in the order email, sms, print.
func (d *Dispatcher) Progress() []Progress {
	var ps []Progress
	for _, l := range d.sortedLanes() {
		ps = append(ps, Progress{
			Channel:   l.name,
			Sent:      l.stats.sent.Load(),
			Failed:    l.stats.failed.Load(),
			Retried:   l.stats.retried.Load(),
			Cancelled: l.stats.cancelled.Load(),
		})
	}
	return ps
}
