package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/crier-notices/crier/internal/logs"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
)

// dispatchCmd is `crier dispatch`: send what is queued, until nothing is
// left, with each channel's progress.
type dispatchCmd struct {
	Verbose bool `short:"v" help:"Log at debug level: each retry and outcome (addresses shortened)."`
}

func (c dispatchCmd) Run(e *env) error {
	cfg, lib, err := e.library()
	if err != nil {
		return err
	}
	u, err := cfg.LoadUtility()
	if err != nil {
		return err
	}
	dc, closeSenders, err := cfg.DispatchConfig(lib, u)
	if err != nil {
		return err
	}
	defer closeSenders()
	s, err := cfg.Store(context.Background())
	if err != nil {
		return err
	}
	defer s.Close()
	level := slog.LevelWarn
	if c.Verbose {
		level = slog.LevelDebug
	}
	dc.Log = logs.New(e.stderr, "text", level)
	d, err := scheduler.New(s, dc)
	if err != nil {
		return err
	}
	for _, line := range cfg.ChannelLines() {
		fmt.Fprintln(e.stdout, line)
	}

	// Ctrl-C or SIGTERM: stop taking messages, finish those in flight,
	// put the rest back for the next run.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	bar := newDispatchProgress(e.stdout, s, d)
	done := make(chan struct{})
	go bar.run(ctx, done)
	err = d.Drain(ctx)
	close(done)
	bar.wait()
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		fmt.Fprintln(e.stdout, "stopped: what was not sent stays queued for the next crier dispatch")
		return &exitError{code: 130, err: errors.New("interrupted")}
	}
	if end := dc.QuietHours.Until(time.Now()); !end.IsZero() {
		if held, err := s.QuietHeld(context.Background()); err == nil && held > 0 {
			fmt.Fprintf(e.stdout, "quiet hours: %d text message(s) of normal notices wait until %s (crier serve sends them then, or run crier dispatch again)\n",
				held, end.In(u.Location).Format("15:04 Monday"))
		}
	}
	pauses, err := s.Pauses(context.Background(), 0)
	if err != nil {
		return err
	}
	if len(pauses) > 0 {
		var lines []string
		for _, p := range pauses {
			lines = append(lines, fmt.Sprintf("notice %d: %s paused: %s\n  fix the cause, then: crier notices resume %d", p.NoticeID, p.Channel, p.Reason, p.NoticeID))
		}
		return &exitError{code: 1, err: fmt.Errorf("some channels are paused and their deliveries wait:\n%s", strings.Join(lines, "\n"))}
	}
	return nil
}

// dispatchProgress shows each channel's progress: bars redrawn in place on
// a terminal, a line every five seconds otherwise, and the totals at the end.
type dispatchProgress struct {
	w        io.Writer
	tty      bool
	store    *notices.Store
	d        *scheduler.Dispatcher
	finished chan struct{}
	lines    int

	counted     time.Time                 // when left was counted
	left        map[notices.Channel]int   // deliveries not final then
	doneAtCount map[notices.Channel]int64 // the dispatcher's tallies then
}

func newDispatchProgress(w io.Writer, s *notices.Store, d *scheduler.Dispatcher) *dispatchProgress {
	p := &dispatchProgress{w: w, store: s, d: d, finished: make(chan struct{})}
	if f, ok := w.(*os.File); ok {
		p.tty = isTerminal(f)
	}
	return p
}

func (p *dispatchProgress) run(ctx context.Context, done <-chan struct{}) {
	defer close(p.finished)
	every := 5 * time.Second
	if p.tty {
		every = 200 * time.Millisecond
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-done:
			p.draw(true)
			return
		case <-t.C:
			p.draw(false)
		}
	}
}

func (p *dispatchProgress) wait() { <-p.finished }

func (p *dispatchProgress) draw(final bool) {
	// What is left is counted every few seconds (a count over the queue
	// costs the store's one connection); between counts the bars move by
	// the dispatcher's own tallies.
	progress := p.d.Progress()
	if final || time.Since(p.counted) >= 5*time.Second {
		left, err := p.store.Outstanding(context.Background())
		if err != nil {
			return
		}
		p.left, p.counted = left, time.Now()
		p.doneAtCount = map[notices.Channel]int64{}
		for _, pr := range progress {
			p.doneAtCount[pr.Channel] = pr.Sent + pr.Failed + pr.Cancelled
		}
	}
	var lines []string
	for _, pr := range progress {
		done := pr.Sent + pr.Failed + pr.Cancelled
		// Deliveries queued or come due since the count can make done
		// outrun total until the next count.
		total := max(p.doneAtCount[pr.Channel]+int64(p.left[pr.Channel]), done)
		if total == 0 && pr.Retried == 0 {
			continue
		}
		line := fmt.Sprintf("%-6s %s %d/%d sent %d failed %d retried %d", pr.Channel, bar(done, total, 24), done, total, pr.Sent, pr.Failed, pr.Retried)
		lines = append(lines, line)
	}
	if p.tty && p.lines > 0 {
		fmt.Fprintf(p.w, "\033[%dA", p.lines) // back over the previous bars
	}
	for _, l := range lines {
		if p.tty {
			fmt.Fprint(p.w, "\r\033[K")
		}
		fmt.Fprintln(p.w, l)
	}
	p.lines = len(lines)
	if !p.tty {
		p.lines = 0
	}
	if final && len(lines) == 0 {
		fmt.Fprintln(p.w, "nothing to send")
	}
}

// bar draws done out of total as width characters between brackets: full
// when there is nothing to do, and never past full or below empty.
func bar(done, total int64, width int) string {
	frac := 1.0
	if total > 0 {
		frac = min(max(float64(done)/float64(total), 0), 1)
	}
	full := int(frac * float64(width))
	return "[" + strings.Repeat("#", full) + strings.Repeat(" ", width-full) + "]"
}
