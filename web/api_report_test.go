package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
)

// TestAPIReport: a notice's report counts its messages per channel and
// lists each failure with its address, attempts and the provider's
// reason, as a dispatcher recorded them.
func TestAPIReport(t *testing.T) {
	a := newAPIServer(t, nil)
	importContacts(t, a.store)
	resp := a.clients[notices.RoleCoordinator].do("POST", "/api/v1/notices", advisoryJSON(""))
	var sent apiSendResult
	resp.decode(t, &sent)
	ctx := context.Background()
	claimed, err := a.store.Claim(ctx, notices.SMS, "test-worker", notices.ClaimScope{}, 10, time.Minute)
	if err != nil || len(claimed) != 2 {
		t.Fatalf("claimed %d texts (%v), want 2", len(claimed), err)
	}
	outs := []notices.Outcome{
		{ID: claimed[0].ID, Status: notices.DeliverySent, Attempted: true, ProviderID: "SM1", At: time.Now()},
		{ID: claimed[1].ID, Status: notices.DeliveryFailed, Attempted: true, Error: "21211 invalid 'To' phone number", At: time.Now()},
	}
	if _, err := a.store.Record(ctx, "test-worker", outs); err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Notice        apiNoticeView `json:"notice"`
		Failures      []apiFailure  `json:"failures"`
		FailuresTotal int           `json:"failures_total"`
	}
	resp = a.clients[notices.RoleViewer].do("GET", fmt.Sprintf("/api/v1/notices/%d/report", sent.Notice.ID), "")
	if resp.Status != http.StatusOK {
		t.Fatalf("status %d: %s", resp.Status, resp.Body)
	}
	resp.decode(t, &rep)
	var sms apiChannelReport
	for _, c := range rep.Notice.Deliveries {
		if c.Channel == notices.SMS {
			sms = c
		}
	}
	if sms.Total != 2 || sms.Sent != 1 || sms.Failed != 1 || sms.Queued != 0 {
		t.Errorf("sms counts %+v, want 1 sent and 1 failed of 2", sms)
	}
	if rep.FailuresTotal != 1 || len(rep.Failures) != 1 {
		t.Fatalf("failures %+v (total %d), want one", rep.Failures, rep.FailuresTotal)
	}
	f := rep.Failures[0]
	if f.Channel != notices.SMS || f.Address != claimed[1].Address || f.Attempts != 1 || !strings.Contains(f.Error, "21211") {
		t.Errorf("failure %+v", f)
	}

	for _, path := range []string{"/api/v1/notices/999", "/api/v1/notices/999/report", "/api/v1/notices/abc"} {
		resp := a.clients[notices.RoleViewer].do("GET", path, "")
		if resp.Status != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, resp.Status)
		}
		resp.errorBody(t)
	}
}

// TestAPIFaultsStayInTheLog: a fault of Crier answers 500 with a sentence
// that gives nothing of its cause away (a path, the database's words).
func TestAPIFaultsStayInTheLog(t *testing.T) {
	s, _ := newTestServer(t, nil)
	rec := httptest.NewRecorder()
	s.apiFail(rec, httptest.NewRequest("GET", "/api/v1/notices", nil), errors.New("open /var/lib/crier/crier.db: disk I/O error"))
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "crier.db") || !strings.Contains(rec.Body.String(), `"error"`) {
		t.Errorf("status %d, body %s", rec.Code, rec.Body)
	}
}
