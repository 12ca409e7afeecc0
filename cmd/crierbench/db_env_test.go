package main

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"
)

// TestDatabaseFromTheEnvironment: a PostgreSQL URL, password and all, can
// be given in CRIER_DATABASE_URL instead of on the command line; -db wins
// when both are given, and the help says so.
func TestDatabaseFromTheEnvironment(t *testing.T) {
	const url = "postgres://crier:pw@db/crier"
	tests := []struct {
		name, env string
		args      []string
		want      string
	}{
		{name: "the variable", env: url, want: url},
		{name: "the flag wins", env: url, args: []string{"-db", "/tmp/x.db"}, want: "/tmp/x.db"},
		{name: "neither: a fresh SQLite file", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CRIER_DATABASE_URL", tt.env)
			o, err := parseArgs(tt.args, &bytes.Buffer{})
			if err != nil || o.db != tt.want {
				t.Errorf("parseArgs %q with CRIER_DATABASE_URL=%q: db %q, %v; want %q", tt.args, tt.env, o.db, err, tt.want)
			}
		})
	}
	var help bytes.Buffer
	if _, err := parseArgs([]string{"-h"}, &help); !errors.Is(err, flag.ErrHelp) || !strings.Contains(help.String(), "CRIER_DATABASE_URL") {
		t.Errorf("-h: %v, %q; want help naming CRIER_DATABASE_URL", err, help.String())
	}
}
