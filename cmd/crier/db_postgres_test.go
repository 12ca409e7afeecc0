package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/crier-notices/crier/internal/testenv"
)

// A PostgreSQL server that cannot be reached is an error naming it, never
// with the password of its URL.
func TestPostgresUnreachableNeverShowsThePassword(t *testing.T) {
	cfg := writeConfig(t, "database = \"postgres://crier:s3cret@127.0.0.1:1/crier?connect_timeout=5\"\n")
	for _, args := range [][]string{{"db", "status"}, {"db", "migrate"}, {"contacts", "list"}} {
		code, stdout, stderr := crier(t, append([]string{"--config", cfg}, args...)...)
		if code == 0 || strings.Contains(stdout+stderr, "s3cret") || !strings.Contains(stderr, "127.0.0.1:1") {
			t.Errorf("%v: exit %d\n%s%s", args, code, stdout, stderr)
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
	code, stdout, stderr = crier(t, "--config", cfg, "db", "migrate")
	if want := fmt.Sprintf("applied %04d_", latest); code != 0 || !strings.Contains(stdout, "applied 0001_contacts") || !strings.Contains(stdout, want) {
		t.Errorf("migrate: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = crier(t, "--config", cfg, "db", "migrate")
	if code != 0 || !strings.Contains(stdout, "is up to date") {
		t.Errorf("second migrate: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = crier(t, "--config", cfg, "db", "status")
	if want := fmt.Sprintf("schema version %d, 0 pending", latest); code != 0 || !strings.Contains(stdout, want) {
		t.Errorf("status after migrate: exit %d, want %q\n%s", code, want, stdout)
	}
}
