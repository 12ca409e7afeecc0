package scheduler

import (
	"context"
	"time"

	"github.com/crier-notices/crier/notices"
)

// A dispatcher hands a delivery to a provider only while its claim is
// held, and it knows that by its own monotonic clock, not by the store's
// wall clock: a claim taken or renewed by a statement sent at t holds
// until t + lease - leaseMargin. A process stopped (SIGSTOP, a VM paused,
// a long GC) past that point sends nothing it held without asking the
// store again, because another dispatcher may have taken it meanwhile.

// lookEvery is how often the watcher looks at the store for what changed
// under the deliveries held: cancellations, pauses, suppressions.
const lookEvery = 500 * time.Millisecond

// seenWithin is how old the last look may be when a message goes: a
// cancel, pause or suppression committed more than this before a send is
// always seen by it. A sender that finds the last look older asks the
// store itself.
const seenWithin = time.Second

// heldClaim is what the dispatcher knows of one claim it holds.
type heldClaim struct {
	notice int64
	claim  uint64    // the claim that took it (see claimed)
	until  time.Time // monotonic: the claim is held until then
	known  time.Time // monotonic: when the claim was noted, after its statement returned
}

// claimed is a delivery as one claim of this dispatcher took it. A claim
// lost while this dispatcher stalled is put back by another's, and this
// one may claim the delivery again before its senders reach the copy of
// the lost claim: the store cannot tell the two claims apart (both are
// this worker's), so the dispatcher numbers its claims, and only the copy
// of the latest one goes. Without it, two senders sent one delivery twice.
type claimed struct {
	notices.Delivery
	claim uint64
}

// leaseMargin is kept off the end of each lease: the time between the
// last check and the message reaching the provider, and a clock that runs
// a little faster than another dispatcher's.
func (d *Dispatcher) leaseMargin() time.Duration { return min(d.cfg.Lease/5, 10*time.Second) }

// hold notes claims taken by a statement sent at sent, and returns them
// numbered for the senders: a copy of an earlier claim of the same
// delivery, still waiting, is stale from now on.
func (d *Dispatcher) hold(ds []notices.Delivery, sent time.Time) []claimed {
	known := d.mono()
	until := d.heldUntil(sent)
	d.fenceMu.Lock()
	defer d.fenceMu.Unlock()
	d.claims++
	cs := make([]claimed, len(ds))
	for i, dl := range ds {
		d.held[dl.ID] = heldClaim{notice: dl.NoticeID, claim: d.claims, until: until, known: known}
		cs[i] = claimed{Delivery: dl, claim: d.claims}
	}
	return cs
}

// current says whether c is the copy of the claim the dispatcher holds:
// false when the claim was lost, or when the delivery was claimed again
// since (the later copy goes instead).
func (d *Dispatcher) current(c claimed) bool {
	_, ok := d.claimUntil(c)
	return ok
}

// heldNotices returns the notices of the claims the dispatcher holds.
func (d *Dispatcher) heldNotices() []int64 {
	d.fenceMu.Lock()
	defer d.fenceMu.Unlock()
	seen := map[int64]bool{}
	var ids []int64
	for _, c := range d.held {
		if !seen[c.notice] {
			seen[c.notice] = true
			ids = append(ids, c.notice)
		}
	}
	return ids
}

// unhold forgets the claim of delivery id, whichever claim took it: its
// outcome is about to be recorded, and the record ends the store's claim,
// so no copy of it may go after that.
func (d *Dispatcher) unhold(id int64) {
	d.fenceMu.Lock()
	delete(d.held, id)
	d.fenceMu.Unlock()
}

// lost forgets claim c, found lost in the store, unless the delivery was
// claimed again since.
func (d *Dispatcher) lost(c claimed) {
	d.fenceMu.Lock()
	if h, ok := d.held[c.ID]; ok && h.claim == c.claim {
		delete(d.held, c.ID)
	}
	d.fenceMu.Unlock()
}

// heldCount is how many claims the dispatcher knows it holds.
func (d *Dispatcher) heldCount() int {
	d.fenceMu.Lock()
	defer d.fenceMu.Unlock()
	return len(d.held)
}

// renewed applies a renewal sent at sent that renewed ids: those held
// longer than the renewal and not renewed were taken by another
// dispatcher (this one stalled past its lease) and are lost. It returns
// how many were lost.
func (d *Dispatcher) renewed(ids []int64, sent time.Time) (lost int) {
	got := make(map[int64]bool, len(ids))
	for _, id := range ids {
		got[id] = true
	}
	until := d.heldUntil(sent)
	d.fenceMu.Lock()
	defer d.fenceMu.Unlock()
	for id, c := range d.held {
		switch {
		case got[id]:
			c.until = later(c.until, until)
			d.held[id] = c
		case c.known.Before(sent):
			// Claimed before the renewal began, yet not renewed: gone.
			delete(d.held, id)
			lost++
		}
	}
	return lost
}

// claimUntil returns until when claim c is held, and false when it is
// not held (lost to another dispatcher, or superseded by a later claim of
// the same delivery).
func (d *Dispatcher) claimUntil(c claimed) (time.Time, bool) {
	d.fenceMu.Lock()
	defer d.fenceMu.Unlock()
	h, ok := d.held[c.ID]
	return h.until, ok && h.claim == c.claim
}

func (d *Dispatcher) lastLook() time.Time {
	d.fenceMu.Lock()
	defer d.fenceMu.Unlock()
	return d.looked
}

// fenced is what the fence says of a delivery about to go.
type fenced int

