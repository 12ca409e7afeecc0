package web

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/crier-notices/crier/internal/testenv"
	"github.com/crier-notices/crier/notices"
)

// TestAPIIdempotencyKeyAcrossInstances: two crier serve behind a load
// balancer on one PostgreSQL; a work-order system's request and its retry
// with the same Idempotency-Key, at once, one to each instance, make one
// notice: one answers 201, the other 200 with the same notice.
func TestAPIIdempotencyKeyAcrossInstances(t *testing.T) {
	dsn := testenv.PostgresURL(t)
	if dsn == "" {
		t.Skip("no PostgreSQL (CRIER_TEST_POSTGRES)")
	}
	ctx := context.Background()
	var urls []string
	var first *notices.Store
	for range 2 {
		pg, err := notices.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pg.Close() })
		_, _, ts := newConsoleServer(t, apiConfig(func(c *Config) { c.Store, c.App.Store = pg, pg }))
		urls = append(urls, ts.URL)
		if first == nil {
			first = pg
		}
	}
	importContacts(t, first)
	token, err := first.CreateToken(ctx, "work orders", notices.RoleCoordinator)
	if err != nil {
		t.Fatal(err)
	}

	const rounds = 12
	for round := range rounds {
		key := fmt.Sprintf("WO-%d", round)
		answers := make([]apiResponse, len(urls))
		var wg sync.WaitGroup
		for i, u := range urls {
			c := apiClient{t: t, url: u, token: token}
			wg.Go(func() { answers[i] = c.do("POST", "/api/v1/notices", advisoryJSON(""), "Idempotency-Key", key) })
		}
		wg.Wait()
		ids := map[int64]bool{}
		statuses := map[int]int{}
		for _, resp := range answers {
			var res apiSendResult
			resp.decode(t, &res)
			ids[res.Notice.ID] = true
			statuses[resp.Status]++
		}
		if len(ids) != 1 || statuses[http.StatusCreated] != 1 || statuses[http.StatusOK] != 1 {
			t.Fatalf("key %s sent to both instances: notices %v, statuses %v; want one notice, 201 and 200", key, ids, statuses)
		}
	}
	if ns, err := first.Notices(ctx); err != nil || len(ns) != rounds {
		t.Fatalf("%d notices (%v) for %d keys; want one per key", len(ns), err, rounds)
	}
}
