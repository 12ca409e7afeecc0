package spool

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestSpoolKeepsEntriesAcrossOpens: what was added is there after a
// reopen, in order, until Done; Later makes an entry wait.
func TestSpoolKeepsEntriesAcrossOpens(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "crier.db.spool")
	sp, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i, v := range []string{"a", "b", "c"} {
		if err := sp.Add(ctx, "test", url.Values{"v": {v}, "n": {"x&y=z"}}, now.Add(time.Duration(i))); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-sp.Added():
	default:
		t.Error("Added has no token after Add")
	}
	sp.Close()

	sp, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	es, err := sp.Due(ctx, now.Add(time.Second), 10)
	if err != nil || len(es) != 3 {
		t.Fatalf("due %v, %v; want 3", es, err)
	}
	for i, v := range []string{"a", "b", "c"} {
		if es[i].Kind != "test" || es[i].Form.Get("v") != v || es[i].Form.Get("n") != "x&y=z" || !es[i].Received.Equal(now.Add(time.Duration(i)).UTC()) {
			t.Errorf("entry %d: %+v", i, es[i])
		}
	}
	if err := sp.Later(ctx, es[0].ID, now.Add(time.Hour), "not yet"); err != nil {
		t.Fatal(err)
	}
	if err := sp.Done(ctx, es[1].ID); err != nil {
		t.Fatal(err)
	}
	es, err = sp.Due(ctx, now.Add(time.Second), 10)
	if err != nil || len(es) != 1 || es[0].Form.Get("v") != "c" {
		t.Fatalf("due %+v, %v; want c alone", es, err)
	}
	next, ok, err := sp.Next(ctx)
	if err != nil || !ok || !next.Equal(now.Add(2).UTC()) {
		t.Errorf("next %v %v %v; want c's time", next, ok, err)
	}
	later, _ := sp.Due(ctx, now.Add(2*time.Hour), 10)
	if len(later) != 2 || later[1].Attempts != 1 || later[1].LastErr != "not yet" {
		t.Errorf("after an hour %+v; want c, then a tried once", later)
	}
	if n, err := sp.Len(ctx); err != nil || n != 2 {
		t.Errorf("len %d, %v; want 2", n, err)
	}
}

// TestSpoolSyncsEachAdd: the spool's connection is in WAL mode with
// synchronous FULL, so an Add that returned is on disk (SQLite syncs the
// WAL at each commit) before the web server answers 200.
func TestSpoolSyncsEachAdd(t *testing.T) {
	ctx := context.Background()
	sp, err := Open(ctx, filepath.Join(t.TempDir(), "crier.db.spool"))
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	var mode string
	var sync int
	if err := sp.db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if err := sp.db.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&sync); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" || sync != 2 {
		t.Errorf("journal_mode %s, synchronous %d; want wal and 2 (FULL)", mode, sync)
	}
}

// TestSpoolInMemory: an empty path keeps the spool in memory, for a store
// with no file beside which to keep one: entries come and go as in a
// file, and no file is written.
func TestSpoolInMemory(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	t.Chdir(dir)
	sp, err := Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	now := time.Now()
	if err := sp.Add(ctx, "test", url.Values{"v": {"a"}}, now); err != nil {
		t.Fatal(err)
	}
	es, err := sp.Due(ctx, now, 10)
	if err != nil || len(es) != 1 || es[0].Form.Get("v") != "a" {
		t.Fatalf("due %+v, %v; want a", es, err)
	}
	if err := sp.Done(ctx, es[0].ID); err != nil {
		t.Fatal(err)
	}
	if n, err := sp.Len(ctx); err != nil || n != 0 {
		t.Errorf("%d entries (%v); want none", n, err)
	}
	if files, err := os.ReadDir(dir); err != nil || len(files) > 0 {
		t.Errorf("files written: %v (%v); want none", files, err)
	}
}
