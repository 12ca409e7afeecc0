package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
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
// timed out retry without sending twice. The key is claimed in the store
// in the transaction that stores the notice (a unique row per token and
// key, which every instance on one database sees), so the key and its
// notice commit together: a request that fails or whose instance dies
// before the end leaves neither, and a retry makes the notice once. A
// later request of the same token with the same key within
// idempotencyWindow answers with the notice the first made instead of
// making another; the same key with another request is refused (409).
// Requests with one key wait for each other, up to idempotencyWait (a
// lock within one crier serve; across instances, the database makes a
// second claim wait for the first's transaction), so a retry that arrives
// while the first is still at work finds what it made, or is told to
// retry later. The key is also kept in the audit log
// ("api-idempotency-key", with the request's fingerprint).
const (
	idempotencyAction = "api-idempotency-key"
	idempotencyWindow = 24 * time.Hour
	idempotencyKeyMax = 200
	// idempotencyWait leaves a request that waited its whole time 10
	// seconds of the server's write timeout to answer in: a request still
	// waiting when that ends gets no answer at all.
	idempotencyWait = writeTimeout - 10*time.Second
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
// same token within one crier serve.
type idempotency struct {
	wait time.Duration // how long a request waits for another with its key
	mu   sync.Mutex
	keys map[string]*keyLock
}

// keyLock is held by the request at work with one key; users counts the
// requests holding it or waiting for it.
type keyLock struct {
	held  chan struct{} // full while a request holds it
	users int
}

// newIdempotency serialises requests with one key, each waiting up to
// wait (0: idempotencyWait).
func newIdempotency(wait time.Duration) *idempotency {
	if wait <= 0 {
		wait = idempotencyWait
	}
	return &idempotency{wait: wait, keys: map[string]*keyLock{}}
}

// lock waits until no other request holds key (the token's and its
// Idempotency-Key), or until deadline or the end of ctx, and returns its
// unlock. Errors: notices.ErrKeyAtWork when another held it past the
// deadline; ctx's.
func (i *idempotency) lock(ctx context.Context, key string, deadline time.Time) (unlock func(), err error) {
	i.mu.Lock()
	l := i.keys[key]
	if l == nil {
		l = &keyLock{held: make(chan struct{}, 1)}
		i.keys[key] = l
	}
	l.users++
	i.mu.Unlock()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case l.held <- struct{}{}:
		return func() { <-l.held; i.leave(key, l) }, nil
	case <-timer.C:
		err = notices.ErrKeyAtWork
	case <-ctx.Done():
		err = ctx.Err()
	}
	i.leave(key, l)
	return nil, err
}

// leave counts out a request that held or waited for l, the lock of key.
func (i *idempotency) leave(key string, l *keyLock) {
	i.mu.Lock()
	if l.users--; l.users == 0 {
		delete(i.keys, key)
	}
	i.mu.Unlock()
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

// keyAtWork is the API's error for a request whose Idempotency-Key
// another request held past the wait.
func keyAtWork(key string) error {
	return &notices.Error{Code: notices.Conflict, Message: fmt.Sprintf(
		"a request with the Idempotency-Key %q is still at work: retry with the same key later (look for its notice with GET /api/v1/notices before using another key)", key)}
}

// createOnce answers a request to create a notice that carries the
// Idempotency-Key key: with the notice an earlier request with the key
// made (200), or with the one it makes under the key, which is claimed in
// the transaction that stores it.
func (s *Server) createOnce(w http.ResponseWriter, r *http.Request, key string, in apiNoticeRequest, req app.NoticeRequest) {
	ctx := r.Context()
	k := notices.IdempotencyKey{Actor: app.ActorOf(ctx).String(), Key: key, Request: fingerprint(in), Window: idempotencyWindow}
	deadline := time.Now().Add(s.idem.wait)
	unlock, err := s.idem.lock(ctx, k.Actor+"\x00"+key, deadline)
	if errors.Is(err, notices.ErrKeyAtWork) {
		err = keyAtWork(key)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	defer unlock()
	kept, found, err := s.cfg.App.Store.KeptIdempotencyKey(ctx, k)
	switch {
	case err != nil:
		s.apiFail(w, r, err)
		return
	case found:
		s.replay(w, r, k, kept)
		return
	}
	// What is left of the wait is the store's, for a request of the key
	// at work on another instance (a moment at least, so that a claim
	// nobody holds is not refused).
	k.Wait = max(time.Until(deadline), 100*time.Millisecond)
	req.Key = &k
	if id := s.createNotice(w, r, in, req); id != 0 {
		// A cancelled request still records what it made.
		if err := s.recordKey(context.WithoutCancel(ctx), k, id); err != nil {
			s.log.Error("web: the Idempotency-Key of a notice was not recorded in the audit log", "notice", id, "err", err)
		}
	}
}

// replay answers a request with key k, which an earlier request kept
// having made notice kept.NoticeID: that notice as it is now (200), or,
// when the earlier request asked for another notice, 409.
func (s *Server) replay(w http.ResponseWriter, r *http.Request, k notices.IdempotencyKey, kept notices.KeptKey) {
	if kept.Request != k.Request {
		s.apiFail(w, r, &notices.Error{Code: notices.Conflict, Message: fmt.Sprintf(
			"the Idempotency-Key %q was used for another request: use a new key for a new notice", k.Key)})
		return
	}
	w.Header().Set("Idempotent-Replayed", "true")
	s.answerNotice(w, r, http.StatusOK, kept.NoticeID, apiSendResult{Message: fmt.Sprintf(
		"notice %d was made by an earlier request with this Idempotency-Key; nothing more was sent", kept.NoticeID)})
}

// recordKey writes in the audit log that key k made notice id.
func (s *Server) recordKey(ctx context.Context, k notices.IdempotencyKey, id int64) error {
	return s.cfg.App.Store.RecordAudit(ctx, notices.AuditEntry{
		Actor: k.Actor, Action: idempotencyAction,
		Subject: "notice " + strconv.FormatInt(id, 10), Detail: idempotencyDetail(k.Key, k.Request),
	})
}
