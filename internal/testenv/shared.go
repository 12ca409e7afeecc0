package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// sharedFile returns the path of a file the tests share with the project's
// other clones: the file named by the environment variable env, or rel in
// the working directory or the nearest of its parents that has one (the
// shared folder sits beside the clone). It fails the test when the CI
// variable is set and skips it elsewhere, saying notFound, if there is
// none.
func sharedFile(t testing.TB, env, rel, notFound string) string {
	t.Helper()
	if path := os.Getenv(env); path != "" {
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("%s: %v", env, err)
		}
		return path
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		path := filepath.Join(dir, rel)
		if _, err := os.Stat(path); err == nil {
			return path
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	missing(t, notFound)
	return ""
}

// CAPSchema returns the path of the CAP 1.2 XML schema: the file named by
// CRIER_CAP_SCHEMA, or shared/cap/CAP-v1.2.xsd in the working directory or
// the nearest of its parents that has one (the shared folder sits beside
// the clone). It fails the test when the CI variable is set and skips it
// elsewhere if there is none.
func CAPSchema(t testing.TB) string {
	t.Helper()
	return sharedFile(t, "CRIER_CAP_SCHEMA", filepath.Join("shared", "cap", "CAP-v1.2.xsd"),
		"the CAP 1.2 schema is not found: put it at ../shared/cap/CAP-v1.2.xsd beside the clone or name it in CRIER_CAP_SCHEMA")
}

// ValidateCAP checks the CAP document at path against the CAP 1.2 schema
// with Debian's xmllint (libxml2-utils), and fails the test with
// xmllint's words when it is not valid. It fails the test when the CI
// variable is set and skips it elsewhere if xmllint or the schema is
// missing.
func ValidateCAP(t testing.TB, path string) {
	t.Helper()
	xmllint := Tool(t, "xmllint", "libxml2-utils")
	schema := CAPSchema(t)
	out, err := exec.Command(xmllint, "--noout", "--nonet", "--schema", schema, path).CombinedOutput()
	if err != nil {
		t.Errorf("%s is not valid CAP 1.2: %v\n%s", filepath.Base(path), err, out)
	}
}
