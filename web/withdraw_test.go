package web

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/crier-notices/crier/notices"
)

// TestWithdrawnAfterEverythingWent: an emergency whose every message has
// gone (done) and is then cancelled — sent for the wrong area — says so
// on its page, and its CAP document becomes a Cancel.
func TestWithdrawnAfterEverythingWent(t *testing.T) {
	ctx := context.Background()
	s, st := newTestServer(t, func(c *Config) {
		c.Utility.Address = "120 Main Street, Clearwater, NY 13000" // a Tier 1 notice names it
	})
	id := publishTo(t, s, "boil-water-advisory", notices.Emergency) // no customers: done at once
	n, err := st.Notice(ctx, id)
	if err != nil || n.Status != notices.Done {
		t.Fatalf("notice %d is %s, %v; want done", id, n.Status, err)
	}
	if _, body := getLink(s, "/cap/"+n.Code+".xml"); !strings.Contains(body, "<msgType>Alert</msgType>") {
		t.Fatalf("before the cancel, no Alert:\n%s", body)
	}
	if _, err := st.CancelNotice(ctx, id); err != nil {
		t.Fatal(err)
	}
	resp, body := getLink(s, "/cap/"+n.Code+".xml")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<msgType>Cancel</msgType>") || !strings.Contains(body, "<references>") {
		t.Errorf("the CAP of a withdrawn done notice: %d\n%s", resp.StatusCode, body)
	}
	if resp, body := getLink(s, "/n/"+n.Code); resp.StatusCode != http.StatusOK || !strings.Contains(body, "withdrawn") {
		t.Errorf("the page of a withdrawn done notice: %d\n%s", resp.StatusCode, body)
	}
}
