package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sqlitedriver "modernc.org/sqlite"

	"github.com/crier-notices/crier/internal/storetest"
	"github.com/crier-notices/crier/templates"

	"github.com/crier-notices/crier/notices"
)

// openAgain opens a second store on the database dsn, as another crier
// process would, waiting at most busyMS for a lock (SQLite's write lock,
// PostgreSQL's row locks) instead of the store's 10 s, so that a writer
// kept waiting longer fails.
func openAgain(t *testing.T, dsn string, busyMS int) *notices.Store {
	t.Helper()
	if testEngine == "postgres" {
		dsn += fmt.Sprintf("&lock_timeout=%d", busyMS) // a setting of each connection
	}
	if testEngine == "sqlite" {
		// The store sets 10 s on its connection and has no setting for
		// it: the driver's hook gives the connection opened next another.
		busyHook.Do(func() {
			sqlitedriver.RegisterConnectionHook(func(conn sqlitedriver.ExecQuerierContext, _ string) error {
				if ms := nextBusyMS.Load(); ms > 0 {
					_, err := conn.ExecContext(context.Background(), fmt.Sprintf(`PRAGMA busy_timeout = %d`, ms), nil)
					return err
				}
				return nil
			})
		})
		nextBusyMS.Store(int64(busyMS))
		defer nextBusyMS.Store(0)
	}
	return openDSN(t, dsn)
}

// nextBusyMS, when set, is the busy_timeout of the SQLite connections
// opened next (openAgain's).
var (
	nextBusyMS atomic.Int64
	busyHook   sync.Once
)

