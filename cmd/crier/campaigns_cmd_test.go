package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/config"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
)

// flushingValues fill the hydrant-flushing template, with dates after
// every firing the tests make (a firing whose dates are past is not sent).
var flushingValues = []string{
	"--set", "area=Zone 3, north of Route 31",
	"--set", "start_date=April 13, 2037",
	"--set", "end_date=April 24, 2037",
	"--set", "start_time=8:00 AM",
	"--set", "end_time=3:30 PM",
}

// addArgs is `campaigns add NAME` of a monthly hydrant-flushing notice to
// the list customers by email, with extra flags after.
func addArgs(name string, extra ...string) []string {
	args := append([]string{"campaigns", "add", name, "--template", "hydrant-flushing", "--schedule", "0 9 1 * *",
		"--timezone", "America/New_York", "--list", "customers", "--channels", "email"}, flushingValues...)
	return append(args, extra...)
}

// openTestStore opens the database of the configuration at cfg (crier.db
// beside it, as in crier.example.toml).
func openTestStore(t *testing.T, cfg string) *notices.Store {
	t.Helper()
	s, err := notices.Open(context.Background(), filepath.Join(filepath.Dir(cfg), "crier.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestCampaignsAddRefusals(t *testing.T) {
	nonTerminalStdin(t)
	cfg := exampleSetup(t)
	// with replaces the flag's value in addArgs (or adds the flag).
	with := func(flag, value string) []string {
		args := addArgs("refused")
		for i := range args {
			if args[i] == flag {
				args[i+1] = value
				return args
			}
		}
		return append(args, flag, value)
	}
	// without leaves the flag and its value out of args.
	without := func(args []string, flag string) []string {
		i := slices.Index(args, flag)
		return append(args[:i:i], args[i+2:]...)
	}
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{name: "schedule that never fires", args: with("--schedule", "0 9 31 2 *"), code: 2,
			want: []string{"--schedule: spec '0 9 31 2 *' never fires", "see crier campaigns add --help"}},
		{name: "schedule that does not read", args: with("--schedule", "every monday"), code: 2,
			want: []string{"--schedule: spec 'every monday'", "five fields"}},
		{name: "zone in the spec", args: with("--schedule", "CRON_TZ=UTC 0 9 * * *"), code: 2,
			want: []string{"give the time zone apart (--timezone)"}},
		{name: "bad time zone", args: with("--timezone", "America/Springfield"), code: 2,
			want: []string{`--timezone "America/Springfield" is not a time zone name`}},
		{name: "Local is no zone", args: with("--timezone", "Local"), code: 2,
			want: []string{`--timezone "Local" is not a time zone name`}},
		{name: "missing template", args: with("--template", "no-such-notice"), code: 1,
			want: []string{`no template named "no-such-notice"`}},
		{name: "value that does not fill", args: append(addArgs("refused"), "--set", "start_time=teatime"), code: 1,
			want: []string{"template hydrant-flushing cannot be filled with these values", "start_time (Daily start time): \"teatime\""}},
		{name: "value missing", args: []string{"campaigns", "add", "refused", "--template", "hydrant-flushing", "--schedule", "@daily",
			"--list", "customers", "--channels", "email", "--set", "area=Zone 3"}, code: 1,
			want: []string{"cannot be filled with these values", "start_date (First day): required"}},
		{name: "no audience named", args: without(addArgs("refused"), "--list"), code: 2,
			want: []string{"name the audience: --list NAME or a filter", "or --all for every contact"}},
		{name: "every contact and a list", args: append(addArgs("refused"), "--all"), code: 2,
			want: []string{"--all is every contact"}},
		{name: "empty audience", args: append(addArgs("refused"), "--zone", "99"), code: 1,
			want: []string{`the audience (lists "customers", zone "99") has no contacts`}},
		{name: "audience reaching nobody on the channels", args: append(with("--channels", "email,sms"), "--street", "8 Oak Hill Road"), code: 1,
			want: []string{"the audience reaches nobody on these channels"}},
		{name: "unknown list", args: with("--list", "nowhere"), code: 1,
			want: []string{`no list named "nowhere"`}},
		{name: "bad channel", args: with("--channels", "email,fax"), code: 2,
			want: []string{`"fax" is not a channel`}},
		{name: "language without a translation", args: with("--lang", "vi"), code: 2,
			want: []string{`template hydrant-flushing has no "vi" translation`}},
		{name: "start unreadable", args: with("--starts", "next spring"), code: 2,
			want: []string{`--starts "next spring": write it as YYYY-MM-DD HH:MM in the campaign's time zone (America/New_York)`}},
		{name: "end before start", args: append(with("--starts", "2030-06-01 00:00"), "--ends", "2030-01-01 00:00"), code: 2,
			want: []string{"--ends 2030-01-01 00:00 EST is not after --starts 2030-06-01 00:00 EDT"}},
		{name: "end past", args: with("--ends", "2020-01-01 00:00"), code: 2,
			want: []string{"--ends 2020-01-01 00:00 EST is past", "would never fire"}},
		{name: "no firing between start and end", args: append(with("--starts", "2030-01-02 00:00"), "--ends", "2030-01-20 00:00"), code: 2,
			want: []string{"has no firing from 2030-01-02 00:00 EST to --ends 2030-01-20 00:00 EST"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := crier(t, append([]string{"--config", cfg}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tt.code, stdout, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if out := mustCrier(t, "--config", cfg, "campaigns", "list"); !strings.Contains(out, "no campaigns yet") {
				t.Errorf("a refused campaign was stored:\n%s", out)
			}
		})
	}

	// A name taken is refused too, and the first campaign stays as it was.
	mustCrier(t, append([]string{"--config", cfg}, addArgs("flushing")...)...)
	code, _, stderr := crier(t, append([]string{"--config", cfg}, addArgs("flushing", "--channels", "sms")...)...)
	if code != 1 || !strings.Contains(stderr, `a campaign named "flushing" exists`) {
		t.Errorf("add of a taken name: exit %d\n%s", code, stderr)
	}
}

// firstOfMonthAt9 returns the n first days of the month at 9:00 in loc
// from the month of from on, as crier campaigns next shows them.
func firstOfMonthAt9(from time.Time, loc *time.Location, n int) []string {
	var lines []string
	for m := 0; len(lines) < n; m++ {
		t := time.Date(from.Year(), from.Month()+time.Month(m), 1, 9, 0, 0, 0, loc)
		if t.Before(from) {
			continue
		}
		lines = append(lines, fmt.Sprintf("%s  (%s UTC)", t.Format("2006-01-02 15:04 MST"), t.UTC().Format("2006-01-02 15:04")))
	}
	return lines
}

func TestCampaignsAddListShowNext(t *testing.T) {
	nonTerminalStdin(t)
	cfg := exampleSetup(t)
	ny := mustLoad(t, "America/New_York")
	// A start in the future makes the firings fixed, whenever the test runs.
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, ny)
	out := mustCrier(t, append([]string{"--config", cfg}, addArgs("flushing", "--starts", "2030-01-01 00:00", "--channels", "email,sms,print", "--lang", "en,es")...)...)
	want := firstOfMonthAt9(start, ny, 12)
	for _, w := range []string{
		"campaign flushing added\n",
		"schedule:  0 9 1 * * in America/New_York\n",
		"starts:    2030-01-01 00:00 EST\n",
		"audience:  lists \"customers\", 24 contact(s) now",
		"next firings:\n  " + want[0] + "\n  " + want[1] + "\n  " + want[2] + "\n",
		"crier serve fires it when it runs (it is not running now)\n",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("add output lacks %q:\n%s", w, out)
		}
	}

	// 9:00 in New York is 14:00 UTC in winter (EST) and 13:00 UTC in
	// summer (EDT).
	out = mustCrier(t, "--config", cfg, "campaigns", "next", "flushing", "-n", "12")
	if got := strings.Split(strings.TrimSpace(out), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("next -n 12:\n%s\nwant:\n%s", out, strings.Join(want, "\n"))
	}
	for _, w := range []string{"2030-01-01 09:00 EST  (2030-01-01 14:00 UTC)", "2030-07-01 09:00 EDT  (2030-07-01 13:00 UTC)"} {
		if !strings.Contains(out, w) {
			t.Errorf("next lacks %q:\n%s", w, out)
		}
	}
	if out := mustCrier(t, "--config", cfg, "campaigns", "next", "flushing"); strings.Count(out, "\n") != 5 {
		t.Errorf("next without -n: %d lines; want 5\n%s", strings.Count(out, "\n"), out)
	}

	// An end date stops the firings.
	mustCrier(t, "--config", cfg, "campaigns", "edit", "flushing", "--ends", "2030-03-15 00:00")
	out = mustCrier(t, "--config", cfg, "campaigns", "next", "flushing", "-n", "5")
	if !strings.HasPrefix(out, strings.Join(want[:3], "\n")+"\nno firing after 2030-03-15 00:00 EDT") {
		t.Errorf("next with an end:\n%s", out)
	}

	out = mustCrier(t, "--config", cfg, "campaigns", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "NAME") {
		t.Fatalf("list:\n%s", out)
	}
	for _, w := range []string{"flushing", "0 9 1 * *", "America/New_York", "email,sms,print", "enabled", "2030-01-01 09:00 EST"} {
		if !strings.Contains(lines[1], w) {
			t.Errorf("list row lacks %q:\n%s", w, out)
		}
	}

	out = mustCrier(t, "--config", cfg, "campaigns", "show", "flushing")
	for _, w := range []string{
		"campaign flushing: enabled\n",
		"template:  hydrant-flushing\n",
		"languages: en, es\n",
		"urgency:   normal\n",
		"audience:  lists \"customers\"\n",
		"channels:  email,sms,print\n",
		"schedule:  0 9 1 * *\n",
		"zone:      America/New_York\n",
		"starts:    2030-01-01 00:00 EST\n",
		"ends:      2030-03-15 00:00 EDT\n",
		"values:\n  area: Zone 3, north of Route 31\n  end_date: April 24, 2037\n  end_time: 3:30 PM\n  start_date: April 13, 2037\n  start_time: 8:00 AM\n",
		"next firings:\n  " + strings.Join(want[:3], "\n  ") + "\n\n",
		"no runs yet",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("show lacks %q:\n%s", w, out)
		}
	}

	for _, args := range [][]string{{"show", "nope"}, {"next", "nope"}, {"pause", "nope"}, {"resume", "nope"}, {"edit", "nope", "--schedule", "@daily"}, {"delete", "nope", "--yes"}} {
		code, _, stderr := crier(t, append([]string{"--config", cfg, "campaigns"}, args...)...)
		if code != 1 || !strings.Contains(stderr, `no campaign named "nope" (crier campaigns list shows them)`) {
			t.Errorf("campaigns %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
		}
	}
}

func TestCampaignsEditPauseResumeDelete(t *testing.T) {
	nonTerminalStdin(t)
	cfg := exampleSetup(t)
	mustCrier(t, append([]string{"--config", cfg}, addArgs("flushing")...)...)
	s := openTestStore(t, cfg)
	ctx := context.Background()
	before, err := s.Campaign(ctx, "flushing")
	if err != nil {
		t.Fatal(err)
	}

	// Only what is given changes.
	out := mustCrier(t, "--config", cfg, "campaigns", "edit", "flushing", "--schedule", "0 7 * * 1", "--timezone", "America/Chicago",
		"--set", "area=Zone 4", "--zone", "1", "--zone", "2", "--rename", "monday-flushing")
	if !strings.HasPrefix(out, "campaign flushing changed, and renamed monday-flushing\n") || !strings.Contains(out, "schedule:  0 7 * * 1 in America/Chicago\n") {
		t.Errorf("edit:\n%s", out)
	}
	after, err := s.Campaign(ctx, "monday-flushing")
	if err != nil {
		t.Fatal(err)
	}
	if after.ID != before.ID || after.Schedule != "0 7 * * 1" || after.Timezone != "America/Chicago" || after.Notice.Values["area"] != "Zone 4" ||
		after.Notice.Values["start_time"] != "8:00 AM" || after.Notice.Template != "hydrant-flushing" || !after.Enabled {
		t.Errorf("after edit: %+v", after)
	}
	// The audience flags replace the whole audience: the list is gone.
	if a := after.Notice.Audience; len(a.Lists) != 0 || strings.Join(a.Zones, ",") != "1,2" {
		t.Errorf("audience after edit: %s", a)
	}
	if len(after.Notice.Channels) != 1 || after.Notice.Channels[0] != notices.Email {
		t.Errorf("channels changed without --channels: %v", after.Notice.Channels)
	}

	refusals := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"nothing to change", nil, 2, "nothing to change"},
		{"never-firing schedule", []string{"--schedule", "0 9 30 2 *"}, 2, "spec '0 9 30 2 *' never fires"},
		{"another template with the old values", []string{"--template", "bill-due-reminder", "--set", "due_date=December 15, 2030"}, 2,
			"--template bill-due-reminder: it has no field area, end_date, end_time, start_date, start_time of the campaign's values: --unset them"},
		{"unset a value it lacks", []string{"--unset", "pay_url"}, 2, "--unset pay_url: the campaign has no value for pay_url"},
		{"bad urgency", []string{"--urgency", "high"}, 2, `--urgency "high": use normal or emergency`},
		{"empty audience", []string{"--zone", "99"}, 1, "has no contacts"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := crier(t, append([]string{"--config", cfg, "campaigns", "edit", "monday-flushing"}, tt.args...)...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, want %d and %q\n%s%s", code, tt.code, tt.want, stdout, stderr)
			}
			if c, err := s.Campaign(ctx, "monday-flushing"); err != nil || c.UpdatedAt != after.UpdatedAt {
				t.Errorf("a refused edit changed the campaign: %+v, %v", c, err)
			}
		})
	}
	// Another template goes with its own values.
	out = mustCrier(t, "--config", cfg, "campaigns", "edit", "monday-flushing", "--template", "bill-due-reminder", "--unset", "area",
		"--unset", "start_date", "--unset", "end_date", "--unset", "start_time", "--unset", "end_time", "--set", "due_date=December 15, 2030", "--all-contacts")
	if c, _ := s.Campaign(ctx, "monday-flushing"); c.Notice.Template != "bill-due-reminder" || len(c.Notice.Values) != 1 || len(c.Notice.Audience.Zones) != 0 {
		t.Errorf("after changing the template: %+v\n%s", c, out)
	}

	out = mustCrier(t, "--config", cfg, "campaigns", "pause", "monday-flushing")
	if out != "campaign monday-flushing paused: it does not fire until crier campaigns resume monday-flushing\n" {
		t.Errorf("pause:\n%s", out)
	}
	if out := mustCrier(t, "--config", cfg, "campaigns", "pause", "monday-flushing"); !strings.Contains(out, "paused already") {
		t.Errorf("pause twice:\n%s", out)
	}
	if out := mustCrier(t, "--config", cfg, "campaigns", "list"); !strings.Contains(out, " paused ") {
		t.Errorf("list of a paused campaign:\n%s", out)
	}
	if out := mustCrier(t, "--config", cfg, "campaigns", "show", "monday-flushing"); !strings.Contains(out, "campaign monday-flushing: paused") ||
		!strings.Contains(out, "next firings, if resumed before them:") {
		t.Errorf("show of a paused campaign:\n%s", out)
	}
	if out := mustCrier(t, "--config", cfg, "campaigns", "next", "monday-flushing", "-n", "2"); !strings.HasPrefix(out, "campaign monday-flushing is paused") ||
		strings.Count(out, " UTC)\n") != 2 {
		t.Errorf("next of a paused campaign:\n%s", out)
	}
	if c, _ := s.Campaign(ctx, "monday-flushing"); c.Enabled {
		t.Errorf("enabled after pause")
	}
	out = mustCrier(t, "--config", cfg, "campaigns", "resume", "monday-flushing")
	if !strings.Contains(out, "resumed: its firings count from now; those it skipped while paused are not sent late") || !strings.Contains(out, "next firing: ") {
		t.Errorf("resume:\n%s", out)
	}
	if c, _ := s.Campaign(ctx, "monday-flushing"); !c.Enabled {
		t.Errorf("paused after resume")
	}
	if out := mustCrier(t, "--config", cfg, "campaigns", "resume", "monday-flushing"); !strings.Contains(out, "was not paused") {
		t.Errorf("resume twice:\n%s", out)
	}

	code, _, stderr := crier(t, "--config", cfg, "campaigns", "delete", "monday-flushing")
	if code != 2 || !strings.Contains(stderr, "add --yes to delete without asking") {
		t.Errorf("delete off a terminal without --yes: exit %d\n%s", code, stderr)
	}
	out = mustCrier(t, "--config", cfg, "campaigns", "delete", "monday-flushing", "--yes")
	if !strings.Contains(out, "campaign monday-flushing deleted; the notices it published stay") {
		t.Errorf("delete:\n%s", out)
	}
	if out := mustCrier(t, "--config", cfg, "campaigns", "list"); !strings.Contains(out, "no campaigns yet") {
		t.Errorf("list after delete:\n%s", out)
	}
}

