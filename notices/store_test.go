package notices

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/internal/storetest"
)

// testEngine is the engine the store's tests run on in this pass of
// TestMain: "sqlite", then "postgres" where the tests have one.
var testEngine = "sqlite"

// TestMain runs the package's tests once per engine, the same tests: each
// opens its store with testStore. A fuzz run or a listing runs once.
func TestMain(m *testing.M) {
	storetest.Main(m, func(engine string) { testEngine = engine })
}

// testDSN names a fresh, empty database of the engine under test.
func testDSN(t testing.TB) string {
	t.Helper()
	return storetest.DSN(t, testEngine)
}

// us cleans contacts' values as a store in the United States does.
var us = Normalizer{Region: "US"}

// sqliteOnly skips, in the PostgreSQL pass, a test of what only the
// embedded engine has (its file, its locks, its pragmas).
func sqliteOnly(t testing.TB) {
	t.Helper()
	if testEngine != "sqlite" {
		t.Skip("SQLite's own: the file, its locks and pragmas")
	}
}

// testStore opens a fresh store of the engine under test.
func testStore(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), testDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	s.Now = func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) }
	t.Cleanup(func() { s.Close() })
	return s
}

// TestMigrations: a new store of either engine takes every migration,
// and a second Migrate (a second crier serve starting) applies none.
func TestMigrations(t *testing.T) {
	ctx := context.Background()
	s, err := OpenWithoutMigrating(ctx, testDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
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
}

// TestSQLitePragmas: the file is in WAL mode with foreign keys on.
func TestSQLitePragmas(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	s := testStore(t)
	var mode string
	if err := s.db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode %q, %v; want wal", mode, err)
	}
	var fk int
	if err := s.db.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys %d, %v; want 1", fk, err)
	}
	// The checkpointer copies the log into the file; the store's own
	// connection does only past this many pages.
	var pages int
	if err := s.db.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&pages); err != nil || pages != 8000 {
		t.Errorf("wal_autocheckpoint %d, %v; want 8000", pages, err)
	}
}

// A PostgreSQL server that cannot be reached is an error naming it, never
// with its password.
func TestOpenPostgresNeverShowsThePassword(t *testing.T) {
	_, err := Open(context.Background(), "postgres://crier:s3cret@127.0.0.1:1/crier?connect_timeout=5")
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("err = %v; want one naming the server", err)
	}
	if got := err.Error(); strings.Contains(got, "s3cret") {
		t.Errorf("the password leaks: %s", got)
	}
}

// TestOpenNamesTheDatabaseOnce: whatever stops Open (a folder missing, a
// file that is no database, an engine unknown, a server that does not
// answer), its error names the database once, a URL without its
// password, so that a caller that adds no name of its own shows it once.
func TestOpenNamesTheDatabaseOnce(t *testing.T) {
	if testEngine != "sqlite" {
		t.Skip("one pass is enough: the names do not depend on the engine under test")
	}
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.db")
	if err := os.WriteFile(notDB, bytes.Repeat([]byte("not a database\n"), 512), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, dsn, shown string }{
		{name: "a folder missing", dsn: filepath.Join(dir, "gone", "crier.db"), shown: filepath.Join(dir, "gone", "crier.db")},
		{name: "a file that is no database", dsn: notDB, shown: notDB},
		{name: "an engine unknown", dsn: "mysql://crier:s3cret@db.example/crier", shown: "mysql://crier:xxxxx@db.example/crier"},
		{name: "a server that does not answer", dsn: "postgres://crier:s3cret@127.0.0.1:1/crier?connect_timeout=5",
			shown: "postgres://crier:xxxxx@127.0.0.1:1/crier?connect_timeout=5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(context.Background(), tt.dsn)
			if err == nil {
				t.Fatal("Open succeeded; want an error")
			}
			if n := strings.Count(err.Error(), tt.shown); n != 1 || !strings.HasPrefix(err.Error(), "database "+tt.shown+": ") {
				t.Errorf("the error names %s %d times; want once, at its start:\n%v", tt.shown, n, err)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}

// OpenExisting makes no file where there is no database, and opens one
// that is there as Open does.
func TestOpenExistingMakesNoDatabase(t *testing.T) {
	sqliteOnly(t)
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

// A PostgreSQL connection string of key=value words is refused, never
// made into a SQLite file named after it, nor echoed with its password.
func TestConnectionStringIsNoFileName(t *testing.T) {
	sqliteOnly(t)
	dir := t.TempDir()
	t.Chdir(dir)
	dsn := "host=127.0.0.1 port=1 user=crier password=S3cretPw9 dbname=crier"
	_, err := Open(context.Background(), dsn)
	if ErrorCode(err) != Invalid || strings.Contains(err.Error(), "S3cretPw9") || !strings.Contains(err.Error(), "postgres://") {
		t.Errorf("Open(%q) = %v; want Invalid, saying to write a postgres:// URL, without the password", "host=… password=…", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		t.Errorf("Open made %s", entries[0].Name())
	}
}

// On PostgreSQL, OpenExisting of a database without Crier's schema is
// NotFound and writes no table there: a read-only command, or db copy's
// source, pointed at the wrong database leaves it as it was.
func TestOpenExistingOnPostgresWritesNothing(t *testing.T) {
	if testEngine != "postgres" {
		t.Skip("PostgreSQL's: SQLite's is TestOpenExistingMakesNoDatabase")
	}
	ctx := context.Background()
	dsn := testDSN(t)
	_, err := OpenExisting(ctx, dsn)
	if ErrorCode(err) != NotFound || !strings.Contains(err.Error(), "no database at ") {
		t.Fatalf("OpenExisting of an empty schema: %v; want NotFound", err)
	}
	s, err := OpenWithoutMigrating(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	var tables int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()`).Scan(&tables); err != nil || tables != 0 {
		t.Errorf("the empty schema has %d tables after OpenExisting (%v); want none", tables, err)
	}
	s.Close()
	s, err = Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveContact(ctx, Contact{Account: "A-1", Name: "Ana"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = OpenExisting(ctx, dsn)
	if err != nil {
		t.Fatalf("OpenExisting of a migrated database: %v", err)
	}
	defer s.Close()
	if c, err := s.Contact(ctx, "A-1"); err != nil || c.Name != "Ana" {
		t.Errorf("Contact = %+v, %v", c, err)
	}
}
