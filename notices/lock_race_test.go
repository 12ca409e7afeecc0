package notices

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// raceRounds is how many times each race below is run: enough for the
// two sides to overlap in most rounds on a loaded machine.
const raceRounds = 25

// twoStores opens two stores on one database of the engine under test,
// as two crier serve on one PostgreSQL, each with a clock of its own
// (the second's a minute ahead), so that whose write stands shows.
func twoStores(t *testing.T) [2]*Store {
	t.Helper()
	ctx := context.Background()
	dsn := testDSN(t)
	var stores [2]*Store
	base := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	for i := range stores {
		s, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		at := base.Add(time.Duration(i) * time.Minute)
		s.Now = func() time.Time { return at }
		stores[i] = s
	}
	return stores
}

// draftNotice creates a draft notice on the hydrant template, by email,
// to everyone, to be sent now.
func draftNotice(t *testing.T, s *Store) int64 {
	t.Helper()
	fam, values := hydrant(t)
	id, err := s.CreateNotice(context.Background(), Notice{Template: fam.Name, Values: values, Channels: []Channel{Email}})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// together runs fs at once, as several processes would, and waits for
// them all.
func together(fs ...func()) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, f := range fs {
		wg.Go(func() { <-start; f() })
	}
	close(start)
	wg.Wait()
}

