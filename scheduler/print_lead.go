package scheduler

import (
	"context"

	"github.com/crier-notices/crier/notices"
)

// printRole is the role (Leadership) of the dispatcher that writes the
// print jobs: one at a time among the processes of a database, so that a
// notice's letters are written whole, in one print_dir, never split
// between instances that each claimed part of them.
const printRole = "print"

// printDue writes the print jobs that are due, on lane l. With a store
// that elects (Leadership: PostgreSQL, where crier serve may run on
// several machines), only the dispatcher that takes printRole does, the
// others skip them this round; the due jobs are read again under the
// role, so one another instance finished meanwhile is not written twice.
func (d *Dispatcher) printDue(ctx context.Context, l *lane) error {
	ids, err := d.store.PrintDue(ctx)
	if err != nil || len(ids) == 0 {
		return err
	}
	if elect, ok := d.store.(Leadership); ok {
		lead, err := elect.TryLead(ctx, printRole)
		if err != nil || lead == nil {
			return err
		}
		defer lead.Release()
		if ids, err = d.store.PrintDue(ctx); err != nil {
			return err
		}
		return d.printJobs(ctx, l, ids, lead)
	}
	return d.printJobs(ctx, l, ids, nil)
}

// printJobs writes the print jobs ids while lead (if any) is held, each
// retried after a backoff when it fails.
func (d *Dispatcher) printJobs(ctx context.Context, l *lane, ids []int64, lead notices.Lead) error {
	now := d.cfg.Now()
	for _, id := range ids {
		retry := d.printRetry[id]
		if now.Before(retry.at) {
			continue
		}
		if lead != nil {
			if err := lead.Held(ctx); err != nil {
				d.log.Warn("print jobs left to another instance: this one no longer holds the print role", "err", err)
				return nil
			}
		}
		if err := d.print(ctx, l, id); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			retry.wait = min(max(2*retry.wait, d.cfg.Backoff), d.cfg.MaxBackoff)
			retry.at = now.Add(retry.wait)
			d.printRetry[id] = retry
			d.log.Error("print documents not written; will try again", "notice", id, "in", retry.wait, "err", err)
			continue
		}
		delete(d.printRetry, id)
	}
	return nil
}
