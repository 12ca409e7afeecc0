package scheduler

import (
	"context"
	"time"

	"github.com/crier-notices/crier/notices"
)

// Leadership elects, among the crier serve processes sharing a database,
// the one whose campaigner fires the campaigns (*notices.Store is one:
// an advisory lock on PostgreSQL; on SQLite every process leads).
type Leadership interface {
	// TryLead takes the role called name without waiting: nil and no
	// error when another process holds it.
	TryLead(ctx context.Context, name string) (notices.Lead, error)
}

// campaignsRole is the name of the campaign scheduler's role.
const campaignsRole = "campaigns"

// LeaderRetry is how often, by default, a process that does not lead the
// campaigns tries to, and one that leads checks that it still does: a
// leader that dies is replaced within about this long, plus the time the
// database server takes to see its connection end.
const LeaderRetry = 3 * time.Second

// leaderRetry is s.LeaderRetry or its default.
func (s *Service) leaderRetry() time.Duration {
	if s.LeaderRetry > 0 {
		return s.LeaderRetry
	}
	return LeaderRetry
}

// Leading reports whether this process fires the campaigns now.
func (s *Service) Leading() bool { return s.leading.Load() }

// lead reports whether this process leads the campaigns, checking that a
// lead it holds is still held and otherwise trying to take it. Without a
// Leadership it always leads.
func (s *Service) lead(ctx context.Context) bool {
	if s.Leadership == nil {
		s.leading.Store(true)
		return true
	}
	if s.held != nil {
		err := s.held.Held(ctx)
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		// It lets the others try first: whatever ended its connection
		// may not have touched theirs.
		s.Log.Warn("campaigns: this process no longer leads them; another crier serve takes over", "worker", s.worker(), "err", err)
		s.stepDown()
		s.notBefore = time.Now().Add(2 * s.leaderRetry())
		return false
	}
	if time.Now().Before(s.notBefore) {
		return false
	}
	l, err := s.Leadership.TryLead(ctx, campaignsRole)
	switch {
	case err != nil:
		if ctx.Err() == nil {
			s.Log.Error("campaigns: cannot tell whether this process leads them; trying again", "worker", s.worker(), "in", s.leaderRetry(), "err", err)
		}
		return false
	case l == nil:
		if !s.followed {
			s.followed = true
			s.Log.Info("campaigns: another crier serve leads them; this one takes over if it stops", "worker", s.worker(), "retry", s.leaderRetry())
		}
		return false
	}
	s.held, s.followed = l, false
	s.leading.Store(true)
	s.Log.Info("campaigns: this process leads them: it fires each one due", "worker", s.worker())
	return true
}

// stepDown gives up the lead, if held.
func (s *Service) stepDown() {
	s.leading.Store(false)
	if s.held != nil {
		s.held.Release()
		s.held = nil
	}
}

// worker names this process in the log, as its dispatcher's claims do.
func (s *Service) worker() string {
	if s.Dispatcher == nil {
		return ""
	}
	return s.Dispatcher.Worker()
}
