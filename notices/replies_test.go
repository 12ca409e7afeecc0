package notices

import (
	"context"
	"fmt"
	"testing"
	"time"
)

var textN int

// recordText records a text from from with a fresh message id.
func recordText(t *testing.T, s *Store, from, body string, kind ReplyKind) InboundResult {
	t.Helper()
	textN++
	res, err := s.RecordInbound(context.Background(), InboundText{
		SID: fmt.Sprintf("SM%032d", textN), From: from, To: "+13155550199", Body: body, Kind: kind,
		ReceivedAt: s.Now(), DueOn: "2026-12-14",
	})
	if err != nil {
		t.Fatalf("RecordInbound(%q from %s): %v", body, from, err)
	}
	return res
}

func replySuppression(t *testing.T, s *Store, addr string) *Suppression {
	t.Helper()
	sup, found, err := s.Suppressed(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	if !found {
		return nil
	}
	return &sup
}

func TestRecordInboundStopIsIdempotent(t *testing.T) {
	s := testStore(t)
	ctx := context.Background()
	in := InboundText{SID: "SM1", From: "+13155550101", Body: " Stop. ", Kind: ReplyStop, ReceivedAt: s.Now()}
	res, err := s.RecordInbound(ctx, in)
	if err != nil || !res.Suppressed || res.Before != nil || res.Replay {
		t.Fatalf("first STOP: %+v, %v; want the number suppressed now", res, err)
	}
	sup := replySuppression(t, s, in.From)
	if sup == nil || sup.Reason != StopReply || sup.By != ReplyBy {
		t.Fatalf("suppression %+v, want stop-reply by %q", sup, ReplyBy)
	}
	again, err := s.RecordInbound(ctx, in)
	if err != nil || !again.Replay || again.ID != res.ID || again.Suppressed {
		t.Errorf("the same message again: %+v, %v; want a replay of reply %d that does nothing", again, err, res.ID)
	}
	other := recordText(t, s, in.From, "STOP", ReplyStop)
	if other.Suppressed || other.Before == nil || other.Before.Reason != StopReply {
		t.Errorf("a second STOP: %+v; want it found already suppressed", other)
	}
	evs, err := s.SuppressionHistory(ctx, in.From)
	if err != nil || len(evs) != 1 {
		t.Errorf("history %+v, %v; want one suppression", evs, err)
	}
}

func TestRecordInboundStartLiftsOnlyAStopReply(t *testing.T) {
	s := testStore(t)
	ctx := context.Background()
	for i, reason := range SuppressionReasons {
		t.Run(string(reason), func(t *testing.T) {
			addr := fmt.Sprintf("+131555501%02d", 50+i)
			if _, _, err := s.Suppress(ctx, addr, reason, "", "test"); err != nil {
				t.Fatal(err)
			}
			res := recordText(t, s, addr, "START", ReplyStart)
			lifted := replySuppression(t, s, addr) == nil
			if want := reason == StopReply; res.Resubscribed != want || lifted != want {
				t.Errorf("START after %s: resubscribed %v, lifted %v; want %v", reason, res.Resubscribed, lifted, want)
			}
		})
	}
	res := recordText(t, s, "+13155550160", "START", ReplyStart)
	if res.Resubscribed {
		t.Errorf("START from a number never suppressed: %+v", res)
	}
}

func TestRecordInboundLanguageAndLastNotice(t *testing.T) {
	s := testStore(t)
	ctx := context.Background()
	cs := addContacts(t, s, "r", 2)
	cs[0].Language = "es"
	if _, err := s.SaveContact(ctx, cs[0]); err != nil {
		t.Fatal(err)
	}
	id := publishNotice(t, s, Notice{Channels: []Channel{SMS}})
	for _, d := range claim(t, s, SMS, "w", id, 10) {
		record(t, s, Outcome{ID: d.ID, Status: DeliverySent, Attempted: true, At: s.Now()})
	}
	tests := []struct {
		name, from, lang string
		notice           int64
	}{
		{"the contact's language", cs[0].Mobile, "es", id},
		{"the language of the last text", cs[1].Mobile, "en", id},
		{"a stranger", "+13155550161", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := recordText(t, s, tt.from, "thanks, water is back", ReplyFeedback)
			if res.Language != tt.lang || res.NoticeID != tt.notice {
				t.Errorf("language %q, notice %d; want %q, %d", res.Language, res.NoticeID, tt.lang, tt.notice)
			}
		})
	}
	var got []Reply
	if err := s.EachReply(ctx, ReplyQuery{Kind: ReplyFeedback}, func(r Reply) error { got = append(got, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[2].NoticeID != id || got[2].Body != "thanks, water is back" || got[0].NoticeID != 0 {
		t.Errorf("feedback %+v; want three, newest first, linked to notice %d when the number got it", got, id)
	}
}

func TestReviewQueue(t *testing.T) {
	s := testStore(t)
	ctx := context.Background()
	a := recordText(t, s, "+13155550101", "please stop texting me", ReplyReview)
	b := recordText(t, s, "+13155550102", "no más", ReplyReview)
	queue := func(q ReplyQuery) []int64 {
		t.Helper()
		q.Kind = ReplyReview
		var ids []int64
		if err := s.EachReply(ctx, q, func(r Reply) error {
			if r.DueOn != "2026-12-14" {
				t.Errorf("reply %d due %q, want 2026-12-14", r.ID, r.DueOn)
			}
			ids = append(ids, r.ID)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	if got := queue(ReplyQuery{Open: true}); len(got) != 2 {
		t.Fatalf("open reviews %v, want %d and %d", got, a.ID, b.ID)
	}
	if got := queue(ReplyQuery{Open: true, DueBy: "2026-12-13"}); len(got) != 0 {
		t.Errorf("due by the 13th: %v, want none", got)
	}
	if got := queue(ReplyQuery{Open: true, DueBy: "2026-12-14"}); len(got) != 2 {
		t.Errorf("due by the 14th: %v, want both", got)
	}
	r, err := s.ResolveReply(ctx, a.ID, ReplySuppressed, "ana")
	if err != nil || r.Resolution != ReplySuppressed || r.ResolvedBy != "ana" || r.ResolvedAt.IsZero() {
		t.Fatalf("resolve: %+v, %v", r, err)
	}
	if sup := replySuppression(t, s, "+13155550101"); sup == nil || sup.Reason != StopReply || sup.By != "ana" {
		t.Errorf("suppression %+v, want stop-reply by ana", sup)
	}
	if _, err := s.ResolveReply(ctx, a.ID, ReplyDismissed, "bo"); ErrorCode(err) != Conflict {
		t.Errorf("resolving it again: %v, want a conflict", err)
	}
	if _, err := s.ResolveReply(ctx, b.ID, ReplyDismissed, "bo"); err != nil {
		t.Fatal(err)
	}
	if sup := replySuppression(t, s, "+13155550102"); sup != nil {
		t.Errorf("a dismissed review suppressed %+v", sup)
	}
	if got := queue(ReplyQuery{Open: true}); len(got) != 0 {
		t.Errorf("open reviews after resolving both: %v", got)
	}
	fb := recordText(t, s, "+13155550103", "thanks", ReplyFeedback)
	for _, tt := range []struct {
		name string
		id   int64
		how  ReplyResolution
		by   string
		code Code
	}{
		{"feedback is no review", fb.ID, ReplyDismissed, "bo", Invalid},
		{"no such reply", 999, ReplyDismissed, "bo", NotFound},
		{"no name", b.ID, ReplyDismissed, " ", Invalid},
	} {
		if _, err := s.ResolveReply(ctx, tt.id, tt.how, tt.by); ErrorCode(err) != tt.code {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
		}
	}
}

func TestStopReplyResolvesTheNumbersOpenReviews(t *testing.T) {
	s := testStore(t)
	ctx := context.Background()
	review := recordText(t, s, "+13155550101", "STOP PLEASE", ReplyReview)
	recordText(t, s, "+13155550101", "stop", ReplyStop)
	var got Reply
	if err := s.EachReply(ctx, ReplyQuery{Kind: ReplyReview}, func(r Reply) error { got = r; return nil }); err != nil {
		t.Fatal(err)
	}
	if got.ID != review.ID || got.Resolution != ReplySuppressed || got.ResolvedBy != ReplyBy {
		t.Errorf("the review after the customer's STOP: %+v, want it resolved as suppressed by %q", got, ReplyBy)
	}
}

func TestRecordInboundRefusesANonNumber(t *testing.T) {
	s := testStore(t)
	_, err := s.RecordInbound(context.Background(), InboundText{SID: "SM2", From: "whatsapp:someone", Body: "STOP", Kind: ReplyStop, ReceivedAt: time.Now()})
	if ErrorCode(err) != Invalid {
		t.Errorf("err = %v, want invalid", err)
	}
}

// TestRecordInboundLastWordWins: a stop or start recorded after a later
// one from the same number (a text the web server kept in its spool while
// the store was busy, recorded late) is kept but changes nothing, so the
// customer's last word decides.
func TestRecordInboundLastWordWins(t *testing.T) {
	tests := []struct {
		name       string
		first      string // the earlier text, recorded last
		last       string
		suppressed bool // at the end
	}{
		{name: "START recorded after a later STOP", first: "START", last: "STOP", suppressed: true},
		{name: "STOP recorded after a later START", first: "STOP", last: "START", suppressed: false},
	}
	kinds := map[string]ReplyKind{"STOP": ReplyStop, "START": ReplyStart}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testStore(t)
			ctx := context.Background()
			from := fmt.Sprintf("+131555501%02d", 70+i)
			if tt.first == "START" { // texts stopped by a reply before
				if _, _, err := s.Suppress(ctx, from, StopReply, "", ReplyBy); err != nil {
					t.Fatal(err)
				}
			}
			at := s.Now()
			for _, x := range []struct {
				sid, body string
				at        time.Time
			}{{"SMlast", tt.last, at.Add(time.Second)}, {"SMfirst", tt.first, at}} {
				if _, err := s.RecordInbound(ctx, InboundText{SID: x.sid + tt.first, From: from, Body: x.body, Kind: kinds[x.body], ReceivedAt: x.at}); err != nil {
					t.Fatal(err)
				}
			}
			if got := replySuppression(t, s, from) != nil; got != tt.suppressed {
				t.Errorf("suppressed %v after %s then %s (recorded the other way round); want %v", got, tt.first, tt.last, tt.suppressed)
			}
		})
	}
}
