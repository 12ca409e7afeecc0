package main

import (
	"context"
	"strings"
	"testing"

	"github.com/crier-notices/crier/notices"
)

// TestTokensCommands: a token is printed once, alone on standard output,
// opens the API until revoked, is listed without its value, and each
// change is in the audit log.
func TestTokensCommands(t *testing.T) {
	cfg, db := usersStore(t)
	t.Setenv("USER", "maria")
	nonTerminalStdin(t)
	code, stdout, stderr := crier(t, "--config", cfg, "tokens", "create", "work-orders", "--role", "coordinator")
	token := strings.TrimSpace(stdout)
	if code != 0 || !strings.HasPrefix(token, "crier_") || strings.Contains(token, "\n") || !strings.Contains(stderr, "cannot be shown again") {
		t.Fatalf("create: exit %d\nstdout %q\nstderr %s", code, stdout, stderr)
	}
	s, err := notices.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if tk, err := s.TokenByValue(context.Background(), token); err != nil || tk.Role != notices.RoleCoordinator {
		t.Errorf("the printed token: %+v %v, want the coordinator's", tk, err)
	}
	s.Close()

	steps := []struct {
		name   string
		args   []string
		code   int
		output string
	}{
		{"a taken name", []string{"tokens", "create", "WORK-ORDERS", "--role", "viewer"}, 1, "there is already a token named WORK-ORDERS"},
		{"no role", []string{"tokens", "create", "scada"}, 2, "--role"},
		{"list", []string{"tokens", "list"}, 0, "work-orders  coordinator"},
		{"revoke", []string{"tokens", "revoke", "work-orders"}, 0, "revoked token work-orders"},
		{"revoke again", []string{"tokens", "revoke", "work-orders"}, 1, "no live token named work-orders"},
		{"list revoked", []string{"tokens", "list"}, 0, "revoked"},
	}
	for _, st := range steps {
		code, stdout, stderr := crier(t, append([]string{"--config", cfg}, st.args...)...)
		if code != st.code || !strings.Contains(stdout+stderr, st.output) {
			t.Errorf("%s: exit %d; want %d and %q\n%s%s", st.name, code, st.code, st.output, stdout, stderr)
		}
		if strings.Contains(stdout+stderr, token) {
			t.Errorf("%s shows the token again", st.name)
		}
	}
	s, _ = notices.Open(context.Background(), db)
	defer s.Close()
	if _, err := s.TokenByValue(context.Background(), token); err == nil {
		t.Error("a revoked token still opens the API")
	}
	want := "cli (maria) token-create token work-orders\ncli (maria) token-revoke token work-orders"
	if got := strings.Join(auditOf(t, db), "\n"); got != want {
		t.Errorf("audit log:\n%s\nwant:\n%s", got, want)
	}
}
