package main

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"testing"

	"github.com/crier-notices/crier/config"
)

// Test values: a Twilio account SID of the right shape, and a secret
// distinctive enough that finding it in a message is no accident.
const (
	testSID    = "AC0123456789abcdef0123456789abcdef"
	testSecret = "Zx7SecretQ42vWk"
)

// clearSecrets empties the secret variables, whatever the machine has set.
func clearSecrets(t *testing.T) {
	t.Helper()
	for _, name := range []string{config.EnvSMTPPassword, config.EnvTwilioToken} {
		t.Setenv(name, "")
		t.Setenv(name+"_FILE", "")
	}
}

// writePNG writes a small PNG image to path.
func writePNG(t *testing.T, path string) {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
