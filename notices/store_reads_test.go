package notices

import (
	"context"
	"slices"
	"testing"
	"time"
)

// The tests of this file hold, on both engines, store methods no other
// notices test calls: what a user sees of each.

func TestCampaignListDeleteAndRun(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	clock(s)
	addContacts(t, s, "c", 2)
	fam, _ := hydrant(t)
	spring := hydrantCampaign(t, s, "spring flushing")
	hydrantCampaign(t, s, "fall flushing")
	cs, err := s.Campaigns(ctx)
	if err != nil || len(cs) != 2 || cs[0].Name != "fall flushing" || cs[1].Name != "spring flushing" {
		t.Fatalf("Campaigns: %+v, %v; want fall then spring flushing", cs, err)
	}
	fired := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	sum, published, err := s.PublishRun(ctx, spring, fired, fam, "en")
	if err != nil || !published {
		t.Fatalf("PublishRun: %v, %v", published, err)
	}
	name, zone, at, ok, err := s.NoticeRun(ctx, sum.NoticeID)
	if err != nil || !ok || name != "spring flushing" || zone != "America/New_York" || !at.Equal(fired) {
		t.Errorf("NoticeRun: %q %q %v %v %v; want spring flushing's firing at %v", name, zone, at, ok, err, fired)
	}
	if err := s.DeleteCampaign(ctx, "spring flushing"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteCampaign(ctx, "spring flushing"); ErrorCode(err) != NotFound {
		t.Errorf("deleting it again: %v; want NotFound", err)
	}
	if cs, _ := s.Campaigns(ctx); len(cs) != 1 {
		t.Errorf("%d campaigns after deleting one of two", len(cs))
	}
	if _, _, _, ok, err := s.NoticeRun(ctx, sum.NoticeID); err != nil || ok {
		t.Errorf("NoticeRun after deleting its campaign: %v, %v; want a notice a person sent", ok, err)
	}
	if n, err := s.Notice(ctx, sum.NoticeID); err != nil || n.ID != sum.NoticeID {
		t.Errorf("the firing's notice after deleting its campaign: %+v, %v; want it kept", n, err)
	}
}

func TestQueueReads(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	clock(s)
	addContacts(t, s, "c", 3)
	publishNotice(t, s, Notice{Channels: []Channel{Email, SMS}})

	out, err := s.Outstanding(ctx)
	if err != nil || out[Email] != 3 || out[SMS] != 3 {
		t.Errorf("Outstanding: %v, %v; want 3 emails and 3 texts", out, err)
	}
	due, ok, err := s.NextDue(ctx, Email, "w1", ClaimScope{})
	if err != nil || !ok || due.After(s.Now()) {
		t.Errorf("NextDue: %v, %v, %v; want due by now %v", due, ok, err, s.Now())
	}
	quiet := map[Channel]ClaimScope{SMS: {EmergencyOnly: true}}
	if pending, err := s.PendingExcept(ctx, quiet, SMS); err != nil || pending {
		t.Errorf("PendingExcept with a normal notice's texts held: %v, %v; want nothing pending", pending, err)
	}
	if pending, err := s.PendingExcept(ctx, nil, SMS); err != nil || !pending {
		t.Errorf("PendingExcept with nothing held: %v, %v; want texts pending", pending, err)
	}
	if n, err := s.QuietHeld(ctx); err != nil || n != 3 {
		t.Errorf("QuietHeld: %d, %v; want the 3 texts", n, err)
	}

	taken := claim(t, s, Email, "w1", 0, 10)
	// Deliveries being sent are still outstanding.
	if out, err := s.Outstanding(ctx); err != nil || out[Email] != 3 || out[SMS] != 3 {
		t.Errorf("Outstanding with the emails being sent: %v, %v; want 3 emails and 3 texts", out, err)
	}
	renewed, err := s.RenewClaims(ctx, "w1", lease)
	slices.Sort(renewed)
	if err != nil || !slices.Equal(renewed, ids(taken)) {
		t.Errorf("RenewClaims of w1: %v, %v; want its claims %v", renewed, err, ids(taken))
	}
	if renewed, err := s.RenewClaims(ctx, "w2", lease); err != nil || len(renewed) != 0 {
		t.Errorf("RenewClaims of w2, which holds nothing: %v, %v", renewed, err)
	}
	// Every email is w1's now: another dispatcher's next look is when w1's lease ends.
	if due, ok, err := s.NextDue(ctx, Email, "w2", ClaimScope{}); err != nil || !ok || !due.Equal(s.Now().Add(lease)) {
		t.Errorf("NextDue of w2: %v, %v, %v; want the end of w1's lease %v", due, ok, err, s.Now().Add(lease))
	}
}

func TestContactReads(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	cs := addContacts(t, s, "c", 2)
	if _, err := s.CreateList(ctx, "north"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddToList(ctx, "north", "c-1"); err != nil {
		t.Fatal(err)
	}
	members, err := s.ListMembers(ctx, "north", 10)
	if err != nil || len(members) != 1 || members[0].Account != "c-1" {
		t.Errorf("ListMembers: %+v, %v; want c-1", members, err)
	}
	if _, err := s.ListMembers(ctx, "nowhere", 10); ErrorCode(err) != NotFound {
		t.Errorf("ListMembers of nowhere: %v; want NotFound", err)
	}
	publishNotice(t, s, Notice{Channels: []Channel{Email}})
	use, err := s.ContactUse(ctx, "c-1")
	if err != nil || !slices.Equal(use.Lists, []string{"north"}) || use.Deliveries != 1 || use.Queued != 1 {
		t.Errorf("ContactUse of c-1: %+v, %v; want north, 1 delivery queued", use, err)
	}
	if _, err := s.ContactUse(ctx, "c-99"); ErrorCode(err) != NotFound {
		t.Errorf("ContactUse of c-99: %v; want NotFound", err)
	}
	fam, _ := hydrant(t)
	ds, err := s.ContactDeliveries(ctx, cs[0].ID, 10)
	if err != nil || len(ds) != 1 || ds[0].Template != fam.Name || ds[0].Channel != Email {
		t.Errorf("ContactDeliveries of c-1: %+v, %v; want one email of %s", ds, err, fam.Name)
	}
}

func TestUserReads(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	if n, err := s.CountUsers(ctx); err != nil || n != 0 {
		t.Fatalf("CountUsers of a new store: %d, %v; want 0", n, err)
	}
	addUser(t, s, "root", RoleAdmin)
	id := addUser(t, s, "ana", RoleCoordinator)
	if n, err := s.CountUsers(ctx); err != nil || n != 2 {
		t.Errorf("CountUsers: %d, %v; want 2", n, err)
	}
	if u, err := s.UserByID(ctx, id); err != nil || u.Name != "ana" || u.Role != RoleCoordinator {
		t.Errorf("UserByID: %+v, %v; want ana", u, err)
	}
	if _, err := s.UserByID(ctx, 9999); ErrorCode(err) != NotFound {
		t.Errorf("UserByID of 9999: %v; want NotFound", err)
	}
	steps := []struct {
		name       string
		do         func() error
		wantHash   string
		keepsToken bool
	}{
		{"rehash from the stored hash", func() error { return s.RehashPassword(ctx, id, "hash", "hash2") }, "hash2", true},
		{"rehash from a hash changed meanwhile", func() error { return s.RehashPassword(ctx, id, "hash", "hash3") }, "hash2", true},
		{"a new password", func() error { return s.SetPasswordHash(ctx, id, "hash4") }, "hash4", false},
		{"sessions ended", func() error { return s.EndUserSessions(ctx, id) }, "hash4", false},
	}
	for _, st := range steps {
		token, err := s.CreateSession(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		_, err = s.SessionUser(ctx, token, time.Hour)
		if kept := err == nil; kept != st.keepsToken {
			t.Errorf("%s: session kept %v; want %v", st.name, kept, st.keepsToken)
		}
		if u, _ := s.UserByID(ctx, id); u.PasswordHash != st.wantHash {
			t.Errorf("%s: hash %q; want %q", st.name, u.PasswordHash, st.wantHash)
		}
	}
	if err := s.SetPasswordHash(ctx, 9999, "x"); ErrorCode(err) != NotFound {
		t.Errorf("SetPasswordHash of 9999: %v; want NotFound", err)
	}
}

func TestServersAndReplies(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	advance := clock(s)
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if onFile := s.Path() != ""; onFile != (s.Engine() == "sqlite") {
		t.Errorf("Path on %s: %q; want the file on SQLite, none on PostgreSQL", s.Engine(), s.Path())
	}
	for _, w := range []string{"w1", "w2"} {
		if err := s.RegisterServer(ctx, w, "http://127.0.0.1:80"+w[1:]); err != nil {
			t.Fatal(err)
		}
		advance(time.Second)
	}
	if err := s.UnregisterServer(ctx, "w1"); err != nil {
		t.Fatal(err)
	}
	if srv, err := s.Servers(ctx); err != nil || len(srv) != 1 || srv[0].Worker != "w2" || srv[0].AdminURL != "http://127.0.0.1:802" {
		t.Errorf("Servers after w1 stopped: %+v, %v; want w2 alone", srv, err)
	}

	for _, body := range []string{"when is it over?", "thanks"} {
		recordText(t, s, "+13155550101", body, ReplyFeedback)
		advance(time.Second)
	}
	recordText(t, s, "+13155550102", "other", ReplyFeedback)
	rs, err := s.RepliesFrom(ctx, "+13155550101", 10)
	if err != nil || len(rs) != 2 || rs[0].Body != "thanks" || rs[1].Body != "when is it over?" {
		t.Errorf("RepliesFrom: %+v, %v; want the number's two texts, newest first", rs, err)
	}
	if rs, err := s.RepliesFrom(ctx, "+13155550101", 1); err != nil || len(rs) != 1 {
		t.Errorf("RepliesFrom with limit 1: %d, %v", len(rs), err)
	}
}

func TestSuppressFoundKeepsTheNotice(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	addContacts(t, s, "c", 1)
	id := publishNotice(t, s, Notice{Channels: []Channel{Email}})
	sup, added, err := s.SuppressFound(ctx, "C1@Example.org", HardBounce, "550 no such user", "smtp", id)
	if err != nil || !added || sup.Address != "c1@example.org" || sup.NoticeID != id || sup.Reason != HardBounce {
		t.Fatalf("SuppressFound: %+v, %v, %v; want c1@example.org suppressed by notice %d", sup, added, err, id)
	}
	got, found, err := s.Suppressed(ctx, "c1@example.org")
	if err != nil || !found || got.NoticeID != id || got.Note != "550 no such user" {
		t.Errorf("Suppressed: %+v, %v, %v; want the bounce of notice %d", got, found, err, id)
	}
	if _, added, err := s.SuppressFound(ctx, "c1@example.org", HardBounce, "again", "smtp", id); err != nil || added {
		t.Errorf("SuppressFound again: added %v, %v; want nothing added", added, err)
	}
}

// TestTryLeadOneAtATime: of two processes on one database, one leads a
// role at a time, and the other takes it once it is released; on SQLite
// every process leads (the store's keys keep what must happen once).
func TestTryLeadOneAtATime(t *testing.T) {
	ctx := context.Background()
	dsn := testDSN(t)
	a, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	first, err := a.TryLead(ctx, "print")
	if err != nil || first == nil || first.Held(ctx) != nil {
		t.Fatalf("a's TryLead: %v, %v; want a's lead", first, err)
	}
	second, err := b.TryLead(ctx, "print")
	if err != nil {
		t.Fatal(err)
	}
	if rivals := a.Engine() == "postgres"; (second == nil) != rivals {
		t.Fatalf("b's TryLead while a leads on %s: %v; want a lead only on SQLite", a.Engine(), second)
	}
	if second != nil {
		second.Release()
	}
	if other, err := b.TryLead(ctx, "campaigns"); err != nil || other == nil {
		t.Errorf("b's TryLead of another role: %v, %v; want it led", other, err)
	} else {
		other.Release()
	}
	first.Release()
	second, err = b.TryLead(ctx, "print")
	if err != nil || second == nil {
		t.Fatalf("b's TryLead after a released: %v, %v; want b's lead", second, err)
	}
	second.Release()
}