const (
	fenceSend fenced = iota // held, and nothing stops it: send
	fenceStop               // held, but out says what to record instead
	fenceLost               // not held: neither send nor record it
)

// fence checks, just before a send, that the claim of dl is still held:
// by the monotonic clock when its lease is far from its end and the last
// look is fresh (no query: the case at full speed), by a conditional
// renewal in the store otherwise (the lease near its end, the process
// stalled, the watcher behind), which also says whether the notice was
// cancelled or paused or the address suppressed meanwhile.
func (d *Dispatcher) fence(ctx context.Context, c claimed, out *notices.Outcome) fenced {
	dl := c.Delivery
	for range 3 {
		now := d.mono()
		until, ok := d.claimUntil(c)
		if !ok {
			return fenceLost
		}
		if until.Sub(now) >= d.cfg.Lease/2 && now.Sub(d.lastLook()) <= seenWithin {
			return fenceSend
		}
		sent := d.mono()
		st, err := d.store.Recheck(ctx, dl.ID, d.cfg.Worker, d.cfg.Lease)
		switch {
		case err != nil:
			// Not known to be held: put it back rather than risk a repeat.
			d.log.Error("claim not checked; putting the delivery back", "delivery", dl.ID, "err", err)
			out.Status, out.NextAttemptAt = notices.DeliveryQueued, d.cfg.Now().Add(d.cfg.Backoff)
			return fenceStop
		case !st.Held:
			d.lost(c)
			return fenceLost
		case !d.renewedBy(c, sent):
			return fenceLost // claimed again meanwhile: the later copy goes
		}
		switch {
		case st.Cancelled:
			out.Status = notices.DeliveryCancelled
			return fenceStop
		case st.Paused:
			out.Status = notices.DeliveryQueued
			return fenceStop
		case st.Unreachable:
			out.Status, out.Error = notices.DeliverySuppressed, notices.SuppressedAfterPublishing
			return fenceStop
		}
		// Held, renewed from sent: send if this process did not stall
		// again in the meantime.
		if d.mono().Before(d.heldUntil(sent)) {
			return fenceSend
		}
	}
	out.Status = notices.DeliveryQueued // stalled again and again: let another try
	return fenceStop
}

// renewedBy notes that claim c was renewed by a statement sent at sent,
// and says whether c is still the claim held (not superseded meanwhile).
func (d *Dispatcher) renewedBy(c claimed, sent time.Time) bool {
	d.fenceMu.Lock()
	defer d.fenceMu.Unlock()
	h, ok := d.held[c.ID]
	if !ok || h.claim != c.claim {
		return false
	}
	h.until = later(h.until, sent.Add(d.cfg.Lease-d.leaseMargin()))
	d.held[c.ID] = h
	return true
}

// watch looks at the store every lookEvery until ctx ends: it renews the
// leases of what the dispatcher holds (every quarter lease), and learns
// which notices were cancelled or paused and which held addresses were
// suppressed, so that each sender checks them in memory before each send.
func (d *Dispatcher) watch(ctx context.Context) {
	t := time.NewTicker(min(lookEvery, d.cfg.Lease/4))
	defer t.Stop()
	var lastRenewal time.Time
	for {
		d.look(ctx, &lastRenewal)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// look is one round of watch.
func (d *Dispatcher) look(ctx context.Context, lastRenewal *time.Time) {
	start := d.mono()
	// holding, not heldCount: a claim whose outcome is being recorded is
	// no longer held for sending, but its lease must last until the record.
	if d.holding.Load() > 0 && start.Sub(*lastRenewal) >= d.cfg.Lease/4 {
		ids, err := d.store.RenewClaims(ctx, d.cfg.Worker, d.cfg.Lease)
		if err != nil {
			if ctx.Err() == nil {
				d.log.Error("leases not renewed; senders check each claim before sending", "err", err)
			}
			return
		}
		*lastRenewal = start
		if lost := d.renewed(ids, start); lost > 0 {
			d.log.Warn("claims taken by another dispatcher while this one was stalled past its lease: not sending them", "count", lost)
		}
	}
	if err := d.refreshStates(ctx); err != nil {
		if ctx.Err() == nil {
			d.log.Error("cancellations and pauses not read; senders check each claim before sending", "err", err)
		}
		return
	}
	gone := map[int64]bool{}
	if d.heldCount() > 0 {
		ids, err := d.store.HeldUnreachable(ctx, d.cfg.Worker)
		if err != nil {
			if ctx.Err() == nil {
				d.log.Error("suppressions not read; senders check each claim before sending", "err", err)
			}
			return
		}
		for _, id := range ids {
			gone[id] = true
		}
	}
	d.fenceMu.Lock()
	d.unreachable, d.looked = gone, start
	d.fenceMu.Unlock()
}

// suppressedMeanwhile sets out when the last look found the delivery's
// address suppressed (a STOP reply, an unsubscribe) since publishing.
func (d *Dispatcher) suppressedMeanwhile(dl notices.Delivery, out *notices.Outcome) bool {
	d.fenceMu.Lock()
	gone := d.unreachable[dl.ID]
	d.fenceMu.Unlock()
	if gone {
		out.Status, out.Error = notices.DeliverySuppressed, notices.SuppressedAfterPublishing
	}
	return gone
}

// heldUntil is when a claim (or its renewal) whose statement was sent at
// sent stops being held by this dispatcher's clock: the lease, less a
// margin for the store's and the clock's delays.
func (d *Dispatcher) heldUntil(sent time.Time) time.Time {
	return sent.Add(d.cfg.Lease - d.leaseMargin())
}
