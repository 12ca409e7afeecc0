package scheduler_test

import (
	"context"
	"crypto/tls"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/channels/email"
	printch "github.com/crier-notices/crier/channels/print"
	"github.com/crier-notices/crier/internal/testenv"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
	"github.com/crier-notices/crier/templates"
)

// waitSent waits until the notice has at least n sent deliveries.
func waitSent(t testing.TB, s *notices.Store, id int64, ch notices.Channel, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if report(t, s, id).Channel(ch).Sent >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%d %s messages not sent within a minute", n, ch)
}

// startDrain runs d.Drain in the background; the returned func waits for it.
func startDrain(t testing.TB, d *scheduler.Dispatcher, within time.Duration) func() {
	ctx, cancel := context.WithTimeout(context.Background(), within)
	done := make(chan error, 1)
	go func() { done <- d.Drain(ctx) }()
	return func() {
		t.Helper()
		defer cancel()
		if err := <-done; err != nil {
			t.Fatalf("drain: %v", err)
		}
		if ctx.Err() != nil {
			t.Fatalf("drain did not finish within %s", within)
		}
	}
}

// TestMailpitOutage stops Mailpit for 5 s in the middle of a send:
// every message arrives once Mailpit is back, none is marked failed, and
// the retries are recorded. Without the circuit breaker the deliveries
// would fail: at 200 a second, 5 s is room for the 300 left to use their
// 3 attempts (backoff 200 ms, doubling); the breaker's probes, which
// count no attempt, are what keeps them queued. (The 20 s outage with
// 5 s backoffs and 8 attempts that this replaces took 40 s, and its
// deliveries could not have used their attempts even without the
// breaker.)
func TestMailpitOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 20 s")
	}
	const outage = 5 * time.Second
	mp := testenv.Mailpit(t)
	s, lib := newStore(t), library(t)
	const n = 400
	importContacts(t, s, "all", n, gen)
	id := publish(t, s, lib, "main-break", "all", notices.Emergency, notices.Email)
	d := newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{notices.Email: {Sender: mailpitSender(t, mp, 4), Concurrency: 4, Rate: 200}},
		func(c *scheduler.Config) { c.MaxAttempts = 3 })
	wait := startDrain(t, d, 3*time.Minute)

	waitSent(t, s, id, notices.Email, 100)
	mp.Stop()
	t.Log("Mailpit stopped")
	time.Sleep(outage) // the fault itself, not a wait for an outcome
	mid := report(t, s, id).Channel(notices.Email)
	mp.Start(t)
	t.Logf("Mailpit started again; during the outage: %+v", mid)
	wait()

	r := report(t, s, id).Channel(notices.Email)
	if r.Sent != n || r.Failed != 0 {
		t.Errorf("report %+v; want all %d sent, none failed", r, n)
	}
	if r.Retried == 0 {
		t.Errorf("report %+v: no retry recorded across a %v outage", r, outage)
	}
	got := map[string]int{}
	for _, m := range mp.Messages(t) {
		got[m.To[0].Address]++
	}
	repeats := 0
	for i := 1; i <= n; i++ {
		switch c := got[gen(i).email]; {
		case c == 0:
			t.Errorf("%s never received the notice", gen(i).email)
		case c > 1:
			repeats += c - 1
		}
	}
	if repeats > 4 {
		t.Errorf("%d repeats; at most the 4 in flight when Mailpit stopped may repeat", repeats)
	}
	for _, dl := range deliveries(t, s, id, notices.Email) {
		if dl.Attempts > 1 && dl.Error == "" {
			t.Errorf("delivery %d took %d attempts but keeps no error", dl.ID, dl.Attempts)
		}
	}
}

