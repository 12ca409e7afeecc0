package main

import (
	"context"
	"strings"
	"testing"

	"github.com/crier-notices/crier/internal/password"
	"github.com/crier-notices/crier/notices"
)

// TestUsersPromptOnTerminal: on a terminal the password is asked twice,
// and two that differ change nothing.
func TestUsersPromptOnTerminal(t *testing.T) {
	cfg, db := usersStore(t)
	ptyStdin(t, "tides turn twice a day\ntides turn twice a da\n")
	code, stdout, stderr := crier(t, "--config", cfg, "users", "add", "ana", "--role", "admin")
	if code != 1 || !strings.Contains(stderr, "the two passwords differ") || strings.Count(stdout, "password") != 2 {
		t.Errorf("two passwords that differ: exit %d, want 1 after two questions\n%s%s", code, stdout, stderr)
	}
	ptyStdin(t, "tides turn twice a day\ntides turn twice a day\n")
	code, stdout, stderr = crier(t, "--config", cfg, "users", "add", "ana", "--role", "admin")
	if code != 0 || !strings.Contains(stdout, "New password for ana") || !strings.Contains(stdout, "added user ana") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	s, err := notices.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u, err := s.UserByName(context.Background(), "ana")
	if err != nil || password.Verify("tides turn twice a day", u.PasswordHash) != nil {
		t.Errorf("ana's password is not the one typed: %v", err)
	}
}
