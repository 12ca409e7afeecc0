package notices

import (
	"strings"
	"testing"
)

// TestRedactDSN holds what messages and logs show of a database: never a
// password, wherever the URL carries it, and never the text of a URL that
// does not parse.
func TestRedactDSN(t *testing.T) {
	tests := []struct {
		name, dsn, want string
	}{
		{"a file path", "/var/lib/crier/crier.db", "/var/lib/crier/crier.db"},
		{"a URL without a password", "postgres://crier@db:5432/crier?sslmode=disable", "postgres://crier@db:5432/crier?sslmode=disable"},
		{"a password in the user-info", "postgres://crier:secret@db:5432/crier", "postgres://crier:xxxxx@db:5432/crier"},
		{"a password parameter", "postgres://crier@db/crier?password=secret&sslmode=require", "postgres://crier@db/crier?sslmode=require"},
		{"a password parameter only", "postgresql://db/crier?password=secret", "postgresql://db/crier"},
		{"an sslpassword parameter", "postgres://crier@db/crier?sslpassword=secret", "postgres://crier@db/crier"},
		{"a Password parameter in capitals", "postgres://crier@db/crier?Password=secret", "postgres://crier@db/crier"},
		{"both", "postgres://crier:secret@db/crier?password=secret", "postgres://crier:xxxxx@db/crier"},
		{"an unescaped % in the password", "postgres://crier:se%cret@db/crier", "postgres://(unreadable URL)"},
		{"an unescaped % in a password parameter", "postgres://crier@db/crier?password=se%zzcret&x=%", "postgres://(unreadable URL)"},
		{"an unescaped # in the password", "postgres://crier:se#cret@db/crier", "postgres://(unreadable URL)"},
		{"a scheme that is no scheme", "post gres:secret://x", "(unreadable URL)"},
		{"a key=value connection string with a password", "host=db user=crier password=secret dbname=crier", "(a connection string with a password)"},
		{"a key=value connection string without", "host=db user=crier dbname=crier", "host=db user=crier dbname=crier"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RedactDSN(tt.dsn)
			if got != tt.want {
				t.Errorf("RedactDSN(%q) = %q; want %q", tt.dsn, got, tt.want)
			}
			if strings.Contains(got, "secret") || strings.Contains(got, "cret") {
				t.Errorf("RedactDSN(%q) = %q shows the password", tt.dsn, got)
			}
		})
	}
}

func TestDSNSecrets(t *testing.T) {
	got := DSNSecrets("postgres://crier:one@db/crier?password=two&sslpassword=three&sslmode=disable")
	if strings.Join(got, ",") == "" || len(got) != 3 {
		t.Fatalf("DSNSecrets: %q; want one, two and three", got)
	}
	for _, want := range []string{"one", "two", "three"} {
		if !strings.Contains(","+strings.Join(got, ",")+",", ","+want+",") {
			t.Errorf("DSNSecrets: %q; missing %q", got, want)
		}
	}
}
