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
// renderers and from the CSV import: a program that keeps notices (db
// copy, a report) links no PDF or email code, and the store no importer
// (notices/importer is built on the store, never the other way). It asks
// the go command what the package imports.
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
	importer := []string{"github.com/crier-notices/crier/notices/importer", "golang.org/x/text/encoding"}
	for _, dep := range strings.Fields(string(out)) {
		hasPrefix := func(r string) bool { return strings.HasPrefix(dep, r) }
		if dep == "github.com/crier-notices/crier/templates" || slices.ContainsFunc(renderers, hasPrefix) {
			t.Errorf("notices imports %s: the store must not need the renderers (pass what it needs through notices.Template)", dep)
		}
		if slices.ContainsFunc(importer, hasPrefix) {
			t.Errorf("notices imports %s: the CSV import is notices/importer's, which the store gives what it needs through BeginImport", dep)
		}
	}
}
