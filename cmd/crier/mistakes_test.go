package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// A misspelt template name gets the name meant, whichever command is given it.
func TestMisspeltTemplateNameIsSuggested(t *testing.T) {
	nonTerminalStdin(t)
	cfg := writeConfig(t, "database = \""+filepath.Join(t.TempDir(), "crier.db")+"\"\n"+clearwaterConfig)
	tests := []struct {
		name string
		args []string
	}{
		{"render", append([]string{"render", "boil-water-advisry", "--out", t.TempDir()}, readmeValues...)},
		{"send", append([]string{"send", "boil-water-advisry", "--channels", "email", "--yes"}, readmeValues...)},
		{"templates show", []string{"templates", "show", "boil-water-advisry"}},
		{"campaigns add", append([]string{"campaigns", "add", "spring", "--template", "boil-water-advisry", "--schedule", "@daily", "--channels", "email"}, readmeValues...)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := crier(t, append([]string{"--config", cfg}, tc.args...)...)
			want := `no template named "boil-water-advisry" (did you mean boil-water-advisory?)`
			if code != 1 || !strings.Contains(stderr, want) {
				t.Errorf("exit %d, want 1 and %q\n%s%s", code, want, stdout, stderr)
			}
		})
	}
	// A name nothing is near still points at the list.
	if code, _, stderr := crier(t, "--config", cfg, "templates", "show", "tsunami"); code != 1 || !strings.Contains(stderr, "`crier templates list` shows them") {
		t.Errorf("exit %d\n%s", code, stderr)
	}
}
