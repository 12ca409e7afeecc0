package main

import (
	"strings"
	"testing"
)

// TestCancelDoneNoticeWithdraws: a notice whose every message has gone
// can still be cancelled: it is withdrawn (its public page, feeds and CAP
// say so), and a second cancel is refused.
func TestCancelDoneNoticeWithdraws(t *testing.T) {
	nonTerminalStdin(t)
	cfg := exampleSetup(t)
	mustCrier(t, append([]string{"--config", cfg}, sendArgs("--list", "customers", "--channels", "email", "--yes")...)...)
	mustCrier(t, "--config", cfg, "dispatch")
	if out := mustCrier(t, "--config", cfg, "notices", "cancel", "1"); !strings.Contains(out, "notice 1 withdrawn: every message had gone already") {
		t.Errorf("cancel of a done notice:\n%s", out)
	}
	if out := mustCrier(t, "--config", cfg, "notices", "show", "1"); !strings.Contains(out, "cancelled") {
		t.Errorf("notices show of a withdrawn notice does not say cancelled:\n%s", out)
	}
	code, stdout, stderr := crier(t, "--config", cfg, "notices", "cancel", "1")
	if want := "notice 1 is cancelled: there is nothing left to cancel"; code != 1 || !strings.Contains(stderr, want) {
		t.Errorf("a second cancel: exit %d; want 1 and %q\n%s%s", code, want, stdout, stderr)
	}
}
