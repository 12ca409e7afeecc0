package web

import (
	"context"
	"net/http"
	"os"
	"testing"

	"github.com/crier-notices/crier/internal/testenv"
	"github.com/crier-notices/crier/notices"
)

// TestStatusCallbacksStraightToPostgres: a store on PostgreSQL has no
// file to keep a spool beside and no whole-database write lock: a status
// callback and a reply text are recorded in the store before they are
// answered, with no applier running; one about a message not recorded yet is answered 200,
// kept in memory and recorded once the dispatcher has written the
// message's id; no file is written (not ".spool" in the working folder).
func TestStatusCallbacksStraightToPostgres(t *testing.T) {
	dsn := testenv.PostgresURL(t)
	if dsn == "" {
		return
	}
	ctx := context.Background()
	dir := t.TempDir()
	t.Chdir(dir)
	pg, err := notices.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	s, _ := statusServer(t, func(c *Config) { c.Store = pg })

	noticeID, bySID := sentTexts(t, s, pg, 0, 2)
	for sid, d := range bySID {
		postStatus(t, s, callback(sid, "delivered", ""))
		if got := delivery(t, pg, noticeID, d.ID); got.Status != notices.DeliveryDelivered {
			t.Errorf("status %s when the callback was answered; want delivered, recorded before the answer", got.Status)
		}
	}

	// A STOP is recorded, and so confirmed: one kept for later is
	// answered with no message.
	const from = "+13155550177"
	if code, msg := twimlAnswer(t, signedPost(t, s, smsPath, inboundForm("SMpg0001", from, "STOP"))); code != http.StatusOK || msg == "" {
		t.Errorf("STOP answered %d %q; want 200 and a confirmation", code, msg)
	}
	if sup := smsSuppression(t, pg, from); sup == nil || sup.Reason != notices.StopReply {
		t.Errorf("suppression %+v when the STOP was answered; want stop-reply", sup)
	}

	stop := s.startSpool(ctx)
	defer stop()
	early, ds := claimTexts(t, s, pg, 10, 1)
	postStatus(t, s, callback(testSID(ds[0].ID), "delivered", ""))
	recordSent(t, pg, ds)
	waitFor(t, "the early callback recorded", func() bool {
		return delivery(t, pg, early, ds[0].ID).Status == notices.DeliveryDelivered
	})

	if files, err := os.ReadDir(dir); err != nil || len(files) > 0 {
		t.Errorf("files written in the working folder: %v (%v); want none", files, err)
	}
}
