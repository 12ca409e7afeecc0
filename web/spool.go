package web

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/crier-notices/crier/internal/spool"
	"github.com/crier-notices/crier/notices"
)

// A webhook is answered at once and recorded when the store allows: its
// handler writes it to the spool (a small SQLite file of its own beside
// the database, see internal/spool) and answers 200; the spool's applier,
// running beside the server, records it in the store with retries and
// then removes it. What a crash left in the spool is recorded at the next
// start. So a long import holding the store's write lock delays what a
// callback records but loses none.
//
// A store with no file (PostgreSQL) has no whole-database write lock and
// nothing to keep a spool beside: each webhook is recorded straight in the
// store before it is answered, and only one the store cannot record yet
// (a message whose id the dispatcher has not written, a database not
// answering) is kept, in memory, for the applier (spoolInMemory).

// spoolRecorder records one kind of spooled webhook in the store. Its
// error decides what becomes of the entry: nil, recorded (removed); a
// notices NotFound, not yet (a Twilio callback can come before the
// dispatcher has recorded the message id it answers): tried again until
// spoolPatience has passed since it came, then logged and dropped;
// Invalid, never (logged and dropped); any other error is the store's
// (busy, failing): tried again, however long it takes. received is when
// the webhook came.
type spoolRecorder func(ctx context.Context, form url.Values, received time.Time) error

// spoolRecorders are the recorders by kind.
func (s *Server) spoolRecorders() map[string]spoolRecorder {
	return map[string]spoolRecorder{
		kindTwilioStatus: s.recordTwilioStatus,
		kindTwilioSMS:    s.recordInbound,
		kindOneClick:     s.recordOptOut,
	}
}

// The applier's pace.
const (
	spoolPatience = 10 * time.Minute       // how long a webhook may wait for what it is about
	spoolFirst    = 250 * time.Millisecond // the first wait before trying an entry again
	spoolMaxWait  = 30 * time.Second       // the longest
	spoolBatch    = 100                    // entries read at a time
)

// spoolState is the server's spool, opened on first use.
type spoolState struct {
	mu       sync.Mutex
	sp       *spool.Spool
	patience time.Duration // tests shorten it; 0: spoolPatience
}

// spooled returns the server's spool, opening it the first time.
func (s *Server) spooled(ctx context.Context) (*spool.Spool, error) {
	s.spool.mu.Lock()
	defer s.spool.mu.Unlock()
	if s.spool.sp == nil {
		path := s.cfg.SpoolPath
		if path == "" && !s.spoolInMemory() {
			path = s.cfg.Store.Path() + ".spool"
		}
		sp, err := spool.Open(ctx, path) // "": in memory
		if err != nil {
			return nil, err
		}
		s.spool.sp = sp
	}
	return s.spool.sp, nil
}

// spoolInMemory reports whether the spool is in memory: the store has no
// file to keep one beside (PostgreSQL) and none is configured. Webhooks
// are then recorded straight in the store (recordOrKeep), and the spool
// keeps only what the store cannot record yet, until the process ends.
func (s *Server) spoolInMemory() bool {
	return s.cfg.SpoolPath == "" && s.cfg.Store.Path() == ""
}

// keep writes a webhook's form, received at received, to the spool, to be
// recorded by the applier; when it returns nil, the webhook is safe on
// disk.
func (s *Server) keep(ctx context.Context, kind string, form url.Values, received time.Time) error {
	sp, err := s.spooled(ctx)
	if err != nil {
		return err
	}
	return sp.Add(ctx, kind, form, received)
}

// recordOrKeep records a webhook with record if the store takes it
// within inboundWait, and else keeps it in the spool for the applier: a
// webhook posted once (a text, a one-click unsubscribe) must not be lost
// to a busy store. It says whether the webhook was kept; its error is
// record's Invalid, or that of a webhook neither recorded nor kept.
func (s *Server) recordOrKeep(ctx context.Context, kind string, form url.Values, received time.Time, record spoolRecorder) (kept bool, err error) {
	wait, cancel := context.WithTimeout(ctx, inboundWait)
	err = record(wait, form, received)
	cancel()
	if err == nil || notices.ErrorCode(err) == notices.Invalid {
		return false, err
	}
	if kerr := s.keep(ctx, kind, form, received); kerr != nil {
		return false, fmt.Errorf("%w; not kept either: %v", err, kerr)
	}
	if notices.ErrorCode(err) == notices.NotFound {
		s.log.Info("web: a webhook about something not recorded yet; it is kept and tried again", "kind", kind, "err", err)
	} else {
		s.log.Warn("web: the store cannot take a webhook now; it is kept and recorded when it can", "kind", kind, "err", err)
	}
	return true, nil
}

// inboundWait is how long a webhook posted once waits for the store
// before it is spooled instead: well inside the 15 s Twilio waits for an
// answer.
const inboundWait = 5 * time.Second

// startSpool runs the applier until ctx ends or the returned function is
// called, which waits for it and closes the spool.
func (s *Server) startSpool(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := s.runSpool(ctx); err != nil {
			s.log.Error("web: webhooks accepted are not being recorded", "err", err)
		}
	}()
	return func() {
		cancel()
		<-done
		s.closeSpool()
	}
}