// TestCampaignsShowRuns drives the scheduler's campaigner with a clock set
// past two firings, as if crier serve came back up just after the second:
// the first is recorded missed, the second published, and show lists both.
func TestCampaignsShowRuns(t *testing.T) {
	nonTerminalStdin(t)
	cfg := exampleSetup(t)
	mustCrier(t, append([]string{"--config", cfg}, addArgs("flushing")...)...)
	s := openTestStore(t, cfg)
	ctx := context.Background()
	ny := mustLoad(t, "America/New_York")
	firings := firstOfMonthAt9(time.Now().In(ny), ny, 2)
	first, err := time.ParseInLocation("2006-01-02 15:04 MST", firings[0][:20], ny)
	if err != nil {
		t.Fatal(err)
	}
	second := time.Date(first.Year(), first.Month()+1, 1, 9, 0, 0, 0, ny)

	conf, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	lib, _, err := conf.Library()
	if err != nil {
		t.Fatal(err)
	}
	cp := scheduler.Campaigner{Store: s, Library: lib, DefaultLanguage: "en", Grace: time.Hour}
	published, err := cp.Tick(ctx, second.Add(30*time.Minute))
	if err != nil || len(published) != 1 {
		t.Fatalf("tick: published %v, %v; want one notice", published, err)
	}

	out := mustCrier(t, "--config", cfg, "campaigns", "show", "flushing")
	want := fmt.Sprintf("runs, newest first: 1 published, 1 missed\n"+
		"SCHEDULED             STATUS     NOTICE OR WHY\n"+
		"%s  published  notice %d\n"+
		"%s  missed     Crier was not running at %s",
		second.Format("2006-01-02 15:04 MST"), published[0], first.Format("2006-01-02 15:04 MST"), first.Format("2006-01-02 15:04 MST"))
	if !strings.Contains(out, want) {
		t.Errorf("show lacks the runs:\n%s\nwant:\n%s", out, want)
	}
	// The next firing is the one after those handled, not one already
	// past for the scheduler.
	third := time.Date(second.Year(), second.Month()+1, 1, 9, 0, 0, 0, ny)
	if !strings.Contains(out, "next firings:\n  "+third.Format("2006-01-02 15:04 MST")) {
		t.Errorf("show's next firing is not %s:\n%s", third, out)
	}
	if out := mustCrier(t, "--config", cfg, "campaigns", "list"); !strings.Contains(out, second.Format("2006-01-02 15:04 MST")+" published") {
		t.Errorf("list lacks the last run:\n%s", out)
	}
	if out := mustCrier(t, "--config", cfg, "notices", "show", fmt.Sprint(published[0])); !strings.Contains(out, "template:  hydrant-flushing") {
		t.Errorf("the run's notice:\n%s", out)
	}
}

