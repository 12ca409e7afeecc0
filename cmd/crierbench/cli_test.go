//go:build unix

package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIEndToEnd: -cli runs crier send and crier dispatch as a user does
// and prints the same table: each channel's sink got every message once
// and the store reports them sent (run exits 1 otherwise).
func TestCLIEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the crier program")
	}
	crier := filepath.Join(t.TempDir(), "crier")
	build := exec.Command("go", "build", "-o", crier, "github.com/crier-notices/crier/cmd/crier")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-n", "120", "-cli", crier, "-concurrency", "3"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit status %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	rows := tableRows(t, stdout.String())
	for _, ch := range []string{"email", "sms"} {
		r, ok := rows[ch]
		if !ok || r["N"] != "120" || r.number(t, "msg/s") <= 0 || r.number(t, "CPU s") <= 0 || r.number(t, "peak MiB") <= 0 {
			t.Errorf("%s row %v; want N 120 with its rate, CPU and peak memory", ch, r)
		}
	}
	if !strings.Contains(stdout.String(), "crier dispatch") {
		t.Errorf("the notes do not say the run was crier send then crier dispatch:\n%s", stdout.String())
	}
}
