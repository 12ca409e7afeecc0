package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crier-notices/crier/internal/password"
	"github.com/crier-notices/crier/notices"
)

// stdinWith makes standard input a pipe holding text, as a script piping
// a password in gives it.
func stdinWith(t *testing.T, text string) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteString(text); err != nil {
		t.Fatal(err)
	}
	w.Close()
	old := os.Stdin
	os.Stdin = r
	t.Cleanup(func() { os.Stdin = old; r.Close() })
}

// usersStore is a configuration with an empty database; it returns the
// configuration's and the database's paths.
func usersStore(t *testing.T) (cfg, db string) {
	t.Helper()
	db = filepath.Join(t.TempDir(), "crier.db")
	return writeConfig(t, "database = \""+db+"\"\n"), db
}

// auditOf returns the audit log's actions, oldest first, as
// "actor action subject".
func auditOf(t *testing.T, db string) []string {
	t.Helper()
	s, err := notices.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	es, err := s.AuditLog(context.Background(), 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(es) - 1; i >= 0; i-- {
		out = append(out, es[i].Actor+" "+es[i].Action+" "+es[i].Subject)
	}
	return out
}

// TestUsersCommands: users are added with a password piped in, listed,
// given a new password and role, disabled; the last admin stays; each
// change is in the audit log under the unix user's name.
func TestUsersCommands(t *testing.T) {
	cfg, db := usersStore(t)
	t.Setenv("USER", "maria")
	steps := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		output string
	}{
		{"add an admin", "rain on the reservoir\n", []string{"users", "add", "ana", "--role", "admin", "--email", "ana@water.example.org", "--phone", "315-555-0101"}, 0, "added user ana (admin)"},
		{"add a coordinator", "tides turn twice a day\n", []string{"users", "add", "bo", "--role", "coordinator"}, 0, "added user bo (coordinator)"},
		{"a taken name", "tides turn twice a day\n", []string{"users", "add", "ANA", "--role", "viewer"}, 1, "there is already a user named ANA"},
		{"a short password", "short\n", []string{"users", "add", "cy", "--role", "viewer"}, 1, "password: the password needs at least 12 characters"},
		{"the name in the password", "cy is the best of them\n", []string{"users", "add", "cy", "--role", "viewer"}, 1, "password: the password may not contain the user's name"},
		{"a bad email", "tides turn twice a day\n", []string{"users", "add", "cy", "--role", "viewer", "--email", "cy@"}, 1, "email: "},
		{"no password", "", []string{"users", "add", "cy", "--role", "viewer"}, 2, "no password on standard input"},
		{"a bad role", "tides turn twice a day\n", []string{"users", "add", "cy", "--role", "boss"}, 2, "--role"},
		{"list", "", []string{"users", "list"}, 0, "2 user(s)"},
		{"new password", "the river runs north\n", []string{"users", "passwd", "bo"}, 0, "set the password of bo"},
		{"demote the last admin", "", []string{"users", "role", "ana", "viewer"}, 1, "cannot demote the last active admin"},
		{"disable the last admin", "", []string{"users", "disable", "ana"}, 1, "cannot disable the last active admin"},
		{"promote", "", []string{"users", "role", "bo", "admin"}, 0, "bo is now admin"},
		{"disable", "", []string{"users", "disable", "ana"}, 0, "disabled user ana"},
		{"an unknown user", "", []string{"users", "disable", "zed"}, 1, "no user named zed"},
		{"list again", "", []string{"users", "list"}, 0, "disabled"},
	}
	for _, st := range steps {
		stdinWith(t, st.stdin)
		code, stdout, stderr := crier(t, append([]string{"--config", cfg}, st.args...)...)
		if code != st.code || !strings.Contains(stdout+stderr, st.output) {
			t.Errorf("%s: exit %d; want %d and %q\n%s%s", st.name, code, st.code, st.output, stdout, stderr)
		}
		if strings.Contains(stdout+stderr, "rain on the reservoir") || strings.Contains(stdout+stderr, "the river runs north") {
			t.Errorf("%s: the password is in the output", st.name)
		}
	}
	s, err := notices.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ana, _ := s.UserByName(context.Background(), "ana")
	if ana.Phone != "+13155550101" || ana.Email != "ana@water.example.org" || !ana.Disabled {
		t.Errorf("ana: %+v, want her phone in E.164, her email, disabled", ana)
	}
	bo, _ := s.UserByName(context.Background(), "bo")
	if err := password.Verify("the river runs north", bo.PasswordHash); err != nil || bo.Role != notices.RoleAdmin {
		t.Errorf("bo: role %s, new password: %v", bo.Role, err)
	}
	want := []string{
		"cli (maria) user-add user ana", "cli (maria) user-add user bo", "cli (maria) user-password user bo",
		"cli (maria) user-role user bo", "cli (maria) user-disable user ana",
	}
	if got := auditOf(t, db); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestUsersPasswordNeverAFlag: there is no flag that takes a password.
func TestUsersPasswordNeverAFlag(t *testing.T) {
	cfg, _ := usersStore(t)
	stdinWith(t, "")
	code, _, stderr := crier(t, "--config", cfg, "users", "add", "ana", "--role", "admin", "--password", "rain on the reservoir")
	if code != 2 || !strings.Contains(stderr, "unknown flag --password") {
		t.Errorf("--password: exit %d, want 2 (no such flag)\n%s", code, stderr)
	}
}
