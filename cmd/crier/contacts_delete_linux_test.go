package main

import (
	"strings"
	"testing"
)

// contacts delete asks as campaigns delete does: it shows whom it deletes
// and what goes with them, a no keeps the contact, and without a terminal
// it refuses unless given --yes.
func TestContactsDeleteAsks(t *testing.T) {
	nonTerminalStdin(t)
	cfg := exampleSetup(t)
	mustCrier(t, append([]string{"--config", cfg}, sendArgs("--list", "customers", "--channels", "email", "--yes")...)...)
	stays := func(t *testing.T, account string) {
		t.Helper()
		if code, stdout, stderr := crier(t, "--config", cfg, "contacts", "show", account); code != 0 {
			t.Errorf("contact %s is gone: exit %d\n%s%s", account, code, stdout, stderr)
		}
	}

	code, stdout, stderr := crier(t, "--config", cfg, "contacts", "delete", "1001")
	if code != 2 || !strings.Contains(stderr, "standard input is not a terminal, so nobody can confirm: add --yes") {
		t.Errorf("delete without a terminal: exit %d, want 2 and a pointer to --yes\n%s%s", code, stdout, stderr)
	}
	stays(t, "1001")

	ptyStdin(t, "n\n")
	code, stdout, stderr = crier(t, "--config", cfg, "contacts", "delete", "1001")
	if code != 1 || !strings.Contains(stderr, "cancelled: the contact stays") {
		t.Errorf("delete answered no: exit %d, want 1\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"contact:    1001, Ana Díaz\n",
		"lists:      customers (it leaves them)\n",
		"deliveries: 1 on record (they stay in the reports), 1 not sent yet",
		"Delete this contact? Its suppressed addresses stay suppressed. [y/N] ",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the question lacks %q:\n%s", want, stdout)
		}
	}
	stays(t, "1001")

	ptyStdin(t, "y\n")
	if code, stdout, stderr = crier(t, "--config", cfg, "contacts", "delete", "1001"); code != 0 || !strings.Contains(stdout, "deleted contact 1001 (Ana Díaz)") {
		t.Errorf("delete answered yes: exit %d\n%s%s", code, stdout, stderr)
	}
	nonTerminalStdin(t)
	if code, stdout, stderr = crier(t, "--config", cfg, "contacts", "delete", "1002", "--yes"); code != 0 || !strings.Contains(stdout, "deleted contact 1002") {
		t.Errorf("delete --yes: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, account := range []string{"1001", "1002"} {
		if code, _, stderr := crier(t, "--config", cfg, "contacts", "show", account); code != 1 || !strings.Contains(stderr, "no contact with account") {
			t.Errorf("contact %s still there: exit %d %s", account, code, stderr)
		}
	}
}
