// Package testenv finds the real parts tests use (DESIGN.md, "Real parts
// used in tests"): a test that needs one and cannot find it fails when the
// CI variable is set and is skipped, with what to install, elsewhere.
package testenv

import (
	"fmt"
	"os/exec"
	"testing"
)

// Tool returns the path of the program name, which the Debian package pkg
// installs.
func Tool(t testing.TB, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	missing(t, fmt.Sprintf("%s is not installed (apt-get install -y %s; .ci/run does)", name, pkg))
	return ""
}
