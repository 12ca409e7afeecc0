package web

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
)

func TestConsoleAuditLogNewestFirstPagedInTheUtilitysZone(t *testing.T) {
	_, st, ts := newConsoleServer(t, nil)
	start := time.Date(2026, 7, 1, 16, 0, 0, 0, time.UTC)
	for i := range 55 {
		e := notices.AuditEntry{At: start.Add(time.Duration(i) * time.Minute), Actor: "ana", Action: "send", Subject: fmt.Sprintf("notice %d", i+1)}
		if i == 54 {
			e.Actor, e.Subject, e.Detail = "<b>x</b>", "notice <b>x</b>", "<script>alert(1)</script>"
		}
		if err := st.RecordAudit(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
	viewer, _ := testSignIn(t, ts, st, notices.RoleViewer)
	status, body := consoleGet(t, viewer, ts.URL+"/console/audit")
	if status != http.StatusOK {
		t.Fatalf("audit = %d", status)
	}
	subjects := regexp.MustCompile(`<td>send</td><td>notice ([^<]+)</td>`).FindAllStringSubmatch(body, -1)
	if len(subjects) != 50 || subjects[0][1] != "&lt;b&gt;x&lt;/b&gt;" || subjects[1][1] != "54" || subjects[49][1] != "6" {
		t.Fatalf("the first page shows %d entries from %q, want 50 from the newest", len(subjects), subjects)
	}
	if strings.Contains(body, "<b>x</b>") || strings.Contains(body, "<script>") {
		t.Error("the audit page does not escape what it shows")
	}
	if !strings.Contains(body, "<td>2026-07-01 12:53:00 EDT</td><td>ana</td><td>send</td><td>notice 54</td>") {
		t.Errorf("times are not in the utility's zone:\n%s", body)
	}
	older := regexp.MustCompile(`href="(/console/audit\?before=\d+)">Older entries`).FindStringSubmatch(body)
	if older == nil {
		t.Fatalf("no link to older entries:\n%s", body)
	}
	_, body = consoleGet(t, viewer, ts.URL+html.UnescapeString(older[1]))
	subjects = regexp.MustCompile(`<td>send</td><td>notice (\d+)</td>`).FindAllStringSubmatch(body, -1)
	if len(subjects) != 5 || subjects[0][1] != "5" || subjects[4][1] != "1" {
		t.Errorf("the second page shows %q, want notices 5 to 1", subjects)
	}
	if strings.Contains(body, "Older entries") || !strings.Contains(body, `href="/console/audit">Newest`) {
		t.Errorf("the last page links on:\n%s", body)
	}
}