// TestCancelWhileSending cancels a notice in the middle of its send: no
// delivery stays queued, the report counts the cancelled ones, and nothing
// goes out after the sends in flight.
func TestCancelWhileSending(t *testing.T) {
	mp := testenv.Mailpit(t)
	s, lib := newStore(t), library(t)
	const n = 300
	importContacts(t, s, "all", n, gen)
	id := publish(t, s, lib, "hydrant-flushing", "all", notices.Normal, notices.Email)
	d := newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{notices.Email: {Sender: mailpitSender(t, mp, 2), Concurrency: 2, Rate: 50}})
	wait := startDrain(t, d, time.Minute)
	waitSent(t, s, id, notices.Email, 50)
	cancelled, err := s.CancelNotice(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	atCancel := report(t, s, id).Channel(notices.Email)
	wait()

	r := report(t, s, id)
	c := r.Channel(notices.Email)
	t.Logf("cancelled %d at once; at the cancel %+v; after %+v", cancelled, atCancel, c)
	if c.Queued != 0 || c.Sending != 0 {
		t.Errorf("after the cancel %d deliveries are queued and %d sending; want none", c.Queued, c.Sending)
	}
	if c.Cancelled == 0 || c.Sent+c.Cancelled != n {
		t.Errorf("report %+v; want sent + cancelled = %d, some cancelled", c, n)
	}
	// Sent after the cancel: at most what the dispatcher held (its two in flight and its backlog).
	if extra := c.Sent - atCancel.Sent - atCancel.Sending; extra > 0 {
		t.Errorf("%d messages went out after the cancel beyond those claimed", extra)
	}
	if got := len(mp.Messages(t)); got != c.Sent {
		t.Errorf("Mailpit holds %d messages; the report says %d sent", got, c.Sent)
	}
	if r.Notice.Status != notices.Cancelled {
		t.Errorf("notice is %s; want cancelled", r.Notice.Status)
	}
}

// TestAuthRefusedPausesTheChannel: an SMTP server that refuses the login
// pauses the notice's email after the first few attempts, the rest stay
// queued and the pause says why; once the password is fixed, resuming
// sends the rest. A recipient the server refuses with 550 fails after one
// attempt with the server's reply, without holding up the others.
func TestAuthRefusedPausesTheChannel(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := testenv.SelfSigned(t, dir)
	const user, password = "crier", "s3cret-Pa55word"
	mp := testenv.Mailpit(t, "--smtp-tls-cert", certFile, "--smtp-tls-key", keyFile, "--smtp-require-starttls",
		"--smtp-auth-file", testenv.MailpitUsers(t, dir, user, password), "--smtp-allowed-recipients", `@example\.org$`)
	host, port := mp.SMTPAddr()
	sender := func(pass string) *email.Sender {
		e, err := email.New(email.Config{Host: host, Port: port, TLS: "mandatory", TLSConfig: &tls.Config{RootCAs: pool},
			Username: user, Password: pass, Connections: 2, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		return e
	}
	s, lib := newStore(t), library(t)
	const n = 60
	importContacts(t, s, "all", n, func(i int) customer {
		c := gen(i)
		if i == 7 {
			c.email = "customer7@elsewhere.example" // refused: 550
		}
		return c
	})
	id := publish(t, s, lib, "boil-water-advisory", "all", notices.Emergency, notices.Email)

	d := newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{notices.Email: {Sender: sender("wrong-password"), Concurrency: 2}})
	drain(t, d, time.Minute) // ends: what is left waits for the coordinator
	r := report(t, s, id).Channel(notices.Email)
	if r.Paused == nil || !strings.Contains(r.Paused.Reason, "535") {
		t.Fatalf("report %+v: the email channel is not paused with the server's reply", r)
	}
	if r.Queued != n || r.Sent+r.Failed != 0 {
		t.Errorf("report %+v; want all %d still queued and none failed", r, n)
	}
	if len(mp.Messages(t)) != 0 {
		t.Errorf("messages arrived with the wrong password")
	}
	for _, dl := range deliveries(t, s, id, notices.Email) {
		if dl.Attempts != 0 {
			t.Errorf("delivery %d counts %d attempts for the channel's fault; want 0", dl.ID, dl.Attempts)
		}
	}

	lifted, err := s.Resume(context.Background(), id)
	if err != nil || len(lifted) != 1 {
		t.Fatalf("resume: %v, %v", lifted, err)
	}
	d = newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{notices.Email: {Sender: sender(password), Concurrency: 2}})
	drain(t, d, time.Minute)
	r = report(t, s, id).Channel(notices.Email)
	if r.Sent != n-1 || r.Failed != 1 || r.Paused != nil {
		t.Errorf("after resuming: %+v; want %d sent, 1 failed, not paused", r, n-1)
	}
	for _, dl := range deliveries(t, s, id, notices.Email) {
		if dl.Address == "customer7@elsewhere.example" {
			if dl.Status != notices.DeliveryFailed || dl.Attempts != 1 || !strings.Contains(dl.Error, "550") || !strings.Contains(dl.Error, "mailbox unavailable") {
				t.Errorf("refused recipient: %s after %d attempts, %q; want failed after 1 with the server's 550 reply", dl.Status, dl.Attempts, dl.Error)
			}
		}
	}
	if got := len(mp.Messages(t)); got != n-1 {
		t.Errorf("Mailpit holds %d messages; want %d", got, n-1)
	}
}

