// Package storetest holds what the tests of the store and of the packages
// built on it share: one pass of a package's tests per SQL engine, a fresh
// database of the engine under test, a plain handle on it for looking at
// tables no store method shows, a generated billing export, and the CPU
// time the import and record benchmarks report. It imports nothing of
// Crier's store, so that the store's own tests can use it.
package storetest

import (
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for DB
	_ "modernc.org/sqlite"             // the "sqlite" driver, for DB

	"github.com/crier-notices/crier/internal/testenv"
)

// Main runs the package's tests once per engine, the same tests: sqlite,
// then postgres when the tests have a PostgreSQL database (CI must have
// one). setEngine is told the engine before each pass. A fuzz run or a
// listing runs once, on SQLite. Main exits the process.
func Main(m *testing.M, setEngine func(engine string)) {
	flag.Parse()
	engines := []string{"sqlite"}
	switch {
	case testenv.HavePostgres():
		engines = append(engines, "postgres")
	case os.Getenv("CI") != "":
		fmt.Fprintln(os.Stderr, testenv.PostgresEnv+" is not set: .ci/run starts PostgreSQL and sets it")
		os.Exit(1)
	}
	if f := flag.Lookup("test.fuzz"); f != nil && f.Value.String() != "" {
		engines = engines[:1]
	}
	if f := flag.Lookup("test.list"); f != nil && f.Value.String() != "" {
		engines = engines[:1]
	}
	code := 0
	for _, e := range engines {
		setEngine(e)
		if testing.Verbose() || len(engines) > 1 {
			fmt.Printf("=== store engine: %s\n", e)
		}
		if c := m.Run(); c != 0 {
			fmt.Printf("--- FAIL: the store's tests on %s\n", e)
			code = c
		}
	}
	os.Exit(code)
}

// DSN names a fresh, empty database of engine ("sqlite" or "postgres").
func DSN(t testing.TB, engine string) string {
	t.Helper()
	if engine == "postgres" {
		return testenv.PostgresURL(t)
	}
	return filepath.Join(t.TempDir(), "crier.db")
}

// DB opens a plain handle on the database dsn, closed when the test ends,
// for a test to look at tables no store method shows (an import's
// journal, the catalogue). Its queries are in the engine's own SQL: $1
// placeholders on PostgreSQL.
func DB(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	driver, source := "sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)"
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		driver, source = "pgx", dsn
	}
	db, err := sql.Open(driver, source)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
