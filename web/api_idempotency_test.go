package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
)

// TestAPIIdempotencyKey: a work-order system that retries a notice after
// a timeout, with the same Idempotency-Key, gets the notice the first
// request made and sends nothing twice, even when the retry comes while
// the first is still at work; the key with another notice is refused.
func TestAPIIdempotencyKey(t *testing.T) {
	a := newAPIServer(t, nil)
	importContacts(t, a.store)
	coord := a.clients[notices.RoleCoordinator]
	const key = "WO-4471-advisory"

	// Two at once: the first and a retry that does not wait for it.
	var wg sync.WaitGroup
	answers := make([]apiResponse, 2)
	for i := range answers {
		wg.Go(func() { answers[i] = coord.do("POST", "/api/v1/notices", advisoryJSON(""), "Idempotency-Key", key) })
	}
	wg.Wait()
	var ids []int64
	statuses := map[int]int{}
	for _, resp := range answers {
		var res apiSendResult
		resp.decode(t, &res)
		ids = append(ids, res.Notice.ID)
		statuses[resp.Status]++
		if resp.Status == http.StatusOK && resp.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("the replay has no Idempotent-Replayed header")
		}
	}
	if ids[0] != ids[1] || statuses[http.StatusCreated] != 1 || statuses[http.StatusOK] != 1 {
		t.Fatalf("two requests with one key: notices %v, statuses %v; want one notice, 201 then 200", ids, statuses)
	}

	// A later retry, its JSON spaced otherwise.
	resp := coord.do("POST", "/api/v1/notices", strings.Join(strings.Fields(advisoryJSON("")), " "), "Idempotency-Key", key)
	var again apiSendResult
	resp.decode(t, &again)
	if resp.Status != http.StatusOK || again.Notice.ID != ids[0] {
		t.Errorf("a later retry: status %d, notice %d; want 200 and notice %d", resp.Status, again.Notice.ID, ids[0])
	}
	rep, err := a.store.Report(context.Background(), ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if ns, _ := a.store.Notices(context.Background()); len(ns) != 1 || rep.Channel(notices.Email).Total != 2 || rep.Channel(notices.SMS).Total != 2 {
		t.Fatalf("%d notices, deliveries %+v: want one notice, one message per address", len(ns), rep.Channels)
	}

	entries, err := a.store.AuditLog(context.Background(), 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, e := range entries {
		if e.Action == idempotencyAction {
			kept = append(kept, e.Actor+": "+e.Subject+": "+e.Detail)
		}
	}
	if len(kept) != 1 || !strings.HasPrefix(kept[0], fmt.Sprintf(`token test-coordinator: notice %d: key "WO-4471-advisory"`, ids[0])) {
		t.Errorf("the audit log keeps %q, want the key once beside its notice and token", kept)
	}

	tests := []struct {
		name   string
		client apiClient
		key    string
		body   string
		status int
	}{
		{"the key with another notice", coord, key, strings.Replace(advisoryJSON(""), "Oak Hill Road", "Elm Street", 1), http.StatusConflict},
		{"another key", coord, "WO-4472", advisoryJSON(""), http.StatusCreated},
		{"the key of another token", a.clients[notices.RoleAdmin], key, advisoryJSON(""), http.StatusCreated},
		{"a key with a space", coord, "WO 4473", advisoryJSON(""), http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := tt.client.do("POST", "/api/v1/notices", tt.body, "Idempotency-Key", tt.key)
			if resp.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.Status, tt.status, resp.Body)
			}
			if tt.status == http.StatusBadRequest {
				if e := resp.errorBody(t); len(e.Problems) != 1 || e.Problems[0].Field != "Idempotency-Key" {
					t.Errorf("problems %+v, want one on Idempotency-Key", e.Problems)
				}
			}
		})
	}
}

// TestAPIIdempotencyKeyLasts24Hours: a key is remembered for 24 hours;
// the same key a day later makes a new notice.
func TestAPIIdempotencyKeyLasts24Hours(t *testing.T) {
	var later atomic.Int64 // how far the store's clock is ahead
	a := newAPIServer(t, func(c *Config) {
		c.Store.(*notices.Store).Now = func() time.Time { return time.Now().Add(time.Duration(later.Load())) }
	})
	importContacts(t, a.store)
	coord := a.clients[notices.RoleCoordinator]
	send := func() (int, int64) {
		resp := coord.do("POST", "/api/v1/notices", advisoryJSON(""), "Idempotency-Key", "WO-9")
		var res apiSendResult
		resp.decode(t, &res)
		return resp.Status, res.Notice.ID
	}
	_, first := send()
	later.Store(int64(23 * time.Hour))
	if status, id := send(); status != http.StatusOK || id != first {
		t.Errorf("23 hours on: status %d, notice %d; want 200, notice %d", status, id, first)
	}
	later.Store(int64(25 * time.Hour))
	if status, id := send(); status != http.StatusCreated || id == first {
		t.Errorf("25 hours on: status %d, notice %d; want a new notice", status, id)
	}
}

// TestAPIIdempotencyKeyEveryOutcome: whatever the first request made (a
// notice sending, a draft, a notice held for a second coordinator), the
// retry with its key answers 200 with that notice as it is now, and
// makes nothing more.
func TestAPIIdempotencyKeyEveryOutcome(t *testing.T) {
	tests := []struct {
		name     string
		approval int // [console] approval_over; 0: none
		body     string
		status   int
		want     notices.NoticeStatus
	}{
		{"sent", 0, advisoryJSON(""), http.StatusCreated, notices.Sending},
		{"saved as a draft", 0, advisoryJSON(`, "draft": true`), http.StatusCreated, notices.Draft},
		{"held for approval", 2, advisoryJSON(""), http.StatusAccepted, notices.Draft},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAPIServer(t, func(c *Config) { c.App.ApprovalOver = tt.approval })
			importContacts(t, a.store)
			coord := a.clients[notices.RoleCoordinator]
			first := coord.do("POST", "/api/v1/notices", tt.body, "Idempotency-Key", "WO-88")
			retry := coord.do("POST", "/api/v1/notices", tt.body, "Idempotency-Key", "WO-88")
			var made, again apiSendResult
			first.decode(t, &made)
			retry.decode(t, &again)
			if first.Status != tt.status || retry.Status != http.StatusOK || again.Notice.ID != made.Notice.ID ||
				again.Notice.Status != tt.want || again.AwaitingApproval != (tt.approval > 0) {
				t.Fatalf("first %d (notice %d), retry %d (notice %d, %s, awaiting approval %v); want %d, then 200 with the same notice, %s",
					first.Status, made.Notice.ID, retry.Status, again.Notice.ID, again.Notice.Status, again.AwaitingApproval, tt.status, tt.want)
			}
			if ns, err := a.store.Notices(context.Background()); err != nil || len(ns) != 1 {
				t.Fatalf("%d notices (%v); want one", len(ns), err)
			}
		})
	}
}