// slowSender takes delay to accept each message, and counts them by
// recipient: a provider slower than the dispatcher's lease.
type slowSender struct {
	delay time.Duration
	mu    sync.Mutex
	got   map[string]int
}

func (s *slowSender) Send(ctx context.Context, m channels.Message) (channels.Receipt, error) {
	time.Sleep(s.delay)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got[m.To]++
	return channels.Receipt{ProviderID: "slow-" + m.ID, At: time.Now()}, nil
}

// TestLeaseRenewedWhileSending: sends that take longer than the lease do
// not let the dispatcher take its own deliveries for a dead one's and send
// them twice; the lease is renewed while they wait and while they go.
func TestLeaseRenewedWhileSending(t *testing.T) {
	s, lib := newStore(t), library(t)
	const n = 12
	importContacts(t, s, "all", n, gen)
	id := publish(t, s, lib, "hydrant-flushing", "all", notices.Normal, notices.SMS)
	slow := &slowSender{delay: 700 * time.Millisecond, got: map[string]int{}}
	d := newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{notices.SMS: {Sender: slow, Concurrency: 3}},
		func(c *scheduler.Config) { c.Lease = 400 * time.Millisecond })
	drain(t, d, time.Minute)
	for i := 1; i <= n; i++ {
		if got := slow.got[gen(i).mobile]; got != 1 {
			t.Errorf("%s got %d messages; want 1", gen(i).mobile, got)
		}
	}
	if r := report(t, s, id).Channel(notices.SMS); r.Sent != n || r.Attempts != n {
		t.Errorf("report %+v; want %d sent in %d attempts", r, n, n)
	}
}

// TestTemplateGonePausesTheNotice: a notice whose template the dispatcher
// cannot find (a custom template deleted after publishing) pauses its
// channels with the reason instead of failing every recipient; every
// delivery stays queued for when the template is back.
func TestTemplateGonePausesTheNotice(t *testing.T) {
	s, lib := newStore(t), library(t)
	importContacts(t, s, "all", 20, gen)
	id := publish(t, s, lib, "hydrant-flushing", "all", notices.Normal, notices.SMS, notices.Print)

	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "other.md"), []byte("---\ntitle: Other\ncategory: information\nsubject: Other\nsms: Other\n---\n# Other\n\nText.\n"), 0o644)
	other, probs := templates.Load(os.DirFS(dir), ".")
	if len(probs.Errors()) > 0 {
		t.Fatalf("the other library: %v", probs)
	}
	f := newTwilioFake(t)
	d := newDispatcher(t, s, other, map[notices.Channel]scheduler.Channel{
		notices.SMS:   {Sender: twilioSender(t, f.srv.URL)},
		notices.Print: {Sender: printch.New(t.TempDir())},
	})
	drain(t, d, time.Minute)
	r := report(t, s, id)
	for _, ch := range []notices.Channel{notices.SMS, notices.Print} {
		c := r.Channel(ch)
		if c.Paused == nil || !strings.Contains(c.Paused.Reason, "hydrant-flushing") {
			t.Errorf("%s: %+v; want paused, naming the template", ch, c)
		}
		if c.Queued != c.Total || c.Failed != 0 {
			t.Errorf("%s: %+v; want every delivery still queued", ch, c)
		}
	}
	if f.requests != 0 {
		t.Errorf("%d texts went out", f.requests)
	}
	if r.Notice.Status != notices.Sending {
		t.Errorf("notice is %s; want still sending", r.Notice.Status)
	}
}

// TestPrintPausesOnGlyphs: a notice whose flyer holds characters the fonts
// cannot print (the configuration lost its font since the notice was
// sent) pauses its print channel with the characters named, instead of
// trying again forever; the letters stay queued.
func TestPrintPausesOnGlyphs(t *testing.T) {
	s, lib := newStore(t), library(t)
	importContacts(t, s, "all", 20, gen)
	id := publish(t, s, lib, "hydrant-flushing", "all", notices.Normal, notices.Print)
	d := newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{
		notices.Print: {Sender: printch.New(t.TempDir())},
	}, func(c *scheduler.Config) { c.Utility.Name = "清水县水务局" })
	drain(t, d, time.Minute)
	c := report(t, s, id).Channel(notices.Print)
	if c.Paused == nil || !strings.Contains(c.Paused.Reason, "清 (U+6E05)") || !strings.Contains(c.Paused.Reason, "language en") {
		t.Errorf("print: %+v; want paused, naming the characters", c)
	}
	if c.Queued != c.Total || c.Failed != 0 {
		t.Errorf("print: %+v; want every delivery still queued", c)
	}
}
