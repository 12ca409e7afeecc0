package main

import (
	"strings"
	"testing"
)

// TestCancelDoneNoticeRefused holds the README's word that a notice whose
// every message has gone cannot be cancelled (withdrawn): cancel takes a
// notice only while some of its messages wait.
func TestCancelDoneNoticeRefused(t *testing.T) {
	nonTerminalStdin(t)
	cfg := exampleSetup(t)
	mustCrier(t, append([]string{"--config", cfg}, sendArgs("--list", "customers", "--channels", "email", "--yes")...)...)
	mustCrier(t, "--config", cfg, "dispatch")
	code, stdout, stderr := crier(t, "--config", cfg, "notices", "cancel", "1")
	if want := "notice 1 is done: there is nothing left to cancel"; code != 1 || !strings.Contains(stderr, want) {
		t.Errorf("cancel of a done notice: exit %d; want 1 and %q\n%s%s", code, want, stdout, stderr)
	}
}
