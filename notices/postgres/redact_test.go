package postgres

import (
	"errors"
	"strings"
	"testing"
)

// TestRedactErr: a driver's message quoting the URL keeps no password,
// whether the URL carries it in its user-info or as a query parameter.
func TestRedactErr(t *testing.T) {
	tests := []struct {
		name, dsn string
	}{
		{"user-info", "postgres://crier:s3cr3t-pw@db/crier"},
		{"query parameter", "postgres://crier@db/crier?password=s3cr3t-pw"},
		{"sslpassword parameter", "postgres://crier@db/crier?sslpassword=s3cr3t-pw"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := redactErr(errors.New("cannot connect to "+tt.dsn+": password s3cr3t-pw refused"), tt.dsn)
			if strings.Contains(err.Error(), "s3cr3t-pw") || !strings.Contains(err.Error(), "xxxxx") {
				t.Errorf("redactErr: %q; want the password as xxxxx", err)
			}
		})
	}
}
