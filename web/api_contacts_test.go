package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/notices"
)

// importCSV has two good rows and one with an email that is none (line 3).
const importCSV = `account,name,email,mobile,zone
2001,Eve Ortiz,eve@example.org,,5
2002,Fay Chen,not-an-email,,5
2003,Gus Moll,,+13155550151,5
`

// TestAPIImportContacts: a billing system's CSV posted as text/csv is
// imported as crier contacts import does: the counts, and each rejected
// row with its line and reason; every row rejected is refused row by
// row; a dry run writes nothing.
func TestAPIImportContacts(t *testing.T) {
	a := newAPIServer(t, nil)
	coord := a.clients[notices.RoleCoordinator]
	csvType := []string{"Content-Type", "text/csv"}

	resp := coord.do("POST", "/api/v1/contacts/import?list=zone5&dry_run=true", importCSV, csvType...)
	var dry apiImportResult
	resp.decode(t, &dry)
	if resp.Status != http.StatusOK || !dry.DryRun || dry.Added != 2 {
		t.Fatalf("dry run: status %d, %+v", resp.Status, dry)
	}
	if _, err := a.store.Contact(context.Background(), "2001"); notices.ErrorCode(err) != notices.NotFound {
		t.Fatalf("a dry run wrote contact 2001 (%v)", err)
	}

	resp = coord.do("POST", "/api/v1/contacts/import?list=zone5&name=billing.csv", importCSV, csvType...)
	var res apiImportResult
	resp.decode(t, &res)
	if resp.Status != http.StatusOK || res.Read != 3 || res.Added != 2 || res.Rejected != 1 || res.List != "zone5" || res.ListAdded != 2 {
		t.Fatalf("import: status %d, %+v", resp.Status, res)
	}
	if len(res.Rejects) != 1 || res.Rejects[0].Line != 3 || !strings.Contains(res.Rejects[0].Reason, "email") {
		t.Errorf("rejects %+v, want line 3 for its email", res.Rejects)
	}
	if c, err := a.store.Contact(context.Background(), "2003"); err != nil || c.Mobile != "+13155550151" {
		t.Errorf("contact 2003: %+v, %v", c, err)
	}
	entries, _ := a.store.AuditLog(context.Background(), 1, 0)
	if len(entries) != 1 || entries[0].Action != "import" || entries[0].Actor != "token test-coordinator" || !strings.Contains(entries[0].Detail, "billing.csv") {
		t.Errorf("audit %+v", entries)
	}

	tests := []struct {
		name   string
		query  string
		body   string
		header []string
		fields []string
	}{
		{"every row rejected", "", "account,email\n3001,bad\n3002,worse\n", csvType, []string{"row 2", "row 3"}},
		{"not CSV", "", importCSV, []string{"Content-Type", "application/json"}, []string{"Content-Type"}},
		{"an unknown parameter", "?lists=zone5&dry_run=maybe", importCSV, csvType, []string{"lists", "dry_run"}},
		{"a map without its field", "?map=Cust+Ref", importCSV, csvType, []string{"map"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := coord.do("POST", "/api/v1/contacts/import"+tt.query, tt.body, tt.header...)
			if resp.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", resp.Status, resp.Body)
			}
			var fields []string
			for _, p := range resp.errorBody(t).Problems {
				fields = append(fields, p.Field)
			}
			if strings.Join(fields, ",") != strings.Join(tt.fields, ",") {
				t.Errorf("problems on %q, want %q", fields, tt.fields)
			}
		})
	}
}

// TestAPIImportTooLarge: a file over the body limit (100 MB, made
// smaller here) answers 413 and imports nothing.
func TestAPIImportTooLarge(t *testing.T) {
	if got := bodyLimit("/api/v1/contacts/import"); got != 100<<20 {
		t.Errorf("the import's body limit is %d bytes, want the README's 100 MB", got)
	}
	a := newAPIServer(t, nil)
	req := httptest.NewRequest("POST", "/api/v1/contacts/import", strings.NewReader(importCSV))
	req.Header.Set("Content-Type", "text/csv")
	req = req.WithContext(app.WithActor(req.Context(), app.Actor{Name: "work-orders", Role: notices.RoleCoordinator, Via: "api"}))
	rec := httptest.NewRecorder()
	req.Body = http.MaxBytesReader(rec, req.Body, 64) // as protect limits it, smaller
	a.srv.apiImport(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), `"error"`) {
		t.Errorf("status %d: %s", rec.Code, rec.Body)
	}
	if _, err := a.store.Contact(context.Background(), "2001"); notices.ErrorCode(err) != notices.NotFound {
		t.Errorf("a file over the limit imported contact 2001 (%v)", err)
	}
}
