package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/crier-notices/crier/internal/testenv"
	"github.com/crier-notices/crier/notices"
)

// shortIdleStores opens two stores on a schema of their own, with leads
// whose sessions the server ends after 1 s without a word (leaderIdle),
// or returns nil without a PostgreSQL server.
func shortIdleStores(t *testing.T) (a, b *notices.Store) {
	t.Helper()
	dsn := testenv.PostgresURL(t)
	if dsn == "" {
		return nil, nil
	}
	was := leaderIdle
	leaderIdle = time.Second
	t.Cleanup(func() { leaderIdle = was })
	var ss []*notices.Store
	for range 2 {
		s, err := notices.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		ss = append(ss, s)
	}
	return ss[0], ss[1]
}

// TestStoppedLeaderLosesTheLead: a leader stopped (a paused virtual
// machine, SIGSTOP) sends nothing on its lock's session, whose TCP
// connection stays open. The server ends that session once idle for
// leaderIdle (20 s; this test's 1 s), releasing the lock: another process
// takes the lead, and the stopped one, continued, learns from Held that
// it no longer leads. A running leader keeps the lead however long it
// says nothing itself (a print job rendering, a large campaign firing):
// its lead's heartbeat speaks for it.
func TestStoppedLeaderLosesTheLead(t *testing.T) {
	a, b := shortIdleStores(t)
	if a == nil {
		return
	}
	ctx := context.Background()
	held, err := a.TryLead(ctx, "campaigns")
	if err != nil || held == nil {
		t.Fatalf("the first process does not take the free lead: %v", err)
	}
	defer held.Release()

	// Running, busy elsewhere for three times the idle limit.
	for end := time.Now().Add(3 * leaderIdle); time.Now().Before(end); time.Sleep(leaderIdle / 4) {
		if other, err := b.TryLead(ctx, "campaigns"); err != nil || other != nil {
			t.Fatalf("another process took the lead of a running leader (%v)", err)
		}
	}
	if err := held.Held(ctx); err != nil {
		t.Fatalf("a running leader lost its lead: %v", err)
	}

	// Stopped: its heartbeat stops with it. Another process takes the
	// lead once the server has ended the stopped one's session.
	held.(*lead).stopHeartbeat()
	stopped := time.Now()
	var taken notices.Lead
	for taken == nil {
		if time.Since(stopped) > time.Minute {
			t.Fatal("no other process took the lead a minute after the leader stopped")
		}
		time.Sleep(100 * time.Millisecond)
		if taken, err = b.TryLead(ctx, "campaigns"); err != nil {
			t.Fatal(err)
		}
	}
	defer taken.Release()
	if err := held.Held(ctx); err == nil {
		t.Error("the stopped leader, continued, is told it still leads; another does")
	}
}

// TestReleasedLeadLeavesNoTimeoutBehind: a lead's session ends after
// leaderIdle without a word; once the lead is released, that session must
// not go back to the pool, where the next lock taken on it (a contacts
// import holds its lock for minutes without a word) would be lost after
// leaderIdle.
func TestReleasedLeadLeavesNoTimeoutBehind(t *testing.T) {
	a, b := shortIdleStores(t)
	if a == nil {
		return
	}
	ctx := context.Background()
	for range 3 { // a print job's lead, taken and released again and again
		l, err := a.TryLead(ctx, "print")
		if err != nil || l == nil {
			t.Fatalf("taking the free print lead: %v", err)
		}
		l.Release()
	}
	imp, err := a.BeginImport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer imp.Close()
	time.Sleep(3 * leaderIdle)
	if other, err := b.BeginImport(ctx); err == nil {
		other.Close()
		t.Fatal("a second import began while the first held its lock: the first's session was ended by a released lead's timeout")
	}
}
