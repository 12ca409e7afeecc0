package scheduler

import (
	"context"
	"time"

	"github.com/crier-notices/crier/notices"
)

// Queue is what the dispatcher asks of the store: the deliveries it
// claims, renews and records, and the notices' states it follows.
// *notices.Store is the one crier serve and crier dispatch pass; each
// method's doc is the store's.
type Queue interface {
	noticeReader

	// The deliveries: claimed under a lease, renewed, rechecked, recorded
	// and released.
	Claim(ctx context.Context, ch notices.Channel, worker string, scope notices.ClaimScope, limit int, lease time.Duration) ([]notices.Delivery, error)
	NextDue(ctx context.Context, ch notices.Channel, worker string, scope notices.ClaimScope) (due time.Time, ok bool, err error)
	RenewClaims(ctx context.Context, worker string, lease time.Duration) ([]int64, error)
	Recheck(ctx context.Context, id int64, worker string, lease time.Duration) (notices.ClaimState, error)
	HeldUnreachable(ctx context.Context, worker string) ([]int64, error)
	Record(ctx context.Context, worker string, outs []notices.Outcome) (applied []bool, err error)
	ReleaseClaims(ctx context.Context, worker string) (int, error)
	Claimants(ctx context.Context) ([]string, error)
	SuppressFound(ctx context.Context, address string, reason notices.SuppressionReason, note, by string, noticeID int64) (sup notices.Suppression, added bool, err error)

	// The notices: their states, the scheduled ones to publish, the
	// print jobs.
	NoticeStates(ctx context.Context, ids []int64) (cancelled map[int64]bool, paused map[int64][]notices.Channel, err error)
	NoticePending(ctx context.Context, id int64, chs ...notices.Channel) (bool, error)
	PendingExcept(ctx context.Context, held map[notices.Channel]notices.ClaimScope, chs ...notices.Channel) (bool, error)
	PauseChannel(ctx context.Context, id int64, ch notices.Channel, reason string) error
	StartDue(ctx context.Context) ([]int64, error)
	FinishDone(ctx context.Context) ([]int64, error)
	DueScheduled(ctx context.Context) ([]int64, error)
	NextScheduled(ctx context.Context) (at time.Time, ok bool, err error)
	Publish(ctx context.Context, id int64, fam notices.Template, defaultLang string) (notices.PublishSummary, error)
	PauseUnpublished(ctx context.Context, id int64, reason string) (paused bool, err error)
	PrintDue(ctx context.Context) ([]int64, error)
	PrintDone(ctx context.Context, noticeID int64) error
}

// noticeReader reads a notice: what the renderings start from.
type noticeReader interface {
	Notice(ctx context.Context, id int64) (notices.Notice, error)
}

// CampaignStore is what the Campaigner asks of the store: the campaigns,
// and each firing recorded once, published or missed.
type CampaignStore interface {
	Campaigns(ctx context.Context) ([]notices.Campaign, error)
	PublishRun(ctx context.Context, c notices.Campaign, scheduledAt time.Time, fam notices.Template, defaultLang string) (sum notices.PublishSummary, published bool, err error)
	MissRun(ctx context.Context, c notices.Campaign, scheduledAt time.Time, note string) error
	CheckedUntil(ctx context.Context, id int64, t time.Time) error
}

var (
	_ Queue         = (*notices.Store)(nil)
	_ CampaignStore = (*notices.Store)(nil)
)
