package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// billArgs is `campaigns add NAME` of a bill reminder at 9:00 on the 1st
// in New York with the due date given.
func billArgs(name, due string, extra ...string) []string {
	return append([]string{"campaigns", "add", name, "--template", "bill-due-reminder", "--schedule", "0 9 1 * *",
		"--timezone", "America/New_York", "--list", "customers", "--channels", "email", "--set", "due_date=" + due}, extra...)
}

// TestCampaignsRelativeDates: add takes a due date relative to each
// firing, next shows what each firing resolves it to, and add warns (on
// standard error, storing the campaign all the same) of a fixed date in a
// campaign that fires every month and of a next firing that would not be
// sent for a past date; dates out of the template's order are refused.
func TestCampaignsRelativeDates(t *testing.T) {
	nonTerminalStdin(t)
	cfg := exampleSetup(t)
	ny := mustLoad(t, "America/New_York")
	var firings []time.Time // the next three 1sts at 9:00
	for m := 0; len(firings) < 3; m++ {
		now := time.Now().In(ny)
		if at := time.Date(now.Year(), now.Month()+time.Month(m), 1, 9, 0, 0, 0, ny); at.After(now) {
			firings = append(firings, at)
		}
	}
	long := func(t time.Time) string { return t.Format("January 2, 2006") }
	past := long(firings[0].AddDate(0, 0, -1))
	fixed := long(firings[0].AddDate(0, 0, 14))

	tests := []struct {
		name      string
		args      []string
		code      int
		warnings  []string // on standard error, in order
		nextShows []string // campaigns next's lines, in part
	}{
		{
			name: "+14d resolves at each firing",
			args: billArgs("plus14", "+14d"),
			nextShows: []string{
				firingLine(firings[0], ny) + "  due_date: " + long(firings[0].AddDate(0, 0, 14)),
				firingLine(firings[1], ny) + "  due_date: " + long(firings[1].AddDate(0, 0, 14)),
				firingLine(firings[2], ny) + "  due_date: " + long(firings[2].AddDate(0, 0, 14)),
			},
		},
		{
			name:      "day:15",
			args:      billArgs("fifteenth", "day:15"),
			nextShows: []string{firingLine(firings[1], ny) + "  due_date: " + long(firings[1].AddDate(0, 0, 14))},
		},
		{
			name:     "a fixed date in a monthly campaign",
			args:     billArgs("fixed", fixed),
			warnings: []string{"warning: due_date is fixed: every firing will say " + fixed + "; use a date relative to the firing, such as due_date=+14d or due_date=day:15"},
			nextShows: []string{
				firingLine(firings[1], ny) + "\n  not sent (it would be recorded missed): due_date is " + fixed + ", before the day the notice goes out (" + long(firings[1]) + ")",
			},
		},
		{
			name: "a fixed date past at the next firing",
			args: billArgs("late", past),
			warnings: []string{
				"warning: the next firing, " + firings[0].Format("2006-01-02 15:04 MST") + ", would not be sent (it would be recorded missed): due_date is " + past + ", before the day the notice goes out (" + long(firings[0]) + ")",
				"warning: due_date is fixed: every firing will say " + past,
			},
		},
		{
			name: "dates out of the template's order are refused",
			args: append(addArgs("backwards"), "--set", "start_date="+fixed, "--set", "end_date="+long(firings[0].AddDate(0, 0, 10)), "--set", "start_date.es=+1d", "--set", "end_date.es=+0d"),
			code: 1,
			warnings: []string{"crier: the next firing, " + firings[0].Format("2006-01-02 15:04 MST") + ", would not be sent: its dates are out of the order template hydrant-flushing declares:\n" +
				"  end_date (" + long(firings[0].AddDate(0, 0, 10)) + ") is before start_date (" + fixed + "); the template says it comes on or after start_date\n" +
				"  end_date.es (" + long(firings[0]) + ") is before start_date.es (" + long(firings[0].AddDate(0, 0, 1)) + ")"},
		},
		{
			name:     "a relative date it cannot read",
			args:     billArgs("typo", "+14days"),
			code:     1,
			warnings: []string{`due_date (Due date): "+14days" is not a date relative to the firing: write +14d (14 days after the firing's date), +2w (2 weeks after), day:15 (the 15th of the firing's month; the last day of a month without a 15th)`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := crier(t, append([]string{"--config", cfg}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d; want %d\n%s%s", code, tt.code, stdout, stderr)
			}
			rest := stderr
			for _, w := range tt.warnings {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("standard error:\n%s\nwant, in order:\n%s", stderr, strings.Join(tt.warnings, "\n"))
				}
				rest = rest[i+len(w):]
			}
			if tt.warnings == nil && stderr != "" {
				t.Errorf("standard error:\n%s\nwant nothing", stderr)
			}
			if tt.code != 0 {
				return
			}
			out := mustCrier(t, "--config", cfg, "campaigns", "next", tt.args[2], "-n", "3")
			for _, l := range tt.nextShows {
				if !strings.Contains(out, l+"\n") {
					t.Errorf("campaigns next:\n%s\nwant the line:\n%s", out, l)
				}
			}
			// The campaign keeps the value as typed.
			if out := mustCrier(t, "--config", cfg, "campaigns", "show", tt.args[2]); !strings.Contains(out, "  due_date: "+tt.args[len(tt.args)-1][len("due_date="):]+"\n") {
				t.Errorf("campaigns show does not keep the value as typed:\n%s", out)
			}
		})
	}
	// edit warns as add does, and keeps a relative value as typed.
	code, stdout, stderr := crier(t, "--config", cfg, "campaigns", "edit", "plus14", "--set", "due_date="+fixed)
	if want := "warning: due_date is fixed: every firing will say " + fixed; code != 0 || !strings.Contains(stderr, want) {
		t.Errorf("edit to a fixed date: exit %d\n%s%s\nwant %q", code, stdout, stderr, want)
	}
	if code, stdout, stderr := crier(t, "--config", cfg, "campaigns", "edit", "plus14", "--set", "due_date=day:5+1m"); code != 0 || stderr != "" ||
		!strings.Contains(stdout, firingLine(firings[0], ny)+"  due_date: "+long(time.Date(firings[1].Year(), firings[1].Month(), 5, 0, 0, 0, 0, ny))+"\n") {
		t.Errorf("edit to day:5+1m: exit %d\n%s%s", code, stdout, stderr)
	}
}