// deliveryStatuses counts notice id's deliveries by status.
func deliveryStatuses(t *testing.T, s *Store, id int64) map[DeliveryStatus]int {
	t.Helper()
	got := map[DeliveryStatus]int{}
	err := s.EachDelivery(context.Background(), id, func(d Delivery) error {
		got[d.Status]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestTwoStoresPublishOneNoticeOnce: two dispatchers publishing the same
// notice at once (its send time come): one publishes it, the other is
// told Conflict (published by another) and changes nothing: the notice
// stays sending, published at the winner's time, each contact queued once.
func TestTwoStoresPublishOneNoticeOnce(t *testing.T) {
	ctx := context.Background()
	stores := twoStores(t)
	const contacts = 20
	addContacts(t, stores[0], "pub", contacts)
	fam, _ := hydrant(t)
	for round := range raceRounds {
		id := draftNotice(t, stores[0])
		var errs [2]error
		publish := func(i int) func() {
			return func() { _, errs[i] = stores[i].Publish(ctx, id, fam, "en") }
		}
		together(publish(0), publish(1))
		won := -1
		for i, err := range errs {
			switch {
			case err == nil && won < 0:
				won = i
			case ErrorCode(err) != Conflict:
				t.Fatalf("round %d: store %d's publish: %v; want one to publish and the other a Conflict", round, i, err)
			}
		}
		if won < 0 {
			t.Fatalf("round %d: neither store published notice %d: %v", round, id, errs)
		}
		n, err := stores[1].Notice(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if n.Status != Sending || !n.PublishedAt.Equal(stores[won].Now()) {
			t.Errorf("round %d: notice %d is %s, published at %s; want sending, published at %s by store %d, which won",
				round, id, n.Status, n.PublishedAt, stores[won].Now(), won)
		}
		if got := deliveryStatuses(t, stores[0], id); got[DeliveryQueued] != contacts || len(got) != 1 {
			t.Errorf("round %d: notice %d's deliveries %v; want %d queued, one per contact", round, id, got, contacts)
		}
	}
}

// TestCancelDuringPublish: a coordinator cancels a notice while another
// process publishes it. Either the cancel comes first and the publish is
// refused (no delivery), or the publish comes first and the cancel
// cancels every delivery it queued: never a cancelled notice with
// deliveries still to send, nor a notice sending after its cancel.
func TestCancelDuringPublish(t *testing.T) {
	ctx := context.Background()
	stores := twoStores(t)
	const contacts = 20
	addContacts(t, stores[0], "cxl", contacts)
	fam, _ := hydrant(t)
	first := map[string]int{}
	for round := range raceRounds {
		id := draftNotice(t, stores[0])
		var pubErr, cxlErr error
		var cancelled int
		together(
			func() { _, pubErr = stores[0].Publish(ctx, id, fam, "en") },
			func() { cancelled, cxlErr = stores[1].CancelNotice(ctx, id) },
		)
		if cxlErr != nil {
			t.Fatalf("round %d: cancel: %v", round, cxlErr)
		}
		n, err := stores[0].Notice(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		got := deliveryStatuses(t, stores[0], id)
		if n.Status != Cancelled || got[DeliveryQueued] != 0 || got[DeliverySending] != 0 {
			t.Errorf("round %d: after publish (%v) and cancel: notice %d is %s, its deliveries %v; want cancelled, none queued nor sending",
				round, pubErr, id, n.Status, got)
		}
		switch {
		case pubErr == nil:
			first["publish"]++
			if cancelled != contacts || got[DeliveryCancelled] != contacts {
				t.Errorf("round %d: published then cancelled: the cancel cancelled %d, deliveries %v; want all %d", round, cancelled, got, contacts)
			}
		case ErrorCode(pubErr) == Conflict:
			first["cancel"]++
			if len(got) != 0 {
				t.Errorf("round %d: cancelled before its publish: deliveries %v; want none", round, got)
			}
		default:
			t.Fatalf("round %d: publish: %v; want it done or refused as cancelled (Conflict)", round, pubErr)
		}
	}
	t.Logf("came first: %v", first)
}

// TestTwoStoresSuppressOneAddress: processes suppressing one address at
// once (a STOP reply on one crier serve, a bounce or a coordinator on the
// other), three on each of two stores: every one succeeds, one adds the
// suppression and the others are told it was there and get that one; the
// address's history says suppressed once.
func TestTwoStoresSuppressOneAddress(t *testing.T) {
	ctx := context.Background()
	stores := twoStores(t)
	const each = 3
	for round := range raceRounds {
		addr := fmt.Sprintf("sup%d@example.org", round)
		var (
			sups  [2 * each]Suppression
			added [2 * each]bool
			errs  [2 * each]error
			fs    []func()
		)
		for i := range 2 * each {
			fs = append(fs, func() {
				sups[i], added[i], errs[i] = stores[i%2].Suppress(ctx, addr, Manual, fmt.Sprintf("by suppressor %d", i), "ops")
			})
		}
		together(fs...)
		adds := 0
		for i := range sups {
			if errs[i] != nil {
				t.Fatalf("round %d: suppressor %d of %s: %v", round, i, addr, errs[i])
			}
			if added[i] {
				adds++
			}
			if sups[i].Note != sups[0].Note || !sups[i].At.Equal(sups[0].At) {
				t.Errorf("round %d: suppressor %d was given %+v, suppressor 0 %+v; want the one suppression kept", round, i, sups[i], sups[0])
			}
		}
		if adds != 1 {
			t.Errorf("round %d: %d suppressions added; want exactly one", round, adds)
		}
		h, err := stores[1].SuppressionHistory(ctx, addr)
		if err != nil || len(h) != 1 {
			t.Errorf("round %d: %s's history %+v (%v); want suppressed once", round, addr, h, err)
		}
	}
}

// TestRescheduleDuringPublish: a coordinator moves a scheduled notice
// later just as a dispatcher publishes it, its time come. Either the move
// comes first and the notice waits for its new time (no delivery), or
// the publish does and the move is refused: never a notice moved, as the
// coordinator was told, and going out at its old time all the same.
func TestRescheduleDuringPublish(t *testing.T) {
	ctx := context.Background()
	stores := twoStores(t)
	const contacts = 20
	addContacts(t, stores[0], "rsc", contacts)
	fam, values := hydrant(t)
	base := stores[0].Now()
	first := map[string]int{}
	for round := range raceRounds {
		for i, s := range stores {
			at := base.Add(time.Duration(i) * time.Minute)
			s.Now = func() time.Time { return at }
		}
		id, err := stores[0].CreateNotice(ctx, Notice{Template: fam.Name, Values: values, Channels: []Channel{Email}, SendAt: base.Add(30 * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := stores[0].Publish(ctx, id, fam, "en"); err != nil {
			t.Fatal(err)
		}
		for i, s := range stores { // its time has come
			at := base.Add(time.Hour + time.Duration(i)*time.Minute)
			s.Now = func() time.Time { return at }
		}
		later := base.Add(3 * time.Hour)
		var pubErr, moveErr error
		together(
			func() { _, pubErr = stores[0].Publish(ctx, id, fam, "en") },
			func() { moveErr = stores[1].RescheduleNotice(ctx, id, later) },
		)
		if pubErr != nil {
			t.Fatalf("round %d: publish: %v", round, pubErr)
		}
		n, err := stores[0].Notice(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		got := deliveryStatuses(t, stores[0], id)
		switch {
		case moveErr == nil:
			first["reschedule"]++
			if n.Status != Scheduled || !n.SendAt.Equal(later) || len(got) != 0 {
				t.Errorf("round %d: moved to %s, then published: notice %d is %s at %s, deliveries %v; want scheduled at the new time, none yet",
					round, later, id, n.Status, n.SendAt, got)
			}
		case ErrorCode(moveErr) == Conflict:
			first["publish"]++
			if n.Status != Sending || got[DeliveryQueued] != contacts {
				t.Errorf("round %d: published, the move refused: notice %d is %s, deliveries %v; want sending, %d queued", round, id, n.Status, got, contacts)
			}
		default:
			t.Fatalf("round %d: reschedule: %v; want it done or refused as going out (Conflict)", round, moveErr)
		}
	}
	t.Logf("came first: %v", first)
}
