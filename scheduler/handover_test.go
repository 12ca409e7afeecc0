package scheduler_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/channels/email"
	"github.com/crier-notices/crier/internal/sinks"
	"github.com/crier-notices/crier/internal/testenv"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
)

// slowCommits is the store with a commit of outcomes that takes 20 ms:
// a disk slower than the sends.
type slowCommits struct{ *notices.Store }

func (s slowCommits) Record(ctx context.Context, worker string, outs []notices.Outcome) ([]bool, error) {
	time.Sleep(20 * time.Millisecond)
	return s.Store.Record(ctx, worker, outs)
}

// handOvers is the email channel, counting at each hand-over (just before
// Mailpit can accept a message) the messages handed over before it whose
// outcome the store does not have yet.
type handOvers struct {
	*email.Sender
	t      *testing.T
	store  *notices.Store
	notice int64

	mu         sync.Mutex
	handed     int
	unrecorded int // the most at one hand-over
}

func (h *handOvers) SendStaged(ctx context.Context, m channels.Message, ready func() error) (channels.Receipt, error) {
	return h.Sender.SendStaged(ctx, m, func() error {
		if err := ready(); err != nil {
			return err
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		r, err := h.store.Report(ctx, h.notice)
		if err != nil {
			h.t.Error(err)
		}
		h.unrecorded = max(h.unrecorded, h.handed-r.Channel(notices.Email).Sent)
		h.handed++
		return nil
	})
}

// TestOutcomeCommittedBeforeTheNextHandOver: each sender's outcome is
// committed before that sender's next message can be accepted (the end
// of its data; with CHUNKING, its one write), however slow the commits,
// so a crash repeats at most one message per sender. With 4 senders, at
// each hand-over at most the 3 other senders' last messages are not yet
// recorded. Mailpit takes the messages through DATA, go-smtp's server
// through BDAT.
func TestOutcomeCommittedBeforeTheNextHandOver(t *testing.T) {
	const senders = 4
	tests := []struct {
		name   string
		sender func(t *testing.T) *email.Sender
	}{
		{"Mailpit: DATA", func(t *testing.T) *email.Sender { return mailpitSender(t, testenv.Mailpit(t), senders) }},
		{"go-smtp: BDAT", func(t *testing.T) *email.Sender {
			srv, err := sinks.StartSMTP("127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })
			s, err := email.New(email.Config{Host: srv.Host(), Port: srv.Port(), TLS: "none", Connections: senders, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, lib := newStore(t), library(t)
			importContacts(t, s, "elm", 120, gen)
			id := publish(t, s, lib, "boil-water-advisory", "elm", notices.Emergency, notices.Email)
			ch := &handOvers{Sender: tt.sender(t), t: t, store: s, notice: id}
			cfg := scheduler.Config{
				Channels:  map[notices.Channel]scheduler.Channel{notices.Email: {Sender: ch, Concurrency: senders}},
				Library:   lib,
				Utility:   utility,
				PublicURL: "https://water.example",
				Poll:      50 * time.Millisecond,
			}
			d, err := scheduler.New(slowCommits{s}, cfg)
			if err != nil {
				t.Fatal(err)
			}
			drain(t, d, 2*time.Minute)
			if got := report(t, s, id).Channel(notices.Email).Sent; got != 120 || ch.handed != 120 {
				t.Fatalf("%d sent, %d handed over; want 120 of each", got, ch.handed)
			}
			t.Logf("at most %d messages handed over and not yet recorded at a hand-over", ch.unrecorded)
			if ch.unrecorded > senders-1 {
				t.Errorf("at a hand-over, %d messages handed over before it were not yet recorded; at most %d (one per other sender) may be", ch.unrecorded, senders-1)
			}
		})
	}
}
