package scheduler_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
)

// fakeClock is the time the store and the dispatcher read: the test moves
// it, nothing sleeps.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// clockedSender records the fake time each message was sent at, by
// message id (the delivery).
type clockedSender struct {
	clock *fakeClock
	mu    sync.Mutex
	at    map[string]time.Time
}

func (s *clockedSender) Send(ctx context.Context, m channels.Message) (channels.Receipt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.at == nil {
		s.at = map[string]time.Time{}
	}
	s.at[m.ID] = s.clock.Now()
	return channels.Receipt{ProviderID: "x"}, nil
}

func (s *clockedSender) sentAt(id string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.at[id]
	return t, ok
}

// Acceptance 4 of the scheduler issue: quiet hours 21:00-08:00. A normal
// notice scheduled at 22:00 goes by email at 22:00 and by text message at
// 08:00; an emergency scheduled at 22:00 goes by text message at 22:00.
func TestQuietHoursHoldNormalTextMessages(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, ny)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	clock := &fakeClock{t: at("2027-06-10 18:00")}
	s, lib := newStore(t), library(t)
	s.Now = clock.Now
	importContacts(t, s, "all", 3, gen)
	schedule := func(template string, u notices.Urgency, chs ...notices.Channel) int64 {
		fam, err := lib.Family(template)
		if err != nil {
			t.Fatal(err)
		}
		id, err := s.CreateNotice(context.Background(), notices.Notice{Template: template, Values: fam.Examples(),
			Audience: notices.Audience{Lists: []string{"all"}}, Channels: chs, Urgency: u, SendAt: at("2027-06-10 22:00")})
		if err != nil {
			t.Fatal(err)
		}
		if sum, err := s.Publish(context.Background(), id, fam, "en"); err != nil || sum.Status != notices.Scheduled {
			t.Fatalf("publish: %v, %v; want scheduled", sum.Status, err)
		}
		return id
	}
	normal := schedule("hydrant-flushing", notices.Normal, notices.Email, notices.SMS)
	emergency := schedule("main-break", notices.Emergency, notices.SMS)

	quiet, err := scheduler.ParseQuietHours("21:00-08:00", ny)
	if err != nil {
		t.Fatal(err)
	}
	email, text := &clockedSender{clock: clock}, &clockedSender{clock: clock}
	// A dispatcher runs once: each step drains with a new one, as each
	// crier dispatch does.
	dispatcher := func() *scheduler.Dispatcher {
		return newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{notices.Email: {Sender: email}, notices.SMS: {Sender: text}},
			func(c *scheduler.Config) { c.Now, c.QuietHours = clock.Now, quiet })
	}

	sentAt := func(snd *clockedSender, id int64, ch notices.Channel) []time.Time {
		var ts []time.Time
		for _, dl := range deliveries(t, s, id, ch) {
			if tm, ok := snd.sentAt(fmt.Sprintf("%d-%d", dl.NoticeID, dl.ID)); ok {
				ts = append(ts, tm)
			}
		}
		return ts
	}
	want := func(step string, got []time.Time, n int, when time.Time) {
		t.Helper()
		if len(got) != n {
			t.Errorf("%s: %d sent; want %d", step, len(got), n)
		}
		for _, g := range got {
			if !g.Equal(when) {
				t.Errorf("%s: sent at %s; want %s", step, g.In(ny).Format("15:04"), when.In(ny).Format("15:04"))
			}
		}
	}

	clock.Set(at("2027-06-10 22:00"))
	drain(t, dispatcher(), 30*time.Second) // a drain leaves the held messages for the morning
	want("22:00, emergency text", sentAt(text, emergency, notices.SMS), 3, at("2027-06-10 22:00"))
	want("22:00, normal email", sentAt(email, normal, notices.Email), 3, at("2027-06-10 22:00"))
	want("22:00, normal text", sentAt(text, normal, notices.SMS), 0, time.Time{})

	clock.Set(at("2027-06-11 07:59"))
	drain(t, dispatcher(), 30*time.Second)
	want("07:59, normal text", sentAt(text, normal, notices.SMS), 0, time.Time{})
	for _, dl := range deliveries(t, s, normal, notices.SMS) {
		if dl.Status != notices.DeliveryQueued || dl.Attempts != 0 {
			t.Errorf("held text message %s: %s after %d attempts; want queued, unattempted", dl.Address, dl.Status, dl.Attempts)
		}
	}

	clock.Set(at("2027-06-11 08:00"))
	drain(t, dispatcher(), 30*time.Second)
	want("08:00, normal text", sentAt(text, normal, notices.SMS), 3, at("2027-06-11 08:00"))
	if r := report(t, s, normal); r.Notice.Status != notices.Done {
		t.Errorf("normal notice %s; want done", r.Notice.Status)
	}
}

// clockSetter is a text sender that moves the clock to at as it sends its
// first message: quiet hours begin while the lane holds the rest.
type clockSetter struct {
	clockedSender
	at   time.Time
	once sync.Once
}

