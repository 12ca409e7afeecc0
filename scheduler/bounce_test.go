package scheduler_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/internal/testenv"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
)

// TestHardBounceSuppresses: a mailbox Mailpit refuses with 550 5.1.0 at
// send time fails its delivery and is suppressed (hard-bounce, with the
// notice that found it), so the next notice leaves it out; a 552 fails
// the delivery and suppresses nothing.
func TestHardBounceSuppresses(t *testing.T) {
	tests := []struct {
		name     string
		flags    []string // Mailpit's
		reply    string   // in the delivery's error
		suppress bool
	}{
		{name: "550 5.1.0 no such mailbox", flags: []string{"--smtp-allowed-recipients", `^(?:[^g]|g[^o])`}, reply: "550: 5.1.0", suppress: true},
		{name: "552 refused", flags: []string{"--chaos-triggers", "Recipient:552:100"}, reply: "552: Chaos recipient error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			mp := testenv.Mailpit(t, tt.flags...)
			s, lib := newStore(t), library(t)
			importContacts(t, s, "all", 3, func(i int) customer {
				c := gen(i)
				if i == 2 {
					c.email = "gone@example.org"
				}
				return c
			})
			id := publish(t, s, lib, "boil-water-advisory", "all", notices.Emergency, notices.Email)
			d := newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{notices.Email: {Sender: mailpitSender(t, mp, 1), Concurrency: 1}})
			drain(t, d, time.Minute)

			var gone notices.Delivery
			for _, dl := range deliveries(t, s, id, notices.Email) {
				if dl.Address == "gone@example.org" {
					gone = dl
				}
			}
			if gone.Status != notices.DeliveryFailed || !strings.Contains(gone.Error, tt.reply) {
				t.Errorf("gone@: %s %q; want failed with %q", gone.Status, gone.Error, tt.reply)
			}
			sup, found, err := s.Suppressed(ctx, "gone@example.org")
			if err != nil {
				t.Fatal(err)
			}
			if found != tt.suppress {
				t.Fatalf("suppressed %v (%+v), want %v", found, sup, tt.suppress)
			}
			if found && (sup.Reason != notices.HardBounce || sup.NoticeID != id || !strings.Contains(sup.Note, "5.1.0")) {
				t.Errorf("suppression %+v; want hard-bounce found by notice %d with the server's words", sup, id)
			}
			if others, _, _ := s.Suppressed(ctx, gen(1).email); others.Address != "" {
				t.Errorf("%s suppressed too", gen(1).email)
			}
		})
	}
}
