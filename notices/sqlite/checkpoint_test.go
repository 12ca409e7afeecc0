package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
	_ "github.com/crier-notices/crier/notices/sqlite"
)

// TestCommitsReachTheFileBesideTheWriter: what the store commits reaches
// the database file itself soon after, without any commit of the store's
// copying the log there (it would take 8,000 pages of log): a copy of the
// file alone, without its -wal, shows it. Closing the store leaves no log
// behind.
func TestCommitsReachTheFileBesideTheWriter(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "crier.db")
	s, err := notices.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// The migrations' log is copied too: wait for that first, so that
	// the address below is the one commit the file lacks.
	const address = "+13155550123"
	if !eventually(t, func() bool { return fileHasTables(t, path) }) {
		t.Fatal("the migrations never reached the database file")
	}
	if _, _, err := s.Suppress(ctx, address, notices.Manual, "asked by phone", "test"); err != nil {
		t.Fatal(err)
	}
	if !eventually(t, func() bool { return fileHolds(t, path, address) }) {
		t.Fatal("the suppression committed never reached the database file: it is still only in the log")
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + "-wal"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after Close, %s-wal: %v; want it removed", path, err)
	}
}

// eventually reports whether ok becomes true within 20 s, asking every
// 10 ms: the checkpointer's pace is 100 ms, and a loaded machine may be
// slower.
func eventually(t *testing.T, ok func() bool) bool {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if ok() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// fileQuery runs q (one count) on a copy of the database file at path
// without its log, made beside it, and says whether it read 1. A copy taken in the middle
// of a checkpoint may not read: not yet.
func fileQuery(t *testing.T, path string, q string, args ...any) bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	copyPath := path + ".copy"
	if err := os.WriteFile(copyPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(copyPath)
	db, err := sql.Open("sqlite", "file:"+copyPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	err = db.QueryRow(q, args...).Scan(&n)
	return err == nil && n == 1
}

func fileHasTables(t *testing.T, path string) bool {
	return fileQuery(t, path, `SELECT count(*) FROM sqlite_master WHERE name = 'suppressions'`)
}

func fileHolds(t *testing.T, path, address string) bool {
	return fileQuery(t, path, `SELECT count(*) FROM suppressions WHERE address = ?`, address)
}
