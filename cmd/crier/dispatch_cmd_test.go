package main

import (
	"strings"
	"testing"
)

func TestBar(t *testing.T) {
	tests := []struct {
		name        string
		done, total int64
		want        string
	}{
		{name: "nothing to do", done: 0, total: 0, want: "[##########]"},
		{name: "half", done: 5, total: 10, want: "[#####     ]"},
		{name: "done past total", done: 12, total: 10, want: "[##########]"},
		{name: "done negative", done: -3, total: 10, want: "[          ]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := bar(tt.done, tt.total, 10); got != tt.want {
				t.Errorf("bar(%d, %d, 10) = %q, want %q", tt.done, tt.total, got, tt.want)
			}
		})
	}
}

// TestHelpPromisesOnlyWhatIsDone: the help of send and dispatch describes
// what the commands do today.
func TestHelpPromisesOnlyWhatIsDone(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    string
		notWant string
	}{
		{name: "send --urgency", args: []string{"send", "--help"}, want: "An emergency goes before every normal notice, and its text messages go even in quiet hours", notWant: "--urgency=\"normal\""},
		{name: "serve's public routes", args: []string{"serve", "--help"}, want: "the public routes on [web] listen (unsubscribe links, Twilio's webhooks, notice pages, feeds)", notWant: "sent at once. Stops"},
		{name: "dispatch -v", args: []string{"dispatch", "--help"}, want: "Log at debug level: each retry and outcome (addresses shortened)", notWant: "each message's outcome"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := crier(t, tt.args...)
			help := strings.Join(strings.Fields(stdout), " ") // unwrapped
			if code != 0 || !strings.Contains(help, tt.want) || strings.Contains(help, tt.notWant) {
				t.Errorf("crier %s: exit %d; want %q and not %q\n%s%s", strings.Join(tt.args, " "), code, tt.want, tt.notWant, stdout, stderr)
			}
		})
	}
}
