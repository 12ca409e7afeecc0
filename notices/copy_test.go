package notices

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/internal/testenv"
	"github.com/crier-notices/crier/templates"
)

// copyTarget names a fresh database to copy the store under test into:
// the other engine where the tests have PostgreSQL (SQLite to PostgreSQL
// in the sqlite pass, back in the postgres pass), else another SQLite file.
func copyTarget(t testing.TB) string {
	t.Helper()
	if testEngine == "sqlite" && testenv.HavePostgres() {
		return testenv.PostgresURL(t)
	}
	return filepath.Join(t.TempDir(), "copy.db")
}

// openTarget opens the database dsn as crier db copy does: made and
// migrated when new.
func openTarget(t testing.TB, dsn string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// mayBeEmpty are the tables a store in use may well have no row in.
var mayBeEmpty = map[string]string{
	"imports":     "an import under way, deleted when it ends",
	"import_undo": "an import's journal, cleared when it ends",
}

// fillStore gives s what an installation in use has: contacts with tags
// and attributes, lists, suppressions and resubscriptions, subscription
// changes, notices in every state with deliveries in every status, a
// paused channel, campaigns with published and missed runs, replies,
// email preferences, an approval, users, sessions, tokens, the audit log,
// an import and a registered server.
func fillStore(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	advance := clock(s)
	cs := addContacts(t, s, "c", 9)
	c := cs[0]
	c.Tags, c.Attributes, c.Language, c.Zone = []string{"hospital", "critical"}, map[string]string{"meter": "M-1"}, "es", "4"
	c.SMSState = Unsubscribed
	must(t)(s.SaveContact(ctx, c))
	must(t)(s.CreateList(ctx, "zone-4"))
	must(t)(s.AddToList(ctx, "zone-4", cs[0].Account, cs[1].Account, cs[2].Account))
	must(t)(s.SaveContact(ctx, Contact{Account: "I-1", Name: "Imported One", Email: "one@example.org", Mobile: "+13155550188", SMSState: Unsubscribed}))
	must(t)(s.Resubscribe(ctx, c.Mobile, "asked at the counter", "ana"))

	// Email: sent, delivered, failed, queued for a retry, sending,
	// suppressed; SMS: sent, delivered, undelivered, paused, cancelled.
	id := publishNotice(t, s, Notice{Channels: []Channel{Email, SMS}})
	must(t)(s.Suppress(ctx, cs[8].Email, HardBounce, "550 at the last send", "test"))
	must(t)(s.Suppress(ctx, cs[7].Email, Manual, "asked by phone", "ana"))
	must(t)(s.Resubscribe(ctx, cs[7].Email, "asked again", "ana"))
	ds := claim(t, s, Email, "w1", id, 5)
	record(t, s,
		Outcome{ID: ds[0].ID, Status: DeliverySent, Attempted: true, ProviderID: "m-0"},
		Outcome{ID: ds[1].ID, Status: DeliverySent, Attempted: true, ProviderID: "m-1"},
		Outcome{ID: ds[2].ID, Status: DeliveryFailed, Attempted: true, Error: "550 no such mailbox"},
		Outcome{ID: ds[3].ID, Status: DeliveryQueued, Attempted: true, NextAttemptAt: s.Now().Add(time.Hour), Error: "421 later"})
	advance(time.Minute)
	claim(t, s, Email, "w1", id, 100) // the rest: c-9 is suppressed, the others sending
	texts := claim(t, s, SMS, "w2", id, 3)
	for i, d := range texts {
		record(t, s, Outcome{ID: d.ID, Status: DeliverySent, Attempted: true, ProviderID: fmt.Sprintf("SM%032d", i)})
	}
	report := func(sid string, st DeliveryStatus, code string) {
		must(t)(s.RecordProviderReport(ctx, ProviderReport{Channel: SMS, ProviderID: sid, Status: st, Code: code}))
	}
	report(fmt.Sprintf("SM%032d", 0), DeliveryDelivered, "")
	report(fmt.Sprintf("SM%032d", 1), DeliveryUndelivered, "30003")
	must(t)(s.RecordProviderReport(ctx, ProviderReport{Channel: Email, ProviderID: "m-1", Status: DeliveryDelivered}))
	if err := s.PauseChannel(ctx, id, SMS, "Twilio says the account is suspended"); err != nil {
		t.Fatal(err)
	}
	cancelled := publishNotice(t, s, Notice{Channels: []Channel{Email}})
	must(t)(s.CancelNotice(ctx, cancelled))
	scheduleNotice(t, s, Notice{Channels: []Channel{SMS}, SendAt: s.Now().Add(48 * time.Hour)})
	draft := must(t)(s.CreateNotice(ctx, Notice{Template: "hydrant-flushing", Values: map[string]string{"area": "Zone 4"}, Channels: []Channel{Email}})).(int64)
	if err := s.RequestApproval(ctx, Approval{NoticeID: draft, RequestedBy: "ana", Requester: "ana", Recipients: 9}); err != nil {
		t.Fatal(err)
	}

	camp := hydrantCampaign(t, s, "spring flushing")
	fam, _ := hydrant(t)
	must(t)(s.PublishRun(ctx, camp, s.Now().Add(-time.Hour), fam, "en"))
	if err := s.MissRun(ctx, camp, s.Now().Add(-2*time.Hour), "the notice's date had passed"); err != nil {
		t.Fatal(err)
	}

	recordText(t, s, cs[3].Mobile, "STOP", ReplyStop)
	recordText(t, s, cs[4].Mobile, "Is the water safe?", ReplyFeedback)
	must(t)(s.OptOut(ctx, cs[5].Email, templates.Information, id, "one-click"))
	uid := must(t)(s.AddUser(ctx, User{Name: "ana", Role: "admin", PasswordHash: "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$aGFzaA", Email: "ana@water.example"})).(int64)
	must(t)(s.CreateSession(ctx, uid))
	must(t)(s.CreateToken(ctx, "work orders", "coordinator"))
	if err := s.RecordAudit(ctx, AuditEntry{Actor: "ana", Action: "send", Subject: fmt.Sprintf("notice %d", id)}); err != nil {
		t.Fatal(err)
	}
	if err := s.RegisterServer(ctx, "host/1/abc", "http://127.0.0.1:8081"); err != nil {
		t.Fatal(err)
	}
	key := &IdempotencyKey{Actor: "token work orders", Key: "WO-1", Request: "3f2a", Window: 24 * time.Hour}
	must(t)(s.Create(ctx, NewNotice{Notice: Notice{Template: "hydrant-flushing", Channels: []Channel{Email}}, Key: key}))
}

// must returns a function that takes what a store method returns, fails
// t when its last value is an error, and returns its first.
func must(t *testing.T) func(...any) any {
	t.Helper()
	return func(vals ...any) any {
		t.Helper()
		if err, _ := vals[len(vals)-1].(error); err != nil {
			t.Fatal(err)
		}
		return vals[0]
	}
}

// TestCopyKeepsEveryRow is crier db copy's promise: every row of every
// table arrives as it was (ids, times, statuses), the copy's reports equal
// the original's, and the copy numbers new rows after the copied ones.
func TestCopyKeepsEveryRow(t *testing.T) {
	ctx := context.Background()
	src := testStore(t)
	fillStore(t, src)
	dst := openTarget(t, copyTarget(t))
	var told []TableCount
	counts, err := Copy(ctx, src, dst, func(c TableCount) { told = append(told, c) })
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(told, counts) {
		t.Errorf("Copy told of %v as it went, and returned %v", told, counts)
	}
	before, after := tableRows(t, src), tableRows(t, dst)
	copied := map[string]int64{}
	for _, c := range counts {
		copied[c.Table] = c.Rows
	}
	for name, rows := range before {
		if len(rows) == 0 && mayBeEmpty[name] == "" {
			t.Errorf("the test's store has no row in %s: fillStore must fill every table", name)
		}
		if n, ok := copied[name]; !ok || n != int64(len(rows)) {
			t.Errorf("table %s: Copy says %d rows (listed: %v); the source has %d", name, n, ok, len(rows))
		}
		if got := after[name]; !slices.Equal(got, rows) {
			t.Errorf("table %s differs after the copy:\nsource %q\ntarget %q", name, rows, got)
		}
	}
	if len(after) != len(before) {
		t.Errorf("the target has %d tables, the source %d", len(after), len(before))
	}
	sameReports(t, src, dst)

	// New rows follow the copied ones.
	last := lastContact(t, src)
	id, err := dst.SaveContact(ctx, Contact{Account: "new-1", Name: "After the copy"})
	if err != nil || id != last+1 {
		t.Errorf("a contact saved after the copy got id %d, %v; want %d, after the copied ones", id, err, last+1)
	}
}

// sameReports checks that every notice's report reads the same in both
// stores.
func sameReports(t *testing.T, a, b *Store) {
	t.Helper()
	ctx := context.Background()
	ns, err := a.Notices(ctx)
	if err != nil || len(ns) == 0 {
		t.Fatalf("Notices: %d, %v", len(ns), err)
	}
	for _, n := range ns {
		ra, err := a.Report(ctx, n.ID)
		if err != nil {
			t.Fatal(err)
		}
		rb, err := b.Report(ctx, n.ID)
		if err != nil {
			t.Errorf("the copy's report of notice %d: %v", n.ID, err)
			continue
		}
		if !reflect.DeepEqual(ra, rb) {
			t.Errorf("notice %d's report differs:\nsource %s\ntarget %s", n.ID, showReport(ra), showReport(rb))
		}
	}
}

func showReport(r Report) string {
	s := fmt.Sprintf("%+v", r.Notice)
	for _, c := range r.Channels {
		s += fmt.Sprintf("\n  %+v", c)
		if c.Paused != nil {
			s += fmt.Sprintf(" paused %+v", *c.Paused)
		}
	}
	return s
}

func lastContact(t *testing.T, s *Store) int64 {
	t.Helper()
	var last int64
	err := s.EachContact(context.Background(), func(c Contact) error { last = max(last, c.ID); return nil })
	if err != nil {
		t.Fatal(err)
	}
	return last
}

// tableRows reads every row of every table of s but schema_migrations,
// each as its columns' names and values in name order (the engines may
// order columns differently), the rows sorted: what a person comparing
// two databases would see.
func tableRows(t *testing.T, s *Store) map[string][]string {
	t.Helper()
	ctx := context.Background()
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	tables, err := s.dialect.Tables(ctx, tx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, tb := range withoutTable(tables, migrationsTable) {
		cols := slices.Sorted(slices.Values(tb.Columns))
		out[tb.Name] = readRows(t, tx, tb.Name, cols)
	}
	return out
}

func readRows(t *testing.T, tx *sql.Tx, table string, cols []string) []string {
	t.Helper()
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = quoteName(c)
	}
	rows, err := tx.Query(`SELECT ` + strings.Join(quoted, ", ") + ` FROM ` + quoteName(table))
	if err != nil {
		t.Fatalf("table %s: %v", table, err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i, v := range vals {
			fmt.Fprintf(&b, "%s=%s ", cols[i], cellText(v))
		}
		out = append(out, b.String())
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// cellText writes a value as both engines' drivers give it alike: an
// integer whatever its width, a flag as 0 or 1, NULL apart from "".
func cellText(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return fmt.Sprintf("%q", v)
	case bool:
		if v {
			return "1"
		}
		return "0"
	case time.Time:
		return v.UTC().Format(timeLayout)
	case string:
		return fmt.Sprintf("%q", v)
	default:
		return fmt.Sprint(v)
	}
}

// TestCopyRefuses: a target with rows, at another schema version, or
// whose tables differ is refused with the table or column named, and left
// as it was.
func TestCopyRefuses(t *testing.T) {
	ctx := context.Background()
	src := testStore(t)
	addContacts(t, src, "c", 2)
	latest := len(must(t)(src.Migrations(ctx)).([]Migration))
	tests := []struct {
		name  string
		setup func(t *testing.T, dst *Store)
		want  string
	}{
		{"a target with rows", func(t *testing.T, dst *Store) { must(t)(dst.CreateList(ctx, "zone-4")) },
			"the target is not empty: its table lists has rows"},
		{"an older schema", func(t *testing.T, dst *Store) { migrateUpTo(t, dst, latest) },
			fmt.Sprintf("the source has schema version %d and the target %d", latest, latest-1)},
		{"a column the source lacks", func(t *testing.T, dst *Store) { rawExec(t, dst, `ALTER TABLE contacts ADD COLUMN extra TEXT`) },
			"table contacts: the target has a column extra that the other lacks"},
		{"a table the source lacks", func(t *testing.T, dst *Store) { rawExec(t, dst, `CREATE TABLE extra (id INTEGER PRIMARY KEY)`) },
			"the target has a table extra that the source lacks"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dst, err := OpenWithoutMigrating(ctx, copyTarget(t))
			if err != nil {
				t.Fatal(err)
			}
			defer dst.Close()
			if tc.name != "an older schema" {
				must(t)(dst.Migrate(ctx))
			}
			tc.setup(t, dst)
			before := tableRows(t, dst)
			_, err = Copy(ctx, src, dst, nil)
			if ErrorCode(err) != Conflict || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Copy: %v; want a conflict saying %q", err, tc.want)
			}
			if after := tableRows(t, dst); !reflect.DeepEqual(before, after) {
				t.Errorf("the refused copy changed the target")
			}
		})
	}
}

// rawExec runs SQL that no store method would: the tests make with it the
// faults Copy must meet.
func rawExec(t *testing.T, s *Store, query string) {
	t.Helper()
	if _, err := s.db.ExecContext(context.Background(), query); err != nil {
		t.Fatal(err)
	}
}

// TestCopyFailingMidwayWritesNothing: a copy that fails in its tenth
// table leaves the target empty, so that the copy can simply be run again.
func TestCopyFailingMidwayWritesNothing(t *testing.T) {
	ctx := context.Background()
	src := testStore(t)
	fillStore(t, src)
	dst := openTarget(t, copyTarget(t))
	// Two deliveries share a status: this index refuses the second.
	rawExec(t, dst, `CREATE UNIQUE INDEX one_per_status ON deliveries (status)`)
	_, err := Copy(ctx, src, dst, nil)
	if err == nil || !strings.Contains(err.Error(), "copy table deliveries:") {
		t.Fatalf("Copy: %v; want the failure in table deliveries", err)
	}
	for name, rows := range tableRows(t, dst) {
		if len(rows) > 0 {
			t.Errorf("after the failed copy, table %s has %d rows; want none", name, len(rows))
		}
	}
	rawExec(t, dst, `DROP INDEX one_per_status`)
	if _, err := Copy(ctx, src, dst, nil); err != nil {
		t.Errorf("the copy again: %v", err)
	}
}

// BenchmarkCopy copies 100,000 contacts with their tags and lists and a
// notice to all of them by email and text (about 200,000 deliveries) to
// the other engine (SQLite to PostgreSQL, and back, where the tests have
// PostgreSQL): rows/s is what a move of an installation takes.
func BenchmarkCopy(b *testing.B) {
	ctx := context.Background()
	src := testStore(b)
	generate(b, src, 100_000)
	publishNotice(b, src, Notice{Channels: []Channel{Email, SMS}})
	var rows int64
	for b.Loop() {
		b.StopTimer()
		dst := openTarget(b, copyTarget(b))
		b.StartTimer()
		counts, err := Copy(ctx, src, dst, nil)
		if err != nil {
			b.Fatal(err)
		}
		rows = 0
		for _, c := range counts {
			rows += c.Rows
		}
	}
	b.ReportMetric(float64(rows), "rows")
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// TestCopyTakesTablesFromTheCatalogue: a table that a later migration
// adds is copied without anyone telling Copy of it: here one no migration
// makes, in both stores.
func TestCopyTakesTablesFromTheCatalogue(t *testing.T) {
	ctx := context.Background()
	src := testStore(t)
	dst := openTarget(t, copyTarget(t))
	for _, s := range []*Store{src, dst} {
		rawExec(t, s, `CREATE TABLE later (id INTEGER PRIMARY KEY, note TEXT NOT NULL)`)
	}
	rawExec(t, src, `INSERT INTO later (id, note) VALUES (7, 'made by a migration to come')`)
	counts, err := Copy(ctx, src, dst, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(counts, TableCount{Table: "later", Rows: 1}) {
		t.Errorf("Copy's counts %v lack the table later with its row", counts)
	}
	if got, want := tableRows(t, dst)["later"], []string{`id=7 note="made by a migration to come" `}; !slices.Equal(got, want) {
		t.Errorf("the target's table later: %q; want %q", got, want)
	}
}
