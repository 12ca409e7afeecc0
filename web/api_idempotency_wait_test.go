package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/crier-notices/crier/internal/testenv"
	"github.com/crier-notices/crier/notices"
)

// keyRig is where a request with an Idempotency-Key and its retries go,
// and how the test holds the first at work: a fault of timing no real
// part makes on demand.
type keyRig struct {
	first, retry apiClient // the instances the first request and the retries go to
	store        *notices.Store
	// hold makes the next first request stop at work; release lets it go.
	hold func(t *testing.T) (release func())
	// atWork returns once the first request is held.
	atWork func(t *testing.T)
	// waiting returns once the retry waits for the first.
	waiting func(t *testing.T)
	// kill ends the first request's instance as a crash would: it writes
	// nothing more. Nil where the test cannot do it.
	kill func(t *testing.T)
}

// oneInstanceRig is one crier serve on SQLite: the first request is held
// after its notice is stored, before it answers (while it tells the
// dispatchers), so the retry waits on the instance's own lock.
func oneInstanceRig(t *testing.T, wait time.Duration) *keyRig {
	var gate atomic.Pointer[chan struct{}]
	entered := make(chan struct{}, 1)
	a := newAPIServer(t, func(c *Config) {
		c.IdempotencyWait = wait
		c.App.Wake = func(context.Context) []string {
			if g := gate.Load(); g != nil {
				entered <- struct{}{}
				<-*g
			}
			return nil
		}
	})
	importContacts(t, a.store)
	coord := a.clients[notices.RoleCoordinator]
	key := "token test-" + string(notices.RoleCoordinator) + "\x00" + idemTestKey // as createOnce locks it
	return &keyRig{
		first: coord, retry: coord, store: a.store,
		hold: func(t *testing.T) func() {
			g := make(chan struct{})
			gate.Store(&g)
			return releaseOnce(t, func() { gate.Store(nil); close(g) })
		},
		atWork: func(t *testing.T) { <-entered },
		waiting: func(t *testing.T) {
			eventually(t, "the retry waits on the instance's lock", func() bool { return a.srv.idem.users(key) == 2 })
		},
	}
}

// postgresRig is two crier serve on one PostgreSQL, the first request to
// one and the retries to the other: the first is held by the database
// between its key and its notice (the test's transaction locks the
// notices table), so the retry's claim waits on the first's transaction.
func postgresRig(t *testing.T, wait time.Duration) *keyRig {
	dsn := testenv.PostgresURL(t)
	if dsn == "" {
		t.Skip("no PostgreSQL (CRIER_TEST_POSTGRES)")
	}
	ctx := context.Background()
	var urls []string
	var stores []*notices.Store
	for range 2 {
		pg, err := notices.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pg.Close() })
		_, _, ts := newConsoleServer(t, apiConfig(func(c *Config) { c.Store, c.App.Store, c.IdempotencyWait = pg, pg, wait }))
		urls, stores = append(urls, ts.URL), append(stores, pg)
	}
	importContacts(t, stores[1])
	token, err := stores[1].CreateToken(ctx, "work orders", notices.RoleCoordinator)
	if err != nil {
		t.Fatal(err)
	}
	watch := pgConn(t, dsn)
	var locker, first int64 // the backends of the test's lock and of the held request
	return &keyRig{
		first: apiClient{t: t, url: urls[0], token: token}, retry: apiClient{t: t, url: urls[1], token: token}, store: stores[1],
		hold: func(t *testing.T) func() {
			c := pgConn(t, dsn)
			tx, err := c.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := tx.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&locker); err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Exec(ctx, `LOCK TABLE notices IN SHARE ROW EXCLUSIVE MODE`); err != nil {
				t.Fatal(err)
			}
			return releaseOnce(t, func() {
				if err := tx.Commit(ctx); err != nil {
					t.Error(err)
				}
			})
		},
		atWork:  func(t *testing.T) { first = blockedBy(t, watch, locker) },
		waiting: func(t *testing.T) { blockedBy(t, watch, first) },
		kill: func(t *testing.T) {
			stores[0].Close()
			if _, err := watch.Exec(ctx, `SELECT pg_terminate_backend($1)`, first); err != nil {
				t.Fatal(err)
			}
		},
	}
}

// releaseOnce is release, done once: by the test, or at its end if it
// failed before, so that the held request and its server can end.
func releaseOnce(t *testing.T, release func()) func() {
	once := sync.OnceFunc(release)
	t.Cleanup(once)
	return once
}

// pgConn is a connection of the test's own to dsn.
func pgConn(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// blockedBy waits until a backend waits for a lock that backend pid
// holds, and returns it.
func blockedBy(t *testing.T, c *pgx.Conn, pid int64) int64 {
	t.Helper()
	var blocked int64
	eventually(t, "a backend waits for backend "+strconv.FormatInt(pid, 10), func() bool {
		err := c.QueryRow(context.Background(), `SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid)) LIMIT 1`, pid).Scan(&blocked)
		return err == nil
	})
	return blocked
}

// eventually waits until cond holds, asking often; it fails t after a
// minute, which only a stuck test takes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("a minute passed and not yet: %s", what)
		}
	}
}

const idemTestKey = "WO-5120"

