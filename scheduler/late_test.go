package scheduler_test

import (
	"context"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
	"github.com/crier-notices/crier/templates"
)

// TestScheduledNoticeFoundLate: a notice scheduled for 11:00 and found by
// a dispatcher within the grace window goes as usual; found later (Crier
// was down), it pauses unpublished with the reason and goes only once
// resumed, then at once.
func TestScheduledNoticeFoundLate(t *testing.T) {
	tests := []struct {
		name  string
		found time.Time
		late  string // what the pause says; "" for sent without one
	}{
		{"within the grace window", time.Date(2027, 6, 10, 11, 59, 0, 0, time.UTC), ""},
		{"past it", time.Date(2027, 6, 10, 14, 0, 0, 0, time.UTC),
			"not sent: due 2027-06-10 07:00 EDT, found 3h late (grace 1h); crier notices reschedule 1 --at TIME, or crier notices resume 1 to send it now"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			clock := &fakeClock{t: time.Date(2027, 6, 10, 10, 0, 0, 0, time.UTC)}
			s, lib := newStore(t), library(t)
			s.Now = clock.Now
			importContacts(t, s, "all", 3, gen)
			id := scheduleNotice(t, s, lib, "planned-service-interruption", time.Date(2027, 6, 10, 11, 0, 0, 0, time.UTC))
			ny, _ := time.LoadLocation("America/New_York")
			clock.Set(tt.found)
			email := &clockedSender{clock: clock}
			dispatcher := func() *scheduler.Dispatcher {
				return newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{notices.Email: {Sender: email}},
					func(c *scheduler.Config) { c.Now, c.Grace, c.Utility.Location = clock.Now, time.Hour, ny })
			}
			drain(t, dispatcher(), 30*time.Second)
			r := report(t, s, id)
			if tt.late == "" {
				if r.Channel(notices.Email).Sent != 3 {
					t.Errorf("found %s after its time: %s, %+v; want 3 sent", tt.found.Sub(time.Date(2027, 6, 10, 11, 0, 0, 0, time.UTC)), r.Notice.Status, r.Channel(notices.Email))
				}
				return
			}
			c := r.Channel(notices.Email)
			if r.Notice.Status != notices.Scheduled || c.Paused == nil || c.Paused.Reason != tt.late || c.Total != 0 || len(email.at) != 0 {
				t.Fatalf("found late: %s, %+v, pause %+v, %d sent; want scheduled, nothing queued, paused saying %q", r.Notice.Status, c, c.Paused, len(email.at), tt.late)
			}
			// Resumed two hours later still, it goes now.
			clock.Set(tt.found.Add(2 * time.Hour))
			if _, err := s.Resume(ctx, id); err != nil {
				t.Fatal(err)
			}
			drain(t, dispatcher(), 30*time.Second)
			if r := report(t, s, id); r.Channel(notices.Email).Sent != 3 || r.Notice.Status != notices.Done {
				t.Errorf("resumed: %s, %+v; want done with 3 sent", r.Notice.Status, r.Channel(notices.Email))
			}
		})
	}
}

// scheduleNotice sends a notice of template with its example values to
// the list "all" by email at the time at, as crier send --at does, and
// returns its id.
func scheduleNotice(t *testing.T, s *notices.Store, lib *templates.Library, template string, at time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	fam, err := lib.Family(template)
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.CreateNotice(ctx, notices.Notice{Template: fam.Name, Values: fam.Examples(), Audience: notices.Audience{Lists: []string{"all"}},
		Channels: []notices.Channel{notices.Email}, SendAt: at})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Publish(ctx, id, fam, "en"); err != nil {
		t.Fatal(err)
	}
	return id
}
