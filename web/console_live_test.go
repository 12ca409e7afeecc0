package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
)

// TestNoticeReportLive: while a notice sends, its page's report refreshes
// itself from …/live, which follows the deliveries as they go; once the
// last one is recorded it says done and final, so the script stops.
func TestNoticeReportLive(t *testing.T) {
	s, st, ts := newConsoleServer(t, nil)
	n := consoleNotice(t, st, s.cfg.Library, "Maple Avenue", "550 mailbox unavailable")
	c, _ := testSignIn(t, ts, st, notices.RoleViewer)
	href := "/console/notices/" + strconv.FormatInt(n.ID, 10)

	_, page := getPage(t, c, ts, href)
	if !strings.Contains(page, `data-refresh="`+href+`/live"`) || !strings.Contains(page, "/assets/console-notice.js") {
		t.Fatal("the page of a notice sending does not refresh its report")
	}
	resp, live := getPage(t, c, ts, href+"/live")
	if resp.StatusCode != http.StatusOK || !strings.Contains(live, "Status: <strong>sending</strong>") || strings.Contains(live, "data-final") {
		t.Fatalf("live while sending: %d\n%s", resp.StatusCode, live)
	}
	if strings.Contains(live, "<html") {
		t.Error("the live report is a whole page, not the fragment")
	}

	// The other two emails go: the notice is done.
	ctx := context.Background()
	dels, err := st.Claim(ctx, notices.Email, "test", notices.ClaimScope{Notice: n.ID}, 10, time.Minute)
	if err != nil || len(dels) != 2 {
		t.Fatalf("claim: %v, %d", err, len(dels))
	}
	var outs []notices.Outcome
	for _, d := range dels {
		outs = append(outs, notices.Outcome{ID: d.ID, Status: notices.DeliverySent, Attempted: true, At: time.Now()})
	}
	if _, err := st.Record(ctx, "test", outs); err != nil {
		t.Fatal(err)
	}
	if _, err := st.FinishDone(ctx); err != nil { // as the dispatcher does
		t.Fatal(err)
	}
	_, live = getPage(t, c, ts, href+"/live")
	for _, want := range []string{"Status: <strong>done</strong>", "data-final", "<td>2</td>"} {
		if !strings.Contains(live, want) {
			t.Errorf("live once done lacks %q:\n%s", want, live)
		}
	}
	if _, page = getPage(t, c, ts, href); strings.Contains(page, "data-refresh") {
		t.Error("the page of a notice done still refreshes")
	}
	if resp, _ := getPage(t, c, ts, "/console/notices/999/live"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("live of an unknown notice: %d", resp.StatusCode)
	}
}
