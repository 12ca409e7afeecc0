package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestNoticesApproveTakesASecondUser: with [console] approval_over set,
// crier send of a notice to more contacts queues nothing and says it
// awaits approval; notices list and show say so; the unix user who sent it
// cannot approve it, another can, and then it is queued.
func TestNoticesApproveTakesASecondUser(t *testing.T) {
	nonTerminalStdin(t)
	cfg := exampleSetup(t)
	body, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	body = bytes.Replace(body, []byte("# approval_over = 0 "), []byte("approval_over = 2 "), 1)
	if err := os.WriteFile(cfg, body, 0o644); err != nil {
		t.Fatal(err)
	}

	t.Setenv("USER", "ana")
	out := mustCrier(t, append([]string{"--config", cfg}, sendArgs("--list", "customers", "--channels", "email", "--yes")...)...)
	if !strings.Contains(out, "notice 1 awaits approval") {
		t.Fatalf("send over approval_over does not wait for approval:\n%s", out)
	}
	if out := mustCrier(t, "--config", cfg, "notices", "list"); !strings.Contains(out, "awaiting approval") {
		t.Errorf("notices list does not say the notice awaits approval:\n%s", out)
	}
	if out := mustCrier(t, "--config", cfg, "notices", "show", "1"); !strings.Contains(out, "awaiting approval: sent by cli (ana)") {
		t.Errorf("notices show does not say who asked:\n%s", out)
	}
	code, stdout, stderr := crier(t, "--config", cfg, "notices", "approve", "1")
	if code != 1 || !strings.Contains(stderr, "a second coordinator must approve") {
		t.Errorf("approved by who sent it: exit %d, want 1 and a refusal\n%s%s", code, stdout, stderr)
	}

	t.Setenv("USER", "bo")
	out = mustCrier(t, "--config", cfg, "notices", "approve", "1")
	if !strings.Contains(out, "notice 1 approved\nnotice 1 sending: email ") {
		t.Errorf("approved by another user, the notice is not queued:\n%s", out)
	}
	if out := mustCrier(t, "--config", cfg, "notices", "show", "1"); !strings.Contains(out, "approved:  by cli (bo)") {
		t.Errorf("notices show does not say who approved:\n%s", out)
	}
}
