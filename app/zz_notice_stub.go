package app

// TEMPORARY (part NOTICE): the SEND contract of /work/notes/parts13.md,
// so that the console's pages build before h13-send is merged. Removed in
// the merge of h13-send.

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

type NoticeRequest struct {
	Template  string
	Values    templates.Values
	Languages []string
	Channels  []notices.Channel
	Audience  notices.Audience
	All       bool
	Urgency   notices.Urgency
	At        time.Time
	DraftID   int64
}

type Draft struct {
	Notice     notices.Notice
	Family     *templates.Family
	All        bool
	DraftID    int64
	Why        string
	Date       time.Time
	Renderings []*templates.Rendering
	Warnings   []string
}

type Preview struct {
	Resolution  notices.Resolution
	Fallbacks   []notices.LanguageFallback
	Total       int
	UrgencyLine string
	QuietNote   string
	Channels    map[notices.Channel]string
}

type Sent struct {
	ID               int64
	Status           notices.NoticeStatus
	Summary          notices.PublishSummary
	Woken            []string
	AwaitingApproval bool
}

type ProofSent struct{ ID int64 }

var errStub = errors.New("h13-send not merged yet")

func ParseChannels(s string) ([]notices.Channel, error) {
	var chs []notices.Channel
	for _, w := range strings.Split(s, ",") {
		chs = append(chs, notices.Channel(strings.TrimSpace(w)))
	}
	return chs, nil
}

func (a *App) Compose(ctx context.Context, req NoticeRequest) (*Draft, error) { return nil, errStub }
func (a *App) Preview(ctx context.Context, d *Draft) (*Preview, error)        { return nil, errStub }
func (a *App) Send(ctx context.Context, d *Draft) (Sent, error)               { return Sent{}, errStub }
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
