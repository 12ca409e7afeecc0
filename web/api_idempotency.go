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
// key claims it in the store (a unique row per token and key, before the
// notice is made, so that every instance on one database sees it), and a
// later request of the same token with the same key within
// idempotencyWindow answers with the notice the first made instead of
// making another. The same key with another request is refused (409).
// Requests with one key wait for each other (a lock within one crier
// serve, polling across instances), so a retry that arrives while the
// first is still sending finds it. The key is also kept in the audit log
// ("api-idempotency-key", with the request's fingerprint).
const (
	idempotencyAction = "api-idempotency-key"
	idempotencyWindow = 24 * time.Hour
	idempotencyKeyMax = 200
	// A request whose key another instance's request holds waits for it
	// up to idempotencyWait, asking every idempotencyPoll.
	idempotencyWait = 30 * time.Second
	idempotencyPoll = 100 * time.Millisecond
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

// claim takes key for the request's actor in the store: 0, false when
// this request is to make the notice (then keep or release the key),
// or the notice an earlier request with the key made and true (a
// replay). A request of the key still at work on another instance is
// waited for, polling, up to idempotencyWait. Errors: Conflict when the
// key came with another request, or its first request is still at work.
func (i *idempotency) claim(ctx context.Context, a *app.App, key string, in apiNoticeRequest) (int64, bool, error) {
	actor, fp := app.ActorOf(ctx).String(), fingerprint(in)
	deadline := time.Now().Add(idempotencyWait)
	for {
		c, err := a.Store.ClaimIdempotencyKey(ctx, actor, key, fp, idempotencyWindow)
		switch {
		case err != nil:
			return 0, false, err
		case c.Claimed:
			return 0, false, nil
		case c.Request != fp:
			return c.NoticeID, false, &notices.Error{Code: notices.Conflict, Message: fmt.Sprintf(
				"the Idempotency-Key %q was used for another request: use a new key for a new notice", key)}
		case c.NoticeID != 0:
			return c.NoticeID, true, nil
		case time.Now().After(deadline):
			return 0, false, &notices.Error{Code: notices.Conflict, Message: fmt.Sprintf(
				"a request with the Idempotency-Key %q, made at %s, is still at work: retry with the same key later (look for its notice with GET /api/v1/notices before using another)",
				key, c.At.UTC().Format(time.RFC3339))}
		}
		select {
		case <-ctx.Done():
			return 0, false, ctx.Err()
		case <-time.After(idempotencyPoll):
		}
	}
}

// keep records in the store and in the audit log that key made notice id
// (release when id is 0: the request made none).
func (i *idempotency) keep(ctx context.Context, a *app.App, key string, in apiNoticeRequest, id int64) error {
	actor := app.ActorOf(ctx).String()
	// A cancelled request still records what it made.
	ctx = context.WithoutCancel(ctx)
	if id == 0 {
		return a.Store.ReleaseIdempotencyKey(ctx, actor, key)
	}
	if err := a.Store.KeepIdempotencyKey(ctx, actor, key, id); err != nil {
		return err
	}
	return i.record(ctx, a, key, in, id)
}

// record writes in the audit log that key made notice id.
func (i *idempotency) record(ctx context.Context, a *app.App, key string, in apiNoticeRequest, id int64) error {
	return a.Store.RecordAudit(ctx, notices.AuditEntry{
		Actor: app.ActorOf(ctx).String(), Action: idempotencyAction,
		Subject: "notice " + strconv.FormatInt(id, 10), Detail: idempotencyDetail(key, fingerprint(in)),
	})
}
