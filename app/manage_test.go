package app

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
	"github.com/crier-notices/crier/templates"
)

// sendAdvisory composes and sends a boil water advisory to zone north
// (3 contacts), at at (zero: now), and returns what Send did.
func sendAdvisory(t *testing.T, a *App, ctx context.Context, at time.Time) Sent {
	t.Helper()
	req := advisory("north")
	req.At = at
	d, err := a.Compose(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	sent, err := a.Send(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	return sent
}

// actions lists the audit log's actions, oldest first.
func actions(t *testing.T, a *App) []string {
	t.Helper()
	log, err := a.Store.AuditLog(context.Background(), 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(log) - 1; i >= 0; i-- {
		out = append(out, log[i].Action)
	}
	return out
}

func TestCancelWithdrawsTheQueuedAndAudits(t *testing.T) {
	a := testApp(t)
	addContacts(t, a, "north", 3)
	ctx := context.Background()
	sent := sendAdvisory(t, a, ctx, time.Time{})
	n, err := a.Cancel(ctx, sent.ID)
	if err != nil || n != 6 {
		t.Fatalf("Cancel: %d cancelled, %v; want the 6 queued", n, err)
	}
	if _, err := a.Cancel(ctx, sent.ID); ErrorCode(err) != notices.Conflict {
		t.Errorf("cancelling twice: %v, want a conflict", err)
	}
	if _, err := a.Cancel(ctx, 99); ErrorCode(err) != notices.NotFound {
		t.Errorf("cancelling notice 99: %v, want not found", err)
	}
	if got := actions(t, a); !slices.Equal(got, []string{"send", "cancel"}) {
		t.Errorf("audit log %v, want send then cancel", got)
	}
}

func TestRescheduleRefusesAPastTime(t *testing.T) {
	a := testApp(t)
	addContacts(t, a, "north", 3)
	ctx := context.Background()
	sent := sendAdvisory(t, a, ctx, time.Now().Add(2*time.Hour))
	err := a.Reschedule(ctx, sent.ID, time.Now().Add(-time.Minute))
	if p := problemOn(t, err, "at"); p.Message == "" {
		t.Error("no message for a past time")
	}
	later := time.Now().Add(5 * time.Hour).Truncate(time.Second)
	if err := a.Reschedule(ctx, sent.ID, later); err != nil {
		t.Fatal(err)
	}
	n, err := a.Store.Notice(ctx, sent.ID)
	if err != nil || !n.SendAt.Equal(later) {
		t.Errorf("send time %v (%v), want %v", n.SendAt, err, later)
	}
	if err := a.Reschedule(ctx, 99, later); ErrorCode(err) != notices.NotFound {
		t.Errorf("rescheduling notice 99: %v, want not found", err)
	}
	if got := actions(t, a); !slices.Equal(got, []string{"schedule", "reschedule"}) {
		t.Errorf("audit log %v, want schedule then reschedule", got)
	}
}

func TestResumeLiftsThePause(t *testing.T) {
	a := testApp(t)
	addContacts(t, a, "north", 3)
	ctx := context.Background()
	sent := sendAdvisory(t, a, ctx, time.Time{})
	if err := a.Store.PauseChannel(ctx, sent.ID, notices.SMS, "Twilio refused 25 in a row"); err != nil {
		t.Fatal(err)
	}
	n, err := a.Resume(ctx, sent.ID)
	if err != nil || n != 1 {
		t.Fatalf("Resume: %d lifted, %v; want the sms pause", n, err)
	}
	r, err := a.Report(ctx, sent.ID)
	if err != nil || r.Channel(notices.SMS).Paused != nil {
		t.Errorf("report after resume: sms paused %v (%v)", r.Channel(notices.SMS).Paused, err)
	}
	if got := actions(t, a); !slices.Equal(got, []string{"send", "resume"}) {
		t.Errorf("audit log %v, want send then resume", got)
	}
}

func TestSendProof(t *testing.T) {
	a := testApp(t)
	ctx := context.Background()
	if _, _, err := a.Store.Suppress(ctx, "gone@example.org", notices.Manual, "", "test"); err != nil {
		t.Fatal(err)
	}
	d, err := a.Compose(ctx, NoticeRequest{Template: advisory("").Template, Values: advisory("").Values,
		Channels: []notices.Channel{notices.Email, notices.SMS}})
	if err != nil {
		t.Fatal(err)
	}
	mc := a.Messages
	a.Senders = func() (scheduler.Config, func() error, error) { return mc, func() error { return nil }, nil }
	ps, err := a.SendProof(ctx, d, []string{"me@example.org", "315-555-0101", "gone@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps.Proofs) != 2 || len(ps.Suppressed) != 1 || ps.Suppressed[0].Address != "gone@example.org" {
		t.Errorf("proofs %+v, suppressed %+v; want one per language (en, es) and gone@ left out", ps.Proofs, ps.Suppressed)
	}
	sent := 0
	for _, dl := range ps.Outcomes {
		if dl.Status == notices.DeliverySent {
			sent++
		}
	}
	if sent != 4 || len(ps.Outcomes) != 4 {
		t.Errorf("outcomes %+v: want 4 sent (2 addresses × 2 languages)", ps.Outcomes)
	}
	ns, err := a.Store.Notices(ctx)
	if err != nil || len(ns) != 0 {
		t.Errorf("notices list holds %d (%v); a proof is kept apart", len(ns), err)
	}

	tests := []struct {
		name string
		chs  []notices.Channel
		to   []string
		want string
	}{
		{"print only", []notices.Channel{notices.Print}, []string{"me@example.org"}, ProofNoChannel},
		{"not an address", []notices.Channel{notices.Email}, []string{"me at home"}, `"me at home": `},
		{"channel left out", []notices.Channel{notices.SMS}, []string{"me@example.org"}, `"me@example.org" goes by email, which the channels sms leave out`},
		{"every address suppressed", []notices.Channel{notices.Email}, []string{"gone@example.org"}, ProofAllSuppressed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d.Notice.Channels = tc.chs
			_, err := a.SendProof(ctx, d, tc.to)
			if p := problemOn(t, err, "proof"); len(p.Message) < len(tc.want) || p.Message[:len(tc.want)] != tc.want {
				t.Errorf("problem %q, want it to begin %q", p.Message, tc.want)
			}
		})
	}
}

func TestSaveDraftThenSendPublishesIt(t *testing.T) {
	a := testApp(t)
	addContacts(t, a, "north", 3)
	ctx := context.Background()
	req := advisory("north")
	req.Values = templates.Values{"area": "Oak Hill Road"} // half written
	id, err := a.SaveDraft(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := a.Store.Notice(ctx, id); err != nil || n.Status != notices.Draft {
		t.Fatalf("saved draft %+v (%v), want status draft", n, err)
	}
	req = advisory("north")
	req.DraftID = id
	d, err := a.Compose(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	sent, err := a.Send(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if sent.ID != id || sent.Status != notices.Sending || sent.Summary.Queued() != 6 {
		t.Errorf("sent %+v, want draft %d sending 6 messages", sent, id)
	}
	n, err := a.Store.Notice(ctx, id)
	if err != nil || n.Values["cause"] != "main-break" || n.Code != d.Notice.Code {
		t.Errorf("published notice %+v (%v): want the composed values and code", n, err)
	}
	if _, err := a.SaveDraft(ctx, req); ErrorCode(err) != notices.Conflict {
		t.Errorf("saving over a sent notice: %v, want a conflict", err)
	}
	var ie *InvalidError
	if _, err := a.SaveDraft(ctx, NoticeRequest{Template: "nope", Channels: req.Channels}); !errors.As(err, &ie) {
		t.Errorf("a draft of no template: %v, want a problem on template", err)
	}
	if got := actions(t, a); !slices.Equal(got, []string{"draft", "send"}) {
		t.Errorf("audit log %v, want draft then send", got)
	}
}