// postAsync posts the advisory with the test's key through c, and
// returns where its answer comes.
func postAsync(c apiClient) <-chan apiResponse {
	ch := make(chan apiResponse, 1)
	go func() { ch <- c.do("POST", "/api/v1/notices", advisoryJSON(""), "Idempotency-Key", idemTestKey) }()
	return ch
}

// answer is the answer that comes on ch; it fails t after a minute,
// which only a request that waits past every bound takes.
func answer(t *testing.T, ch <-chan apiResponse) apiResponse {
	t.Helper()
	select {
	case resp := <-ch:
		return resp
	case <-time.After(time.Minute):
		t.Fatal("no answer in a minute: a request waited past its bound")
		return apiResponse{}
	}
}

// noticeOf is the notice id of a notice's answer.
func noticeOf(t *testing.T, resp apiResponse) int64 {
	t.Helper()
	var res apiSendResult
	resp.decode(t, &res)
	return res.Notice.ID
}

var keyRigs = []struct {
	name string
	rig  func(t *testing.T, wait time.Duration) *keyRig
}{
	{"one crier serve", oneInstanceRig},
	{"two crier serve on one PostgreSQL", postgresRig},
}

// TestAPIIdempotencyKeyRetryWaitsForTheFirst: a retry that arrives while
// the first request with its key is still at work waits for it, then
// answers 200 with the notice the first made; one notice is made.
func TestAPIIdempotencyKeyRetryWaitsForTheFirst(t *testing.T) {
	for _, tt := range keyRigs {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.rig(t, 0) // the wait crier serve has
			release := r.hold(t)
			first := postAsync(r.first)
			r.atWork(t)
			retry := postAsync(r.retry)
			r.waiting(t)
			release()
			a, b := answer(t, first), answer(t, retry)
			if a.Status != http.StatusCreated || b.Status != http.StatusOK || noticeOf(t, a) != noticeOf(t, b) || b.Header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("the first: %d, notice %d; the retry: %d, notice %d, replayed %q; want 201, then 200 with the same notice, replayed",
					a.Status, noticeOf(t, a), b.Status, noticeOf(t, b), b.Header.Get("Idempotent-Replayed"))
			}
			if ns, err := r.store.Notices(context.Background()); err != nil || len(ns) != 1 {
				t.Fatalf("%d notices (%v); want one", len(ns), err)
			}
		})
	}
}

// TestAPIIdempotencyKeyRetryOutwaited: when the first request with a key
// is still at work after the wait, the retry is refused with 409 and told
// to retry later; retried once the first is done, it has its notice.
func TestAPIIdempotencyKeyRetryOutwaited(t *testing.T) {
	// crier serve's wait, as the README gives it, ends in time for the
	// 409 to be written before the server's write timeout.
	if w := newIdempotency(0).wait; w != 20*time.Second || w >= writeTimeout {
		t.Errorf("a retry waits %s; want the README's 20 s, within the %s write timeout", w, writeTimeout)
	}
	for _, tt := range keyRigs {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.rig(t, 200*time.Millisecond)
			release := r.hold(t)
			first := postAsync(r.first)
			r.atWork(t)
			resp := answer(t, postAsync(r.retry))
			if resp.Status != http.StatusConflict {
				t.Fatalf("a retry while the first outlasts the wait: %d %s; want 409", resp.Status, resp.Body)
			}
			if msg := resp.errorBody(t).Error; !strings.Contains(msg, "still at work") || !strings.Contains(msg, "retry with the same key later") {
				t.Errorf("the 409 says %q; want that the first is still at work and to retry later with the same key", msg)
			}
			release()
			a := answer(t, first)
			later := answer(t, postAsync(r.retry))
			if a.Status != http.StatusCreated || later.Status != http.StatusOK || noticeOf(t, later) != noticeOf(t, a) {
				t.Fatalf("the first: %d; the retry later: %d, notice %d; want 201, then 200 with notice %d", a.Status, later.Status, noticeOf(t, later), noticeOf(t, a))
			}
		})
	}
}

// TestAPIIdempotencyKeyAfterAnInstanceDies: the instance at work on the
// first request dies between the key and the notice (its connections
// end, it writes nothing more); the retry on the other instance makes the
// notice, once.
func TestAPIIdempotencyKeyAfterAnInstanceDies(t *testing.T) {
	r := postgresRig(t, 2*time.Second)
	release := r.hold(t)
	first := postAsync(r.first)
	r.atWork(t)
	r.kill(t)
	answer(t, first) // whatever the dead instance's connection got
	release()
	a := answer(t, postAsync(r.retry))
	b := answer(t, postAsync(r.retry))
	if a.Status != http.StatusCreated || b.Status != http.StatusOK || noticeOf(t, a) != noticeOf(t, b) {
		t.Fatalf("the retries after the crash: %d %s, then %d; want 201, then 200 with the same notice", a.Status, a.Body, b.Status)
	}
	if ns, err := r.store.Notices(context.Background()); err != nil || len(ns) != 1 {
		t.Fatalf("%d notices (%v); want one", len(ns), err)
	}
}

// users counts the requests that hold key's lock or wait for it.
func (i *idempotency) users(key string) int {
	i.mu.Lock()
	defer i.mu.Unlock()
	if l := i.keys[key]; l != nil {
		return l.users
	}
	return 0
}
