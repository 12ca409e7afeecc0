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

// TestConfigFaultPausesTheChannel: a fault found only at dispatch that is
// the same for every recipient (a public_url or a sender the checks of
// crier.toml would have refused, a configuration changed after
// publishing) pauses the email channel with the reason and fails nobody;
// once the configuration is fixed, resuming sends every email.
func TestConfigFaultPausesTheChannel(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*scheduler.Config)
		reason string
	}{
		{"public_url plain http to another machine", func(c *scheduler.Config) { c.PublicURL = "http://notices.water.example" }, "https://"},
		{"From not an address", func(c *scheduler.Config) { c.From = "County Water Board" }, "From"},
	}
	mp := testenv.Mailpit(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mp.DeleteAll(t)
			const n = 30
			s, lib := newStore(t), library(t)
			importContacts(t, s, "all", n, gen)
			id := publish(t, s, lib, "boil-water-advisory", "all", notices.Emergency, notices.Email)
			email := map[notices.Channel]scheduler.Channel{notices.Email: {Sender: mailpitSender(t, mp, 2), Concurrency: 2}}

			drain(t, newDispatcher(t, s, lib, email, tt.edit), time.Minute)
			r := report(t, s, id).Channel(notices.Email)
			if r.Paused == nil || !strings.Contains(r.Paused.Reason, tt.reason) {
				t.Fatalf("report %+v: the email channel is not paused with a reason saying %q", r, tt.reason)
			}
			if r.Failed != 0 || r.Sent != 0 || r.Queued != r.Total {
				t.Errorf("report %+v; want every email still queued, none failed", r)
			}
			for _, dl := range deliveries(t, s, id, notices.Email) {
				if dl.Attempts != 0 {
					t.Errorf("delivery %d counts %d attempts for the configuration's fault; want 0", dl.ID, dl.Attempts)
				}
			}
			if got := len(mp.Messages(t)); got != 0 {
				t.Errorf("%d emails went out while paused", got)
			}

			if _, err := s.Resume(context.Background(), id); err != nil {
				t.Fatal(err)
			}
			drain(t, newDispatcher(t, s, lib, email), time.Minute) // the configuration fixed
			r = report(t, s, id).Channel(notices.Email)
			if r.Sent != r.Total || r.Failed != 0 || r.Paused != nil {
				t.Errorf("after resuming: %+v; want all %d sent, none failed, not paused", r, r.Total)
			}
			if got := len(mp.Messages(t)); got != r.Total {
				t.Errorf("Mailpit holds %d emails; want %d", got, r.Total)
			}
		})
	}
}

// TestCheckNotice: what the dispatcher would refuse for every recipient
// is found before publishing, naming the channel and the language.
func TestCheckNotice(t *testing.T) {
	lib := library(t)
	fam, err := lib.Family("boil-water-advisory")
	if err != nil {
		t.Fatal(err)
	}
	long := fam.Examples()
	long["area"] = strings.Repeat("Calle Río Grande y Lakeview Drive, ", 8) // within the field's 300 characters; í makes it UCS-2
	tests := []struct {
		name string
		edit func(*scheduler.Config, *notices.Notice)
		want []string // in the error; none: no error
	}{
		{"fine", func(*scheduler.Config, *notices.Notice) {}, nil},
		{"public_url on loopback", func(c *scheduler.Config, _ *notices.Notice) { c.PublicURL = "http://127.0.0.1:9999" }, nil},
		{"public_url plain http to another machine", func(c *scheduler.Config, _ *notices.Notice) { c.PublicURL = "http://notices.water.example" },
			[]string{"email (en)", "email (es)", "https://"}},
		{"From not an address", func(c *scheduler.Config, _ *notices.Notice) { c.From = "County Water Board" }, []string{"email (en)", "From"}},
		{"SMS too long", func(_ *scheduler.Config, n *notices.Notice) { n.Values = long }, []string{"sms (en)", "segments"}},
		{"template gone", func(_ *scheduler.Config, n *notices.Notice) { n.Template = "no-such-template" }, []string{"no-such-template"}},
		{"flyer text the font cannot print", func(_ *scheduler.Config, n *notices.Notice) { n.Values["area"] = "清水 Zone 4" },
			[]string{"print: flyer: flyer: template boil-water-advisory, language en:", "清 (U+6E05), 水 (U+6C34)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := scheduler.Config{Library: lib, Utility: utility, PublicURL: "https://water.example"}
			n := notices.Notice{Template: "boil-water-advisory", Values: fam.Examples(), Channels: []notices.Channel{notices.Email, notices.SMS, notices.Print}}
			tt.edit(&cfg, &n)
			err := scheduler.CheckNotice(cfg, n)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("CheckNotice: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("CheckNotice: no error; want one saying %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("CheckNotice:\n%v\nwant it to say %q", err, w)
				}
			}
		})
	}
}

// TestScheduledNoticeCheckedAtItsTime: a notice sent for later whose
// messages can no longer be made when its time comes (the configuration
// changed meanwhile) pauses unpublished with the reason, queuing nothing;
// resumed with the configuration fixed, it goes to everyone.
func TestScheduledNoticeCheckedAtItsTime(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{t: time.Date(2027, 6, 10, 10, 0, 0, 0, time.UTC)}
	s, lib := newStore(t), library(t)
	s.Now = clock.Now
	importContacts(t, s, "all", 5, gen)
	id := scheduleNotice(t, s, lib, "hydrant-flushing", time.Date(2027, 6, 10, 11, 0, 0, 0, time.UTC))

	clock.Set(time.Date(2027, 6, 10, 11, 0, 0, 0, time.UTC))
	email := &clockedSender{clock: clock}
	dispatcher := func(edit func(*scheduler.Config)) *scheduler.Dispatcher {
		return newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{notices.Email: {Sender: email}},
			func(c *scheduler.Config) { c.Now = clock.Now }, edit)
	}
	drain(t, dispatcher(func(c *scheduler.Config) { c.PublicURL = "http://notices.water.example" }), 30*time.Second)
	r := report(t, s, id)
	c := r.Channel(notices.Email)
	if r.Notice.Status != notices.Scheduled || c.Paused == nil || !strings.Contains(c.Paused.Reason, "https://") {
		t.Fatalf("notice %s, pause %+v; want scheduled and paused with the reason", r.Notice.Status, c.Paused)
	}
	if c.Total != 0 || len(email.at) != 0 {
		t.Errorf("%+v, %d sent; want nothing queued or sent", c, len(email.at))
	}

	if _, err := s.Resume(ctx, id); err != nil {
		t.Fatal(err)
	}
	drain(t, dispatcher(func(*scheduler.Config) {}), 30*time.Second)
	if r := report(t, s, id); r.Channel(notices.Email).Sent != 5 || r.Channel(notices.Email).Failed != 0 || r.Notice.Status != notices.Done {
		t.Errorf("after the fix and the resume: %s, %+v; want done with 5 sent", r.Notice.Status, r.Channel(notices.Email))
	}
}
