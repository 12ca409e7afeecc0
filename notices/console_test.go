package notices

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The console's store: users, tokens, sessions, the audit log, approvals,
// drafts and the contact search, on every engine.

func addUser(t *testing.T, s *Store, name string, role Role) int64 {
	t.Helper()
	id, err := s.AddUser(context.Background(), User{Name: name, Role: role, PasswordHash: "hash"})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestUserAndTokenNamesIgnoreCase: "Ana" and "ana" are one user, found
// and refused whatever the case, and listed without regard to case; so
// are token names.
func TestUserAndTokenNamesIgnoreCase(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	for _, name := range []string{"bob", "Ana", "carl"} {
		addUser(t, s, name, RoleCoordinator)
	}
	if _, err := s.AddUser(ctx, User{Name: "ANA", Role: RoleViewer, PasswordHash: "h"}); ErrorCode(err) != Conflict {
		t.Errorf("a second Ana in capitals: %v; want Conflict", err)
	}
	if u, err := s.UserByName(ctx, " aNa "); err != nil || u.Name != "Ana" {
		t.Errorf("UserByName(aNa) = %+v, %v; want Ana", u, err)
	}
	if _, err := s.UserByName(ctx, "ann"); ErrorCode(err) != NotFound {
		t.Errorf("UserByName(ann): %v; want NotFound", err)
	}
	us, err := s.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range us {
		names = append(names, u.Name)
	}
	if want := []string{"Ana", "bob", "carl"}; !slices.Equal(names, want) {
		t.Errorf("Users: %v; want %v", names, want)
	}

	token, err := s.CreateToken(ctx, "Work-Orders", RoleCoordinator)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateToken(ctx, "work-orders", RoleViewer); ErrorCode(err) != Conflict {
		t.Errorf("a second token work-orders: %v; want Conflict", err)
	}
	if tk, err := s.TokenByValue(ctx, token); err != nil || tk.Name != "Work-Orders" {
		t.Errorf("TokenByValue: %+v, %v; want Work-Orders", tk, err)
	}
	if ts, err := s.Tokens(ctx); err != nil || len(ts) != 1 || !ts[0].UsedAt.Equal(s.Now()) {
		t.Errorf("Tokens: %+v, %v; want Work-Orders used now", ts, err)
	}
	if err := s.RevokeToken(ctx, "WORK-ORDERS"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TokenByValue(ctx, token); ErrorCode(err) != NotFound {
		t.Errorf("a revoked token opens: %v", err)
	}
	if err := s.RevokeToken(ctx, "work-orders"); ErrorCode(err) != NotFound {
		t.Errorf("revoking it again: %v; want NotFound", err)
	}
}

// TestSessionsEnd: a session finds its user until it idles too long, its
// user signs out or is disabled.
func TestSessionsEnd(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	advance := clock(s)
	addUser(t, s, "root", RoleAdmin)
	id := addUser(t, s, "ana", RoleCoordinator)
	tests := []struct {
		name  string
		after func(token string)
	}{
		{"signed out", func(token string) { s.EndSession(ctx, token) }},
		{"idle too long", func(string) { advance(31 * time.Minute) }},
		{"disabled", func(string) { s.DisableUser(ctx, id) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			token, err := s.CreateSession(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if u, err := s.SessionUser(ctx, token, 30*time.Minute); err != nil || u.ID != id {
				t.Fatalf("SessionUser: %+v, %v; want ana", u, err)
			}
			tc.after(token)
			if _, err := s.SessionUser(ctx, token, 30*time.Minute); ErrorCode(err) != NotFound {
				t.Errorf("the session goes on: %v", err)
			}
		})
	}
}

// TestLastAdminStays: the last active admin can be neither demoted nor
// disabled, not even by two admins demoting each other at the same time
// through two stores (two crier serve).
func TestLastAdminStays(t *testing.T) {
	ctx := context.Background()
	dsn := testDSN(t)
	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	root := addUser(t, s, "root", RoleAdmin)
	if err := s.SetUserRole(ctx, root, RoleViewer); ErrorCode(err) != Conflict {
		t.Errorf("demoting the only admin: %v; want Conflict", err)
	}
	if err := s.DisableUser(ctx, root); ErrorCode(err) != Conflict {
		t.Errorf("disabling the only admin: %v; want Conflict", err)
	}
	other, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	for round := range 20 {
		ana := addUser(t, s, fmt.Sprintf("ana%d", round), RoleAdmin)
		var wg sync.WaitGroup
		for _, c := range []struct {
			st *Store
			id int64
		}{{s, root}, {other, ana}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.st.SetUserRole(ctx, c.id, RoleViewer)
			}()
		}
		wg.Wait()
		us, err := s.Users(ctx)
		if err != nil {
			t.Fatal(err)
		}
		admins := 0
		for _, u := range us {
			if u.Role == RoleAdmin && !u.Disabled {
				admins++
				root = u.ID
			}
		}
		if admins != 1 {
			t.Fatalf("round %d: two admins demoting each other at once left %d admins; want 1", round, admins)
		}
	}
}

// TestAuditLogPages: the log reads newest first, a page at a time.
func TestAuditLogPages(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	for i := 1; i <= 5; i++ {
		if err := s.RecordAudit(ctx, AuditEntry{Actor: "ana", Action: "send", Subject: fmt.Sprintf("notice %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RecordAudit(ctx, AuditEntry{Actor: " ", Action: "send"}); ErrorCode(err) != Invalid {
		t.Errorf("an entry without an actor: %v; want Invalid", err)
	}
	var got []string
	before := int64(0)
	for {
		es, err := s.AuditLog(ctx, 2, before)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) == 0 {
			break
		}
		for _, e := range es {
			got = append(got, e.Subject)
			before = e.ID
		}
	}
	if want := []string{"notice 5", "notice 4", "notice 3", "notice 2", "notice 1"}; !slices.Equal(got, want) {
		t.Errorf("pages of 2: %v; want %v", got, want)
	}
}

// TestApprovals: a draft waits for a second person, who approves it once;
// the one who asked cannot.
func TestApprovals(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	id, err := s.CreateNotice(ctx, Notice{Template: "main-break", Channels: []Channel{SMS}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RequestApproval(ctx, Approval{NoticeID: id, RequestedBy: "Ana", Requester: "ana", Recipients: 1200}); err != nil {
		t.Fatal(err)
	}
	if w, err := s.AwaitingApproval(ctx); err != nil || !w[id] {
		t.Errorf("AwaitingApproval: %v, %v; want notice %d", w, err, id)
	}
	if err := s.ReplaceDraft(ctx, id, Notice{Template: "main-break", Channels: []Channel{Email}}); ErrorCode(err) != Conflict {
		t.Errorf("changing a draft that waits: %v; want Conflict", err)
	}
	if err := s.Approve(ctx, id, "ana", "Ana"); ErrorCode(err) != Conflict {
		t.Errorf("approved by who asked: %v; want Conflict", err)
	}
	if err := s.Approve(ctx, id, "bob", "Bob"); err != nil {
		t.Fatal(err)
	}
	a, err := s.ApprovalOf(ctx, id)
	if err != nil || a.Awaiting || a.ApprovedBy != "Bob" || a.Recipients != 1200 || a.RequestedBy != "Ana" {
		t.Errorf("ApprovalOf: %+v, %v; want approved by Bob", a, err)
	}
	if err := s.Approve(ctx, id, "carl", "Carl"); ErrorCode(err) != Conflict {
		t.Errorf("approved twice: %v; want Conflict", err)
	}
	if err := s.Unapprove(ctx, id); err != nil {
		t.Fatal(err)
	}
	if a, err := s.ApprovalOf(ctx, id); err != nil || !a.Awaiting || a.ApprovedBy != "" {
		t.Errorf("after Unapprove: %+v, %v; want awaiting", a, err)
	}
}

// TestReplaceDraft: a saved draft takes new contents and stays a draft.
func TestReplaceDraft(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	id, err := s.CreateNotice(ctx, Notice{Template: "main-break", Channels: []Channel{SMS}})
	if err != nil {
		t.Fatal(err)
	}
	n := Notice{Template: "hydrant-flushing", Values: map[string]string{"area": "Zone 3"}, Channels: []Channel{Email, SMS},
		Audience: Audience{Zones: []string{"3"}}, Urgency: Emergency}
	if err := s.ReplaceDraft(ctx, id, n); err != nil {
		t.Fatal(err)
	}
	got, err := s.Notice(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != Draft || got.Template != n.Template || got.Values["area"] != "Zone 3" || !slices.Equal(got.Channels, n.Channels) ||
		!slices.Equal(got.Audience.Zones, []string{"3"}) || got.Urgency != Emergency {
		t.Errorf("after ReplaceDraft: %+v", got)
	}
	if err := s.ReplaceDraft(ctx, id+1, n); ErrorCode(err) != NotFound {
		t.Errorf("ReplaceDraft of no notice: %v; want NotFound", err)
	}
}

// TestSearchContacts: the console's search matches any part of a name,
// account, email or address whatever its case, a zone whole, a phone by
// its digits; by name.
func TestSearchContacts(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	for _, c := range []Contact{
		{Account: "A-1", Name: "Ana Ortiz", Email: "ana@example.org", Mobile: "+13155550101", Zone: "north"},
		{Account: "B-2", Name: "Bob Lee", ServiceAddress: "12 Elm Street", Zone: "south"},
		{Account: "C-3", Name: "Carla 100%", PostalAddress: "PO Box 7", Zone: "north"},
	} {
		if _, err := s.SaveContact(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, q string
		want    []string
	}{
		{"name, any case", "ORTIZ", []string{"A-1"}},
		{"email", "EXAMPLE.org", []string{"A-1"}},
		{"street", "elm", []string{"B-2"}},
		{"zone whole", "North", []string{"A-1", "C-3"}},
		{"phone digits", "(315) 555-0101", []string{"A-1"}},
		{"a wildcard is a letter", "%", []string{"C-3"}},
		{"nothing", "zzz", nil},
		{"everyone", "", []string{"A-1", "B-2", "C-3"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs, err := s.SearchContacts(ctx, tc.q, 10)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range cs {
				got = append(got, c.Account)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("SearchContacts(%q) = %v; want %v", tc.q, got, tc.want)
			}
		})
	}
}

// TestDeliveriesCSV: the report's CSV has a row per delivery, a formula
// in a name neutralised.
func TestDeliveriesCSV(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	if _, err := s.SaveContact(ctx, Contact{Account: "A-1", Name: "=HYPERLINK(1)", Mobile: "+13155550101"}); err != nil {
		t.Fatal(err)
	}
	id := publishNotice(t, s, Notice{Channels: []Channel{SMS}})
	var b bytes.Buffer
	if err := s.WriteDeliveriesCSV(ctx, &b, id, time.UTC); err != nil {
		t.Fatal(err)
	}
	header, rows := readCSV(t, b.Bytes())
	if !slices.Equal(header, DeliveryColumns) || len(rows) != 1 {
		t.Fatalf("CSV:\n%s", b.String())
	}
	if r := rows[0]; r["address"] != "+13155550101" || r["name"] != "=HYPERLINK(1)" || r["status"] != "queued" {
		t.Errorf("row %v", r)
	}
	if !strings.Contains(b.String(), ",'=HYPERLINK(1),") {
		t.Errorf("the name's formula is not neutralised:\n%s", b.String())
	}
}
