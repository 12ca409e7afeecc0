package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/crier-notices/crier/notices"
)

// Cancel cancels notice id: every delivery still queued is cancelled (those
// a dispatcher holds end cancelled when it hands them back, unless being
// sent at that moment); a notice already done is withdrawn, its page,
// feeds and CAP document saying so. It returns the deliveries cancelled,
// wakes the running dispatchers (one may sleep until the notice's send
// time) and records "cancel" in the audit log. Errors: notices' NotFound,
// and Conflict for a notice already cancelled.
func (a *App) Cancel(ctx context.Context, id int64) (int, error) {
	n, err := a.Store.CancelNotice(ctx, id)
	if err != nil {
		return 0, err
	}
	a.wake(ctx)
	return n, a.audit(ctx, "cancel", noticeSubject(id), fmt.Sprintf("%d queued deliveries cancelled", n))
}

// Resumed is what ResumeChannels did.
type Resumed struct {
	Lifted []notices.Pause // the pauses lifted, each with why it was paused
	Woken  []string        // the running dispatchers told to go on
}

// Resume lets every paused channel of notice id go on once the cause is
// fixed, and returns how many were paused; see ResumeChannels.
func (a *App) Resume(ctx context.Context, id int64) (int, error) {
	r, err := a.ResumeChannels(ctx, id)
	return len(r.Lifted), err
}

// ResumeChannels lifts the pauses of notice id on chs (none: on every
// channel), wakes the running dispatchers and records "resume" in the
// audit log. Errors: those of notices.Store.Resume (NotFound; Conflict for
// a notice that cannot go on).
func (a *App) ResumeChannels(ctx context.Context, id int64, chs ...notices.Channel) (Resumed, error) {
	lifted, err := a.Store.Resume(ctx, id, chs...)
	if err != nil {
		return Resumed{}, err
	}
	r := Resumed{Lifted: lifted, Woken: a.wake(ctx)}
	var names []string
	for _, p := range lifted {
		names = append(names, string(p.Channel))
	}
	return r, a.audit(ctx, "resume", noticeSubject(id), strings.Join(names, ", "))
}

// Reschedule moves scheduled notice id, not yet gone out, to at, wakes the
// running dispatchers (they set their alarm again) and records
// "reschedule". Errors: an *InvalidError on "at" for a time past;
// notices' NotFound, and Conflict for a notice not waiting for its time.
func (a *App) Reschedule(ctx context.Context, id int64, at time.Time) error {
	if at.IsZero() {
		return Invalid("the notice cannot be rescheduled", Problem{"at", "give the new send time"})
	}
	if p, ok := a.pastProblem(at); ok {
		return Invalid("the notice cannot be rescheduled", p)
	}
	before, err := a.Store.Notice(ctx, id)
	if err != nil {
		return err
	}
	if err := a.Store.RescheduleNotice(ctx, id, at); err != nil {
		return err
	}
	a.wake(ctx)
	return a.audit(ctx, "reschedule", noticeSubject(id), fmt.Sprintf("from %s to %s",
		before.SendAt.UTC().Format("2006-01-02 15:04 UTC"), at.UTC().Format("2006-01-02 15:04 UTC")))
}

// Report is what became of notice id on each channel. Errors: notices'
// NotFound.
func (a *App) Report(ctx context.Context, id int64) (notices.Report, error) {
	return a.Store.Report(ctx, id)
}

// SaveDraft stores the notice as asked as a draft, its values unchecked
// (a coordinator may save one half written), and returns its id; with
// req.DraftID it replaces that saved draft. Send of a request composed with
// the DraftID publishes it. The audit log records "draft". Errors: an
// *InvalidError on "template" for a template that does not exist and on
// "channels" without a good one; notices' errors (Conflict for a DraftID
// no longer a draft).
func (a *App) SaveDraft(ctx context.Context, req NoticeRequest) (int64, error) {
	fam, err := a.Library.Family(req.Template)
	if err != nil {
		return 0, Invalid("the draft cannot be saved", Problem{"template", err.Error()})
	}
	if ps := channelProblems(req.Channels); len(ps) > 0 {
		return 0, Invalid("the draft cannot be saved", ps...)
	}
	urgency, _ := UrgencyOf(req.Urgency, fam)
	n := notices.Notice{Template: fam.Name, Values: req.Values, Languages: req.Languages, Channels: req.Channels,
		Urgency: urgency, SendAt: req.At, Audience: req.Audience}
	id := req.DraftID
	if id == 0 {
		id, _, err = a.Store.Create(ctx, notices.NewNotice{Notice: n, Key: req.Key})
	} else {
		err = a.Store.ReplaceDraft(ctx, id, n)
	}
	if err != nil {
		return 0, err
	}
	return id, a.audit(ctx, "draft", noticeSubject(id), fam.Name)
}
