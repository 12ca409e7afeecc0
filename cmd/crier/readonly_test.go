package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Commands that only read (or change what is there) make no crier.db, nor
// its -wal, -shm or import lock, in the folder they are run in: they say
// there is no database yet and what makes one. The built binary runs in an
// empty folder with no crier.toml, as a coordinator in the wrong folder.
func TestReadOnlyCommandsMakeNoDatabase(t *testing.T) {
	bin := buildCrier(t)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CRIER_CONFIG=") {
			env = append(env, kv)
		}
	}
	const none = "no database at crier.db yet (there is no crier.toml here, so the default crier.db in this folder; --config names another): import contacts or send a notice first (crier contacts import FILE)"
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"notices list", []string{"notices", "list"}, 1, none},
		{"notices show", []string{"notices", "show", "1"}, 1, none},
		{"notices schedule", []string{"notices", "schedule"}, 1, none},
		{"notices cancel", []string{"notices", "cancel", "1"}, 1, none},
		{"report", []string{"report", "7"}, 1, none},
		{"report --csv", []string{"report", "7", "--csv", "deliveries.csv"}, 1, none},
		{"contacts list", []string{"contacts", "list"}, 1, none},
		{"contacts show", []string{"contacts", "show", "1001"}, 1, none},
		{"contacts export", []string{"contacts", "export"}, 1, none},
		{"contacts delete", []string{"contacts", "delete", "1001", "--yes"}, 1, none},
		{"contacts suppressions", []string{"contacts", "suppressions"}, 1, none},
		{"audience", []string{"audience", "--zone", "4"}, 1, none},
		{"campaigns list", []string{"campaigns", "list"}, 1, none},
		{"campaigns show", []string{"campaigns", "show", "flushing"}, 1, none},
		{"campaigns next", []string{"campaigns", "next", "flushing"}, 1, none},
		{"campaigns edit", []string{"campaigns", "edit", "flushing", "--schedule", "@daily"}, 1, none},
		{"campaigns delete", []string{"campaigns", "delete", "flushing", "--yes"}, 1, none},
		{"lists list", []string{"lists", "list"}, 1, none},
		{"lists add", []string{"lists", "add", "north", "1001"}, 1, none},
		{"db status", []string{"db", "status"}, 0, none + "; crier db migrate creates it empty"},
		{"templates list", []string{"templates", "list"}, 0, "boil-water-advisory"},
		{"templates show", []string{"templates", "show", "boil-water-advisory"}, 0, "boil-water-advisory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(bin, tc.args...)
			cmd.Dir, cmd.Env = dir, env
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.code || !strings.Contains(out.String(), tc.want) {
				t.Errorf("exit %d, want %d and %q\n%s", code, tc.code, tc.want, out.String())
			}
			if entries, _ := os.ReadDir(dir); len(entries) > 0 {
				t.Errorf("it left %s (and %d more) in the folder", entries[0].Name(), len(entries)-1)
			}
		})
	}

	// A database named by the configuration, in a folder that has none,
	// is not made either; the message names it.
	dir := t.TempDir()
	db := filepath.Join(dir, "data", "crier.db")
	if err := os.Mkdir(filepath.Dir(db), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, "database = \""+db+"\"\n")
	code, _, stderr := crier(t, "--config", cfg, "notices", "list")
	if code != 1 || !strings.Contains(stderr, "no database at "+db+" yet: import contacts or send a notice first") {
		t.Errorf("notices list: exit %d\n%s", code, stderr)
	}
	if entries, _ := os.ReadDir(filepath.Dir(db)); len(entries) > 0 {
		t.Errorf("notices list left %s in %s", entries[0].Name(), filepath.Dir(db))
	}
	// A writer still makes it.
	if code, stdout, stderr := crier(t, "--config", cfg, "lists", "create", "north"); code != 0 {
		t.Fatalf("lists create: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, stderr := crier(t, "--config", cfg, "lists", "list"); code != 0 || !strings.Contains(stdout, "north") {
		t.Errorf("lists list after create: exit %d\n%s%s", code, stdout, stderr)
	}
}
