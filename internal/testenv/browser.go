package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// AxeVersion is the axe-core release the accessibility tests are written
// against; .ci/run installs it under .ci/node.
const AxeVersion = "4.14.1"

// Chromium returns the path of Debian's chromium, the browser the browser
// tests drive. It fails the test when the CI variable is set and skips it
// elsewhere if it is not installed.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	missing(t, "chromium is not installed (apt-get install -y chromium; .ci/run does)")
	return ""
}

// AxeScript returns axe-core's browser script (axe.min.js), to inject into
// a page: from the file named by CRIER_AXE_SCRIPT, or under .ci/node at the
// repository's root where .ci/run installs it. It fails the test when the
// CI variable is set and skips it elsewhere if axe-core is not installed.
func AxeScript(t testing.TB) string {
	t.Helper()
	if path := os.Getenv("CRIER_AXE_SCRIPT"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("CRIER_AXE_SCRIPT: %v", err)
		}
		return string(b)
	}
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, ".ci", "node", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		missing(t, "axe-core is not installed (npm install --prefix .ci/node axe-core@"+AxeVersion+"; .ci/run does): "+err.Error())
		return ""
	}
	return string(b)
}
