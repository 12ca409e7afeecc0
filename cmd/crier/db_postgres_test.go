package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crier-notices/crier/internal/testenv"
	"github.com/crier-notices/crier/notices"
)

// A PostgreSQL server that cannot be reached is an error naming it once,
// never with the password of its URL (given as the README says, in a file
// named by CRIER_DATABASE_URL_FILE).
func TestPostgresUnreachableNeverShowsThePassword(t *testing.T) {
	const url = "postgres://crier:s3cret@127.0.0.1:1/crier?connect_timeout=5"
	const shown = "database postgres://crier:xxxxx@127.0.0.1:1/crier?connect_timeout=5: "
	urlFile := filepath.Join(t.TempDir(), "database-url")
	if err := os.WriteFile(urlFile, []byte(url+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CRIER_DATABASE_URL_FILE", urlFile)
	cfg := writeConfig(t, clearwaterConfig)
	for _, args := range [][]string{{"db", "status"}, {"db", "migrate"}, {"contacts", "list"}, {"db", "copy", "--to", filepath.Join(t.TempDir(), "copy.db")}} {
		code, stdout, stderr := crier(t, append([]string{"--config", cfg}, args...)...)
		if code == 0 || strings.Contains(stdout+stderr, "s3cret") || strings.Count(stderr, shown) != 1 {
			t.Errorf("%v: exit %d; want an error naming the server once, as %q\n%s%s", args, code, shown, stdout, stderr)
		}
	}
}

// TestDBCommandsOnPostgres: crier db status and crier db migrate on a
// PostgreSQL database: every migration pending, then applied once.
func TestDBCommandsOnPostgres(t *testing.T) {
	url := testenv.PostgresURL(t)
	cfg := writeConfig(t, fmt.Sprintf("database = %q\n", url))
	latest := latestMigration(t)
	code, stdout, stderr := crier(t, "--config", cfg, "db", "status")
	if want := fmt.Sprintf("schema version 0, %d pending", latest); code != 0 || !strings.Contains(stdout, want) {
		t.Errorf("status of an empty database: exit %d, want %q\n%s%s", code, want, stdout, stderr)
	}
	migrateNamesTheDatabase(t, cfg, "database "+notices.RedactDSN(url)+" (postgres)")
	code, stdout, _ = crier(t, "--config", cfg, "db", "status")
	if want := fmt.Sprintf("schema version %d, 0 pending", latest); code != 0 || !strings.Contains(stdout, want) {
		t.Errorf("status after migrate: exit %d, want %q\n%s", code, want, stdout)
	}
}