// firingLine is a firing as campaigns next writes it.
func firingLine(t time.Time, loc *time.Location) string {
	return fmt.Sprintf("%s  (%s UTC)", t.In(loc).Format("2006-01-02 15:04 MST"), t.UTC().Format("2006-01-02 15:04"))
}

// TestSendWarnsOfDates: send warns, before it asks, of a date past on the
// day the notice goes out and of dates out of the order the template
// declares, and sends all the same; a date relative to a firing has no
// meaning without one and is refused.
func TestSendWarnsOfDates(t *testing.T) {
	nonTerminalStdin(t)
	cfg := exampleSetup(t)
	ny := mustLoad(t, "America/New_York")
	day := func(days int) string { return time.Now().In(ny).AddDate(0, 0, days).Format("January 2, 2006") }
	send := func(occurred, expected string, extra ...string) []string {
		return append([]string{"--config", cfg, "send", "boil-water-advisory", "--list", "customers", "--channels", "email", "--yes",
			"--set", "area=Oak Hill Road", "--set", "cause=main-break", "--set", "occurred=" + occurred, "--set", "expected=" + expected}, extra...)
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		stderr   []string // each line, in part
		noStderr bool
	}{
		{"dates in order and to come", send(day(-2), day(2)), 0, nil, true},
		{"occurred may be past, expected may be today", send(day(-20), day(0)), 0, nil, true},
		{"expected past", send(day(-3), day(-1)), 0, []string{"warning: expected is " + day(-1) + ", before the day the notice goes out (" + day(0) + ")"}, false},
		{"expected before occurred", send(day(3), day(2)), 0, []string{"warning: expected (" + day(2) + ") is before occurred (" + day(3) + "); the template says it comes on or after occurred"}, false},
		{"sent at a later time: its day counts", send(day(-3), day(1), "--at", time.Now().In(ny).AddDate(0, 0, 2).Format("2006-01-02 15:04")), 0,
			[]string{"warning: expected is " + day(1) + ", before the day the notice goes out (" + day(2) + ")"}, false},
		{"a relative date", send(day(-1), "+2d"), 1, []string{`"+2d" is a date relative to a campaign's firing, which only crier campaigns add and edit take; give the date itself here`}, false},
	}
	// templates show says which dates may be past and which come after which.
	out := mustCrier(t, "--config", cfg, "templates", "show", "boil-water-advisory")
	for _, w := range []string{"  occurred (date, required) — Date it happened\n      may be in the past\n",
		"      on or after occurred (send warns, and a campaign's firing is not sent, when it is before)\n"} {
		if !strings.Contains(out, w) {
			t.Errorf("templates show lacks %q:\n%s", w, out)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := crier(t, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d; want %d\n%s%s", code, tt.code, stdout, stderr)
			}
			if tt.noStderr && stderr != "" {
				t.Errorf("standard error:\n%s\nwant nothing", stderr)
			}
			for _, w := range tt.stderr {
				if !strings.Contains(stderr, w) {
					t.Errorf("standard error:\n%s\nwant %q", stderr, w)
				}
			}
		})
	}
}

