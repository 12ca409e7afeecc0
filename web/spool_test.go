package web

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crier-notices/crier/notices"
)

// blockedSpool returns a spool path that cannot be opened (its folder is a
// file) and a function that makes it openable.
func blockedSpool(t *testing.T) (path string, unblock func()) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "spool")
	if err := os.WriteFile(dir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "crier.db.spool"), func() {
		if err := os.Remove(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSpoolOpenedLater: when the spool cannot be opened as the server
// starts (a full disk, a folder not there yet), the applier keeps trying,
// so the callbacks kept once it can be are recorded without a restart.
func TestSpoolOpenedLater(t *testing.T) {
	var logs logBuffer
	path, unblock := blockedSpool(t)
	s, st := statusServer(t, func(c *Config) {
		c.SpoolPath = path
		c.Log = slog.New(slog.NewTextHandler(&logs, nil))
	})
	noticeID, bySID := sentTexts(t, s, st, 0, 1)
	stop := s.startSpool(context.Background())
	defer stop()
	waitFor(t, "told the spool cannot be opened", func() bool { return strings.Contains(logs.String(), "level=ERROR") })
	unblock()
	for sid, d := range bySID {
		postStatus(t, s, callback(sid, "delivered", ""))
		waitFor(t, "delivered", func() bool { return delivery(t, st, noticeID, d.ID).Status == notices.DeliveryDelivered })
	}
}

// TestStatusCallbackWithoutASpool: a callback the spool cannot keep is
// recorded at once when the store takes it (Twilio does not post it
// again), and answered 503 only when it can be neither kept nor recorded.
func TestStatusCallbackWithoutASpool(t *testing.T) {
	path, _ := blockedSpool(t)
	s, st := statusServer(t, func(c *Config) { c.SpoolPath = path })
	noticeID, bySID := sentTexts(t, s, st, 0, 1)
	for sid, d := range bySID {
		postStatus(t, s, callback(sid, "delivered", ""))
		if got := delivery(t, st, noticeID, d.ID); got.Status != notices.DeliveryDelivered {
			t.Errorf("status %s; want delivered at once", got.Status)
		}
	}
	// A callback about a message not recorded yet can be neither.
	if res := signedPost(t, s, statusPath, callback("SM00000000000000000000000000099999", "delivered", "")); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a callback neither kept nor recorded answered %d; want 503", res.StatusCode)
	}
}
