package notices

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests of this file drive the store as a dispatcher does: claim due
// deliveries under a lease, record what became of them, pause and resume a
// channel, start and finish notices. Time moves by the store's Now, never
// by sleeping.

const lease = 5 * time.Minute

// clock makes the store's time stand still at its current value and
// returns a function that moves it forward.
func clock(s *Store) (advance func(time.Duration)) {
	now := s.Now()
	s.Now = func() time.Time { return now }
	return func(d time.Duration) { now = now.Add(d) }
}

// addContacts saves n (at most 99) contacts named prefix-1..n, each with
// an email address and a mobile number, and returns them with their ids.
func addContacts(t testing.TB, s *Store, prefix string, n int) []Contact {
	t.Helper()
	var cs []Contact
	for i := 1; i <= n; i++ {
		c := Contact{
			Account:       fmt.Sprintf("%s-%d", prefix, i),
			Name:          fmt.Sprintf("Customer %s %d", prefix, i),
			Email:         fmt.Sprintf("%s%d@example.org", prefix, i),
			Mobile:        fmt.Sprintf("+131555501%02d", i),
			PostalAddress: fmt.Sprintf("%d Elm Street, Clearwater", i),
		}
		id, err := s.SaveContact(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		c.ID = id
		cs = append(cs, c)
	}
	return cs
}

// createAndPublish creates notice n on the hydrant-flushing template with
// its example values and publishes it.
func createAndPublish(t testing.TB, s *Store, n Notice) (int64, PublishSummary) {
	t.Helper()
	ctx := context.Background()
	fam, values := hydrant(t)
	n.Template, n.Values = fam.Name, values
	id, err := s.CreateNotice(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := s.Publish(ctx, id, fam, "en")
	if err != nil {
		t.Fatal(err)
	}
	return id, sum
}

// publishNotice creates and publishes notice n, to be sent now.
func publishNotice(t testing.TB, s *Store, n Notice) int64 {
	t.Helper()
	id, sum := createAndPublish(t, s, n)
	if sum.Queued() == 0 {
		t.Fatalf("notice %d queued nothing: the test needs deliveries", id)
	}
	return id
}

// scheduleNotice creates and publishes n (a send time to come): scheduled,
// without deliveries until its time.
func scheduleNotice(t testing.TB, s *Store, n Notice) int64 {
	t.Helper()
	id, sum := createAndPublish(t, s, n)
	if sum.Status != Scheduled || sum.Queued() != 0 {
		t.Fatalf("notice %d: %s with %d queued; want scheduled with none yet", id, sum.Status, sum.Queued())
	}
	return id
}

// publishDue publishes the notice whose send time has come, as a
// dispatcher does.
func publishDue(t testing.TB, s *Store, id int64) {
	t.Helper()
	fam, _ := hydrant(t)
	if _, err := s.Publish(context.Background(), id, fam, "en"); err != nil {
		t.Fatal(err)
	}
}

// deliveryByID reads one delivery as it is stored.
func deliveryByID(t testing.TB, s *Store, id int64) Delivery {
	t.Helper()
	d, err := scanDelivery(s.db.QueryRow(`SELECT `+deliveryColumns+` FROM deliveries WHERE id = ?`, id))
	if err != nil {
		t.Fatalf("delivery %d: %v", id, err)
	}
	return d
}

// deliveriesOn returns the deliveries of notice id on channel ch.
func deliveriesOn(t testing.TB, s *Store, id int64, ch Channel) []Delivery {
	t.Helper()
	var out []Delivery
	for _, d := range deliveries(t, s, id) {
		if d.Channel == ch {
			out = append(out, d)
		}
	}
	return out
}

func ids(ds []Delivery) []int64 {
	out := make([]int64, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

func claim(t testing.TB, s *Store, ch Channel, worker string, noticeID int64, limit int) []Delivery {
	t.Helper()
	ds, err := s.Claim(context.Background(), ch, worker, ClaimScope{Notice: noticeID}, limit, lease)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// record records the outcomes as the dispatcher holding each delivery.
func record(t testing.TB, s *Store, outs ...Outcome) {
	t.Helper()
	for _, o := range outs {
		if _, err := s.Record(context.Background(), deliveryByID(t, s, o.ID).ClaimedBy, []Outcome{o}); err != nil {
			t.Fatal(err)
		}
	}
}

func noticeStatus(t testing.TB, s *Store, id int64) NoticeStatus {
	t.Helper()
	n, err := s.Notice(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return n.Status
}

func TestClaimOrderDueAndLease(t *testing.T) {
	s := testStore(t)
	advance := clock(s)
	t0 := s.Now()
	addContacts(t, s, "c", 5)
	normal := publishNotice(t, s, Notice{Channels: []Channel{Email, SMS}})
	advance(time.Minute)
	emergency := publishNotice(t, s, Notice{Channels: []Channel{Email}, Urgency: Emergency})
	later := scheduleNotice(t, s, Notice{Channels: []Channel{Email}, SendAt: t0.Add(time.Hour)})
	t1 := s.Now()
	normalIDs, emergencyIDs := ids(deliveriesOn(t, s, normal, Email)), ids(deliveriesOn(t, s, emergency, Email))

	// The emergency is newer than the normal notice, yet goes first.
	got := claim(t, s, Email, "w1", 0, 3)
	if want := emergencyIDs[:3]; !slices.Equal(ids(got), want) {
		t.Fatalf("first claim: %v; want the emergency's first three %v", ids(got), want)
	}
	for _, d := range got {
		if d.Status != DeliverySending || d.ClaimedBy != "w1" || !d.LeaseUntil.Equal(t1.Add(lease)) || d.Priority != 0 || d.Attempts != 0 {
			t.Errorf("claimed %+v; want sending by w1 until %v, priority 0", d, t1.Add(lease))
		}
		if stored := deliveryByID(t, s, d.ID); stored.Status != DeliverySending || stored.ClaimedBy != "w1" || !stored.LeaseUntil.Equal(t1.Add(lease)) {
			t.Errorf("stored %+v; want it claimed as returned", stored)
		}
	}

	// The next claim takes what is left that is due: the rest of the
	// emergency, then the normal notice; not the notice due in an hour,
	// not the SMS, not what w1 holds.
	got = claim(t, s, Email, "w2", 0, 100)
	if want := append(slices.Clone(emergencyIDs[3:]), normalIDs...); !slices.Equal(ids(got), want) {
		t.Fatalf("second claim: %v; want %v", ids(got), want)
	}
	if got := claim(t, s, Email, "w3", 0, 100); len(got) != 0 {
		t.Errorf("a third claim took %v; everything due is held", ids(got))
	}

	// At the end of the lease the claims still hold; after it, another
	// dispatcher takes them over.
	advance(lease) // now = t1 + lease
	if got := claim(t, s, Email, "w3", 0, 100); len(got) != 0 {
		t.Errorf("at the end of the lease w3 took %v", ids(got))
	}
	advance(time.Second)
	got = claim(t, s, Email, "w3", 0, 100)
	if want := append(slices.Clone(emergencyIDs), normalIDs...); !slices.Equal(ids(got), want) {
		t.Fatalf("after the lease: %v; want %v", ids(got), want)
	}
	for _, d := range got {
		if d.ClaimedBy != "w3" || !d.LeaseUntil.Equal(s.Now().Add(lease)) || d.Attempts != 0 {
			t.Errorf("reclaimed %+v; want held by w3 until %v, no attempt counted", d, s.Now().Add(lease))
		}
	}

	// The scheduled notice is published at its send time, its deliveries
	// due at once.
	advance(t0.Add(time.Hour).Sub(s.Now()))
	publishDue(t, s, later)
	got = claim(t, s, Email, "w4", later, 100)
	if want := ids(deliveriesOn(t, s, later, Email)); len(want) == 0 || !slices.Equal(ids(got), want) {
		t.Errorf("at the send time: %v; want %v", ids(got), want)
	}
}

func TestClaimLimitAndNoticeFilter(t *testing.T) {
	s := testStore(t)
	addContacts(t, s, "c", 4)
	a := publishNotice(t, s, Notice{Channels: []Channel{SMS}})
	b := publishNotice(t, s, Notice{Channels: []Channel{SMS}})
	tests := []struct {
		name   string
		notice int64
		limit  int
		want   []int64
	}{
		{"limit 1", 0, 1, ids(deliveriesOn(t, s, a, SMS))[:1]},
		{"only notice b", b, 10, ids(deliveriesOn(t, s, b, SMS))},
		{"the rest", 0, 10, ids(deliveriesOn(t, s, a, SMS))[1:]},
		{"nothing left", 0, 10, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := claim(t, s, SMS, "w", tc.notice, tc.limit)
			if !slices.Equal(ids(got), tc.want) {
				t.Errorf("claimed %v; want %v", ids(got), tc.want)
			}
		})
	}
	for _, bad := range []struct {
		worker string
		limit  int
		lease  time.Duration
	}{{"", 1, lease}, {"w", 0, lease}, {"w", 1, 0}} {
		if _, err := s.Claim(context.Background(), SMS, bad.worker, ClaimScope{}, bad.limit, bad.lease); err == nil {
			t.Errorf("Claim(worker %q, limit %d, lease %v) succeeded; want an error", bad.worker, bad.limit, bad.lease)
		}
	}
}

// TestClaimConcurrently has dispatchers claim at once: every delivery is
// claimed by exactly one.
func TestClaimConcurrently(t *testing.T) {
	s := testStore(t)
	addContacts(t, s, "c", 40)
	id := publishNotice(t, s, Notice{Channels: []Channel{Email}})
	var mu sync.Mutex
	claimedBy := map[int64][]string{}
	var wg sync.WaitGroup
	for w := range 4 {
		worker := fmt.Sprintf("w%d", w)
		wg.Go(func() {
			for {
				ds, err := s.Claim(context.Background(), Email, worker, ClaimScope{}, 3, lease)
				if err != nil {
					t.Error(err)
					return
				}
				if len(ds) == 0 {
					return
				}
				mu.Lock()
				for _, d := range ds {
					claimedBy[d.ID] = append(claimedBy[d.ID], worker)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	all := deliveries(t, s, id)
	if len(claimedBy) != len(all) {
		t.Errorf("%d deliveries claimed; want all %d", len(claimedBy), len(all))
	}
	for d, ws := range claimedBy {
		if len(ws) != 1 {
			t.Errorf("delivery %d claimed by %v", d, ws)
		}
	}
}

// TestClaimSkipsWhatWasSuppressedAfterPublishing suppresses addresses and
// unsubscribes contacts after the notice is published: their deliveries
// are marked suppressed, with the reason, and never handed out.
func TestClaimSkipsWhatWasSuppressedAfterPublishing(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	cs := addContacts(t, s, "c", 5)
	id := publishNotice(t, s, Notice{Channels: []Channel{Email, SMS}})

	// c-1: email suppressed (spelt in capitals: suppressions fold case);
	// c-2: mobile suppressed; c-3: unsubscribed from texts; c-4:
	// unsubscribed from email; c-5: untouched.
	if _, _, err := s.Suppress(ctx, strings.ToUpper(cs[0].Email), UnsubscribeLink, "", "test"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Suppress(ctx, cs[1].Mobile, StopReply, "", "test"); err != nil {
		t.Fatal(err)
	}
	c3, c4 := cs[2], cs[3]
	c3.SMSState, c4.EmailState = Unsubscribed, Unsubscribed
	for _, c := range []Contact{c3, c4} {
		if _, err := s.SaveContact(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	suppressed := map[Channel][]string{
		Email: {cs[0].Account, cs[3].Account},
		SMS:   {cs[1].Account, cs[2].Account},
	}
	account := map[int64]string{}
	for _, c := range cs {
		account[c.ID] = c.Account
	}

	for _, ch := range []Channel{Email, SMS} {
		t.Run(string(ch), func(t *testing.T) {
			got := claim(t, s, ch, "w", 0, 100)
			var gotAccounts []string
			for _, d := range got {
				gotAccounts = append(gotAccounts, account[d.ContactID])
			}
			var want []string
			for _, c := range cs {
				if !slices.Contains(suppressed[ch], c.Account) {
					want = append(want, c.Account)
				}
			}
			if !slices.Equal(gotAccounts, want) {
				t.Errorf("claimed %v; want %v", gotAccounts, want)
			}
			for _, d := range deliveriesOn(t, s, id, ch) {
				if slices.Contains(suppressed[ch], account[d.ContactID]) {
					if d.Status != DeliverySuppressed || d.Error != SuppressedAfterPublishing || d.Attempts != 0 {
						t.Errorf("%s's delivery is %s (%q, %d attempts); want suppressed with %q",
							account[d.ContactID], d.Status, d.Error, d.Attempts, SuppressedAfterPublishing)
					}
				} else if d.Status != DeliverySending {
					t.Errorf("%s's delivery is %s; want sending", account[d.ContactID], d.Status)
				}
			}
			// Nothing of it comes back.
			if again := claim(t, s, ch, "w2", 0, 100); len(again) != 0 {
				t.Errorf("a second claim took %v", ids(again))
			}
		})
	}
}

func TestPauseAndResume(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	advance := clock(s)
	addContacts(t, s, "c", 4)
	id := publishNotice(t, s, Notice{Channels: []Channel{Email, SMS}})
	other := publishNotice(t, s, Notice{Channels: []Channel{Email}})
	emails := ids(deliveriesOn(t, s, id, Email))

	held := claim(t, s, Email, "w1", id, 3)
	// held[1] was tried before and waits for a retry in an hour.
	record(t, s, Outcome{ID: held[1].ID, Status: DeliveryQueued, Attempted: true, NextAttemptAt: s.Now().Add(time.Hour), Error: "421 busy"})
	pausedAt := s.Now()
	if err := s.PauseChannel(ctx, id, Email, "SMTP refuses our password"); err != nil {
		t.Fatal(err)
	}
	// Claims stay with the dispatcher: held[0] was in flight and is
	// recorded sent; held[2] it had not begun, and puts back.
	for _, d := range []Delivery{held[0], held[2]} {
		if got := deliveryByID(t, s, d.ID); got.Status != DeliverySending || got.ClaimedBy != "w1" {
			t.Errorf("a claimed delivery after the pause: %s by %q; want still w1's", got.Status, got.ClaimedBy)
		}
	}
	record(t, s,
		Outcome{ID: held[0].ID, Status: DeliverySent, Attempted: true, ProviderID: "m0"},
		Outcome{ID: held[2].ID, Status: DeliveryQueued})
	if d := deliveryByID(t, s, held[0].ID); d.Status != DeliverySent {
		t.Errorf("the send in flight at the pause: %s; want sent", d.Status)
	}
	if d := deliveryByID(t, s, held[2].ID); d.Status != DeliveryQueued || d.ClaimedBy != "" || !d.LeaseUntil.IsZero() || d.Attempts != 0 {
		t.Errorf("the delivery put back: %+v; want queued, unclaimed, no attempt", d)
	}
	// The paused channel is skipped, the notice's other channel and the
	// other notice's email are not.
	if got := claim(t, s, Email, "w2", id, 100); len(got) != 0 {
		t.Errorf("claimed %v on a paused channel", ids(got))
	}
	if got := claim(t, s, Email, "w2", 0, 100); !slices.Equal(ids(got), ids(deliveriesOn(t, s, other, Email))) {
		t.Errorf("claimed %v; want only the other notice's email", ids(got))
	}
	if got := claim(t, s, SMS, "w2", 0, 100); len(got) != 4 {
		t.Errorf("claimed %d texts; want 4: SMS is not paused", len(got))
	}

	// Pausing again keeps the first reason and time.
	advance(time.Minute)
	if err := s.PauseChannel(ctx, id, Email, "another reason"); err != nil {
		t.Fatal(err)
	}
	want := []Pause{{NoticeID: id, Channel: Email, At: pausedAt, Reason: "SMTP refuses our password"}}
	for _, of := range []int64{id, 0} {
		ps, err := s.Pauses(ctx, of)
		if err != nil || len(ps) != 1 || ps[0].NoticeID != want[0].NoticeID || ps[0].Channel != Email || !ps[0].At.Equal(pausedAt) || ps[0].Reason != want[0].Reason {
			t.Errorf("Pauses(%d): %+v, %v; want %+v", of, ps, err, want)
		}
	}
	if ps, err := s.Pauses(ctx, other); err != nil || len(ps) != 0 {
		t.Errorf("Pauses(other): %+v, %v; want none", ps, err)
	}
	cancelled, paused, err := s.NoticeStates(ctx, []int64{id, other})
	if err != nil || len(cancelled) != 0 || !slices.Equal(paused[id], []Channel{Email}) || len(paused[other]) != 0 {
		t.Errorf("NoticeStates: %v, %v, %v; want notice %d paused on email", cancelled, paused, err, id)
	}

	// Resume refuses what is not paused.
	if _, err := s.Resume(ctx, id, SMS); ErrorCode(err) != Conflict {
		t.Errorf("resuming SMS, not paused: %v; want a conflict", err)
	}
	if _, err := s.Resume(ctx, other); ErrorCode(err) != Conflict {
		t.Errorf("resuming a notice with nothing paused: %v; want a conflict", err)
	}
	if _, err := s.Resume(ctx, 999); ErrorCode(err) != NotFound {
		t.Errorf("resuming notice 999: %v; want not found", err)
	}
	lifted, err := s.Resume(ctx, id)
	if err != nil || len(lifted) != 1 || lifted[0].Channel != Email || lifted[0].Reason != want[0].Reason {
		t.Fatalf("Resume: %+v, %v; want the email pause lifted", lifted, err)
	}
	if ps, _ := s.Pauses(ctx, 0); len(ps) != 0 {
		t.Errorf("pauses after resuming: %+v", ps)
	}
	if _, err := s.Resume(ctx, id, Email); ErrorCode(err) != Conflict {
		t.Errorf("resuming twice: %v; want a conflict", err)
	}
	// Every email of the notice not sent is claimable at once, the retry
	// too, with its attempt kept.
	got := claim(t, s, Email, "w3", 0, 100)
	if want := slices.DeleteFunc(emails, func(d int64) bool { return d == held[0].ID }); !slices.Equal(ids(got), want) {
		t.Fatalf("after resuming claimed %v; want %v", ids(got), want)
	}
	for _, d := range got {
		if want := map[bool]int{true: 1, false: 0}[d.Error == "421 busy"]; d.Attempts != want {
			t.Errorf("delivery %d has %d attempts; want %d", d.ID, d.Attempts, want)
		}
	}
}

// TestResumeKeepsTheSendTime pauses and resumes a channel of a notice
// scheduled for later: resuming must not send it before its time.
func TestResumeKeepsTheSendTime(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	advance := clock(s)
	addContacts(t, s, "c", 2)
	sendAt := s.Now().Add(12 * time.Hour)
	id := scheduleNotice(t, s, Notice{Channels: []Channel{SMS}, SendAt: sendAt})
	if err := s.PauseChannel(ctx, id, SMS, "Twilio account suspended"); err != nil {
		t.Fatal(err)
	}
	advance(time.Hour)
	if _, err := s.Resume(ctx, id); err != nil {
		t.Fatal(err)
	}
	if got, err := s.DueScheduled(ctx); err != nil || len(got) != 0 {
		t.Errorf("resuming at %v made %v due, of a notice scheduled for %v", s.Now(), got, sendAt)
	}
	if at, ok, err := s.NextScheduled(ctx); err != nil || !ok || !at.Equal(sendAt) {
		t.Errorf("next scheduled %v, %v, %v; want the send time %v", at, ok, err, sendAt)
	}
	advance(sendAt.Sub(s.Now()))
	if got, err := s.DueScheduled(ctx); err != nil || !slices.Equal(got, []int64{id}) {
		t.Errorf("at the send time due: %v, %v; want %d", got, err, id)
	}
	// Paused at its send time (it could not be published): it waits for
	// the coordinator, neither due nor next.
	if err := s.PauseChannel(ctx, id, SMS, "not published"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.DueScheduled(ctx); err != nil || len(got) != 0 {
		t.Errorf("paused at the send time, due: %v, %v; want none", got, err)
	}
	if _, ok, err := s.NextScheduled(ctx); err != nil || ok {
		t.Errorf("paused at the send time, next scheduled: %v, %v; want none", ok, err)
	}
}

func TestRecordOutcomes(t *testing.T) {
	s := testStore(t)
	advance := clock(s)
	addContacts(t, s, "c", 5)
	publishNotice(t, s, Notice{Channels: []Channel{Email}})
	published := s.Now()
	advance(time.Minute)
	claimed := claim(t, s, Email, "w1", 0, 100)
	if len(claimed) != 5 {
		t.Fatalf("claimed %d; want 5", len(claimed))
	}
	now := s.Now()
	retryAt := now.Add(10 * time.Minute)
	tests := []struct {
		name string
		out  Outcome
		want Delivery // the fields compared: Status, Attempts, NextAttemptAt, ProviderID, Error, FirstAttemptAt, SentAt
	}{
		{"sent", Outcome{Status: DeliverySent, Attempted: true, ProviderID: "msg-1"},
			Delivery{Status: DeliverySent, Attempts: 1, NextAttemptAt: published, ProviderID: "msg-1", FirstAttemptAt: now, SentAt: now}},
		{"retry", Outcome{Status: DeliveryQueued, Attempted: true, NextAttemptAt: retryAt, Error: "421 try again later"},
			Delivery{Status: DeliveryQueued, Attempts: 1, NextAttemptAt: retryAt, Error: "421 try again later", FirstAttemptAt: now}},
		{"failed", Outcome{Status: DeliveryFailed, Attempted: true, Error: "550 no such mailbox"},
			Delivery{Status: DeliveryFailed, Attempts: 1, NextAttemptAt: published, Error: "550 no such mailbox", FirstAttemptAt: now}},
		{"released unattempted", Outcome{Status: DeliveryQueued},
			Delivery{Status: DeliveryQueued, NextAttemptAt: published}},
		{"suppressed before sending", Outcome{Status: DeliverySuppressed, Error: "suppressed"},
			Delivery{Status: DeliverySuppressed, NextAttemptAt: published, Error: "suppressed"}},
	}
	var outs []Outcome
	for i, tc := range tests {
		tc.out.ID = claimed[i].ID
		outs = append(outs, tc.out)
	}
	record(t, s, outs...)
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := deliveryByID(t, s, claimed[i].ID)
			w := tc.want
			if d.Status != w.Status || d.Attempts != w.Attempts || !d.NextAttemptAt.Equal(w.NextAttemptAt) || d.ProviderID != w.ProviderID ||
				d.Error != w.Error || !d.FirstAttemptAt.Equal(w.FirstAttemptAt) || !d.SentAt.Equal(w.SentAt) {
				t.Errorf("stored\n %+v\nwant\n %+v", d, w)
			}
			if d.ClaimedBy != "" || !d.LeaseUntil.IsZero() {
				t.Errorf("still claimed by %q until %v", d.ClaimedBy, d.LeaseUntil)
			}
		})
	}

	// The retry waits for its time, then goes again; first_attempt_at
	// stays the first, the last error stays after a success.
	retry := claimed[1].ID
	released := claimed[3].ID
	if got := claim(t, s, Email, "w2", 0, 100); !slices.Equal(ids(got), []int64{released}) {
		t.Errorf("before the retry time claimed %v; want only the released %d", ids(got), released)
	}
	record(t, s, Outcome{ID: released, Status: DeliverySent, Attempted: true})
	advance(10*time.Minute - time.Second)
	if got := claim(t, s, Email, "w2", 0, 100); len(got) != 0 {
		t.Errorf("a second before the retry time claimed %v", ids(got))
	}
	advance(time.Second)
	if got := claim(t, s, Email, "w2", 0, 100); !slices.Equal(ids(got), []int64{retry}) {
		t.Fatalf("at the retry time claimed %v; want %d", ids(got), retry)
	}
	second := s.Now()
	record(t, s, Outcome{ID: retry, Status: DeliveryQueued, Attempted: true, NextAttemptAt: second.Add(time.Hour), Error: "451 greylisted"})
	advance(time.Hour)
	if got := claim(t, s, Email, "w2", 0, 100); !slices.Equal(ids(got), []int64{retry}) {
		t.Fatalf("at the second retry time claimed %v; want %d", ids(got), retry)
	}
	sentAt := s.Now().Add(-time.Second) // an outcome may carry its own time
	record(t, s, Outcome{ID: retry, Status: DeliverySent, Attempted: true, ProviderID: "msg-2", At: sentAt})
	d := deliveryByID(t, s, retry)
	if d.Status != DeliverySent || d.Attempts != 3 || !d.FirstAttemptAt.Equal(now) || !d.SentAt.Equal(sentAt) || d.Error != "451 greylisted" || d.ProviderID != "msg-2" {
		t.Errorf("after two retries and a success: %+v; want sent, 3 attempts, first attempt %v, sent %v, last error kept", d, now, sentAt)
	}

	// An outcome for a delivery that is not sending changes nothing.
	before := deliveryByID(t, s, claimed[0].ID)
	record(t, s, Outcome{ID: claimed[0].ID, Status: DeliveryFailed, Attempted: true, Error: "late"})
	if after := deliveryByID(t, s, claimed[0].ID); after != before {
		t.Errorf("an outcome for a sent delivery changed it:\n %+v\n %+v", before, after)
	}
	if _, err := s.Record(context.Background(), "w", nil); err != nil {
		t.Errorf("recording nothing: %v", err)
	}
}

// TestRecordBadStatusWritesNothing: a batch with one outcome that is not
// an outcome is refused whole.
func TestRecordBadStatusWritesNothing(t *testing.T) {
	s := testStore(t)
	addContacts(t, s, "c", 2)
	publishNotice(t, s, Notice{Channels: []Channel{SMS}})
	claimed := claim(t, s, SMS, "w", 0, 100)
	for _, bad := range []DeliveryStatus{DeliverySending, DeliveryDelivered, "lost", ""} {
		t.Run(string(bad), func(t *testing.T) {
			_, err := s.Record(context.Background(), "w", []Outcome{
				{ID: claimed[0].ID, Status: DeliverySent, Attempted: true, ProviderID: "SM1"},
				{ID: claimed[1].ID, Status: bad, Attempted: true},
			})
			if err == nil {
				t.Fatal("Record accepted a bad status")
			}
			for _, c := range claimed {
				if d := deliveryByID(t, s, c.ID); d.Status != DeliverySending || d.Attempts != 0 || d.ProviderID != "" {
					t.Errorf("delivery %d after the refused batch: %+v; want it untouched", c.ID, d)
				}
			}
		})
	}
}

// TestCancelWhileSending cancels a notice while a dispatcher holds some
// of its deliveries.
func TestCancelWhileSending(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	advance := clock(s)
	addContacts(t, s, "c", 6)
	id := publishNotice(t, s, Notice{Channels: []Channel{Email}})
	held := append(claim(t, s, Email, "w1", 0, 3), claim(t, s, Email, "w2", 0, 1)...)
	if n, err := s.CancelNotice(ctx, id); err != nil || n != 2 {
		t.Fatalf("CancelNotice: %d, %v; want the 2 queued cancelled", n, err)
	}
	// A retry becomes cancelled; a message already sent is recorded sent.
	record(t, s,
		Outcome{ID: held[0].ID, Status: DeliveryQueued, Attempted: true, NextAttemptAt: s.Now().Add(time.Minute), Error: "timeout"},
		Outcome{ID: held[1].ID, Status: DeliverySent, Attempted: true, ProviderID: "m"})
	if d := deliveryByID(t, s, held[0].ID); d.Status != DeliveryCancelled || d.Attempts != 1 || d.Error != "timeout" {
		t.Errorf("a retry after the cancel: %+v; want cancelled with its attempt and error", d)
	}
	if d := deliveryByID(t, s, held[1].ID); d.Status != DeliverySent {
		t.Errorf("a send after the cancel: %s; want sent", d.Status)
	}
	// Released claims of a cancelled notice are cancelled.
	if n, err := s.ReleaseClaims(ctx, "w1"); err != nil || n != 1 {
		t.Errorf("ReleaseClaims: %d, %v; want 1", n, err)
	}
	if d := deliveryByID(t, s, held[2].ID); d.Status != DeliveryCancelled {
		t.Errorf("a released claim of a cancelled notice: %s; want cancelled", d.Status)
	}
	// w2, holding the last one, dies: when its lease runs out,
	// the delivery must not go out to another dispatcher.
	advance(lease + time.Second)
	if got := claim(t, s, Email, "w3", 0, 100); len(got) != 0 {
		t.Errorf("after the lease claimed %v of a cancelled notice", ids(got))
	}
	if d := deliveryByID(t, s, held[3].ID); d.Status != DeliveryCancelled {
		t.Errorf("an expired claim of a cancelled notice: %s; want cancelled", d.Status)
	}
	if pending, err := s.Pending(ctx); err != nil || pending {
		t.Errorf("Pending: %v, %v; want nothing pending", pending, err)
	}
}

func TestReleaseClaimsAndClaimants(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	addContacts(t, s, "c", 6)
	publishNotice(t, s, Notice{Channels: []Channel{SMS}})
	first := claim(t, s, SMS, "w1", 0, 2)
	// w1 tried one before: its attempt stays.
	record(t, s, Outcome{ID: first[0].ID, Status: DeliveryQueued, Attempted: true, Error: "429"})
	w1 := append(first[1:], claim(t, s, SMS, "w1", 0, 3)...) // first[0] again, and two more
	w2 := claim(t, s, SMS, "w2", 0, 2)
	got, err := s.Claimants(ctx)
	slices.Sort(got)
	if err != nil || !slices.Equal(got, []string{"w1", "w2"}) {
		t.Errorf("Claimants: %v, %v; want w1, w2", got, err)
	}
	before := map[int64]int{}
	for _, d := range w1 {
		before[d.ID] = d.Attempts
	}
	if n, err := s.ReleaseClaims(ctx, "w1"); err != nil || n != len(w1) {
		t.Errorf("ReleaseClaims(w1): %d, %v; want %d", n, err, len(w1))
	}
	for _, d := range w1 {
		if got := deliveryByID(t, s, d.ID); got.Status != DeliveryQueued || got.ClaimedBy != "" || !got.LeaseUntil.IsZero() || got.Attempts != before[d.ID] {
			t.Errorf("released %+v; want queued, unclaimed, %d attempts", got, before[d.ID])
		}
	}
	for _, d := range w2 {
		if got := deliveryByID(t, s, d.ID); got.Status != DeliverySending || got.ClaimedBy != "w2" {
			t.Errorf("w2's delivery %d after releasing w1: %s by %q; want still w2's", d.ID, got.Status, got.ClaimedBy)
		}
	}
	if got, err := s.Claimants(ctx); err != nil || !slices.Equal(got, []string{"w2"}) {
		t.Errorf("Claimants: %v, %v; want w2", got, err)
	}
	if n, err := s.ReleaseClaims(ctx, "nobody"); err != nil || n != 0 {
		t.Errorf("ReleaseClaims(nobody): %d, %v; want 0", n, err)
	}
	// What w1 released is claimable again.
	if got := claim(t, s, SMS, "w3", 0, 100); len(got) != len(w1) {
		t.Errorf("claimed %d after the release; want %d", len(got), len(w1))
	}
}

func TestNoticeStartAndFinish(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	advance := clock(s)
	addContacts(t, s, "c", 3)
	// Letters go to a contact with a postal address and nothing else.
	if _, err := s.SaveContact(ctx, Contact{Account: "paper", Name: "Hal", PostalAddress: "1 Oak Street, Clearwater"}); err != nil {
		t.Fatal(err)
	}
	scheduled := scheduleNotice(t, s, Notice{Channels: []Channel{Email}, SendAt: s.Now().Add(time.Hour)})
	email := publishNotice(t, s, Notice{Channels: []Channel{Email}})
	printed := publishNotice(t, s, Notice{Channels: []Channel{SMS, Print}})

	if got, err := s.DueScheduled(ctx); err != nil || len(got) != 0 {
		t.Errorf("DueScheduled before the send time: %v, %v; want none", got, err)
	}
	if got, err := s.PrintDue(ctx); err != nil || !slices.Equal(got, []int64{printed}) {
		t.Errorf("PrintDue: %v, %v; want %d", got, err, printed)
	}

	// Every email of the notice ends in a final state, but one.
	ds := claim(t, s, Email, "w", email, 100)
	record(t, s,
		Outcome{ID: ds[0].ID, Status: DeliverySent, Attempted: true},
		Outcome{ID: ds[1].ID, Status: DeliveryFailed, Attempted: true, Error: "550"},
		Outcome{ID: ds[2].ID, Status: DeliveryQueued, Attempted: true, NextAttemptAt: s.Now().Add(time.Minute), Error: "421"})
	if got, err := s.FinishDone(ctx); err != nil || len(got) != 0 {
		t.Errorf("FinishDone with a delivery queued: %v, %v; want none", got, err)
	}
	advance(time.Minute)
	ds = claim(t, s, Email, "w", email, 100)
	if got, err := s.FinishDone(ctx); err != nil || len(got) != 0 {
		t.Errorf("FinishDone with a delivery sending: %v, %v; want none", got, err)
	}
	record(t, s, Outcome{ID: ds[0].ID, Status: DeliverySuppressed, Error: "hard bounce"})
	if got, err := s.FinishDone(ctx); err != nil || !slices.Equal(got, []int64{email}) {
		t.Errorf("FinishDone: %v, %v; want %d", got, err, email)
	}
	if st := noticeStatus(t, s, email); st != Done {
		t.Errorf("the email notice is %s; want done", st)
	}

	// The print notice: texts sent, letters written, then its documents.
	for _, ch := range []Channel{SMS, Print} {
		var outs []Outcome
		for _, d := range claim(t, s, ch, "w", printed, 100) {
			outs = append(outs, Outcome{ID: d.ID, Status: DeliverySent, Attempted: true})
		}
		if len(outs) == 0 {
			t.Fatalf("no %s deliveries to record", ch)
		}
		record(t, s, outs...)
	}
	if got, err := s.FinishDone(ctx); err != nil || len(got) != 0 {
		t.Errorf("FinishDone before the print documents are written: %v, %v; want none", got, err)
	}
	if err := s.PrintDone(ctx, printed); err != nil {
		t.Fatal(err)
	}
	if got, err := s.PrintDue(ctx); err != nil || len(got) != 0 {
		t.Errorf("PrintDue after PrintDone: %v, %v; want none", got, err)
	}
	if got, err := s.FinishDone(ctx); err != nil || !slices.Equal(got, []int64{printed}) {
		t.Errorf("FinishDone: %v, %v; want %d", got, err, printed)
	}

	// The scheduled notice is due at its time, and published once; a
	// scheduled notice is never started without its deliveries.
	advance(time.Hour)
	if got, err := s.StartDue(ctx); err != nil || len(got) != 0 {
		t.Errorf("StartDue of a notice not yet published: %v, %v; want none", got, err)
	}
	if got, err := s.DueScheduled(ctx); err != nil || !slices.Equal(got, []int64{scheduled}) {
		t.Errorf("DueScheduled at the send time: %v, %v; want %d", got, err, scheduled)
	}
	publishDue(t, s, scheduled)
	if st := noticeStatus(t, s, scheduled); st != Sending {
		t.Errorf("the scheduled notice is %s; want sending", st)
	}
	if got, err := s.DueScheduled(ctx); err != nil || len(got) != 0 {
		t.Errorf("DueScheduled again: %v, %v; want none", got, err)
	}
	if got, err := s.FinishDone(ctx); err != nil || len(got) != 0 {
		t.Errorf("FinishDone with the started notice queued: %v, %v; want none", got, err)
	}
}

func TestPending(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	advance := clock(s)
	addContacts(t, s, "c", 2)
	start := s.Now()
	var id, later int64
	var held []Delivery
	steps := []struct {
		name    string
		do      func(t *testing.T)
		pending bool
		notice  bool // NoticePending of the notice sending now
	}{
		{"an empty store", func(t *testing.T) {}, false, false},
		{"a notice scheduled for tomorrow", func(t *testing.T) {
			later = scheduleNotice(t, s, Notice{Channels: []Channel{Email}, SendAt: start.Add(24 * time.Hour)})
		}, false, false},
		{"a notice sending now", func(t *testing.T) {
			id = publishNotice(t, s, Notice{Channels: []Channel{SMS}})
		}, true, true},
		{"its channel paused", func(t *testing.T) {
			if err := s.PauseChannel(ctx, id, SMS, "broken"); err != nil {
				t.Fatal(err)
			}
		}, false, false},
		{"resumed", func(t *testing.T) {
			if _, err := s.Resume(ctx, id); err != nil {
				t.Fatal(err)
			}
		}, true, true},
		{"all claimed", func(t *testing.T) {
			held = claim(t, s, SMS, "w", 0, 100)
		}, true, true},
		{"all waiting for a retry", func(t *testing.T) {
			for _, d := range held {
				record(t, s, Outcome{ID: d.ID, Status: DeliveryQueued, Attempted: true, NextAttemptAt: start.Add(10 * time.Minute), Error: "429"})
			}
		}, true, true},
		{"all sent", func(t *testing.T) {
			advance(10 * time.Minute)
			for _, d := range claim(t, s, SMS, "w", 0, 100) {
				record(t, s, Outcome{ID: d.ID, Status: DeliverySent, Attempted: true})
			}
		}, false, false},
		{"tomorrow: the scheduled notice is due, to be published", func(t *testing.T) {
			advance(24 * time.Hour)
		}, true, false},
		{"it could not be published: it waits for the coordinator", func(t *testing.T) {
			if paused, err := s.PauseUnpublished(ctx, later, "its list was deleted"); err != nil || !paused {
				t.Fatalf("PauseUnpublished: %v, %v", paused, err)
			}
		}, false, false},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.do(t)
			pending, err := s.Pending(ctx)
			if err != nil || pending != st.pending {
				t.Errorf("Pending: %v, %v; want %v", pending, err, st.pending)
			}
			if pending, err := s.NoticePending(ctx, id, SMS); err != nil || pending != st.notice {
				t.Errorf("NoticePending: %v, %v; want %v", pending, err, st.notice)
			}
		})
	}
}

func TestReport(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	advance := clock(s)
	cs := addContacts(t, s, "c", 6)
	id := publishNotice(t, s, Notice{Channels: []Channel{Email, SMS}})
	other := publishNotice(t, s, Notice{Channels: []Channel{Email}}) // must not count
	if _, _, err := s.Suppress(ctx, cs[5].Email, HardBounce, "", "test"); err != nil {
		t.Fatal(err)
	}
	ds := claim(t, s, Email, "w", id, 100) // c-6 is suppressed here: 5 claimed
	record(t, s,
		Outcome{ID: ds[0].ID, Status: DeliverySent, Attempted: true},
		Outcome{ID: ds[1].ID, Status: DeliveryQueued, Attempted: true, NextAttemptAt: s.Now().Add(time.Minute), Error: "421"},
		Outcome{ID: ds[2].ID, Status: DeliveryFailed, Attempted: true, Error: "550"},
		Outcome{ID: ds[3].ID, Status: DeliveryQueued})
	advance(time.Minute)
	if again := claim(t, s, Email, "w", id, 100); !slices.Equal(ids(again), []int64{ds[1].ID, ds[3].ID}) {
		t.Fatalf("claimed %v; want the retry %d and the released %d", ids(again), ds[1].ID, ds[3].ID)
	}
	record(t, s, Outcome{ID: ds[1].ID, Status: DeliverySent, Attempted: true}, Outcome{ID: ds[3].ID, Status: DeliveryQueued})
	if _, err := s.db.Exec(`UPDATE deliveries SET status = 'delivered' WHERE id = ?`, ds[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := s.PauseChannel(ctx, id, SMS, "Twilio says the account is suspended"); err != nil {
		t.Fatal(err)
	}

	r, err := s.Report(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if r.Notice.ID != id || len(r.Channels) != 2 || r.Channels[0].Channel != Email || r.Channels[1].Channel != SMS {
		t.Fatalf("report of notice %d on %+v; want email and sms of notice %d", r.Notice.ID, r.Channels, id)
	}
	// Email: ds[0] delivered, ds[1] sent after a retry, ds[2] failed, ds[3]
	// released (queued), ds[4] sending, c-6 suppressed.
	want := map[Channel]ChannelReport{
		Email: {Channel: Email, Total: 6, Queued: 1, Sending: 1, Sent: 1, Delivered: 1, Failed: 1, Suppressed: 1, Retried: 1, Attempts: 4},
		SMS:   {Channel: SMS, Total: 6, Queued: 6},
	}
	for _, ch := range []Channel{Email, SMS} {
		got, w := r.Channel(ch), want[ch]
		paused := got.Paused
		got.Paused = nil
		if got != w {
			t.Errorf("%s\n got %+v\nwant %+v", ch, got, w)
		}
		// The counts match the rows.
		rows := ChannelReport{Channel: ch}
		for _, d := range deliveriesOn(t, s, id, ch) {
			rows.Total++
			rows.Attempts += d.Attempts
			if d.Attempts > 1 {
				rows.Retried++
			}
			switch d.Status {
			case DeliveryQueued:
				rows.Queued++
			case DeliverySending:
				rows.Sending++
			case DeliverySent:
				rows.Sent++
			case DeliveryDelivered:
				rows.Delivered++
			case DeliveryFailed:
				rows.Failed++
			case DeliverySuppressed:
				rows.Suppressed++
			case DeliveryCancelled:
				rows.Cancelled++
			}
		}
		if got != rows {
			t.Errorf("%s report %+v; the rows say %+v", ch, got, rows)
		}
		if (paused != nil) != (ch == SMS) {
			t.Errorf("%s paused: %+v", ch, paused)
		}
		if ch == SMS && paused != nil && (paused.Reason != "Twilio says the account is suspended" || paused.Channel != SMS || paused.NoticeID != id) {
			t.Errorf("SMS pause %+v", *paused)
		}
	}
	if c := r.Channel(Print); c != (ChannelReport{Channel: Print}) {
		t.Errorf("a channel the notice does not use: %+v", c)
	}
	if r, err := s.Report(ctx, other); err != nil || r.Channel(Email).Total != 6 || r.Channel(Email).Queued != 6 || r.Channel(Email).Paused != nil {
		t.Errorf("the other notice's report: %+v, %v; want 6 queued, unpaused", r, err)
	}
	if _, err := s.Report(ctx, 999); ErrorCode(err) != NotFound {
		t.Errorf("Report(999): %v; want not found", err)
	}

	// EachDeliveryIn walks the statuses asked for; EachFailure the
	// failures (failed and undelivered) by a statement of its own.
	for _, tt := range []struct {
		name string
		each func(fn func(Delivery) error) error
		want []int64
	}{
		{"sent and failed", func(fn func(Delivery) error) error {
			return s.EachDeliveryIn(ctx, id, []DeliveryStatus{DeliverySent, DeliveryFailed}, fn)
		}, []int64{ds[1].ID, ds[2].ID}},
		{"failed and undelivered", func(fn func(Delivery) error) error {
			return s.EachDeliveryIn(ctx, id, []DeliveryStatus{DeliveryFailed, DeliveryUndelivered}, fn)
		}, []int64{ds[2].ID}},
		{"the failures", func(fn func(Delivery) error) error { return s.EachFailure(ctx, id, fn) }, []int64{ds[2].ID}},
	} {
		var got []int64
		if err := tt.each(func(d Delivery) error {
			got = append(got, d.ID)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v; want %v", tt.name, got, tt.want)
		}
	}
}

func TestUnsubscribeToken(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	addContacts(t, s, "c", 2)
	a := publishNotice(t, s, Notice{Channels: []Channel{Email}})
	b := publishNotice(t, s, Notice{Channels: []Channel{Email}})
	na, _ := s.Notice(ctx, a)
	nb, _ := s.Notice(ctx, b)
	da, db := deliveriesOn(t, s, a, Email), deliveriesOn(t, s, b, Email)
	if na.secret == "" || nb.secret == "" || na.secret == nb.secret {
		t.Fatalf("secrets %q and %q; want two different ones", na.secret, nb.secret)
	}
	tokens := map[string]string{}
	for _, tc := range []struct {
		name     string
		n        Notice
		delivery int64
	}{
		{"a, first delivery", na, da[0].ID},
		{"a, second delivery", na, da[1].ID},
		{"b, first delivery", nb, db[0].ID},
		{"b with a's delivery id", nb, da[0].ID},
	} {
		tok := tc.n.UnsubscribeToken(tc.delivery)
		if prev, ok := tokens[tok]; ok {
			t.Errorf("%s has the token of %s", tc.name, prev)
		}
		tokens[tok] = tc.name
		if len(tok) != 22 || strings.Contains(tok, tc.n.secret) || strings.Contains(tc.n.secret, tok) {
			t.Errorf("%s: token %q; want 22 characters that do not show the secret", tc.name, tok)
		}
		again, _ := s.Notice(ctx, tc.n.ID)
		if again.UnsubscribeToken(tc.delivery) != tok {
			t.Errorf("%s: the token changes when the notice is read again", tc.name)
		}
	}
}

// TestClaimsBelongToTheirDispatcher: a dispatcher never takes back its own
// expired claims (what it holds may be in its hands), a late outcome from
// a dispatcher whose claim another took over changes nothing, a pause of
// a cancelled notice is gone, and HeldUnreachable sees a suppression made
// after the claim.
func TestClaimsBelongToTheirDispatcher(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	advance := clock(s)
	cs := addContacts(t, s, "c", 3)
	id := publishNotice(t, s, Notice{Channels: []Channel{Email}})
	held := claim(t, s, Email, "w1", 0, 100)
	advance(lease + time.Second)
	if got := claim(t, s, Email, "w1", 0, 100); len(got) != 0 {
		t.Fatalf("w1 took back its own claims %v", ids(got))
	}
	taken := claim(t, s, Email, "w2", 0, 100)
	if len(taken) != len(held) {
		t.Fatalf("w2 took %d of %d expired claims", len(taken), len(held))
	}
	if applied, err := s.Record(ctx, "w1", []Outcome{{ID: held[0].ID, Status: DeliveryFailed, Attempted: true, Error: "late"}}); err != nil || applied[0] {
		t.Fatalf("a late outcome of a lost claim: applied %v, %v; want not applied", applied, err)
	}
	if d := deliveryByID(t, s, held[0].ID); d.Status != DeliverySending || d.ClaimedBy != "w2" || d.Error != "" {
		t.Errorf("a late outcome of w1 changed w2's claim: %+v", d)
	}

	if gone, err := s.HeldUnreachable(ctx, "w2"); err != nil || len(gone) != 0 {
		t.Errorf("HeldUnreachable before the suppression: %v, %v", gone, err)
	}
	if _, _, err := s.Suppress(ctx, cs[1].Email, StopReply, "", "test"); err != nil {
		t.Fatal(err)
	}
	gone, err := s.HeldUnreachable(ctx, "w2")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range held {
		if want := d.Address == cs[1].Email; slices.Contains(gone, d.ID) != want {
			t.Errorf("HeldUnreachable has %s: %v; want %v", d.Address, !want, want)
		}
	}

	if err := s.PauseChannel(ctx, id, Email, "535"); err != nil {
		t.Fatal(err)
	}
	if ps, _ := s.Pauses(ctx, 0); len(ps) != 1 {
		t.Fatalf("pauses %v; want the one", ps)
	}
	if _, err := s.CancelNotice(ctx, id); err != nil {
		t.Fatal(err)
	}
	if ps, err := s.Pauses(ctx, 0); err != nil || len(ps) != 0 {
		t.Errorf("pauses of a cancelled notice: %v, %v; want none", ps, err)
	}
}

// TestUnpublishedScheduledNotice: a notice scheduled the new way waits,
// unpublished, for its time; paused on every channel it waits for the
// coordinator; resumed on one channel it is due again (the other keeps its
// pause); it can be moved to a new time even after its old one passed; a
// pause never lands on a notice published meanwhile.
func TestUnpublishedScheduledNotice(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	advance := clock(s)
	addContacts(t, s, "c", 2)
	id := scheduleNotice(t, s, Notice{Channels: []Channel{Email, SMS}, SendAt: s.Now().Add(time.Hour)})
	advance(time.Hour)
	if got, _ := s.DueScheduled(ctx); !slices.Equal(got, []int64{id}) {
		t.Fatalf("due at its time: %v; want %d", got, id)
	}
	if paused, err := s.PauseUnpublished(ctx, id, "not published at its send time: no list"); err != nil || !paused {
		t.Fatalf("PauseUnpublished: %v, %v", paused, err)
	}
	if got, _ := s.DueScheduled(ctx); len(got) != 0 {
		t.Errorf("paused on every channel, due: %v; want none", got)
	}
	if _, ok, _ := s.NextScheduled(ctx); ok {
		t.Error("paused on every channel, it is still the next scheduled")
	}
	// Moved to tomorrow, though its time has passed: it is not published.
	if err := s.RescheduleNotice(ctx, id, s.Now().Add(24*time.Hour)); err != nil {
		t.Errorf("reschedule of a notice that could not be published: %v", err)
	}
	if _, err := s.Resume(ctx, id, Email); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.DueScheduled(ctx); len(got) != 0 {
		t.Errorf("resumed before its new time, due: %v; want none", got)
	}
	advance(24 * time.Hour)
	if got, _ := s.DueScheduled(ctx); !slices.Equal(got, []int64{id}) {
		t.Errorf("email resumed, at the new time: %v; want %d due", got, id)
	}
	publishDue(t, s, id)
	if got := claim(t, s, SMS, "w", id, 100); len(got) != 0 {
		t.Errorf("claimed %d text messages of a notice whose sms is still paused", len(got))
	}
	if got := claim(t, s, Email, "w", id, 100); len(got) != 2 {
		t.Errorf("claimed %d emails; want 2", len(got))
	}
	if paused, err := s.PauseUnpublished(ctx, id, "late"); err != nil || paused {
		t.Errorf("PauseUnpublished of a published notice: %v, %v; want nothing done", paused, err)
	}
}

// TestOldStyleScheduledNotice: a notice scheduled by an earlier crier, its
// deliveries written at once and due at its send time, still starts then,
// and is never published again.
func TestOldStyleScheduledNotice(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	advance := clock(s)
	addContacts(t, s, "c", 2)
	id := publishNotice(t, s, Notice{Channels: []Channel{Email}})
	sendAt := s.Now().Add(time.Hour)
	if _, err := s.db.ExecContext(ctx, `UPDATE notices SET status = 'scheduled', send_at = ? WHERE id = ?`, sendAt.UTC().Format(timeLayout), id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE deliveries SET next_attempt_at = ? WHERE notice_id = ?`, sendAt.UTC().Format(timeLayout), id); err != nil {
		t.Fatal(err)
	}
	advance(time.Hour)
	if got, _ := s.DueScheduled(ctx); len(got) != 0 {
		t.Errorf("an old-style notice is due to be published: %v", got)
	}
	if got, err := s.StartDue(ctx); err != nil || !slices.Equal(got, []int64{id}) {
		t.Errorf("StartDue: %v, %v; want %d", got, err, id)
	}
	if got := claim(t, s, Email, "w", id, 100); len(got) != 2 {
		t.Errorf("claimed %d; want its 2 deliveries", len(got))
	}
}
