package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// Sent is what Send (or Approve) did with a notice.
type Sent struct {
	ID      int64
	Status  notices.NoticeStatus // Sending, Scheduled, Done; Draft while it awaits approval
	Summary notices.PublishSummary
	Woken   []string // the running dispatchers told at once; none: nobody sends it until one runs
	// AwaitingApproval: the notice reaches more than App.ApprovalOver
	// recipients, so it is stored and waits for a second coordinator's
	// Approve; nothing is published.
	AwaitingApproval bool
}

// Send stores the draft as a notice (or replaces the saved draft it was
// composed from) and publishes it, a new notice in the transaction that
// stores it (with d.Key): its deliveries queued now, or, with a send time
// to come, scheduled; the running dispatchers are woken, and the audit
// log records "send" or "schedule". A notice reaching more than
// App.ApprovalOver contacts is stored awaiting approval instead and
// publishes nothing ("approval-requested").
//
// Errors: an *InvalidError on "audience" as Preview's; notices' errors of
// creating and publishing (NotFound for a list that does not exist,
// Conflict for a saved draft already published, *KeyTakenError and
// ErrKeyAtWork for d.Key).
func (a *App) Send(ctx context.Context, d *Draft) (Sent, error) {
	if err := checkAudience(d); err != nil {
		return Sent{}, err
	}
	if a.ApprovalOver > 0 {
		if sent, held, err := a.holdForApproval(ctx, d); held || err != nil {
			return sent, err
		}
	}
	if d.DraftID != 0 {
		// A notice awaiting approval is refused by the store: what a
		// second coordinator is asked to approve does not change under them.
		if err := a.Store.ReplaceDraft(ctx, d.DraftID, d.Notice); err != nil {
			return Sent{}, err
		}
		return a.publish(ctx, d.DraftID, d.Family, "")
	}
	id, sum, err := a.Store.Create(ctx, notices.NewNotice{Notice: d.Notice, Key: d.Key, Publish: d.Family, DefaultLanguage: a.DefaultLanguage})
	if err != nil {
		return Sent{}, err
	}
	return a.published(ctx, id, sum, d.Family, "")
}

// publish publishes the stored notice id of template family fam, then
// does what published says.
func (a *App) publish(ctx context.Context, id int64, fam *templates.Family, why string) (Sent, error) {
	sum, err := a.Store.Publish(ctx, id, fam, a.DefaultLanguage)
	if err != nil {
		return Sent{ID: id}, err
	}
	return a.published(ctx, id, sum, fam, why)
}

// published wakes the running dispatchers for notice id, which
// publishing did sum to (they send it now, or set their alarm for its
// send time), and records it in the audit log as "send" or "schedule",
// after the word why ("approved by ana: ") when given.
func (a *App) published(ctx context.Context, id int64, sum notices.PublishSummary, fam *templates.Family, why string) (Sent, error) {
	sent := Sent{ID: id, Status: sum.Status, Summary: sum, Woken: a.wake(ctx)}
	action, detail := "send", counts(sum)
	if sum.Status == notices.Scheduled {
		action, detail = "schedule", "at "+sum.Due.UTC().Format("2006-01-02 15:04 UTC")+": "+detail
	}
	return sent, a.audit(ctx, action, noticeSubject(id), why+fam.Name+", "+detail)
}

// counts says how many messages a publishing made on each channel: queued,
// or, for a scheduled notice, reached now.
func counts(sum notices.PublishSummary) string {
	var parts []string
	for _, ch := range sum.Channels {
		n := ch.Queued
		if sum.Status == notices.Scheduled {
			n = ch.Reached
		}
		parts = append(parts, fmt.Sprintf("%s %d", ch.Channel, n))
	}
	return strings.Join(parts, ", ")
}

// noticeSubject is how the audit log names notice id.
func noticeSubject(id int64) string { return fmt.Sprintf("notice %d", id) }
