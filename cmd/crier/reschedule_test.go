package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
)

func TestNoticesReschedule(t *testing.T) {
	nonTerminalStdin(t)
	cfg := exampleSetup(t)
	ny := mustLoad(t, "America/New_York")
	const layout = "2006-01-02 15:04"
	at := time.Now().Add(48 * time.Hour).In(ny).Truncate(time.Minute)
	mustCrier(t, append([]string{"--config", cfg}, sendArgs("--list", "customers", "--channels", "email,sms", "--at", at.Format(layout), "--yes")...)...)
	mustCrier(t, append([]string{"--config", cfg}, sendArgs("--list", "customers", "--channels", "email", "--yes")...)...) // notice 2, sending

	later := at.Add(26 * time.Hour)
	out := mustCrier(t, "--config", cfg, "notices", "reschedule", "1", "--at", later.Format(layout))
	want := "notice 1 now goes out at " + later.Format("2006-01-02 15:04 MST") + " (it was " + at.Format("2006-01-02 15:04 MST") + ")\n"
	if !strings.HasPrefix(out, want) {
		t.Errorf("reschedule says:\n%swant:\n%s", out, want)
	}
	out = mustCrier(t, "--config", cfg, "notices", "show", "1")
	if !strings.HasPrefix(out, "notice 1: scheduled\n") || !strings.Contains(out, "send at:   "+later.Format("2006-01-02 15:04 MST")+"\n") {
		t.Errorf("notices show after reschedule:\n%s", out)
	}
	// The dispatcher wakes for it at the new time, not the old.
	s := openTestStore(t, cfg)
	due, ok, err := s.NextScheduled(context.Background())
	if err != nil || !ok || !due.Equal(later) {
		t.Errorf("next scheduled: %v, %v, %v; want %v", due, ok, err, later)
	}
	// Nothing is written before its time: the audience is read then.
	if n := len(deliveriesOf(t, s, 1)); n != 0 {
		t.Errorf("notice 1 has %d deliveries before its send time; want none yet", n)
	}

	past := time.Now().Add(-time.Hour).In(ny).Format(layout)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"past time", []string{"1", "--at", past}, 2, `--at "` + past + `" is past`},
		{"unreadable time", []string{"1", "--at", "next tuesday"}, 2, "write it as YYYY-MM-DD HH:MM"},
		{"no time", []string{"1"}, 2, "--at"},
		{"a notice already sending", []string{"2", "--at", later.Format(layout)}, 1, "notice 2 is sending: only a notice still waiting for its send time can be rescheduled"},
		{"a missing notice", []string{"99", "--at", later.Format(layout)}, 1, "no notice 99"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := crier(t, append([]string{"--config", cfg, "notices", "reschedule"}, tt.args...)...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, want %d and %q\n%s%s", code, tt.code, tt.want, stdout, stderr)
			}
		})
	}
	if out := mustCrier(t, "--config", cfg, "notices", "show", "1"); !strings.Contains(out, "send at:   "+later.Format("2006-01-02 15:04 MST")+"\n") {
		t.Errorf("a refused reschedule moved the notice:\n%s", out)
	}

	// A cancelled notice is not waiting any more.
	mustCrier(t, "--config", cfg, "notices", "cancel", "1")
	code, _, stderr := crier(t, "--config", cfg, "notices", "reschedule", "1", "--at", later.Format(layout))
	if code != 1 || !strings.Contains(stderr, "notice 1 is cancelled") {
		t.Errorf("reschedule of a cancelled notice: exit %d\n%s", code, stderr)
	}
}

