package notices

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testStore opens a fresh SQLite store in a temporary folder.
func testStore(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "crier.db"))
	if err != nil {
		t.Fatal(err)
	}
	s.Now = func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) }
	t.Cleanup(func() { s.Close() })
	return s
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "crier.db")
	s, err := OpenWithoutMigrating(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := s.Migrations(ctx)
	if err != nil || len(ms) == 0 || !ms[0].AppliedAt.IsZero() {
		t.Fatalf("a new store has every migration pending: %v %v", ms, err)
	}
	done, err := s.Migrate(ctx)
	if err != nil || len(done) != len(ms) {
		t.Fatalf("Migrate applied %v, %v", done, err)
	}
	again, err := s.Migrate(ctx)
	if err != nil || len(again) != 0 {
		t.Errorf("a second Migrate must do nothing: %v %v", again, err)
	}
	var mode string
	if err := s.db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode %q, %v; want wal", mode, err)
	}
	var fk int
	if err := s.db.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys %d, %v; want 1", fk, err)
	}
	s.Close()
}

func TestOpenRefusesPostgresForNowWithoutLeakingThePassword(t *testing.T) {
	_, err := Open(context.Background(), "postgres://crier:s3cret@db.example/crier")
	if err == nil || ErrorCode(err) != Invalid {
		t.Fatalf("err = %v", err)
	}
	if got := err.Error(); strings.Contains(got, "s3cret") {
		t.Errorf("the password leaks: %s", got)
	}
}

// OpenExisting makes no file where there is no database, and opens one
// that is there as Open does.
func TestOpenExistingMakesNoDatabase(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "crier.db")
	_, err := OpenExisting(ctx, path)
	if ErrorCode(err) != NotFound || !strings.Contains(err.Error(), "no database at "+path+" yet") {
		t.Errorf("OpenExisting of nothing: %v; want NotFound naming the path", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		t.Errorf("OpenExisting of nothing made %d file(s), the first %s", len(entries), entries[0].Name())
	}
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveContact(ctx, Contact{Account: "A-1", Name: "Ana"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = OpenExisting(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if c, err := s.Contact(ctx, "A-1"); err != nil || c.Name != "Ana" {
		t.Errorf("Contact = %+v, %v", c, err)
	}
}
