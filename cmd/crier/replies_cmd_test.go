package main

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
)

// TestRepliesListAndResolve works the review queue as a coordinator
// does: list it (all, due only), see the feedback, resolve one reply by
// suppressing its number and another by dismissing it, and be told when a
// reply was resolved already.
func TestRepliesListAndResolve(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "crier.db")
	cfg := writeConfig(t, "database = \""+db+"\"\n"+clearwaterConfig)
	s, err := notices.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	today := now.In(mustZone(t, "America/New_York"))
	ids := map[string]int64{}
	for _, r := range []struct{ sid, from, body, due string }{
		{"SM1", "+13155550101", "please stop texting me", today.AddDate(0, 0, -1).Format(time.DateOnly)},
		{"SM2", "+13155550102", "no más \x1b[31mrojo", today.AddDate(0, 0, 9).Format(time.DateOnly)},
		{"SM3", "+13155550103", "thanks, water is back", ""},
	} {
		kind := notices.ReplyReview
		if r.due == "" {
			kind = notices.ReplyFeedback
		}
		res, err := s.RecordInbound(context.Background(), notices.InboundText{SID: r.sid, From: r.from, Body: r.body, Kind: kind, ReceivedAt: now, DueOn: r.due})
		if err != nil {
			t.Fatal(err)
		}
		ids[r.sid] = res.ID
	}
	s.Close()
	id := func(sid string) string { return strconv.FormatInt(ids[sid], 10) }

	steps := []struct {
		name    string
		args    []string
		code    int
		want    []string
		notWant []string
	}{
		{"the queue shows full numbers and due dates", []string{"replies", "list"}, 0,
			[]string{"+13155550101", "please stop texting me", "OVERDUE", "+13155550102", "no más [31mrojo", "2 repl(ies) waiting for review, 1 overdue"},
			[]string{"thanks", "\x1b"}},
		{"--due leaves out what is not due yet", []string{"replies", "list", "--due"}, 0,
			[]string{"+13155550101", "1 repl(ies) waiting for review"}, []string{"+13155550102"}},
		{"--feedback shows the other replies", []string{"replies", "list", "--feedback"}, 0,
			[]string{"+13155550103", "thanks, water is back", "1 repl(ies) of feedback"}, []string{"+13155550101"}},
		{"neither --suppress nor --dismiss", []string{"replies", "resolve", id("SM1")}, 2,
			[]string{"say what reply " + id("SM1") + " is: --suppress (an opt-out: suppress the number) or --dismiss (no opt-out) (see crier replies resolve --help)"}, nil},
		{"both", []string{"replies", "resolve", id("SM1"), "--suppress", "--dismiss"}, 2,
			[]string{"can't be used together"}, nil},
		{"suppress", []string{"replies", "resolve", id("SM1"), "--suppress", "--by", "maria"}, 0,
			[]string{"reply " + id("SM1") + " resolved by maria: +13155550101 is suppressed (stop-reply)"}, nil},
		{"again", []string{"replies", "resolve", id("SM1"), "--dismiss", "--by", "maria"}, 1,
			[]string{"already resolved: suppressed by maria"}, nil},
		{"dismiss", []string{"replies", "resolve", id("SM2"), "--dismiss", "--by", "maria"}, 0,
			[]string{"dismissed by maria: nothing changed for +13155550102"}, nil},
		{"feedback is not resolved", []string{"replies", "resolve", id("SM3"), "--dismiss", "--by", "maria"}, 1,
			[]string{"is feedback, not a reply waiting for review"}, nil},
		{"no such reply", []string{"replies", "resolve", "99", "--dismiss", "--by", "maria"}, 1,
			[]string{"there is no reply 99 (crier replies list shows the review queue)"}, nil},
		{"the queue is empty", []string{"replies", "list"}, 0, []string{"no reply waits for review"}, nil},
		{"the suppression holds", []string{"contacts", "suppressions", "+13155550101"}, 0,
			[]string{"suppressed", "stop-reply: reply " + id("SM1") + " reviewed", "by maria"}, nil},
	}
	for _, st := range steps {
		code, stdout, stderr := crier(t, append([]string{"--config", cfg}, st.args...)...)
		out := stdout + stderr
		if code != st.code {
			t.Errorf("%s: exit %d, want %d\n%s", st.name, code, st.code, out)
		}
		for _, w := range st.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: no %q in\n%s", st.name, w, out)
			}
		}
		for _, w := range st.notWant {
			if strings.Contains(out, w) {
				t.Errorf("%s: %q in\n%s", st.name, w, out)
			}
		}
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
