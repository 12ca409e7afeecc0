package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestConsoleKeysThroughTheCommands: a negative [console] approval_over
// is refused by the commands that make messages and warned of by the
// others, as every mistake in the file is; an idle_timeout under a minute
// is refused by crier serve at start and stands in no other command's way.
func TestConsoleKeysThroughTheCommands(t *testing.T) {
	negative := writeConfig(t, clearwaterConfig+"[console]\napproval_over = -1\n")
	// A database in no folder: were idle_timeout not checked, crier serve
	// would stop there rather than serve for ever.
	nowhere := filepath.Join(t.TempDir(), "no", "such", "folder", "crier.db")
	short := writeConfig(t, "database = \""+nowhere+"\"\n"+clearwaterConfig+"[console]\nidle_timeout = \"10s\"\n[serve]\nadmin_address = \"off\"\n[web]\nlisten = \"off\"\n")
	render := append(append([]string{}, hydrantArgs...), "--out", t.TempDir())
	tests := []struct {
		name string
		cfg  string
		args []string
		code int
		want string
	}{
		{"render refuses a negative approval_over", negative, render, 1, "[console] approval_over: -1 is negative"},
		{"templates list warns of it and goes on", negative, []string{"templates", "list"}, 0, "warning: the configuration has mistakes"},
		{"serve refuses an idle_timeout under a minute", short, []string{"serve"}, 1, `[console] idle_timeout: "10s" is shorter than a minute; use 1m or more`},
		{"render goes on despite it", short, render, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := crier(t, append([]string{"--config", tt.cfg}, tt.args...)...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, want %d and %q:\n%s%s", code, tt.code, tt.want, stdout, stderr)
			}
			if tt.code == 0 && tt.want == "" && strings.Contains(stderr, "idle_timeout") {
				t.Errorf("a command that serves no console speaks of idle_timeout:\n%s", stderr)
			}
		})
	}
}
