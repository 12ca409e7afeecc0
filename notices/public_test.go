package notices

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestPublicNotices checks which notices the public sees: published ones
// whose time came, newest first, a notice cancelled after it went out
// among them; never a draft, a proof, a notice scheduled for later, or one
// cancelled before its time.
func TestPublicNotices(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	advance := clock(s)
	addContacts(t, s, "p", 2)
	fam, values := hydrant(t)
	start := s.Now()

	draft, err := s.CreateNotice(ctx, Notice{Template: fam.Name, Values: values, Channels: []Channel{Email}})
	if err != nil {
		t.Fatal(err)
	}
	first := publishNotice(t, s, Notice{Channels: []Channel{Email}})
	advance(time.Minute)
	withdrawn := publishNotice(t, s, Notice{Channels: []Channel{Email}})
	advance(time.Minute)
	if _, err := s.CancelNotice(ctx, withdrawn); err != nil {
		t.Fatal(err)
	}
	later := scheduleNotice(t, s, Notice{Channels: []Channel{Email}, SendAt: start.Add(time.Hour)})
	neverSent := scheduleNotice(t, s, Notice{Channels: []Channel{Email}, SendAt: start.Add(2 * time.Hour)})
	if _, err := s.CancelNotice(ctx, neverSent); err != nil {
		t.Fatal(err)
	}
	proof, err := s.CreateProof(ctx, Notice{Template: fam.Name, Values: values, Languages: []string{"en"}, Channels: []Channel{Email}},
		fam, []ProofAddress{{Channel: Email, Address: "coordinator@example.org"}})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		at   time.Duration // after start
		want []int64
	}{
		{"before the scheduled one's time", 30 * time.Minute, []int64{withdrawn, first}},
		{"its time come but not yet published", 61 * time.Minute, []int64{withdrawn, first}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := publicIDs(t, s, start.Add(tc.at))
			if !slices.Equal(got, tc.want) {
				t.Errorf("PublicNotices = %v; want %v (draft %d, later %d, never sent %d, proof %d)", got, tc.want, draft, later, neverSent, proof)
			}
		})
	}

	advance(time.Hour)
	publishDue(t, s, later)
	got := publicIDs(t, s, start.Add(3*time.Hour))
	if want := []int64{later, withdrawn, first}; !slices.Equal(got, want) {
		t.Errorf("once published at its time: PublicNotices = %v; want %v", got, want)
	}
	ns, err := s.PublicNotices(ctx, start.Add(3*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if ns[1].Status != Cancelled {
		t.Errorf("notice %d is %s in the list; want cancelled", ns[1].ID, ns[1].Status)
	}
	// PublicNotice finds by its code exactly what the list holds.
	for _, id := range []int64{draft, first, withdrawn, later, neverSent, proof} {
		n, err := s.Notice(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.PublicNotice(ctx, n.Code, start.Add(3*time.Hour))
		if listed := slices.Contains(got, id); listed != (err == nil) || !listed && ErrorCode(err) != NotFound {
			t.Errorf("PublicNotice(code of %d): %v; listed %v", id, err, listed)
		}
	}
	var seen []int64
	err = s.EachPublicNotice(ctx, start.Add(3*time.Hour), func(n Notice) bool {
		seen = append(seen, n.ID)
		return len(seen) < 2
	})
	if want := []int64{later, withdrawn}; err != nil || !slices.Equal(seen, want) {
		t.Errorf("EachPublicNotice stopped after the second: %v, %v; want %v", seen, err, want)
	}
}

func publicIDs(t *testing.T, s *Store, now time.Time) []int64 {
	t.Helper()
	ns, err := s.PublicNotices(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, n := range ns {
		ids = append(ids, n.ID)
	}
	return ids
}
