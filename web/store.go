package web

import (
	"context"
	"io"
	"time"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates/category"
)

// Store is what the server asks of the store, by the parts that ask it;
// *notices.Store is the one crier serve passes. What a coordinator
// changes goes through the application core (Config.App); these are the
// server's own: its pages' reads, the console's sign-ins and audit
// entries, and what the public and Twilio post to it.
type Store interface {
	publicReads
	consoleReads
	signIns
	unsubscribes
	twilioReports
	// RecordAudit keeps what a console user did (console_core.go).
	RecordAudit(ctx context.Context, e notices.AuditEntry) error
	// Path is the database's file, beside which the spool is kept; ""
	// for a store without one.
	Path() string
}

// publicReads are the public notice pages', the feeds' and the proofs'.
type publicReads interface {
	PublicNotice(ctx context.Context, code string, now time.Time) (notices.Notice, error)
	EachPublicNotice(ctx context.Context, now time.Time, fn func(notices.Notice) bool) error
	ProofByCode(ctx context.Context, code string) (notices.Notice, error)
}

// consoleReads are what the console's pages show.
type consoleReads interface {
	Notice(ctx context.Context, id int64) (notices.Notice, error)
	Notices(ctx context.Context) ([]notices.Notice, error)
	Report(ctx context.Context, id int64) (notices.Report, error)
	EachDelivery(ctx context.Context, noticeID int64, fn func(notices.Delivery) error) error
	EachFailure(ctx context.Context, noticeID int64, fn func(notices.Delivery) error) error
	WriteDeliveriesCSV(ctx context.Context, w io.Writer, id int64, loc *time.Location) error
	AwaitingApproval(ctx context.Context) (map[int64]bool, error)
	ApprovalOf(ctx context.Context, id int64) (notices.Approval, error)
	Campaign(ctx context.Context, name string) (notices.Campaign, error)
	Campaigns(ctx context.Context) ([]notices.Campaign, error)
	Contact(ctx context.Context, account string) (notices.Contact, error)
	SearchContacts(ctx context.Context, q string, limit int) ([]notices.Contact, error)
	ContactUse(ctx context.Context, account string) (notices.ContactUse, error)
	ContactDeliveries(ctx context.Context, id int64, limit int) ([]notices.ContactDelivery, error)
	RepliesFrom(ctx context.Context, number string, limit int) ([]notices.Reply, error)
	EachReply(ctx context.Context, q notices.ReplyQuery, fn func(notices.Reply) error) error
	Suppressed(ctx context.Context, address string) (notices.Suppression, bool, error)
	SuppressionHistory(ctx context.Context, address string) ([]notices.SuppressionEvent, error)
	EachSuppression(ctx context.Context, fn func(notices.Suppression) error) error
	Lists(ctx context.Context) ([]notices.List, error)
	List(ctx context.Context, name string) (notices.List, error)
	ListMembers(ctx context.Context, name string, limit int) ([]notices.Contact, error)
	AuditLog(ctx context.Context, limit int, before int64) ([]notices.AuditEntry, error)
	Users(ctx context.Context) ([]notices.User, error)
	UserByID(ctx context.Context, id int64) (notices.User, error)
}

// signIns are the console's sign-in, sessions and API tokens.
type signIns interface {
	CountUsers(ctx context.Context) (int, error)
	UserByName(ctx context.Context, name string) (notices.User, error)
	RehashPassword(ctx context.Context, id int64, old, new string) error
	CreateSession(ctx context.Context, userID int64) (string, error)
	SessionUser(ctx context.Context, token string, idle time.Duration) (notices.User, error)
	EndSession(ctx context.Context, token string) error
	TokenByValue(ctx context.Context, token string) (notices.APIToken, error)
}

// unsubscribes are the email links' and the preferences page's.
type unsubscribes interface {
	OpenUnsubscribeLink(ctx context.Context, deliveryID int64, token string) (notices.LinkedDelivery, error)
	OptedOut(ctx context.Context, address string) ([]category.Category, error)
	OptOut(ctx context.Context, address string, cat category.Category, noticeID int64, how string) (changed bool, err error)
	SetEmailPreferences(ctx context.Context, address string, wanted map[category.Category]bool, noticeID int64, how string) (changed bool, err error)
}

// twilioReports are what Twilio's webhooks record: delivery reports and
// customers' replies.
type twilioReports interface {
	RecordProviderReport(ctx context.Context, r notices.ProviderReport) (notices.ReportOutcome, error)
	SuppressFound(ctx context.Context, address string, reason notices.SuppressionReason, note, by string, noticeID int64) (sup notices.Suppression, added bool, err error)
	RecordInbound(ctx context.Context, in notices.InboundText) (notices.InboundResult, error)
}

// adminStore is what the admin endpoints and WakeServers ask of the
// store.
type adminStore interface {
	Ping(ctx context.Context) error
	Servers(ctx context.Context) ([]notices.Server, error)
}

var (
	_ Store      = (*notices.Store)(nil)
	_ adminStore = (*notices.Store)(nil)
)
