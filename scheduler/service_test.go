package scheduler_test

import (
	"context"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
)

// TestServiceFiresAndSendsAtOnce: with the dispatcher's poll at an hour, a
// campaign's firing is sent the moment it is published: the service wakes
// the dispatcher. The clock is the test's; a wake stands for the timer.
func TestServiceFiresAndSendsAtOnce(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: time.Date(2027, 6, 1, 8, 30, 0, 0, ny)}
	s, lib := newStore(t), library(t)
	s.Now = clock.Now
	importContacts(t, s, "all", 5, gen)
	fam, err := lib.Family("hydrant-flushing")
	if err != nil {
		t.Fatal(err)
	}
	values := fam.Examples() // its April 2026 dates relative instead: past, the firing would not be sent
	values["start_date"], values["end_date"] = "+1d", "+12d"
	delete(values, "start_date.es")
	delete(values, "end_date.es")
	if _, err := s.CreateCampaign(context.Background(), notices.Campaign{Name: "flushing", Schedule: "0 9 * * *", Timezone: "America/New_York",
		Notice: notices.Notice{Template: "hydrant-flushing", Values: values, Audience: notices.Audience{Lists: []string{"all"}},
			Channels: []notices.Channel{notices.Email}}}); err != nil {
		t.Fatal(err)
	}
	email := &clockedSender{clock: clock}
	d := newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{notices.Email: {Sender: email}},
		func(c *scheduler.Config) { c.Now, c.Poll = clock.Now, time.Hour })
	svc := &scheduler.Service{Dispatcher: d, Campaigner: &scheduler.Campaigner{Store: s, Library: lib, DefaultLanguage: "en"}, Now: clock.Now}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- svc.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-ran; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	waitUntil(t, "the service ready", svc.Ready)

	clock.Set(time.Date(2027, 6, 1, 9, 0, 0, 0, ny))
	svc.Wake()
	waitUntil(t, "5 emails sent", func() bool {
		email.mu.Lock()
		defer email.mu.Unlock()
		return len(email.at) == 5
	})
	email.mu.Lock()
	for id, at := range email.at {
		if !at.Equal(clock.Now()) {
			t.Errorf("message %s sent at %v; want at the firing, %v", id, at, clock.Now())
		}
	}
	email.mu.Unlock()
	c, err := s.Campaign(context.Background(), "flushing")
	if err != nil {
		t.Fatal(err)
	}
	runs, err := s.Runs(context.Background(), c.ID)
	if err != nil || len(runs) != 1 || runs[0].Status != notices.RunPublished || !runs[0].ScheduledAt.Equal(clock.Now()) {
		t.Errorf("runs %+v (%v); want the 09:00 firing published", runs, err)
	}
}

// waitUntil waits for cond, which a goroutine of the test makes true, for
// at most 30 s of real time.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 30 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