// TestCampaignsFiredAt checks a template that declares fired_at, which
// the scheduler fills at each firing: add does not ask for it.
func TestCampaignsFiredAt(t *testing.T) {
	nonTerminalStdin(t)
	cfg := exampleSetup(t)
	dir := filepath.Join(filepath.Dir(cfg), "templates")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	const template = `---
name: reading-reminder
title: Meter Reading Reminder
description: Reminds customers that meters are read this week.
category: information
subject: "Meter reading as of {{.fired_at}}"
sms: "{{.utility.name}}: meters are read this week (as of {{.fired_at}}). Info: {{.utility.phone}}"
fields:
  - name: fired_at
    label: As of
    type: text
    required: true
    example: 2027-01-01 09:00
    help: Filled by the scheduler at each firing.
---
Meters in your area are read this week, as of {{.fired_at}}.
`
	if err := os.WriteFile(filepath.Join(dir, "reading-reminder.md"), []byte(template), 0o644); err != nil {
		t.Fatal(err)
	}
	// templates_dir belongs at the top of the file, before the first table.
	body, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, append([]byte("templates_dir = \"templates\"\n"), body...), 0o644); err != nil {
		t.Fatal(err)
	}
	out := mustCrier(t, "--config", cfg, "campaigns", "add", "readings", "--template", "reading-reminder", "--schedule", "@weekly", "--channels", "sms", "--list", "customers")
	if !strings.Contains(out, "campaign readings added") {
		t.Errorf("add:\n%s", out)
	}
	s := openTestStore(t, cfg)
	if c, err := s.Campaign(context.Background(), "readings"); err != nil || len(c.Notice.Values) != 0 {
		t.Errorf("the sample fired_at was stored: %+v, %v", c, err)
	}
}
