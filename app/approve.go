package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/crier-notices/crier/notices"
)

// holdForApproval stores the draft awaiting a second coordinator's
// approval when it reaches more than App.ApprovalOver contacts (held),
// publishing nothing, and records "approval-requested".
func (a *App) holdForApproval(ctx context.Context, d *Draft) (sent Sent, held bool, err error) {
	n := d.Notice
	res, err := a.Store.ResolveFor(ctx, n.Audience, notices.NoticeCategory(d.Family.Original.Category, n.Urgency))
	if err != nil || res.Contacts <= a.ApprovalOver {
		return Sent{}, false, err
	}
	actor := ActorOf(ctx)
	ask := notices.Approval{NoticeID: d.DraftID, RequestedBy: actor.String(), Requester: person(actor), Recipients: res.Contacts}
	id, err := a.storeAwaiting(ctx, d, ask)
	if err != nil {
		return Sent{}, true, err
	}
	sent = Sent{ID: id, Status: notices.Draft, AwaitingApproval: true}
	return sent, true, a.audit(ctx, "approval-requested", noticeSubject(id),
		fmt.Sprintf("%s to %d contacts, over the %d that need a second coordinator", d.Family.Name, res.Contacts, a.ApprovalOver))
}

// storeAwaiting stores the draft as a notice that waits for approval ask,
// a new one in one transaction with d.Key, and returns its id.
func (a *App) storeAwaiting(ctx context.Context, d *Draft, ask notices.Approval) (int64, error) {
	if d.DraftID == 0 {
		id, _, err := a.Store.Create(ctx, notices.NewNotice{Notice: d.Notice, Key: d.Key, Approval: &ask})
		return id, err
	}
	// A notice awaiting approval is refused by the store: what a second
	// coordinator is asked to approve does not change under them.
	if err := a.Store.ReplaceDraft(ctx, d.DraftID, d.Notice); err != nil {
		return 0, err
	}
	return d.DraftID, a.Store.RequestApproval(ctx, ask)
}

// person names who acts whatever the way, for the two-person rule: a
// console user and the unix user of the same name are one person; an API
// token is its own.
func person(a Actor) string {
	if a.Via == "api" {
		return "token " + strings.ToLower(a.Name)
	}
	return strings.ToLower(a.Name)
}

// Approve is the second coordinator's approval of notice id, which waits
// for one (Send held it): it is published as Send would have (queued now,
// or scheduled for its send time), the running dispatchers are woken, and
// the audit log records "approve" and then "send" or "schedule".
//
// Errors: notices' NotFound; Conflict when the actor is not a coordinator
// or an admin, when the actor is who sent it ("a second coordinator must
// approve"), and when it does not wait for approval.
func (a *App) Approve(ctx context.Context, id int64) (Sent, error) {
	actor := ActorOf(ctx)
	if !actor.Role.Allows(notices.RoleCoordinator) {
		return Sent{}, &notices.Error{Code: notices.Conflict, Message: fmt.Sprintf("%s is a %s: only a coordinator or an admin may approve a notice", actor, actor.Role)}
	}
	n, err := a.Store.Notice(ctx, id)
	if err != nil {
		return Sent{}, err
	}
	fam, err := a.Library.Family(n.Template)
	if err != nil {
		return Sent{}, err
	}
	if err := a.Store.Approve(ctx, id, person(actor), actor.String()); err != nil {
		return Sent{}, err
	}
	if err := a.audit(ctx, "approve", noticeSubject(id), n.Template); err != nil {
		a.Store.Unapprove(ctx, id)
		return Sent{}, err
	}
	sent, err := a.publish(ctx, id, fam, "approved by "+actor.String()+": ")
	if err != nil && sent.Status == "" {
		// Nothing went out: it waits for approval still.
		a.Store.Unapprove(ctx, id)
	}
	return sent, err
}
