package scheduler

import (
	"context"
	"fmt"
	"time"

	"github.com/crier-notices/crier/notices"
)

// pauseLate pauses scheduled notice n, found unpublished at now more than
// the grace window after its send time (Crier was down then), with the
// reason, as a campaign's firing found that late is missed: a notice is
// never sent late by surprise. It reports whether n was too late.
// crier notices resume publishes it then (its send time becomes the
// resume's), reschedule moves it.
func (d *Dispatcher) pauseLate(ctx context.Context, n notices.Notice, now time.Time) (bool, error) {
	late := now.Sub(n.SendAt)
	if n.SendAt.IsZero() || late <= d.cfg.Grace {
		return false, nil
	}
	loc := d.cfg.Utility.Location
	if loc == nil {
		loc = time.UTC
	}
	reason := fmt.Sprintf("not sent: due %s, found %s late (grace %s); crier notices reschedule %d --at TIME, or crier notices resume %d to send it now",
		n.SendAt.In(loc).Format("2006-01-02 15:04 MST"), roughDuration(late), roughDuration(d.cfg.Grace), n.ID, n.ID)
	paused, err := d.store.PauseUnpublished(ctx, n.ID, reason)
	if err != nil {
		return true, err
	}
	if paused {
		d.log.Warn("scheduled notice found late: paused", "notice", n.ID, "reason", reason)
	}
	return true, nil
}

// roughDuration writes d to the minute without zero units: 3h, 1h30m,
// 45m, 1d2h.
func roughDuration(d time.Duration) string {
	if d < time.Minute-time.Second/2 {
		return d.Round(time.Second).String() // a grace of 30s is not "1m"
	}
	d = d.Round(time.Minute)
	days, hours, mins := d/(24*time.Hour), d%(24*time.Hour)/time.Hour, d%time.Hour/time.Minute
	s := ""
	if days > 0 {
		s += fmt.Sprintf("%dd", days)
	}
	if hours > 0 {
		s += fmt.Sprintf("%dh", hours)
	}
	if mins > 0 {
		s += fmt.Sprintf("%dm", mins)
	}
	return s
}
