package gcpace

import (
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

// TestSet runs itself in a child process for each environment, since
// GOGC is read when the process starts.
func TestSet(t *testing.T) {
	if os.Getenv("GCPACE_CHILD") == "1" {
		Set()
		os.Stdout.WriteString("percent=" + strconv.Itoa(debug.SetGCPercent(-1)) + "\n")
		return
	}
	tests := []struct {
		name string
		env  []string
		want int
	}{
		{"GOGC not set: Crier's pace", nil, Percent},
		{"GOGC set: kept", []string{"GOGC=100"}, 100},
		{"GOGC=off: kept", []string{"GOGC=off"}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestSet$")
			for _, kv := range os.Environ() {
				if !strings.HasPrefix(kv, "GOGC=") {
					cmd.Env = append(cmd.Env, kv)
				}
			}
			cmd.Env = append(append(cmd.Env, "GCPACE_CHILD=1"), tt.env...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if want := "percent=" + strconv.Itoa(tt.want) + "\n"; !strings.Contains(string(out), want) {
				t.Errorf("child printed %q; want %q", out, want)
			}
		})
	}
}
