package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A GB utility's custom template gives a UK number as its example: `templates
// check` and render read it in [contacts] default_region, and the built-in
// library's US examples still pass.
func TestCustomTemplateExamplesUseTheDefaultRegion(t *testing.T) {
	dir := t.TempDir()
	tdir := filepath.Join(dir, "templates")
	if err := os.Mkdir(tdir, 0o755); err != nil {
		t.Fatal(err)
	}
	lab := "---\ntitle: Lab open day\ncategory: information\nsubject: Lab open day\nsms: Lab open day, call {{.lab_phone}}\nfields:\n  - name: lab_phone\n    label: Lab phone\n    type: phone\n    required: true\n    example: 020 7946 0018\n---\nCall {{.lab_phone}}.\n"
	if err := os.WriteFile(filepath.Join(tdir, "lab-open-day.md"), []byte(lab), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, fmt.Sprintf("database = %q\ntemplates_dir = %q\n[utility]\nname = \"Millbrook Water\"\nphone = \"020 7946 0000\"\naddress = \"1 High Street\"\ntimezone = \"Europe/London\"\n[contacts]\ndefault_region = \"GB\"\n",
		filepath.Join(dir, "crier.db"), tdir))
	code, stdout, stderr := crier(t, "--config", cfg, "templates", "check")
	if code != 0 || !strings.Contains(stdout, tdir+": 1 template files, 0 error(s)") || !strings.Contains(stdout, "built-in library: ") {
		t.Fatalf("templates check: exit %d\n%s%s", code, stdout, stderr)
	}
	out := t.TempDir()
	code, stdout, stderr = crier(t, "--config", cfg, "render", "lab-open-day", "--set", "lab_phone=020 7946 0018", "--out", out)
	if code != 0 {
		t.Fatalf("render: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = crier(t, "--config", cfg, "render", "lab-open-day", "--set", "lab_phone=(315) 555-0142", "--out", out)
	if want := "write it like 0121 234 5678 or +44 121 234 5678"; code != 1 || !strings.Contains(stderr, want) {
		t.Fatalf("render with a US number: exit %d, want 1 and %q\n%s%s", code, want, stdout, stderr)
	}
}