func (c *clockSetter) Send(ctx context.Context, m channels.Message) (channels.Receipt, error) {
	r, err := c.clockedSender.Send(ctx, m)
	c.once.Do(func() { c.clock.Set(c.at) })
	return r, err
}

// TestQuietHoursBeginWhileHeld: text messages a lane claimed at 20:59 and
// had not sent by 21:00 are put back, unattempted, until 08:00.
func TestQuietHoursBeginWhileHeld(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: time.Date(2027, 6, 10, 20, 59, 59, 0, ny)}
	s, lib := newStore(t), library(t)
	s.Now = clock.Now
	importContacts(t, s, "all", 4, gen)
	id := publish(t, s, lib, "hydrant-flushing", "all", notices.Normal, notices.SMS)
	quiet, err := scheduler.ParseQuietHours("21:00-08:00", ny)
	if err != nil {
		t.Fatal(err)
	}
	text := &clockSetter{clockedSender: clockedSender{clock: clock}, at: time.Date(2027, 6, 10, 21, 0, 0, 0, ny)}
	d := newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{notices.SMS: {Sender: text, Concurrency: 1}},
		func(c *scheduler.Config) { c.Now, c.QuietHours = clock.Now, quiet })
	drain(t, d, 30*time.Second)
	morning := time.Date(2027, 6, 11, 8, 0, 0, 0, ny)
	sent, held := 0, 0
	for _, dl := range deliveries(t, s, id, notices.SMS) {
		switch {
		case dl.Status == notices.DeliverySent:
			sent++
		case dl.Status == notices.DeliveryQueued && dl.Attempts == 0 && dl.NextAttemptAt.Equal(morning):
			held++
		default:
			t.Errorf("delivery %s: %s, %d attempts, due %v; want sent before 21:00 or held until 08:00", dl.Address, dl.Status, dl.Attempts, dl.NextAttemptAt)
		}
	}
	if sent != 1 || held != 3 {
		t.Errorf("%d sent, %d held until 08:00; want the 1 sent at 20:59 and 3 held", sent, held)
	}
}

// TestScheduledNoticePublishedAtItsTime: a notice scheduled at 10:00 for
// 11:00 goes to the audience of 11:00 (a customer added at 10:30 gets it);
// one whose list was deleted meanwhile pauses with the reason instead of
// failing silently, and goes once resumed with a list again.
func TestScheduledNoticePublishedAtItsTime(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{t: time.Date(2027, 6, 10, 10, 0, 0, 0, time.UTC)}
	s, lib := newStore(t), library(t)
	s.Now = clock.Now
	importContacts(t, s, "all", 3, gen)
	importContacts(t, s, "doomed", 2, func(i int) customer { return gen(100 + i) })
	fam, err := lib.Family("hydrant-flushing")
	if err != nil {
		t.Fatal(err)
	}
	schedule := func(list string) int64 {
		id, err := s.CreateNotice(ctx, notices.Notice{Template: fam.Name, Values: fam.Examples(), Audience: notices.Audience{Lists: []string{list}},
			Channels: []notices.Channel{notices.Email}, SendAt: time.Date(2027, 6, 10, 11, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Publish(ctx, id, fam, "en"); err != nil {
			t.Fatal(err)
		}
		return id
	}
	toAll, toDoomed := schedule("all"), schedule("doomed")

	clock.Set(time.Date(2027, 6, 10, 10, 30, 0, 0, time.UTC))
	importContacts(t, s, "all", 1, func(i int) customer { return gen(50 + i) }) // a customer added to the list
	if _, err := s.DeleteList(ctx, "doomed"); err != nil {
		t.Fatal(err)
	}

	clock.Set(time.Date(2027, 6, 10, 11, 0, 0, 0, time.UTC))
	email := &clockedSender{clock: clock}
	dispatcher := func() *scheduler.Dispatcher {
		return newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{notices.Email: {Sender: email}},
			func(c *scheduler.Config) { c.Now = clock.Now })
	}
	drain(t, dispatcher(), 30*time.Second)
	if r := report(t, s, toAll).Channel(notices.Email); r.Sent != 4 {
		t.Errorf("the notice to the list: %+v; want the 4 customers of 11:00 sent", r)
	}
	r := report(t, s, toDoomed)
	if r.Notice.Status != notices.Scheduled || r.Channel(notices.Email).Paused == nil ||
		!strings.Contains(r.Channel(notices.Email).Paused.Reason, "not published at its send time") {
		t.Fatalf("the notice to the deleted list: %s, pause %+v; want scheduled and paused with the reason", r.Notice.Status, r.Channel(notices.Email).Paused)
	}

	importContacts(t, s, "doomed", 2, func(i int) customer { return gen(200 + i) }) // the list made again
	if _, err := s.Resume(ctx, toDoomed); err != nil {
		t.Fatal(err)
	}
	drain(t, dispatcher(), 30*time.Second)
	if r := report(t, s, toDoomed); r.Channel(notices.Email).Sent != 2 || r.Notice.Status != notices.Done {
		t.Errorf("after the list is back and the notice resumed: %s, %+v; want done with 2 sent", r.Notice.Status, r.Channel(notices.Email))
	}
}
