package config

import (
	"os"
	"path/filepath"
	"testing"
)

// writeConfig writes body as crier.toml in a new folder and returns its
// path.
func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "crier.toml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// clearwaterConfig is the example utility's [utility] table.
const clearwaterConfig = `
[utility]
name = "Clearwater County Water Board"
phone = "(315) 555-0142"
email = "notices@clearwater.example"
website = "https://water.clearwater.example"
address = "120 Main Street, Clearwater, NY 13000"
timezone = "America/New_York"
default_language = "en"
`