// TestScheduledNoticeFoundLatePauses: a notice sent with --at that no
// dispatcher ran for until three hours after its time is not sent late by
// surprise: crier dispatch pauses it with the reason, notices show says
// it, and notices resume sends it then.
func TestScheduledNoticeFoundLatePauses(t *testing.T) {
	nonTerminalStdin(t)
	cfg := exampleSetup(t)
	ny := mustLoad(t, "America/New_York")
	s := openTestStore(t, cfg)
	ctx := context.Background()
	// Sent four hours ago for an hour later, as crier send does.
	// 20 s short of three hours: found within half a minute, it is 3h late
	// to the minute.
	due := time.Now().Add(-3*time.Hour + 20*time.Second)
	s.Now = func() time.Time { return due.Add(-time.Hour) }
	lib, _ := templates.Builtin()
	fam, err := lib.Family("hydrant-flushing")
	if err != nil {
		t.Fatal(err)
	}
	values := fam.Examples()
	values["start_date"], values["end_date"] = "2030-04-13", "2030-04-24"
	delete(values, "start_date.es")
	delete(values, "end_date.es")
	id, err := s.CreateNotice(ctx, notices.Notice{Template: fam.Name, Values: values, Audience: notices.Audience{Lists: []string{"customers"}},
		Channels: []notices.Channel{notices.Email}, SendAt: due})
	if err != nil {
		t.Fatal(err)
	}
	if sum, err := s.Publish(ctx, id, fam, "en"); err != nil || sum.Status != notices.Scheduled {
		t.Fatalf("publish: %+v, %v; want scheduled", sum, err)
	}

	code, stdout, stderr := crier(t, "--config", cfg, "dispatch")
	if code != 1 {
		t.Errorf("dispatch of a notice found late: exit %d; want 1 (a channel paused)\n%s%s", code, stdout, stderr)
	}
	want := fmt.Sprintf("not sent: due %s, found 3h late (grace 1h); crier notices reschedule %d --at TIME, or crier notices resume %d to send it now",
		due.In(ny).Format("2006-01-02 15:04 MST"), id, id)
	out := mustCrier(t, "--config", cfg, "notices", "show", fmt.Sprint(id))
	if !strings.Contains(out, want) || !strings.HasPrefix(out, fmt.Sprintf("notice %d: scheduled\n", id)) {
		t.Fatalf("notices show:\n%s\nwant it scheduled and paused with %q", out, want)
	}
	if n := len(deliveriesOf(t, s, id)); n != 0 {
		t.Errorf("the late notice has %d deliveries; want none", n)
	}

	mustCrier(t, "--config", cfg, "notices", "resume", fmt.Sprint(id))
	mustCrier(t, "--config", cfg, "dispatch")
	r, err := s.Report(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if c := r.Channel(notices.Email); r.Notice.Status != notices.Done || c.Sent == 0 || c.Sent != c.Total {
		t.Errorf("after resume: %s, %+v; want done, every email sent", r.Notice.Status, c)
	}
}

// TestFiringDatesInFieldOrder: campaigns add and next show a firing's
// resolved dates in the order the template declares them, start_date
// before end_date, as the notice reads, not alphabetically.
func TestFiringDatesInFieldOrder(t *testing.T) {
	nonTerminalStdin(t)
	cfg := exampleSetup(t)
	add := []string{"--config", cfg, "campaigns", "add", "flushing", "--template", "hydrant-flushing", "--schedule", "0 9 1 * *",
		"--timezone", "America/New_York", "--list", "customers", "--channels", "email",
		"--set", "area=Oak Hill", "--set", "start_date=+7d", "--set", "end_date=+14d", "--set", "start_time=8:00 AM",
		"--set", "end_time=4:00 PM", "--set", "days=weekdays"}
	code, stdout, stderr := crier(t, add...)
	if code != 0 {
		t.Fatalf("campaigns add: exit %d\n%s%s", code, stdout, stderr)
	}
	next := mustCrier(t, "--config", cfg, "campaigns", "next", "flushing", "-n", "1")
	for name, out := range map[string]string{"add": stdout, "next": next} {
		s, e := strings.Index(out, "start_date: "), strings.Index(out, "end_date: ")
		if s < 0 || e < 0 || e < s {
			t.Errorf("campaigns %s does not show start_date before end_date:\n%s", name, out)
		}
	}
}
