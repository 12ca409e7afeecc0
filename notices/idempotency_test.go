package notices

import (
	"context"
	"errors"
	"testing"
	"time"
)

// workOrderKey is a work-order system's key, fingerprinting request.
func workOrderKey(actor, request string) *IdempotencyKey {
	return &IdempotencyKey{Actor: actor, Key: "WO-7", Request: request, Window: 24 * time.Hour, Wait: time.Second}
}

// TestIdempotencyKeyKeepsItsNotice: a notice stored under a key is found
// by the key; the key again stores nothing and says which notice it made
// (and with which request); another token's key is its own; a day later
// the key is new; a key an earlier version left without a notice is
// taken over.
func TestIdempotencyKeyKeepsItsNotice(t *testing.T) {
	s := testStore(t)
	ctx := context.Background()
	advance := clock(s)
	const actor = "token work orders"
	draft := Notice{Template: "hydrant-flushing", Channels: []Channel{Email}}
	create := func(k *IdempotencyKey) (int64, *KeyTakenError) {
		t.Helper()
		id, _, err := s.Create(ctx, NewNotice{Notice: draft, Key: k})
		var taken *KeyTakenError
		if err != nil && !errors.As(err, &taken) {
			t.Fatal(err)
		}
		return id, taken
	}
	first, _ := create(workOrderKey(actor, "r1"))
	steps := []struct {
		name    string
		before  func()
		key     *IdempotencyKey
		created bool
		kept    int64 // the notice the taken key made
	}{
		{"the key again", nil, workOrderKey(actor, "r1"), false, first},
		{"the key with another request", nil, workOrderKey(actor, "r2"), false, first},
		{"another token's", nil, workOrderKey("token billing", "r1"), true, 0},
		{"25 hours on", func() { advance(25 * time.Hour) }, workOrderKey(actor, "r2"), true, 0},
		{"left without a notice", func() {
			advance(25 * time.Hour)
			if _, err := s.db.ExecContext(ctx, `INSERT INTO idempotency_keys (actor, idem_key, request, created_at) VALUES (?, 'WO-7', 'r3', ?)`,
				"token old", s.now()); err != nil {
				t.Fatal(err)
			}
		}, workOrderKey("token old", "r3"), true, 0},
	}
	for _, st := range steps {
		if st.before != nil {
			st.before()
		}
		before := len(must(t)(s.Notices(ctx)).([]Notice))
		id, taken := create(st.key)
		after := len(must(t)(s.Notices(ctx)).([]Notice))
		switch {
		case st.created && (id == 0 || after != before+1):
			t.Errorf("%s: notice %d, %d notices more; want a new one", st.name, id, after-before)
		case !st.created && (taken == nil || taken.Kept.NoticeID != st.kept || taken.Kept.Request != "r1" || after != before):
			t.Errorf("%s: taken %+v, %d notices more; want notice %d of request r1, nothing stored", st.name, taken, after-before, st.kept)
		}
		if kept, found, err := s.KeptIdempotencyKey(ctx, *st.key); err != nil || !found || kept.NoticeID != max(id, st.kept) {
			t.Errorf("%s: the key keeps %+v (found %v, %v); want notice %d", st.name, kept, found, err, max(id, st.kept))
		}
	}
}

// TestIdempotencyKeyCommitsWithItsNotice: the key and what the request
// makes are one transaction, so a create that fails after the key was
// written leaves neither, and the retry makes the notice once. (Claimed
// apart from its notice, a key outlived a failed or interrupted create,
// and every retry found it at work.)
func TestIdempotencyKeyCommitsWithItsNotice(t *testing.T) {
	fam, values := hydrant(t)
	good := Notice{Template: fam.Name, Values: values, Channels: []Channel{Email, SMS}, Audience: Audience{}}
	tests := []struct {
		name   string
		failed NewNotice // fails after its key was written
	}{
		{"its audience names a list that does not exist", NewNotice{
			Notice: Notice{Template: fam.Name, Values: values, Channels: []Channel{Email}, Audience: Audience{Lists: []string{"no such list"}}}}},
		{"publishing refuses its values", NewNotice{
			Notice:  Notice{Template: fam.Name, Values: map[string]string{"area": "Zone 4"}, Channels: []Channel{Email}, Audience: Audience{}},
			Publish: fam, DefaultLanguage: "en"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testStore(t)
			ctx := context.Background()
			addContacts(t, s, "oak", 3)
			key := workOrderKey("token work orders", "r1")
			tt.failed.Key = key
			if _, _, err := s.Create(ctx, tt.failed); err == nil {
				t.Fatal("the create did not fail")
			}
			if n := keyRows(t, s, *key); n != 0 {
				t.Fatalf("after the failed create %d rows of the key are left, finished or not; want none", n)
			}
			if ns := must(t)(s.Notices(ctx)).([]Notice); len(ns) != 0 {
				t.Fatalf("after the failed create: %d notices; want none", len(ns))
			}
			id, sum, err := s.Create(ctx, NewNotice{Notice: good, Key: key, Publish: fam, DefaultLanguage: "en"})
			if err != nil {
				t.Fatalf("the retry: %v", err)
			}
			if _, _, err := s.Create(ctx, NewNotice{Notice: good, Key: key, Publish: fam, DefaultLanguage: "en"}); !errors.As(err, new(*KeyTakenError)) {
				t.Fatalf("the retry's retry: %v; want the key taken", err)
			}
			if ns := must(t)(s.Notices(ctx)).([]Notice); len(ns) != 1 || ns[0].ID != id || sum.Queued() != 6 || len(deliveries(t, s, id)) != 6 {
				t.Fatalf("%d notices, %d queued; want notice %d once, a message per address", len(ns), sum.Queued(), id)
			}
		})
	}
}

// keyRows counts the rows of k's key, a notice made or not (no method of
// the store shows a key left without one).
func keyRows(t *testing.T, s *Store, k IdempotencyKey) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM idempotency_keys WHERE actor = ? AND idem_key = ?`, k.Actor, k.Key).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
