package notices

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// TestTwoStoresNeverClaimOneDelivery: two stores on one database, as two
// crier serve on one PostgreSQL, each with senders claiming small batches
// at once and recording each as sent: every delivery is claimed once, by
// one of them, and each outcome recorded is applied.
func TestTwoStoresNeverClaimOneDelivery(t *testing.T) {
	ctx := context.Background()
	dsn := testDSN(t)
	var stores [2]*Store
	for i := range stores {
		s, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores[i] = s
	}
	const contacts = 300
	for i := range contacts {
		if _, err := stores[0].SaveContact(ctx, Contact{Account: fmt.Sprintf("A%04d", i), Email: fmt.Sprintf("c%04d@example.org", i)}); err != nil {
			t.Fatal(err)
		}
	}
	id := publishNotice(t, stores[0], Notice{Channels: []Channel{Email}})

	var mu sync.Mutex
	claimedBy := map[int64][]string{}
	var wg sync.WaitGroup
	for i, s := range stores {
		for w := range 3 {
			worker := fmt.Sprintf("store%d-sender%d", i, w)
			wg.Go(func() { claimAndRecord(t, s, worker, &mu, claimedBy) })
		}
	}
	wg.Wait()
	if len(claimedBy) != contacts {
		t.Errorf("%d deliveries claimed; want every one of %d", len(claimedBy), contacts)
	}
	for d, ws := range claimedBy {
		if len(ws) != 1 {
			t.Errorf("delivery %d claimed by %v; want one claim", d, ws)
		}
	}
	rep, err := stores[1].Report(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if r := rep.Channel(Email); r.Sent != contacts {
		t.Errorf("report: %d sent; want %d", r.Sent, contacts)
	}
}

// claimAndRecord claims batches of 7 as worker until none is left,
// noting who claimed what, and records each as sent.
func claimAndRecord(t *testing.T, s *Store, worker string, mu *sync.Mutex, claimedBy map[int64][]string) {
	ctx := context.Background()
	for {
		ds, err := s.Claim(ctx, Email, worker, ClaimScope{}, 7, lease)
		if err != nil {
			t.Error(err)
			return
		}
		if len(ds) == 0 {
			return
		}
		outs := make([]Outcome, len(ds))
		mu.Lock()
		for i, d := range ds {
			claimedBy[d.ID] = append(claimedBy[d.ID], worker)
			outs[i] = Outcome{ID: d.ID, Status: DeliverySent, Attempted: true}
		}
		mu.Unlock()
		applied, err := s.Record(ctx, worker, outs)
		if err != nil {
			t.Error(err)
			return
		}
		for i, ok := range applied {
			if !ok {
				t.Errorf("%s: the outcome of delivery %d, claimed by it, was not applied", worker, outs[i].ID)
			}
		}
	}
}