// seedZone adds n contacts with an email in zone.
func seedZone(t *testing.T, s *notices.Store, zone string, n int) {
	t.Helper()
	for i := range n {
		c := notices.Contact{Account: fmt.Sprintf("%s-%d", zone, i), Email: fmt.Sprintf("%s%d@example.org", zone, i), Zone: zone}
		if _, err := s.SaveContact(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
}

// TestImportNeverBlocksWriters is issue 10's acceptance 3: while a big
// import runs, another process publishes an emergency notice and records
// 1,000 outcomes, each waiting for the write lock at most 2 s (a tenth
// of the 10 s after which crier gives up). 30,000 rows (8 batches of the
// writer); 1,000,000 with CRIER_BIG_IMPORT=1.
func TestImportNeverBlocksWriters(t *testing.T) {
	n := 30_000
	if os.Getenv("CRIER_BIG_IMPORT") != "" {
		n = 1_000_000
	}
	ctx := context.Background()
	dsn := testDSN(t)
	importing := openAgain(t, dsn, 10000)
	other := openAgain(t, dsn, 2000)
	seedZone(t, other, "north", 1000)
	fam, values := hydrant(t)
	before, err := other.CreateNotice(ctx, notices.Notice{Template: fam.Name, Values: values, Channels: []notices.Channel{notices.Email}, Audience: notices.Audience{Zones: []string{"north"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Publish(ctx, before, fam, "en"); err != nil {
		t.Fatal(err)
	}
	var csvData bytes.Buffer
	if err := storetest.WriteContactsCSV(&csvData, n); err != nil {
		t.Fatal(err)
	}

	begun := make(chan struct{})
	done := make(chan struct{})
	var sum Summary
	var importErr error
	go func() {
		defer close(done)
		var once sync.Once
		sum, importErr = Import(ctx, importing, &csvData, Options{Normalizer: us, List: "billing", Progress: func(rows int) {
			if rows == 4*importBatchSize { // the writer has rows to write
				once.Do(func() { close(begun) })
			}
		}})
	}()
	select {
	case <-begun:
	case <-done:
		t.Fatalf("the import ended before it began: %v", importErr)
	}

	var slowest time.Duration
	timed := func(what string, fn func() error) {
		t.Helper()
		start := time.Now()
		if err := fn(); err != nil {
			t.Fatalf("%s during the import: %v", what, err)
		}
		slowest = max(slowest, time.Since(start))
	}
	timed("publishing an emergency notice", func() error {
		id, err := other.CreateNotice(ctx, notices.Notice{Template: fam.Name, Values: values, Channels: []notices.Channel{notices.Email},
			Urgency: notices.Emergency, Audience: notices.Audience{Zones: []string{"north"}}})
		if err == nil {
			_, err = other.Publish(ctx, id, fam, "en")
		}
		return err
	})
	recorded, duringImport := 0, 0
	for recorded < 1000 {
		var ds []notices.Delivery
		timed("claiming", func() (err error) {
			ds, err = other.Claim(ctx, notices.Email, "w1", notices.ClaimScope{Notice: before}, 100, time.Minute)
			return err
		})
		if len(ds) == 0 {
			t.Fatalf("nothing left to claim after %d outcomes", recorded)
		}
		for _, d := range ds {
			timed("recording an outcome", func() error {
				applied, err := other.Record(ctx, "w1", []notices.Outcome{{ID: d.ID, Status: notices.DeliverySent, Attempted: true, At: other.Now()}})
				if err == nil && !applied[0] {
					err = fmt.Errorf("outcome of delivery %d not applied", d.ID)
				}
				return err
			})
			recorded++
			select {
			case <-done:
			default:
				duringImport++
			}
		}
	}
	<-done
	if importErr != nil || sum.Added != n {
		t.Fatalf("import: %v, %v", sum, importErr)
	}
	t.Logf("%d of 1,000 outcomes recorded while %d rows were imported; the slowest write waited %v", duringImport, n, slowest)
	if duringImport == 0 {
		t.Errorf("the import ended before any outcome was recorded: the test proved nothing (make the import bigger)")
	}
}

// failAfter reads r, then fails with err once n bytes were read: a disk
// that fails mid-file, which no real file here can do on demand.
type failAfter struct {
	r   *bytes.Reader
	n   int
	err error
}

func (f *failAfter) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, f.err
	}
	k, err := f.r.Read(p[:min(len(p), f.n)])
	f.n -= k
	return k, err
}

// TestFailedImportLeavesNoTrace: an import that fails mid-way, after some
// of its transactions were committed, leaves no contact, change, event,
// list, membership or journal behind.
func TestFailedImportLeavesNoTrace(t *testing.T) {
	ctx := context.Background()
	s, db := testStore(t)
	// Stored contacts the file changes: one unsubscribes by email.
	var first bytes.Buffer
	storetest.WriteContactsCSV(&first, 3000)
	if _, err := Import(ctx, s, &first, Options{Normalizer: us}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateList(ctx, "old"); err != nil {
		t.Fatal(err)
	}
	dump := func() string {
		var b bytes.Buffer
		b.WriteString(dumpContacts(t, s))
		for _, q := range []string{`SELECT count(*) FROM subscription_events`, `SELECT count(*) FROM lists`,
			`SELECT count(*) FROM list_members`, `SELECT count(*) FROM contact_tags`, `SELECT count(*) FROM import_undo`,
			`SELECT count(*) FROM imports`, `SELECT max(updated_at) FROM contacts`, `SELECT max(created_at) FROM contacts`} {
			var k string
			if err := db.QueryRow(q).Scan(&k); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s: %s\n", q, k)
		}
		return b.String()
	}
	before := dump()
	// Several commits before the failure however fast the machine: a
	// quarter-second hold could take in every row.
	s.Now = func() time.Time { return time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC) } // the next day

	var data bytes.Buffer
	data.WriteString("account,name,email,tags,email_state\n")
	for i := range 20000 {
		state := ""
		if i%7 == 0 {
			state = "unsubscribed"
		}
		fmt.Fprintf(&data, "%d,Renamed %d,new%d@example.org,changed,%s\n", 1000000+i, i, i, state)
	}
	for _, list := range []string{"new list", "old"} {
		t.Run(list, func(t *testing.T) {
			broken := errors.New("the disk failed")
			r := &failAfter{r: bytes.NewReader(data.Bytes()), n: data.Len() * 9 / 10, err: broken}
			commits := 0
			_, err := Import(ctx, s, r, Options{Normalizer: us, List: list, hold: time.Millisecond, Progress: func(rows int) {
				if rows%1000 != 0 {
					return
				}
				var k int
				db.QueryRow(`SELECT count(*) FROM import_undo`).Scan(&k)
				commits = max(commits, k)
			}})
			if !errors.Is(err, broken) {
				t.Fatalf("err = %v, want the read error", err)
			}
			if commits == 0 {
				t.Fatalf("nothing was committed before the failure: the test proves nothing")
			}
			if after := dump(); after != before {
				t.Errorf("the store changed:\n%s\nwant:\n%s", after, before)
			}
		})
	}
}

// TestOneImportAtATime: while an import holds the store's import lock
// (here taken as another process would), a second import is refused with
// Conflict and a sentence saying to wait, and Open leaves the running
// import alone.
func TestOneImportAtATime(t *testing.T) {
	dsn := testDSN(t)
	s := openDSN(t, dsn)
	db := storetest.DB(t, dsn)
	lock, err := s.BeginImport(context.Background())
	if err != nil {
		t.Fatalf("lock: %v", err)
	}
	defer lock.Close()
	_, err = Import(context.Background(), s, bytes.NewReader([]byte("account\n1\n")), Options{Source: "a.csv", Normalizer: us})
	var e *notices.Error
	if !errors.As(err, &e) || e.Code != notices.Conflict || !strings.Contains(err.Error(), "another import into") {
		t.Fatalf("err = %v, want Conflict: another import is running", err)
	}
	if n := countContactsIn(t, db); n != 0 {
		t.Errorf("%d contacts", n)
	}

	// An import under way, as its journal shows it: Open leaves it while
	// its lock is held, and undoes it once the lock is free.
	if _, err := db.Exec(`INSERT INTO imports (id, source, state, started_at) VALUES (7, 'b.csv', 'running', 'x');
		INSERT INTO lists (id, name, created_at) VALUES (3, 'b', 'x');
		INSERT INTO import_undo (import_id, what, ref) VALUES (7, 'list', 3)`); err != nil {
		t.Fatal(err)
	}
	lists := func() int {
		t.Helper()
		other, err := notices.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		ls, err := other.Lists(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return len(ls)
	}
	if n := lists(); n != 1 {
		t.Errorf("Open undid an import whose process holds the lock: %d lists", n)
	}
	lock.Close()
	if n := lists(); n != 0 {
		t.Errorf("Open left a dead import: %d lists", n)
	}
}

// gatedReader gives first, waits for resume, then gives rest, or fails
// as a file on a disk that went away would when rest is nil.
type gatedReader struct {
	first, rest io.Reader
	resume      chan struct{}
}

func (r *gatedReader) Read(p []byte) (int, error) {
	if n, err := r.first.Read(p); err != io.EOF {
		return n, err
	}
	<-r.resume
	if r.rest == nil {
		return 0, errors.New("disk gone")
	}
	return r.rest.Read(p)
}

// waitForContact waits until s shows the contact account as ok says.
func waitForContact(t *testing.T, s *notices.Store, account string, ok func(notices.Contact) bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c, err := s.Contact(context.Background(), account); err == nil && ok(c) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the import's %s never became visible", account)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestUndoKeepsEditsMadeDuringTheImport: an import that fails after a
// coordinator edited one of the contacts it had changed is undone, but the
// coordinator's edit stays.
func TestUndoKeepsEditsMadeDuringTheImport(t *testing.T) {
	ctx := context.Background()
	dsn := testDSN(t)
	s := openDSN(t, dsn)
	if _, err := s.SaveContact(ctx, notices.Contact{Account: "A1", Name: "Old", Email: "old@example.org"}); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("account,name,email\nA1,New,new@example.org\n")
	for i := range bulkBatchSize + 300 { // a batch goes to the writer once full, on either engine
		fmt.Fprintf(&b, "B%d,Someone,b%d@example.org\n", i, i)
	}
	r := &gatedReader{first: strings.NewReader(b.String()), resume: make(chan struct{})}
	other := openDSN(t, dsn)
	done := make(chan error, 1)
	go func() { _, err := Import(ctx, s, r, Options{Source: "f.csv"}); done <- err }()
	waitForContact(t, other, "A1", func(c notices.Contact) bool { return c.Email == "new@example.org" })
	if _, err := other.SaveContact(ctx, notices.Contact{Account: "A1", Name: "Coordinator", Email: "fixed@example.org"}); err != nil {
		t.Fatal(err)
	}
	close(r.resume)
	if err := <-done; err == nil {
		t.Fatal("the import whose file failed succeeded")
	}
	c, err := other.Contact(ctx, "A1")
	if err != nil {
		t.Fatal(err)
	}
	if c.Email != "fixed@example.org" || c.Name != "Coordinator" {
		t.Errorf("after the undo A1 is %q <%s>; want the coordinator's edit made during the import, Coordinator <fixed@example.org>", c.Name, c.Email)
	}
	if _, err := other.Contact(ctx, "B1"); notices.ErrorCode(err) != notices.NotFound {
		t.Errorf("a contact the failed import added is still there: %v", err)
	}
}

// TestFirstImportBesideAnotherWriter: the first import into an empty store
// takes every account for new, until someone else writes: a contact the
// coordinator adds meanwhile, which the file also has, is updated, not a
// failure of the whole import.
func TestFirstImportBesideAnotherWriter(t *testing.T) {
	ctx := context.Background()
	dsn := testDSN(t)
	s := openDSN(t, dsn)
	other := openDSN(t, dsn)
	var first, rest strings.Builder
	first.WriteString("account,name,email\n")
	for i := range bulkBatchSize + 3000 { // full batches, on either engine
		fmt.Fprintf(&first, "A%d,Someone,a%d@example.org\n", i, i)
	}
	rest.WriteString("X1,From The File,x1@example.org\n")
	r := &gatedReader{first: strings.NewReader(first.String()), rest: strings.NewReader(rest.String()), resume: make(chan struct{})}
	done := make(chan error, 1)
	go func() { _, err := Import(ctx, s, r, Options{Source: "f.csv"}); done <- err }()
	waitForContact(t, other, "A0", func(notices.Contact) bool { return true })
	if _, err := other.SaveContact(ctx, notices.Contact{Account: "X1", Name: "Coordinator", Email: "x1@example.org"}); err != nil {
		t.Fatal(err)
	}
	close(r.resume)
	if err := <-done; err != nil {
		t.Fatalf("import: %v", err)
	}
	c, err := other.Contact(ctx, "X1")
	if err != nil || c.Name != "From The File" {
		t.Errorf("X1 after the import: %+v, %v; want the file's name", c, err)
	}
}

// TestImportBesideAnUncommittedWriter: on PostgreSQL writers run side by
// side. A contact another writer is adding, not yet committed, which the
// file also has, is updated by the import once that writer commits: the
// import waits for it instead of failing on the account's unique key.
func TestImportBesideAnUncommittedWriter(t *testing.T) {
	if testEngine != "postgres" {
		t.Skip("PostgreSQL's: SQLite has one writer at a time, as TestFirstImportBesideAnotherWriter shows")
	}
	ctx := context.Background()
	s, db := testStore(t)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var xid string
	if _, err := tx.ExecContext(ctx, `INSERT INTO contacts (account, name, created_at, updated_at) VALUES ('X1', 'Coordinator', $1, $1)`, s.Now().UTC().Format(time.RFC3339Nano)); err != nil {
		t.Fatal(err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT CAST(pg_current_xact_id() AS TEXT)`).Scan(&xid); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := Import(ctx, s, strings.NewReader("account,name\nA1,One\nX1,From The File\n"), Options{Source: "f.csv", Normalizer: us})
		done <- err
	}()
	// The import waits for the writer: for its lock of the table, or for
	// its transaction, which holds the account.
	deadline := time.Now().Add(30 * time.Second)
	for waiting := 0; waiting == 0; {
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM pg_locks WHERE NOT granted
			AND (relation = CAST('contacts' AS regclass) OR CAST(transactionid AS TEXT) = $1)`, xid).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			t.Fatalf("the import ended before the other writer committed: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the import never waited for the other writer")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("import: %v", err)
	}
	if c, err := s.Contact(ctx, "X1"); err != nil || c.Name != "From The File" {
		t.Errorf("X1 after the import: %+v, %v; want the file's name", c, err)
	}
}

// hydrant is the built-in hydrant flushing notice and its example values.
func hydrant(t testing.TB) (*templates.Family, map[string]string) {
	t.Helper()
	lib, _ := templates.Builtin()
	fam, err := lib.Family("hydrant-flushing")
	if err != nil {
		t.Fatal(err)
	}
	return fam, fam.Examples()
}
