package app

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/internal/password"
	"github.com/crier-notices/crier/notices"
)

// The tests hash at argon2id's least cost: they check what is stored
// and refused, not the hash's strength (internal/password's tests hold
// Default).
func init() { password.Default = password.Params{Memory: 64, Time: 1, Threads: 1} }

// newUsersApp is an App over a new store, with an admin acting.
func newUsersApp(t *testing.T) (context.Context, *App) {
	t.Helper()
	st, err := notices.Open(context.Background(), filepath.Join(t.TempDir(), "crier.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := WithActor(context.Background(), Actor{Name: "root-admin", Role: notices.RoleAdmin, Via: "console"})
	return ctx, &App{Store: st, PhoneRegion: "US"}
}

const pw = "rain on the reservoir"

// TestAddUserProblems: each bad field is named, all at once.
func TestAddUserProblems(t *testing.T) {
	ctx, a := newUsersApp(t)
	tests := []struct {
		name   string
		user   NewUser
		fields []string
	}{
		{"everything wrong", NewUser{Name: "", Role: "boss", Password: "short", Email: "x@", Phone: "12"}, []string{"name", "role", "password", "email", "phone"}},
		{"a space in the name", NewUser{Name: "ana maria", Role: notices.RoleViewer, Password: pw}, []string{"name"}},
		{"the name in the password", NewUser{Name: "reservoir", Role: notices.RoleViewer, Password: pw}, []string{"password"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.AddUser(ctx, tt.user)
			var ie *InvalidError
			if !errors.As(err, &ie) {
				t.Fatalf("err %v, want an *InvalidError", err)
			}
			var got []string
			for _, p := range ie.Problems {
				got = append(got, p.Field)
			}
			if strings.Join(got, ",") != strings.Join(tt.fields, ",") {
				t.Errorf("fields %v, want %v", got, tt.fields)
			}
		})
	}
	if n, _ := a.Store.CountUsers(ctx); n != 0 {
		t.Errorf("%d users stored from refused input", n)
	}
}

// TestAddUserStoresAHash: the password is stored as an argon2id hash that
// verifies, the phone in E.164, and the addition is audited under the actor.
func TestAddUserStoresAHash(t *testing.T) {
	ctx, a := newUsersApp(t)
	u, err := a.AddUser(ctx, NewUser{Name: " ana ", Role: notices.RoleCoordinator, Password: pw, Email: "ana@water.example.org", Phone: "(315) 555-0101"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.Store.UserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "ana" || got.Phone != "+13155550101" || strings.Contains(got.PasswordHash, pw) || password.Verify(pw, got.PasswordHash) != nil {
		t.Errorf("stored %+v", got)
	}
	if _, err := a.AddUser(ctx, NewUser{Name: "ANA", Role: notices.RoleViewer, Password: "tides turn twice a day"}); ErrorCode(err) != notices.Conflict {
		t.Errorf("a taken name: %v, want a conflict", err)
	}
	log, _ := a.Store.AuditLog(ctx, 5, 0)
	if len(log) != 1 || log[0].Actor != "root-admin" || log[0].Action != "user-add" || log[0].Subject != "user ana" || log[0].Detail != "role coordinator" {
		t.Errorf("audit log %+v", log)
	}
}

// TestLastAdmin: the last active admin can be neither disabled nor
// demoted; with a second active admin, either can; a disabled admin does
// not count.
func TestLastAdmin(t *testing.T) {
	ctx, a := newUsersApp(t)
	for _, n := range []string{"ana", "bo"} {
		if _, err := a.AddUser(ctx, NewUser{Name: n, Role: notices.RoleAdmin, Password: pw}); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.SetRole(ctx, "bo", notices.RoleCoordinator); err != nil {
		t.Fatalf("demote one of two admins: %v", err)
	}
	if err := a.SetRole(ctx, "ana", notices.RoleViewer); ErrorCode(err) != notices.Conflict {
		t.Errorf("demote the last admin: %v, want a conflict", err)
	}
	if err := a.DisableUser(ctx, "ana"); ErrorCode(err) != notices.Conflict {
		t.Errorf("disable the last admin: %v, want a conflict", err)
	}
	if err := a.SetRole(ctx, "bo", notices.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if err := a.DisableUser(ctx, "bo"); err != nil {
		t.Fatalf("disable one of two admins: %v", err)
	}
	if err := a.DisableUser(ctx, "ana"); ErrorCode(err) != notices.Conflict {
		t.Errorf("disable the last active admin beside a disabled one: %v, want a conflict", err)
	}
	ana, _ := a.Store.UserByName(ctx, "ana")
	if ana.Disabled || ana.Role != notices.RoleAdmin {
		t.Errorf("ana after refused changes: %+v", ana)
	}
}

// TestChangesEndSessions: a new password, a new role and disabling each
// end the user's sessions.
func TestChangesEndSessions(t *testing.T) {
	ctx, a := newUsersApp(t)
	if _, err := a.AddUser(ctx, NewUser{Name: "root", Role: notices.RoleAdmin, Password: pw}); err != nil {
		t.Fatal(err)
	}
	bo, err := a.AddUser(ctx, NewUser{Name: "bo", Role: notices.RoleCoordinator, Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	changes := []struct {
		name   string
		change func() error
	}{
		{"password", func() error { return a.SetPassword(ctx, "bo", "tides turn twice a day") }},
		{"role", func() error { return a.SetRole(ctx, "bo", notices.RoleViewer) }},
		{"disable", func() error { return a.DisableUser(ctx, "bo") }},
	}
	for _, c := range changes {
		t.Run(c.name, func(t *testing.T) {
			token, err := a.Store.CreateSession(ctx, bo.ID)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.change(); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Store.SessionUser(ctx, token, time.Hour); err == nil {
				t.Errorf("bo's session is still open after the %s change", c.name)
			}
		})
	}
	log, _ := a.Store.AuditLog(ctx, 3, 0)
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action)
	}
	if strings.Join(actions, " ") != "user-disable user-role user-password" {
		t.Errorf("audit actions %v", actions)
	}
}

// TestSetupAdmin: the first admin is made on a store with no users only.
func TestSetupAdmin(t *testing.T) {
	_, a := newUsersApp(t)
	ctx := context.Background()
	u, err := a.SetupAdmin(ctx, NewUser{Name: "ana", Role: notices.RoleViewer, Password: pw})
	if err != nil || u.Role != notices.RoleAdmin {
		t.Fatalf("setup: %+v %v, want an admin", u, err)
	}
	if _, err := a.SetupAdmin(ctx, NewUser{Name: "eve", Password: pw}); !errors.Is(err, ErrNoSetup) {
		t.Errorf("a second setup: %v, want ErrNoSetup", err)
	}
	log, _ := a.Store.AuditLog(ctx, 5, 0)
	if len(log) != 1 || log[0].Actor != "ana" || log[0].Action != "user-add" {
		t.Errorf("audit log %+v, want ana's user-add", log)
	}
}

// TestTokens: a token is made and revoked, both audited; bad input is
// named by field.
func TestTokens(t *testing.T) {
	ctx, a := newUsersApp(t)
	token, err := a.CreateToken(ctx, "work-orders", notices.RoleCoordinator)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Store.TokenByValue(ctx, token); err != nil {
		t.Errorf("the new token: %v", err)
	}
	if _, err := a.CreateToken(ctx, "", "boss"); len(ProblemsOf(err)) != 2 {
		t.Errorf("no name and a bad role: %v, want two problems", err)
	}
	if err := a.RevokeToken(ctx, "work-orders"); err != nil {
		t.Fatal(err)
	}
	if err := a.RevokeToken(ctx, "work-orders"); ErrorCode(err) != notices.NotFound {
		t.Errorf("revoke again: %v, want not found", err)
	}
	log, _ := a.Store.AuditLog(ctx, 5, 0)
	if len(log) != 2 || log[0].Action != "token-revoke" || log[1].Action != "token-create" || log[1].Subject != "token work-orders" {
		t.Errorf("audit log %+v", log)
	}
}
