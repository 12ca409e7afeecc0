package importer

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/crier-notices/crier/internal/storetest"
	"github.com/crier-notices/crier/notices"
	_ "github.com/crier-notices/crier/notices/postgres" // the engines the tests run on
	_ "github.com/crier-notices/crier/notices/sqlite"
)

// testEngine is the engine the tests run on in this pass of TestMain:
// "sqlite", then "postgres" where the tests have one.
var testEngine = "sqlite"

// TestMain runs the package's tests once per engine, as the store's own
// tests run: each opens its store with testStore.
func TestMain(m *testing.M) {
	storetest.Main(m, func(engine string) { testEngine = engine })
}

// testDSN names a fresh, empty database of the engine under test.
func testDSN(t testing.TB) string {
	t.Helper()
	return storetest.DSN(t, testEngine)
}

// testStore opens a fresh store of the engine under test, its clock
// stopped, and a plain handle on its database, for a look at what no
// store method shows (the import's journal, subscription events).
func testStore(t testing.TB) (*notices.Store, *sql.DB) {
	t.Helper()
	dsn := testDSN(t)
	s := openDSN(t, dsn)
	s.Now = func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) }
	return s, storetest.DB(t, dsn)
}

// openDSN opens the store at dsn, as another crier process would, and
// closes it when the test ends.
func openDSN(t testing.TB, dsn string) *notices.Store {
	t.Helper()
	s, err := notices.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// us cleans contacts' values as a store in the United States does.
var us = notices.Normalizer{Region: "US"}
