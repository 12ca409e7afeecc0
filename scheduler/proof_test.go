package scheduler_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
)

// TestDrainOneNotice: a dispatcher limited to a proof (Config.Notice), at
// 23:00 in quiet hours, sends the proof's email and text message and
// nothing of the notice queued before it, whose messages stay queued.
func TestDrainOneNotice(t *testing.T) {
	clock := &fakeClock{t: time.Date(2027, 6, 10, 23, 0, 0, 0, time.UTC)}
	s, lib := newStore(t), library(t)
	s.Now = clock.Now
	importContacts(t, s, "all", 5, gen)
	queued := publish(t, s, lib, "hydrant-flushing", "all", notices.Emergency, notices.Email, notices.SMS)
	fam, err := lib.Family("hydrant-flushing")
	if err != nil {
		t.Fatal(err)
	}
	proof, err := s.CreateProof(context.Background(), notices.Notice{Template: fam.Name, Values: fam.Examples(), Languages: []string{"en"},
		Channels: []notices.Channel{notices.Email, notices.SMS}, Urgency: notices.Normal}, fam,
		[]notices.ProofAddress{{Channel: notices.Email, Address: "me@example.org"}, {Channel: notices.SMS, Address: "+13155550199"}})
	if err != nil {
		t.Fatal(err)
	}
	quiet, err := scheduler.ParseQuietHours("21:00-08:00", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	email, text := &clockedSender{clock: clock}, &clockedSender{clock: clock}
	d := newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{notices.Email: {Sender: email}, notices.SMS: {Sender: text}},
		func(c *scheduler.Config) { c.Now, c.QuietHours, c.Notice = clock.Now, quiet, proof })
	drain(t, d, 30*time.Second)

	for _, ch := range []notices.Channel{notices.Email, notices.SMS} {
		snd := map[notices.Channel]*clockedSender{notices.Email: email, notices.SMS: text}[ch]
		for _, dl := range deliveries(t, s, proof, ch) {
			if _, ok := snd.sentAt(fmt.Sprintf("%d-%d", dl.NoticeID, dl.ID)); !ok || dl.Status != notices.DeliverySent {
				t.Errorf("proof %s to %s: %s, sent %v; want sent in quiet hours", ch, dl.Address, dl.Status, ok)
			}
		}
		for _, dl := range deliveries(t, s, queued, ch) {
			if dl.Status != notices.DeliveryQueued {
				t.Errorf("notice %d %s to %s: %s; a dispatcher limited to the proof must leave it queued", queued, ch, dl.Address, dl.Status)
			}
		}
	}
	if n, err := s.Notice(context.Background(), proof); err != nil || n.Status != notices.Done {
		t.Errorf("proof: %v, %v; want done", n.Status, err)
	}
}
