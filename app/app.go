// Package app is Crier's application core: the use cases (compose and
// preview a notice, send or schedule it, cancel, resume, approve, report;
// campaigns; contacts' import, audience, suppressions; users) that the
// command line, the web console and the JSON API all call, so that each
// rule of sending is written once.
//
// A use case takes typed input and returns values or typed errors (an
// *InvalidError naming each bad field, or notices' NotFound and Conflict
// errors): it prints nothing and knows nothing of exit codes, terminals
// or HTTP. Who acts travels in the context (WithActor) and is written to
// the audit log with every change.
package app

import (
	"context"
	"time"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
	"github.com/crier-notices/crier/templates"
)

// App holds what the use cases need: the store, the templates and the
// settings that crier.toml gives (config.Config.App builds it).
type App struct {
	Store           *notices.Store
	Library         *templates.Library
	Utility         templates.Utility // name, phone, zone (Location) … of the utility
	DefaultLanguage string
	PublicURL       string // without a trailing slash; "" when not set
	PhoneRegion     string // for national phone numbers, e.g. "US"
	// Messages is how the dispatcher makes messages with this
	// configuration, without senders: a notice is made for a sample
	// recipient with it before anything is queued. MessagesErr says why
	// the dispatcher could not send with this configuration (a warning
	// when composing: the secrets belong to the dispatcher's environment).
	Messages    scheduler.Config
	MessagesErr error
	// ConfigErr is a mistake in crier.toml (config.Config.App's
	// *CheckError): nothing is composed with it, since the messages made
	// with a wrong file are not the ones meant. Use cases that send
	// nothing (cancel, report) go on.
	ConfigErr error
	// ChannelNames says where each channel's messages go, in words:
	// "SMTP smtp.example.org:587 (STARTTLS mandatory)", "outbox folder …".
	ChannelNames map[notices.Channel]string
	Quiet        scheduler.QuietHours // [schedule] quiet_hours
	// CampaignZone is the time zone a new campaign's schedule is read in
	// when none is given: [schedule] timezone, else [utility] timezone.
	CampaignZone string
	// ApprovalOver is the two-person rule: a notice reaching more than
	// this many recipients waits for a second coordinator's approval; 0
	// turns the rule off.
	ApprovalOver int
	// Wake tells the dispatchers at work (crier serve) to look at the
	// queue now, and returns who answered; nil: nobody is told.
	Wake func(context.Context) []string
	// Senders is the dispatcher's configuration with its senders (SMTP
	// sessions, the Twilio client) and what closes them, for SendProof to
	// send proofs itself when no dispatcher answers Wake; nil: proofs wait
	// for a dispatcher.
	Senders func() (scheduler.Config, func() error, error)
	Now     func() time.Time // nil: time.Now
}

// now is the app's clock.
func (a *App) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// wake tells the dispatchers at work to look at the queue now.
func (a *App) wake(ctx context.Context) []string {
	if a.Wake == nil {
		return nil
	}
	return a.Wake(ctx)
}

// Actor is who acts: a console user, an API token, or the command line.
type Actor struct {
	Name   string       // the user's or the token's name; the unix user for the CLI
	Role   notices.Role // what they may do
	UserID int64        // the console user's id; 0 for a token or the CLI
	Via    string       // "console", "api" or "cli"
}

// String is how the audit log names the actor.
func (a Actor) String() string {
	switch a.Via {
	case "api":
		return "token " + a.Name
	case "cli":
		return "cli (" + a.Name + ")"
	}
	return a.Name
}

type actorKey struct{}

// WithActor returns ctx carrying who acts.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorOf returns who acts in ctx; with none, the command line's unknown
// user, so that nothing goes unrecorded.
func ActorOf(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{Name: "unknown", Role: notices.RoleAdmin, Via: "cli"}
}

// audit records in the audit log that the actor in ctx did action to
// subject. The change is made by then, so a failure to record it is
// returned for the caller to report, not to undo.
func (a *App) audit(ctx context.Context, action, subject, detail string) error {
	return a.Store.RecordAudit(ctx, notices.AuditEntry{
		At: a.now(), Actor: ActorOf(ctx).String(), Action: action, Subject: subject, Detail: detail,
	})
}
