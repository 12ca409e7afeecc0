package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDatabaseFromTheEnvironment: CRIER_DATABASE_URL (or the file named
// by CRIER_DATABASE_URL_FILE) takes the place of the file's database, so
// that instances share one crier.toml and keep the PostgreSQL password out
// of it; the name Crier prints of it never shows the password.
func TestDatabaseFromTheEnvironment(t *testing.T) {
	const pgURL = "postgres://crier:" + testSecret + "@db.internal:5432/crier?sslmode=require"
	const shown = "postgres://crier:xxxxx@db.internal:5432/crier?sslmode=require"
	secretFile := filepath.Join(t.TempDir(), "database-url")
	if err := os.WriteFile(secretFile, []byte(pgURL+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		file     string // crier.toml's body; "-" for no file at all
		value    string // CRIER_DATABASE_URL
		fromFile string // CRIER_DATABASE_URL_FILE
		want     string // Database; "FILE/x" is x beside crier.toml
		wantName string // DatabaseName
		wantErr  []string
	}{
		{name: "the file's database", file: `database = "crier.db"`, want: "FILE/crier.db", wantName: "FILE/crier.db"},
		{name: "the variable wins over the file", file: `database = "crier.db"`, value: pgURL, want: pgURL, wantName: shown},
		{name: "the variable without a file", file: "-", value: pgURL, want: pgURL, wantName: shown},
		{name: "the variable's file", file: `database = "crier.db"`, fromFile: secretFile, want: pgURL, wantName: shown},
		{name: "a SQLite path stays as given", file: `database = "crier.db"`, value: "/var/lib/crier/crier.db", want: "/var/lib/crier/crier.db", wantName: "/var/lib/crier/crier.db"},
		{name: "a password parameter never shown", file: "-", value: "postgres://crier@db.internal/crier?password=" + testSecret + "&sslmode=require",
			want: "postgres://crier@db.internal/crier?password=" + testSecret + "&sslmode=require", wantName: "postgres://crier@db.internal/crier?sslmode=require"},
		{name: "an unreadable URL never shown", file: "-", value: "postgres://crier:" + testSecret + "%@db.internal/crier",
			want: "postgres://crier:" + testSecret + "%@db.internal/crier", wantName: "postgres://(unreadable URL)"},
		{name: "both set", file: "-", value: pgURL, fromFile: secretFile, wantErr: []string{"CRIER_DATABASE_URL and CRIER_DATABASE_URL_FILE", "only one"}},
		{name: "its file missing", file: "-", fromFile: secretFile + ".gone", wantErr: []string{"CRIER_DATABASE_URL_FILE", secretFile + ".gone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvDatabaseURL, tt.value)
			t.Setenv(EnvDatabaseURL+"_FILE", tt.fromFile)
			path := ""
			if tt.file != "-" {
				path = writeConfig(t, tt.file+clearwaterConfig)
			} else {
				t.Chdir(t.TempDir()) // no crier.toml here
			}
			cfg, err := Load(path)
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("database %q; want an error", cfg.Database)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q; want it to say %q", err, w)
					}
				}
				if strings.Contains(err.Error(), testSecret) {
					t.Errorf("error %q shows the password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Dir(path)
			want := strings.Replace(tt.want, "FILE", dir, 1)
			if cfg.Database != want {
				t.Errorf("database %q; want %q", cfg.Database, want)
			}
			if got, want := cfg.DatabaseName(), strings.Replace(tt.wantName, "FILE", dir, 1); got != want {
				t.Errorf("DatabaseName %q; want %q", got, want)
			}
		})
	}
}

// TestDatabasePasswordInTheFile: crier.toml's database may name a
// PostgreSQL server but not hold its password, as [smtp] and [twilio]
// may not hold theirs: the error names the file and the key and says
// where the password goes, never showing it. A URL without a password
// (the server trusts the user, or the password is in PGPASSWORD or
// ~/.pgpass) is accepted.
func TestDatabasePasswordInTheFile(t *testing.T) {
	refused := []string{"crier.toml: database", "holds a password", "CRIER_DATABASE_URL (or CRIER_DATABASE_URL_FILE", "PGPASSWORD or ~/.pgpass"}
	tests := []struct {
		name     string
		database string
		wantErr  []string
	}{
		{name: "in the user-info", database: "postgres://crier:" + testSecret + "@db.internal:5432/crier?sslmode=require",
			wantErr: append(refused, "(postgres://crier:xxxxx@db.internal:5432/crier?sslmode=require)")},
		{name: "as a parameter", database: "postgresql://crier@db.internal/crier?sslmode=require&password=" + testSecret, wantErr: refused},
		{name: "as an sslpassword parameter", database: "postgres://crier@db.internal/crier?sslpassword=" + testSecret, wantErr: refused},
		{name: "in a URL that does not parse", database: "postgres://crier:" + testSecret + "%@db.internal/crier", wantErr: refused},
		{name: "in a connection string", database: "host=db.internal user=crier password=" + testSecret + " dbname=crier", wantErr: []string{"crier.toml: database holds a password"}},
		{name: "no password", database: "postgres://crier@db.internal:5432/crier?sslmode=require"},
		{name: "an empty password", database: "postgres://crier:@db.internal:5432/crier"},
		{name: "a SQLite file", database: "crier.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvDatabaseURL, "")
			t.Setenv(EnvDatabaseURL+"_FILE", "")
			_, err := Load(writeConfig(t, fmt.Sprintf("database = %q\n", tt.database)+clearwaterConfig))
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("a database without a password is refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("a password in crier.toml's database is accepted")
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q; want it to say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}
