package scheduler_test

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for ending a connection as a fault

	"github.com/crier-notices/crier/internal/testenv"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
)

// process is one crier serve of a leadership test: its store, its service
// and what it logged.
type process struct {
	name  string
	store *notices.Store
	svc   *scheduler.Service
	log   *lockedBuffer
}

// lockedBuffer is a log written by one goroutine and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// count is how many lines of the log contain s.
func (l *lockedBuffer) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.b.String(), s)
}

// startProcess runs a service on the store s, its clock clock, until the
// test ends.
func startProcess(t *testing.T, name string, s *notices.Store, clock *fakeClock) *process {
	t.Helper()
	lib := library(t)
	s.Now = clock.Now
	p := &process{name: name, store: s, log: &lockedBuffer{}}
	log := slog.New(slog.NewTextHandler(p.log, nil))
	d := newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{notices.Email: {Sender: &clockedSender{clock: clock}}},
		func(c *scheduler.Config) { c.Now, c.Poll, c.Worker = clock.Now, time.Hour, name })
	p.svc = &scheduler.Service{Dispatcher: d, Leadership: s, Log: log, Now: clock.Now,
		Campaigner: &scheduler.Campaigner{Store: s, Library: lib, DefaultLanguage: "en", Log: log}}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- p.svc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-ran; err != nil {
			t.Errorf("%s: Run: %v", name, err)
		}
		t.Logf("%s's log:\n%s", name, p.log.b.String())
	})
	return p
}

