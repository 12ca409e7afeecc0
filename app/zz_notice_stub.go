package app

// TEMPORARY (part NOTICE): the SEND contract of /work/notes/parts13.md,
// so that the console's pages build before h13-send is merged. Removed in
// the merge of h13-send.

import (
	"context"
	"errors"

	"github.com/crier-notices/crier/notices"
)

type ProofSent struct{ ID int64 }

var errStub = errors.New("h13-send not merged yet")

func (a *App) SaveDraft(ctx context.Context, req NoticeRequest) (int64, error) {
	return 0, errStub
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
