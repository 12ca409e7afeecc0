package scheduler

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crier-notices/crier/notices"
)

// Service is crier serve's work: it fires the campaigns at their times and
// runs the dispatcher, waking it the moment a firing publishes a notice.
// Every process dispatches; of the processes sharing a database one fires
// the campaigns, elected by Leadership.
type Service struct {
	Dispatcher *Dispatcher
	Campaigner *Campaigner
	// Leadership elects the process that fires the campaigns (crier serve
	// passes its store); nil: this one always does.
	Leadership Leadership
	// LeaderRetry is how often a process that does not lead tries to, and
	// a leader checks it still does; default LeaderRetry.
	LeaderRetry time.Duration
	Log         *slog.Logger
	Now         func() time.Time // default time.Now

	wakeUp   chan struct{}
	once     sync.Once
	ready    atomic.Bool
	leading  atomic.Bool
	held     notices.Lead // the lead, while this process has it (Run's)
	followed bool         // "another leads" is logged (Run's)
	// notBefore is when a process that lost the lead tries again (Run's).
	notBefore time.Time
}

// replan is the longest the campaign loop sleeps: a wall clock set forward
// or back (the firing times are wall-clock instants, the timers are not)
// is noticed within it.
const replan = time.Minute

func (s *Service) init() {
	s.once.Do(func() {
		s.wakeUp = make(chan struct{}, 1)
		if s.Now == nil {
			s.Now = time.Now
		}
		if s.Log == nil {
			s.Log = slog.New(slog.DiscardHandler)
		}
	})
}

// Wake makes the service look at once at the queue and the campaigns:
// another process published, rescheduled or resumed something.
func (s *Service) Wake() {
	s.init()
	s.Dispatcher.Wake()
	select {
	case s.wakeUp <- struct{}{}:
	default:
	}
}

// Ready reports whether the service is running: the campaigns checked
// once (or another process found leading them) and the dispatcher
// started, and no stop begun.
func (s *Service) Ready() bool { return s.ready.Load() }

// Run works until ctx ends, then gives up the campaigns' lead, stops the
// dispatcher gracefully (see Dispatcher.Run) and returns.
func (s *Service) Run(ctx context.Context) error {
	s.init()
	dispatched := make(chan error, 1)
	go func() { dispatched <- s.Dispatcher.Run(ctx) }()
	defer s.stepDown()
	var tickAt time.Time // the next look at the campaigns (monotonic); zero: now
	for {
		wait := s.leaderRetry()
		if s.lead(ctx) {
			if !time.Now().Before(tickAt) {
				tickAt = time.Now().Add(s.tick(ctx))
			}
			if s.Leadership == nil {
				wait = time.Until(tickAt)
			} else {
				wait = min(wait, time.Until(tickAt))
			}
		} else {
			tickAt = time.Time{} // on taking the lead, look at once
		}
		s.ready.Store(true)
		t := time.NewTimer(max(wait, minWait))
		select {
		case <-ctx.Done():
			t.Stop()
			s.ready.Store(false)
			s.stepDown()
			s.Log.Info("stopping: no new claims; the sends in flight finish, the rest is put back")
			return <-dispatched
		case err := <-dispatched:
			t.Stop()
			s.ready.Store(false)
			return err
		case <-s.wakeUp:
			tickAt = time.Time{}
		case <-t.C:
		}
		t.Stop()
	}
}

// tick fires the campaigns due now, wakes the dispatcher for what they
// published, and returns how long to wait before the next look.
func (s *Service) tick(ctx context.Context) time.Duration {
	now := s.Now()
	published, err := s.Campaigner.Tick(ctx, now)
	if err != nil && ctx.Err() == nil {
		s.Log.Error("campaigns not checked; trying again", "err", err)
	}
	if len(published) > 0 {
		s.Dispatcher.Wake()
	}
	wait := replan
	now = s.Now() // the tick may have taken a while (a large audience published)
	if next, err := s.Campaigner.Next(ctx, now); err != nil {
		if ctx.Err() == nil {
			s.Log.Error("next campaign firing not found", "err", err)
		}
	} else if !next.IsZero() {
		wait = min(wait, max(next.Sub(now), minWait))
	}
	return wait
}
