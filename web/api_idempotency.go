package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/notices"
)

// An Idempotency-Key header on POST /api/v1/notices lets a system that
// timed out retry without sending twice: the first request that carries a
// key records it in the audit log ("api-idempotency-key", with the
// request's fingerprint, under the token's name), and a later request of
// the same token with the same key within idempotencyWindow answers with
// the notice the first made instead of making another. The same key with
// another request is refused (409). Requests with one key wait for each
// other, so a retry that arrives while the first is still sending finds
// it. That holds within one crier serve, the process that owns the store.
const (
	idempotencyAction = "api-idempotency-key"
	idempotencyWindow = 24 * time.Hour
	idempotencyKeyMax = 200
	// idempotencyPage is how many audit entries are read at a time while
	// looking for a key.
	idempotencyPage = 500
)

// idempotencyKey reads the request's Idempotency-Key header: "" when
// there is none. Errors: Invalid for a key that is too long or holds
// other than visible ASCII.
func idempotencyKey(r *http.Request) (string, error) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		return "", nil
	}
	bad := len(key) > idempotencyKeyMax || strings.ContainsFunc(key, func(c rune) bool { return c < '!' || c > '~' })
	if bad {
		return "", app.Invalid("the Idempotency-Key cannot be used", app.Problem{Field: "Idempotency-Key",
			Message: fmt.Sprintf("use 1 to %d visible ASCII characters, no spaces (a UUID, or your work order's number and attempt)", idempotencyKeyMax)})
	}
	return key, nil
}

// idempotency serialises the requests that carry the same key from the
// same token.
type idempotency struct {
	mu   sync.Mutex
	keys map[string]*keyLock
}

type keyLock struct {
	mu    sync.Mutex
	users int
}

func newIdempotency() *idempotency { return &idempotency{keys: map[string]*keyLock{}} }

// lock waits until no other request holds key (the token's and its
// Idempotency-Key), and returns its unlock.
func (i *idempotency) lock(key string) (unlock func()) {
	i.mu.Lock()
	l := i.keys[key]
	if l == nil {
		l = &keyLock{}
		i.keys[key] = l
	}
	l.users++
	i.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		i.mu.Lock()
		if l.users--; l.users == 0 {
			delete(i.keys, key)
		}
		i.mu.Unlock()
	}
}

// fingerprint identifies a request by its content: the same notice asked
// for again gives the same, however its JSON is spaced or ordered.
func fingerprint(in apiNoticeRequest) string {
	b, _ := json.Marshal(in) // a struct of strings, maps and slices: never fails
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// idempotencyDetail is the audit entry's detail for key; with fp "", its
// prefix, which is the same whatever the request.
func idempotencyDetail(key, fp string) string {
	d := "key " + strconv.Quote(key) + ", request "
	return d + fp
}

// find looks for key among the audit entries of the request's actor of
// the last idempotencyWindow: the notice it made and true (a replay), or
// false when the key is new. Errors: Conflict when the key came with
// another request.
func (i *idempotency) find(ctx context.Context, a *app.App, key string, in apiNoticeRequest) (int64, bool, error) {
	actor := app.ActorOf(ctx).String()
	prefix := idempotencyDetail(key, "")
	since := a.Store.Now().Add(-idempotencyWindow)
	var before int64
	for {
		page, err := a.Store.AuditLog(ctx, idempotencyPage, before)
		if err != nil {
			return 0, false, err
		}
		for _, e := range page {
			if e.At.Before(since) {
				return 0, false, nil
			}
			if e.Action != idempotencyAction || e.Actor != actor || !strings.HasPrefix(e.Detail, prefix) {
				continue
			}
			id, err := strconv.ParseInt(strings.TrimPrefix(e.Subject, "notice "), 10, 64)
			if err != nil {
				return 0, false, fmt.Errorf("audit entry %d: subject %q names no notice: %w", e.ID, e.Subject, err)
			}
			if strings.TrimPrefix(e.Detail, prefix) != fingerprint(in) {
				return id, false, &notices.Error{Code: notices.Conflict, Message: fmt.Sprintf(
					"the Idempotency-Key %q made notice %d from another request: use a new key for a new notice", key, id)}
			}
			return id, true, nil
		}
		if len(page) < idempotencyPage {
			return 0, false, nil
		}
		before = page[len(page)-1].ID
	}
}

// record writes in the audit log that key made notice id.
func (i *idempotency) record(ctx context.Context, a *app.App, key string, in apiNoticeRequest, id int64) error {
	return a.Store.RecordAudit(ctx, notices.AuditEntry{
		Actor: app.ActorOf(ctx).String(), Action: idempotencyAction,
		Subject: "notice " + strconv.FormatInt(id, 10), Detail: idempotencyDetail(key, fingerprint(in)),
	})
}
