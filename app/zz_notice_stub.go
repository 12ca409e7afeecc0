package app

// TEMPORARY (part NOTICE): the SEND contract of /work/notes/parts13.md,
// so that the console's pages build before h13-send is merged. Removed in
// the merge of h13-send.

import (
	"context"
	"errors"

	"github.com/crier-notices/crier/notices"
)

type ProofSent struct {
	To         []notices.ProofAddress
	Suppressed []notices.Suppression
	Woken      []string
}

var errStub = errors.New("h13-send not merged yet")

func (a *App) SaveDraft(ctx context.Context, req NoticeRequest) (int64, error) {
	fam, err := a.Library.Family(req.Template)
	if err != nil {
		return 0, Invalid("the draft cannot be saved", Problem{"template", err.Error()})
	}
	if p, ok := channelsProblem(req.Channels); ok {
		return 0, Invalid("the draft cannot be saved", p)
	}
	urgency, _ := UrgencyOf(req.Urgency, fam)
	n := notices.Notice{Template: fam.Name, Values: req.Values, Languages: req.Languages, Channels: req.Channels,
		Urgency: urgency, SendAt: req.At, Audience: req.Audience}
	id := req.DraftID
	if id == 0 {
		id, err = a.Store.CreateNotice(ctx, n)
	} else {
		err = a.Store.ReplaceDraft(ctx, id, n)
	}
	if err != nil {
		return 0, err
	}
	return id, a.audit(ctx, "draft", noticeSubject(id), fam.Name)
}
func (a *App) SendProof(ctx context.Context, d *Draft, to []string) (ProofSent, error) {
	return ProofSent{}, errStub
}
func (a *App) Cancel(ctx context.Context, id int64) (int, error)   { return 0, errStub }
func (a *App) Resume(ctx context.Context, id int64) (int, error)   { return 0, errStub }
func (a *App) Approve(ctx context.Context, id int64) (Sent, error) { return Sent{}, errStub }
func (a *App) Report(ctx context.Context, id int64) (notices.Report, error) {
	return notices.Report{}, errStub
}
