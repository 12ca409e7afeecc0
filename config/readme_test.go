package config

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEConfigurationIsTheExample: the crier.toml of the README's
// Configuration section is read whole, and each of its lines is
// crier.example.toml's, in the example's order, so that neither says of a
// key what the other does not.
func TestREADMEConfigurationIsTheExample(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile("../crier.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(readme), "\n## Configuration\n")
	if !ok {
		t.Fatal("README.md has no section Configuration")
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	_, block, ok := strings.Cut(sec, "```toml\n")
	if !ok {
		t.Fatal("the Configuration section has no crier.toml")
	}
	block, _, _ = strings.Cut(block, "```")
	t.Setenv(EnvDatabaseURL, "")
	if _, err := Load(writeConfig(t, block)); err != nil {
		t.Errorf("the README's crier.toml: %v", err)
	}
	rest := strings.Split(string(example), "\n")
	for _, line := range strings.Split(block, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		i := indexOf(rest, line)
		if i < 0 {
			t.Errorf("the README's crier.toml line %q is not crier.example.toml's (or not in its order)", line)
			continue
		}
		rest = rest[i+1:]
	}
}

func indexOf(lines []string, line string) int {
	for i, l := range lines {
		if l == line {
			return i
		}
	}
	return -1
}