// flushingCampaign makes the daily 09:00 (New York) campaign "flushing" to
// the list "all" of 3 customers.
func flushingCampaign(t *testing.T, s *notices.Store) int64 {
	t.Helper()
	importContacts(t, s, "all", 3, gen)
	fam, err := library(t).Family("hydrant-flushing")
	if err != nil {
		t.Fatal(err)
	}
	values := fam.Examples()
	values["start_date"], values["end_date"] = "+1d", "+12d"
	delete(values, "start_date.es")
	delete(values, "end_date.es")
	id, err := s.CreateCampaign(context.Background(), notices.Campaign{Name: "flushing", Schedule: "0 9 * * *", Timezone: "America/New_York",
		Notice: notices.Notice{Template: "hydrant-flushing", Values: values, Audience: notices.Audience{Lists: []string{"all"}},
			Channels: []notices.Channel{notices.Email}}})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// leaders are the processes that say they lead the campaigns.
func leaders(ps ...*process) []*process {
	var out []*process
	for _, p := range ps {
		if p.svc.Leading() {
			out = append(out, p)
		}
	}
	return out
}

// TestOneProcessFiresTheCampaigns: two crier serve on one PostgreSQL
// schema: one leads the campaigns and fires a due firing, once; when the
// connection holding its lock ends (a network fault, an administrator),
// it steps down, the other takes over within seconds and fires the next
// firing, once.
func TestOneProcessFiresTheCampaigns(t *testing.T) {
	dsn := testenv.PostgresURL(t)
	if dsn == "" {
		return
	}
	ctx := context.Background()
	stores, clock, ny := twoStores(t, dsn)
	campaign := flushingCampaign(t, stores[0])
	a := startProcess(t, "a", stores[0], clock)
	b := startProcess(t, "b", stores[1], clock)
	waitUntil(t, "both ready", func() bool { return a.svc.Ready() && b.svc.Ready() })
	if l := leaders(a, b); len(l) != 1 {
		t.Fatalf("%d processes lead the campaigns; want 1", len(l))
	}
	first := leaders(a, b)[0]
	other := map[*process]*process{a: b, b: a}[first]

	fire := func(at time.Time, runs int) {
		t.Helper()
		clock.Set(at)
		a.svc.Wake()
		b.svc.Wake()
		// The run is committed before the campaigner logs it.
		waitUntil(t, "the firing published and logged", func() bool {
			rs, err := a.store.Runs(ctx, campaign)
			return err == nil && len(rs) == runs && rs[runs-1].Status == notices.RunPublished &&
				a.log.count("campaign fired")+b.log.count("campaign fired") >= runs
		})
	}
	fire(time.Date(2027, 6, 1, 9, 0, 0, 0, ny), 1)
	if n, m := first.log.count("campaign fired"), other.log.count("campaign fired"); n != 1 || m != 0 {
		t.Errorf("the 1 June firing fired %d times by the leader, %d by the other; want once, by the leader", n, m)
	}

	// The leader's lock connection ends: the server releases the lock.
	began := time.Now()
	endLockConnection(t, dsn, "campaigns")
	waitUntil(t, "the other leading, the first not", func() bool { return other.svc.Leading() && !first.svc.Leading() })
	t.Logf("taken over %v after the connection ended (retry every %v)", time.Since(began).Round(time.Millisecond), scheduler.LeaderRetry)
	if first.log.count("no longer leads") != 1 {
		t.Errorf("the first leader's log does not say once that it no longer leads")
	}

	fire(time.Date(2027, 6, 2, 9, 0, 0, 0, ny), 2)
	if n, m := first.log.count("campaign fired"), other.log.count("campaign fired"); n != 1 || m != 1 {
		t.Errorf("campaign fired %d times by the first leader, %d by the second; want once each (1 and 2 June)", n, m)
	}
	ns, err := a.store.Notices(ctx)
	if err != nil || len(ns) != 2 {
		t.Errorf("%d notices (%v); want 2, one per firing", len(ns), err)
	}
	if l := leaders(a, b); len(l) != 1 || l[0] != other {
		t.Errorf("%d processes lead the campaigns after the takeover; want 1, the second", len(l))
	}
}

// endLockConnection ends, as a network fault or an administrator would,
// the server session holding the advisory lock name of the schema of dsn.
func endLockConnection(t *testing.T, dsn, name string) {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ended int
	// A bigint advisory key shows in pg_locks as classid (high half) and
	// objid (low half), objsubid 1.
	err = db.QueryRow(`WITH k AS (SELECT hashtextextended('crier ' || current_schema() || ' ' || $1, 0) AS key)
		SELECT count(pg_terminate_backend(l.pid)) FROM pg_locks l, k
		WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted
		  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND l.classid::bigint = (k.key >> 32) & 4294967295 AND l.objid::bigint = k.key & 4294967295`, name).Scan(&ended)
	if err != nil || ended != 1 {
		t.Fatalf("ending the connection holding the lock %q: %d ended, %v; want 1", name, ended, err)
	}
}

// TestEveryProcessLeadsOnSQLite: on SQLite, whose file one machine's
// processes share, there is no election: each service fires the
// campaigns, and the campaign's key keeps each firing once.
func TestEveryProcessLeadsOnSQLite(t *testing.T) {
	ctx := context.Background()
	stores, clock, ny := twoStores(t, filepath.Join(t.TempDir(), "crier.db"))
	campaign := flushingCampaign(t, stores[0])
	a := startProcess(t, "a", stores[0], clock)
	b := startProcess(t, "b", stores[1], clock)
	waitUntil(t, "both ready", func() bool { return a.svc.Ready() && b.svc.Ready() })
	if l := leaders(a, b); len(l) != 2 {
		t.Errorf("%d processes lead the campaigns; want both", len(l))
	}
	clock.Set(time.Date(2027, 6, 1, 9, 0, 0, 0, ny))
	a.svc.Wake()
	b.svc.Wake()
	waitUntil(t, "the firing published and logged", func() bool {
		rs, err := a.store.Runs(ctx, campaign)
		return err == nil && len(rs) == 1 && rs[0].Status == notices.RunPublished &&
			a.log.count("campaign fired")+b.log.count("campaign fired") >= 1
	})
	if n := a.log.count("campaign fired") + b.log.count("campaign fired"); n != 1 {
		t.Errorf("campaign fired %d times; want once", n)
	}
}

// twoStores opens the database dsn twice, as two processes would, on one
// fake clock at 8:30 in New York, whose zone it returns too.
func twoStores(t *testing.T, dsn string) ([]*notices.Store, *fakeClock, *time.Location) {
	t.Helper()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: time.Date(2027, 6, 1, 8, 30, 0, 0, ny)}
	stores := make([]*notices.Store, 2)
	for i := range stores {
		if stores[i], err = notices.Open(context.Background(), dsn); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { stores[i].Close() })
		stores[i].Now = clock.Now
	}
	return stores, clock, ny
}
