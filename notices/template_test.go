package notices

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/crier-notices/crier/templates"
)

// The template family is what Crier gives the store to publish with.
var _ Template = (*templates.Family)(nil)

// TestStoreBuildsWithoutRenderers holds the store apart from the
// renderers: a program that keeps notices (db copy, a report) links no PDF
// or email code. It asks the go command what the package imports.
func TestStoreBuildsWithoutRenderers(t *testing.T) {
	if testEngine != "sqlite" {
		t.Skip("one pass is enough: the imports do not depend on the engine")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	out, err := exec.Command(goCmd, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	renderers := []string{"github.com/jung-kurt/gofpdf", "github.com/wneessen/go-mail"}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "github.com/crier-notices/crier/templates" || slices.ContainsFunc(renderers, func(r string) bool { return strings.HasPrefix(dep, r) }) {
			t.Errorf("notices imports %s: the store must not need the renderers (pass what it needs through notices.Template)", dep)
		}
	}
}