// closeSpool closes the spool if it is open; the next use opens it again.
func (s *Server) closeSpool() {
	s.spool.mu.Lock()
	defer s.spool.mu.Unlock()
	if s.spool.sp != nil {
		if n, err := s.spool.sp.Len(context.Background()); err == nil && n > 0 && s.spoolInMemory() {
			s.log.Warn("web: webhooks the store could not record yet are dropped at stop (with PostgreSQL they are kept in memory only)", "count", n)
		}
		s.spool.sp.Close()
		s.spool.sp = nil
	}
}

// runSpool records what the spool holds, then what comes, until ctx ends.
// After a store failure it waits (doubling up to spoolMaxWait) before
// trying again, whatever arrives meanwhile.
func (s *Server) runSpool(ctx context.Context) error {
	sp, err := s.openSpool(ctx)
	if err != nil || sp == nil {
		return err
	}
	if n, err := sp.Len(ctx); err == nil && n > 0 {
		s.log.Info("web: recording the webhooks kept from before", "count", n)
	}
	storeWait := time.Duration(0)
	for {
		wait := time.Minute // idle: look now and then all the same
		if s.applyDue(ctx, sp) {
			storeWait = min(max(2*storeWait, spoolFirst), spoolMaxWait)
			wait = storeWait
		} else {
			storeWait = 0
			if at, ok, err := sp.Next(ctx); err != nil {
				wait = spoolMaxWait
			} else if ok {
				wait = min(max(time.Until(at), 0), time.Minute)
			}
		}
		timer := time.NewTimer(wait)
		added := sp.Added()
		if storeWait > 0 {
			added = nil
		}
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-added:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// openSpool opens the spool for the applier, trying again while it
// cannot (a full disk, a folder not writable yet), the wait doubling up
// to spoolMaxWait: the webhooks kept once it can be opened must not wait
// for the next start. It returns nil, nil when ctx ends first.
func (s *Server) openSpool(ctx context.Context) (*spool.Spool, error) {
	wait := spoolFirst
	for {
		sp, err := s.spooled(ctx)
		if err == nil || ctx.Err() != nil {
			return sp, nil
		}
		s.log.Error("web: the webhook spool cannot be opened; it is tried again", "err", err, "in", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, nil
		case <-t.C:
		}
		wait = min(2*wait, spoolMaxWait)
	}
}

// applyDue records the entries due now and reports whether it stopped on
// a store failure (the rest wait for the store to recover).
func (s *Server) applyDue(ctx context.Context, sp *spool.Spool) (storeFailed bool) {
	recorders := s.spoolRecorders()
	for ctx.Err() == nil {
		entries, err := sp.Due(ctx, time.Now(), spoolBatch)
		if err != nil {
			s.log.Error("web: the webhook spool cannot be read", "err", err)
			return true
		}
		var done []int64
		for _, e := range entries {
			finished, failed := s.applyEntry(ctx, sp, recorders[e.Kind], e)
			if finished {
				done = append(done, e.ID)
			}
			if failed {
				storeFailed = true
				break
			}
		}
		if err := sp.Done(ctx, done...); err != nil {
			s.log.Error("web: recorded webhooks stay in the spool (they are recorded again, which changes nothing)", "err", err)
			return true
		}
		if storeFailed || len(entries) < spoolBatch {
			return storeFailed
		}
	}
	return false
}

// applyEntry records e, and says whether it is finished with (recorded or
// given up) and whether the store failed.
func (s *Server) applyEntry(ctx context.Context, sp *spool.Spool, record spoolRecorder, e spool.Entry) (finished, storeFailed bool) {
	if record == nil {
		s.log.Error("web: a spooled webhook of a kind this crier does not know; dropped", "kind", e.Kind, "entry", e.ID)
		return true, false
	}
	err := record(ctx, e.Form, e.Received)
	switch code := notices.ErrorCode(err); {
	case err == nil:
		return true, false
	case code == notices.Invalid:
		s.log.Warn("web: a webhook that cannot be recorded; dropped", "kind", e.Kind, "err", err)
		return true, false
	case code == notices.NotFound && time.Since(e.Received) >= s.patience():
		s.log.Warn("web: a webhook about something Crier has no record of; given up", "kind", e.Kind,
			"waited", time.Since(e.Received).Round(time.Second), "err", err)
		return true, false
	case code == notices.NotFound:
		return s.later(ctx, sp, e, err), false
	}
	if ctx.Err() != nil {
		return false, true // stopping: it stays for the next start
	}
	s.log.Warn("web: the store cannot record a webhook now; it is kept and tried again", "kind", e.Kind, "attempts", e.Attempts+1, "err", err)
	s.later(ctx, sp, e, err)
	return false, true
}

// later makes e due again after a wait that doubles with each attempt; it
// reports false: the entry is not finished with.
func (s *Server) later(ctx context.Context, sp *spool.Spool, e spool.Entry, why error) bool {
	wait := spoolFirst << min(e.Attempts, 10)
	if err := sp.Later(ctx, e.ID, time.Now().Add(min(wait, spoolMaxWait)), why.Error()); err != nil {
		s.log.Error("web: a spooled webhook's next attempt not kept (it is tried again at once)", "err", err)
	}
	return false
}

func (s *Server) patience() time.Duration {
	if s.spool.patience > 0 {
		return s.spool.patience
	}
	return spoolPatience
}

// errInvalid is the error a recorder returns for a webhook that can never
// be recorded.
func errInvalid(format string, args ...any) error {
	return &notices.Error{Code: notices.Invalid, Message: fmt.Sprintf(format, args...)}
}
