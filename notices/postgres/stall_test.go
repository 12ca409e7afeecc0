package postgres_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/crier-notices/crier/internal/testenv"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/notices/postgres"
	"github.com/crier-notices/crier/templates"
)

// TestStalledTransactionLosesItsClaims: a crier stopped (a paused
// virtual machine, SIGSTOP) in the middle of claiming deliveries holds
// their row locks, and another instance's claims skip them. The server
// ends such a session once it has sat idle in its transaction for
// idle_in_transaction_session_timeout (the store's sessions have 5
// minutes unless the URL says; this test's 2 s), and the other instance
// then claims every one; the stopped one, continuing, finds its
// transaction gone (its claim fails: it has nothing to send) and its
// store working again on a new session.
func TestStalledTransactionLosesItsClaims(t *testing.T) {
	ctx := context.Background()
	dsn := testenv.PostgresURL(t)
	other, err := notices.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	const n = 3
	publishEmails(t, other, n)

	byDefault := openDB(t, dsn)
	var timeout string
	if err := byDefault.DB.QueryRowContext(ctx, `SHOW idle_in_transaction_session_timeout`).Scan(&timeout); err != nil || timeout != "5min" {
		t.Errorf("a store's session has idle_in_transaction_session_timeout %q (%v); want 5min", timeout, err)
	}

	stalled := openDB(t, withParam(t, dsn, "idle_in_transaction_session_timeout", "2s"))
	tx, err := stalled.DB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	// What a claim does first: lock the queued deliveries it will take.
	var locked int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT id FROM deliveries WHERE status = 'queued' FOR UPDATE) l`).Scan(&locked); err != nil || locked != n {
		t.Fatalf("locked %d deliveries (%v); want %d", locked, err, n)
	}
	// ... and stops there. The other instance's claims skip what it
	// locked until the server ends its session.
	claimed, looks := 0, 0
	deadline := time.Now().Add(time.Minute)
	for claimed < n {
		if time.Now().After(deadline) {
			t.Fatalf("the other instance claimed %d of %d deliveries in a minute: the stalled transaction kept its locks", claimed, n)
		}
		ds, err := other.Claim(ctx, notices.Email, "other", notices.ClaimScope{}, 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		claimed += len(ds)
		looks++
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("the other instance claimed all %d at its look %d", n, looks)

	// The stalled process continues with what a claim does next.
	_, err = tx.ExecContext(ctx, `UPDATE deliveries SET status = 'sending', claimed_by = 'stalled' WHERE status = 'queued'`)
	t.Logf("the stalled transaction, continued: %v", err)
	if err == nil {
		t.Error("the stalled transaction went on after the server ended its session")
	}
	if err := tx.Commit(); err == nil {
		t.Error("the stalled transaction committed after the server ended its session")
	}
	var sending int
	if err := stalled.DB.QueryRowContext(ctx, `SELECT count(*) FROM deliveries WHERE status = 'sending' AND claimed_by = 'other'`).Scan(&sending); err != nil || sending != n {
		t.Errorf("after the stall the store reads %d deliveries claimed by the other instance (%v); want %d", sending, err, n)
	}
}

// publishEmails publishes a hydrant flushing notice by email to n new
// contacts.
func publishEmails(t *testing.T, s *notices.Store, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		if _, err := s.SaveContact(ctx, notices.Contact{Account: fmt.Sprint(i), Email: fmt.Sprintf("c%d@example.org", i), Zone: "north"}); err != nil {
			t.Fatal(err)
		}
	}
	lib, _ := templates.Builtin()
	fam, err := lib.Family("hydrant-flushing")
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.CreateNotice(ctx, notices.Notice{Template: fam.Name, Values: fam.Examples(), Channels: []notices.Channel{notices.Email},
		Audience: notices.Audience{Zones: []string{"north"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Publish(ctx, id, fam, "en"); err != nil {
		t.Fatal(err)
	}
}

// openDB opens the store's database at dsn as the store does, with its
// sessions' settings.
func openDB(t *testing.T, dsn string) *notices.Database {
	t.Helper()
	d, err := postgres.Dialect{}.Open(context.Background(), dsn, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.DB.Close() })
	return d
}

// withParam is dsn with the query parameter name set to value.
func withParam(t *testing.T, dsn, name, value string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set(name, value)
	u.RawQuery = q.Encode()
	return u.String()
}