func TestNoticesSchedule(t *testing.T) {
	nonTerminalStdin(t)
	cfg := exampleSetup(t)
	ny := mustLoad(t, "America/New_York")
	if out := mustCrier(t, "--config", cfg, "notices", "schedule"); !strings.HasPrefix(out, "nothing goes out in the next 14 days") {
		t.Errorf("schedule of nothing:\n%s", out)
	}

	// A daily campaign at 07:00, a scheduled notice between its second and
	// third firings, and a paused campaign that is not listed.
	now := time.Now().In(ny)
	firstFiring := time.Date(now.Year(), now.Month(), now.Day(), 7, 0, 0, 0, ny)
	if !firstFiring.After(now) {
		firstFiring = firstFiring.AddDate(0, 0, 1)
	}
	sendAt := firstFiring.AddDate(0, 0, 1).Add(3 * time.Hour)
	mustCrier(t, append([]string{"--config", cfg}, sendArgs("--list", "customers", "--channels", "sms", "--at", sendAt.Format("2006-01-02 15:04"), "--yes")...)...)
	mustCrier(t, append([]string{"--config", cfg}, addArgs("daily", "--schedule", "0 7 * * *")...)...)
	mustCrier(t, append([]string{"--config", cfg}, addArgs("resting", "--schedule", "0 8 * * *")...)...)
	mustCrier(t, "--config", cfg, "campaigns", "pause", "resting")

	out := mustCrier(t, "--config", cfg, "notices", "schedule", "--days", "3")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var rows []string
	for _, l := range lines {
		if strings.Contains(l, "campaign daily") || strings.Contains(l, "notice 1") {
			rows = append(rows, l)
		}
	}
	wantRows := []struct {
		at   time.Time
		what string
	}{
		{firstFiring, "campaign daily"},
		{firstFiring.AddDate(0, 0, 1), "campaign daily"},
		{sendAt, "notice 1"},
		{firstFiring.AddDate(0, 0, 2), "campaign daily"},
	}
	// Three days ahead holds three firings at 07:00, or two when it is
	// just past 07:00 less than three days before the third.
	if third := firstFiring.AddDate(0, 0, 2); third.After(now.AddDate(0, 0, 3)) {
		wantRows = wantRows[:3]
	}
	if len(rows) != len(wantRows) {
		t.Fatalf("schedule rows:\n%s\nwant %d", out, len(wantRows))
	}
	for i, w := range wantRows {
		if !strings.HasPrefix(rows[i], w.at.Format("2006-01-02 15:04 MST")) || !strings.Contains(rows[i], w.what) {
			t.Errorf("row %d: %q; want %s %s", i, rows[i], w.at.Format("2006-01-02 15:04 MST"), w.what)
		}
	}
	if !strings.Contains(out, "boil-water-advisory") || !strings.Contains(out, "hydrant-flushing") {
		t.Errorf("schedule lacks the templates:\n%s", out)
	}
	if strings.Contains(out, "campaign resting") || !strings.Contains(out, "paused campaigns, not listed: resting (crier campaigns resume NAME)") {
		t.Errorf("schedule of a paused campaign:\n%s", out)
	}
	if code, _, stderr := crier(t, "--config", cfg, "notices", "schedule", "--days", "0"); code != 2 || !strings.Contains(stderr, "--days 0: give 1 or more") {
		t.Errorf("--days 0: exit %d\n%s", code, stderr)
	}
}

// deliveriesOf reads notice id's deliveries.
func deliveriesOf(t *testing.T, s *notices.Store, id int64) []notices.Delivery {
	t.Helper()
	var ds []notices.Delivery
	if err := s.EachDelivery(context.Background(), id, func(d notices.Delivery) error {
		ds = append(ds, d)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return ds
}

// TestListsDeleteRefusesAListStillToSend: a list that a scheduled notice
// (published when it goes) names is not deleted without --force.
func TestListsDeleteRefusesAListStillToSend(t *testing.T) {
	nonTerminalStdin(t)
	cfg := exampleSetup(t)
	ny := mustLoad(t, "America/New_York")
	at := time.Now().Add(48 * time.Hour).In(ny).Format("2006-01-02 15:04")
	mustCrier(t, append([]string{"--config", cfg}, sendArgs("--list", "customers", "--channels", "email", "--at", at, "--yes")...)...)
	code, _, stderr := crier(t, "--config", cfg, "lists", "delete", "customers")
	if code != 1 || !strings.Contains(stderr, "list customers is the audience of notice 1, still to send") || !strings.Contains(stderr, "--force") {
		t.Errorf("lists delete of a list still to send: exit %d\n%s", code, stderr)
	}
	if out := mustCrier(t, "--config", cfg, "lists", "delete", "customers", "--force"); !strings.Contains(out, "deleted list customers") {
		t.Errorf("lists delete --force:\n%s", out)
	}
}
