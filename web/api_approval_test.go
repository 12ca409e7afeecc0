package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/notices"
)

// TestAPITwoPersonRule: under the two-person rule a notice the API sends
// to more contacts than one coordinator may reach answers 202: it is
// stored, waits for a second coordinator and sends nothing; its status
// says so until a console user approves it.
func TestAPITwoPersonRule(t *testing.T) {
	a := newAPIServer(t, func(c *Config) { c.App.ApprovalOver = 2 })
	importContacts(t, a.store)
	resp := a.clients[notices.RoleCoordinator].do("POST", "/api/v1/notices", advisoryJSON(""))
	if resp.Status != http.StatusAccepted {
		t.Fatalf("status %d, want 202: %s", resp.Status, resp.Body)
	}
	var res apiSendResult
	resp.decode(t, &res)
	if !res.AwaitingApproval || !res.Notice.AwaitingApproval || res.Notice.Status != notices.Draft ||
		!strings.Contains(res.Message, "approval") || resp.Header.Get("Location") != fmt.Sprintf("/api/v1/notices/%d", res.Notice.ID) {
		t.Fatalf("awaiting approval: %+v, %q, Location %q", res.Notice, res.Message, resp.Header.Get("Location"))
	}
	read := func() apiNoticeView {
		var n apiNoticeView
		a.clients[notices.RoleViewer].do("GET", fmt.Sprintf("/api/v1/notices/%d", res.Notice.ID), "").decode(t, &n)
		return n
	}
	if n := read(); !n.AwaitingApproval || n.Deliveries[0].Total+n.Deliveries[1].Total != 0 {
		t.Errorf("before approval: %+v", n)
	}
	var list struct {
		Notices []apiNoticeView `json:"notices"`
	}
	a.clients[notices.RoleViewer].do("GET", "/api/v1/notices", "").decode(t, &list)
	if len(list.Notices) != 1 || !list.Notices[0].AwaitingApproval {
		t.Errorf("the list: %+v", list.Notices)
	}

	ctx := app.WithActor(context.Background(), app.Actor{Name: "bea", Role: notices.RoleCoordinator, UserID: 7, Via: "console"})
	if _, err := a.srv.cfg.App.Approve(ctx, res.Notice.ID); err != nil {
		t.Fatal(err)
	}
	if n := read(); n.AwaitingApproval || n.Status != notices.Sending || n.Deliveries[0].Queued != 2 {
		t.Errorf("after approval: %+v", n)
	}
}
