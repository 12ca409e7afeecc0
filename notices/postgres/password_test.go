package postgres

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
)

// TestPasswordOutsideTheURL: a URL without a password (as crier.toml
// must hold it) connects with the password of PGPASSWORD, or of the
// password file (~/.pgpass, or the one PGPASSFILE names), as libpq does:
// the server is asked for a password and is given that one.
func TestPasswordOutsideTheURL(t *testing.T) {
	tests := []struct {
		name     string
		env      string // PGPASSWORD
		passfile string // the password file's line; HOST and PORT are the server's
		home     bool   // the file is ~/.pgpass, else the one PGPASSFILE names
		want     string
	}{
		{name: "PGPASSWORD", env: "env-Pw-4471", want: "env-Pw-4471"},
		{name: "~/.pgpass", passfile: "HOST:PORT:crier:crier:home-Pw-3310", home: true, want: "home-Pw-3310"},
		{name: "PGPASSFILE", passfile: "HOST:PORT:crier:crier:file-Pw-9023", want: "file-Pw-9023"},
		{name: "PGPASSFILE, any host", passfile: "*:*:*:crier:star-Pw-1185", want: "star-Pw-1185"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, got := passwordServer(t)
			host, port, _ := net.SplitHostPort(addr)
			t.Setenv("PGPASSWORD", tt.env)
			home := t.TempDir()
			t.Setenv("HOME", home)
			passfile := filepath.Join(home, ".pgpass")
			t.Setenv("PGPASSFILE", "")
			if !tt.home {
				passfile = filepath.Join(t.TempDir(), "pgpass")
				t.Setenv("PGPASSFILE", passfile)
			}
			line := strings.NewReplacer("HOST", host, "PORT", port).Replace(tt.passfile)
			if err := os.WriteFile(passfile, []byte(line+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Dialect{}.Open(context.Background(), "postgres://crier@"+addr+"/crier?sslmode=disable&connect_timeout=5", true)
			if err == nil {
				t.Fatal("Open succeeded against a server that refuses every password")
			}
			select {
			case pw := <-got:
				if pw != tt.want {
					t.Errorf("the server was given password %q; want %q", pw, tt.want)
				}
			default:
				t.Fatalf("the server was given no password: %v", err)
			}
			if strings.Contains(err.Error(), tt.want) {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}

// passwordServer is a PostgreSQL server on loopback that asks each client
// for a password in clear text, sends what it was given to the channel
// and refuses it, as a server with password authentication refuses a
// wrong one.
func passwordServer(t *testing.T) (addr string, got <-chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	passwords := make(chan string, 16)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			askPassword(conn, passwords)
		}
	}()
	return ln.Addr().String(), passwords
}

func askPassword(conn net.Conn, passwords chan<- string) {
	defer conn.Close()
	be := pgproto3.NewBackend(conn, conn)
	if _, err := be.ReceiveStartupMessage(); err != nil {
		return
	}
	be.Send(&pgproto3.AuthenticationCleartextPassword{})
	if be.Flush() != nil || be.SetAuthType(pgproto3.AuthTypeCleartextPassword) != nil {
		return
	}
	msg, err := be.Receive()
	if pm, ok := msg.(*pgproto3.PasswordMessage); err == nil && ok {
		passwords <- pm.Password
	}
	be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "28P01", Message: "password authentication failed for user \"crier\""})
	be.Flush()
}
