package app

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
)

func as(name string, role notices.Role, via string) context.Context {
	return WithActor(context.Background(), Actor{Name: name, Role: role, Via: via})
}

// TestASecondCoordinatorMustApprove is acceptance 5: a notice over the
// threshold waits, publishing nothing; the coordinator who sent it cannot
// approve it, whichever way they come; a second one can, and it goes.
func TestASecondCoordinatorMustApprove(t *testing.T) {
	a := testApp(t)
	a.ApprovalOver = 2
	addContacts(t, a, "north", 3)
	ana := as("ana", notices.RoleCoordinator, "console")
	sent := sendAdvisory(t, a, ana, time.Time{})
	if !sent.AwaitingApproval || sent.Status != notices.Draft || sent.Summary.Queued() != 0 {
		t.Fatalf("sent %+v, want it awaiting approval with nothing queued", sent)
	}
	if r, err := a.Report(ana, sent.ID); err != nil || len(r.Channels) != 0 && r.Channels[0].Total != 0 {
		t.Errorf("report of a notice awaiting approval: %+v (%v), want no delivery", r, err)
	}

	for _, who := range []context.Context{ana, as("ANA", notices.RoleAdmin, "cli")} {
		_, err := a.Approve(who, sent.ID)
		if ErrorCode(err) != notices.Conflict || !strings.Contains(err.Error(), "a second coordinator must approve") {
			t.Errorf("approved by who sent it (%v): %v, want a conflict", ActorOf(who), err)
		}
	}
	if _, err := a.Approve(as("vic", notices.RoleViewer, "console"), sent.ID); ErrorCode(err) != notices.Conflict {
		t.Errorf("approved by a viewer: %v, want a conflict", err)
	}

	bo := as("bo", notices.RoleCoordinator, "console")
	approved, err := a.Approve(bo, sent.ID)
	if err != nil {
		t.Fatal(err)
	}
	if approved.Status != notices.Sending || approved.Summary.Queued() != 6 || approved.AwaitingApproval {
		t.Errorf("approved: %+v, want it sending its 6 messages", approved)
	}
	if _, err := a.Approve(as("cy", notices.RoleCoordinator, "console"), sent.ID); ErrorCode(err) != notices.Conflict {
		t.Errorf("approved twice: %v, want a conflict", err)
	}
	ap, err := a.Store.ApprovalOf(bo, sent.ID)
	if err != nil || ap.Awaiting || ap.RequestedBy != "ana" || ap.ApprovedBy != "bo" {
		t.Errorf("approval %+v (%v), want asked by ana, approved by bo", ap, err)
	}
	if got := actions(t, a); !slices.Equal(got, []string{"approval-requested", "approve", "send"}) {
		t.Errorf("audit log %v, want approval-requested, approve, send", got)
	}
}

func TestApprovalThreshold(t *testing.T) {
	tests := []struct {
		name  string
		over  int
		await bool
	}{
		{"off", 0, false},
		{"under", 3, false},
		{"over", 2, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := testApp(t)
			a.ApprovalOver = tc.over
			addContacts(t, a, "north", 3)
			sent := sendAdvisory(t, a, as("ana", notices.RoleCoordinator, "console"), time.Time{})
			if sent.AwaitingApproval != tc.await {
				t.Errorf("approval_over %d, 3 contacts: awaiting %v, want %v", tc.over, sent.AwaitingApproval, tc.await)
			}
		})
	}
}

// TestApprovedScheduledNoticeIsScheduled: approval publishes as Send
// would have: a notice with a send time to come is scheduled.
func TestApprovedScheduledNoticeIsScheduled(t *testing.T) {
	a := testApp(t)
	a.ApprovalOver = 1
	addContacts(t, a, "north", 3)
	sent := sendAdvisory(t, a, as("ana", notices.RoleCoordinator, "cli"), time.Now().Add(3*time.Hour))
	if !sent.AwaitingApproval {
		t.Fatalf("sent %+v, want it awaiting approval", sent)
	}
	approved, err := a.Approve(as("bo", notices.RoleAdmin, "console"), sent.ID)
	if err != nil || approved.Status != notices.Scheduled {
		t.Errorf("approved: %+v (%v), want scheduled", approved, err)
	}
}

// TestAHeldNoticeStaysAsAsked: what a second coordinator is asked to
// approve cannot change or go out under them by any way: saved over as a
// draft, sent again, or published by the store; cancelling it works, and
// a cancelled notice is approved by nobody.
func TestAHeldNoticeStaysAsAsked(t *testing.T) {
	a := testApp(t)
	a.ApprovalOver = 2
	addContacts(t, a, "north", 3)
	addContacts(t, a, "south", 3)
	ana := as("ana", notices.RoleCoordinator, "console")
	held := sendAdvisory(t, a, ana, time.Time{})
	if !held.AwaitingApproval {
		t.Fatalf("sent %+v, want it awaiting approval", held)
	}
	other := advisory("south")
	other.DraftID = held.ID
	steps := []struct {
		name string
		do   func() error
	}{
		{"saved over as a draft", func() error { _, err := a.SaveDraft(ana, other); return err }},
		{"sent again", func() error {
			d, err := a.Compose(ana, other)
			if err != nil {
				return err
			}
			_, err = a.Send(ana, d)
			return err
		}},
		{"published by the store", func() error {
			fam, _ := a.Library.Family("boil-water-advisory")
			_, err := a.Store.Publish(ana, held.ID, fam, "en")
			return err
		}},
	}
	for _, s := range steps {
		if err := s.do(); ErrorCode(err) != notices.Conflict {
			t.Errorf("%s: %v, want a conflict", s.name, err)
		}
	}
	n, err := a.Store.Notice(ana, held.ID)
	if err != nil || n.Status != notices.Draft || n.Audience.Zones[0] != "north" {
		t.Errorf("held notice %+v (%v), want the draft to north as asked", n, err)
	}
	if _, err := a.Cancel(ana, held.ID); err != nil {
		t.Fatalf("cancel a held notice: %v", err)
	}
	if _, err := a.Approve(as("bo", notices.RoleCoordinator, "console"), held.ID); ErrorCode(err) != notices.Conflict || !strings.Contains(err.Error(), "cancelled") {
		t.Errorf("approved after it was cancelled: %v, want a conflict saying it was cancelled", err)
	}
	if waiting, err := a.Store.AwaitingApproval(ana); err != nil || waiting[held.ID] {
		t.Errorf("awaiting approval after it was cancelled: %v (%v), want it gone from the review queue", waiting, err)
	}
}
