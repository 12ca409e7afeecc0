package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/crier-notices/crier/internal/testenv"
	"github.com/crier-notices/crier/notices"
)

// TestStoppedLeaderLosesTheLead: a campaign leader stopped (a paused
// virtual machine, SIGSTOP) sends nothing on its lock's session, whose
// TCP connection stays open. The server ends that session once idle for
// leaderIdle (20 s; this test's 1 s), releasing the lock: another process
// takes the lead, and the stopped one, continued, learns from Held that
// it no longer leads. A leader that asks Held meanwhile keeps the lead.
func TestStoppedLeaderLosesTheLead(t *testing.T) {
	dsn := testenv.PostgresURL(t)
	if dsn == "" {
		return
	}
	defer func(was time.Duration) { leaderIdle = was }(leaderIdle)
	leaderIdle = time.Second
	ctx := context.Background()
	open := func() *notices.Store {
		s, err := notices.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	lead, err := a.TryLead(ctx, "campaigns")
	if err != nil || lead == nil {
		t.Fatalf("the first process does not take the free lead: %v", err)
	}
	defer lead.Release()

	// A working leader asks Held every 250 ms (more often than the idle
	// limit) and keeps the lead for three times that limit.
	var stopped time.Time // the leader's last word on its session
	for end := time.Now().Add(3 * leaderIdle); time.Now().Before(end); time.Sleep(leaderIdle / 4) {
		if err := lead.Held(ctx); err != nil {
			t.Fatalf("a leader that checks its lead lost it: %v", err)
		}
		stopped = time.Now()
		if other, err := b.TryLead(ctx, "campaigns"); err != nil || other != nil {
			t.Fatalf("another process took the lead of a working leader (%v)", err)
		}
	}

	// Stopped: nothing on its session. Another process takes the lead
	// once the server has ended the stopped one's session.
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
	if waited := time.Since(stopped); waited < leaderIdle {
		t.Errorf("the lead was taken %v after the leader stopped, before its session could be idle %v", waited, leaderIdle)
	}
	if err := lead.Held(ctx); err == nil {
		t.Error("the stopped leader, continued, is told it still leads; another does")
	}
}
