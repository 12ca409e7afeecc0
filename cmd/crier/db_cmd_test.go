package main

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// migrateNamesTheDatabase runs crier db migrate twice on cfg's new
// database, named in messages as name ("database crier.db (sqlite)"):
// the first applies every migration, each named, and says which database
// went from which version to which; the second says it is up to date.
func migrateNamesTheDatabase(t *testing.T, cfg, name string) {
	t.Helper()
	latest := latestMigration(t)
	code, stdout, stderr := crier(t, "--config", cfg, "db", "migrate")
	want := fmt.Sprintf("%s: applied 0001..%04d, now at schema version %d\n", name, latest, latest)
	if code != 0 || !strings.HasPrefix(stdout, "applied 0001_contacts\n") || !strings.HasSuffix(stdout, want) {
		t.Errorf("migrate: exit %d; want each migration, then %q\n%s%s", code, want, stdout, stderr)
	}
	code, stdout, stderr = crier(t, "--config", cfg, "db", "migrate")
	if want := fmt.Sprintf("%s: already up to date, schema version %d\n", name, latest); code != 0 || stdout != want {
		t.Errorf("second migrate: exit %d; want %q\n%s%s", code, want, stdout, stderr)
	}
}

// TestDBHelpNamesEverySubcommand: crier db --help says, before its list,
// what each subcommand does, and crier db alone names each one.
func TestDBHelpNamesEverySubcommand(t *testing.T) {
	code, help, stderr := crier(t, "db", "--help")
	summary, _, _ := strings.Cut(help, "\nFlags:")
	summary = strings.Join(strings.Fields(summary), " ") // as wrapped for the terminal
	_, alone, bare := crier(t, "db")
	cmds := reflect.TypeFor[dbCmd]()
	for i := range cmds.NumField() {
		name := strings.ToLower(cmds.Field(i).Name)
		if code != 0 || !strings.Contains(summary, "db "+name) {
			t.Errorf("crier db --help (exit %d) does not say what db %s does before its flags:\n%s%s", code, name, help, stderr)
		}
		if !strings.Contains(bare, `"`+name+`"`) {
			t.Errorf("crier db alone does not name %s:\n%s%s", name, alone, bare)
		}
	}
}
