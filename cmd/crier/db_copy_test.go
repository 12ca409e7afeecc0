package main

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crier-notices/crier/internal/testenv"
)

// TestDBCopy is crier db copy as a coordinator moving to PostgreSQL runs
// it: crier.db with contacts, a notice sent, one cancelled and a
// suppression is copied to PostgreSQL (another SQLite file where the
// tests have none) and back to a new SQLite file; each copy says its
// counts per table, never the password, and answers report, notices list,
// contacts list and suppressions exactly as the original does. A copy
// onto itself, and a second copy into the same database, are refused.
func TestDBCopy(t *testing.T) {
	nonTerminalStdin(t)
	cfg := exampleSetup(t)
	mustCrier(t, append([]string{"--config", cfg}, sendArgs("--list", "customers", "--channels", "email,sms", "--yes")...)...)
	mustCrier(t, "--config", cfg, "dispatch")
	mustCrier(t, append([]string{"--config", cfg}, sendArgs("--list", "customers", "--channels", "email", "--yes")...)...)
	mustCrier(t, "--config", cfg, "notices", "cancel", "2")
	mustCrier(t, "--config", cfg, "contacts", "suppress", "someone@example.org", "--reason", "manual")
	want := answers(t, cfg)

	target, secret := copyTarget(t)
	out := mustCrier(t, "--config", cfg, "db", "copy", "--to", target)
	for _, line := range []string{`(?m)^  contacts +24$`, `(?m)^  suppressions +1$`, `(?m)^  notices +2$`, `(?m)^copied \d+ rows in \d+ tables`} {
		if !regexp.MustCompile(line).MatchString(out) {
			t.Errorf("db copy's output lacks %s:\n%s", line, out)
		}
	}
	if secret != "" && (strings.Contains(out, secret) || !strings.Contains(out, ":xxxxx@")) {
		t.Errorf("db copy shows the password, or not as xxxxx:\n%s", out)
	}
	copied := withDatabase(t, cfg, target)
	sameAnswers(t, want, answers(t, copied), secret)

	back := filepath.Join(t.TempDir(), "back.db")
	mustCrier(t, "--config", cfg, "db", "copy", "--from", target, "--to", back)
	sameAnswers(t, want, answers(t, withDatabase(t, cfg, back)), "")

	code, stdout, stderr := crier(t, "--config", cfg, "db", "copy", "--to", filepath.Join(filepath.Dir(cfg), ".", "crier.db"))
	if code != 2 || !strings.Contains(stderr, "--from and --to both name") {
		t.Errorf("a copy onto itself: exit %d, want 2 and a refusal\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = crier(t, "--config", cfg, "db", "copy", "--to", target)
	if code != 1 || !strings.Contains(stderr, "the target is not empty: its table ") || strings.Contains(stdout+stderr, secret+"@") {
		t.Errorf("a copy into a database with rows: exit %d, want 1 naming a table\n%s%s", code, stdout, stderr)
	}
}

// copyTarget is a new PostgreSQL schema, its URL given a password (the
// test server lets crier in without one, so it is only there to be
// hidden), or a SQLite file where the tests have no PostgreSQL.
func copyTarget(t *testing.T) (dsn, password string) {
	t.Helper()
	if !testenv.HavePostgres() {
		return filepath.Join(t.TempDir(), "copy.db"), ""
	}
	u, err := url.Parse(testenv.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), "s3cret-pw")
	return u.String(), "s3cret-pw"
}

// withDatabase writes a copy of the configuration cfg naming the database
// dsn, and returns its path. A URL's password is left out, as crier.toml
// must (the test server needs none).
func withDatabase(t *testing.T, cfg, dsn string) string {
	t.Helper()
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		u.User = url.User(u.User.Username())
		dsn = u.String()
	}
	body, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	body = bytes.Replace(body, []byte(`database = "crier.db"`), []byte(`database = "`+dsn+`"`), 1)
	path := filepath.Join(filepath.Dir(cfg), "copy-"+filepath.Base(t.TempDir())+".toml")
	if err := os.WriteFile(path, body, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// answers runs the commands a coordinator reads the state with.
func answers(t *testing.T, cfg string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, args := range [][]string{{"report", "1"}, {"report", "2"}, {"notices", "list"}, {"contacts", "list"}, {"contacts", "suppressions"}} {
		out[strings.Join(args, " ")] = mustCrier(t, append([]string{"--config", cfg}, args...)...)
	}
	return out
}

func sameAnswers(t *testing.T, want, got map[string]string, secret string) {
	t.Helper()
	for cmd, w := range want {
		if got[cmd] != w {
			t.Errorf("crier %s on the copy:\n%s\nwant, as on the original:\n%s", cmd, got[cmd], w)
		}
		if secret != "" && strings.Contains(got[cmd], secret) {
			t.Errorf("crier %s shows the password", cmd)
		}
	}
}

// TestDBCopyWhileServing: crier db copy of a database a crier serve is
// running on refuses, naming the server and what to do, and makes no
// target; with --while-serving it copies and warns on stderr. Once the
// server has stopped, the copy goes without a word on stderr. A server
// killed without unregistering is said not to answer, and the copy goes.
func TestDBCopyWhileServing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds crier and runs crier serve")
	}
	bin := buildCrier(t)
	cfg := writeConfig(t, `database = "crier.db"
`+clearwaterConfig+`
[serve]
admin_address = "127.0.0.1:0"
stop_timeout = "10s"
[web]
listen = "127.0.0.1:0"
`)
	dir := t.TempDir()
	srv := startServe(t, bin, cfg)
	refused := filepath.Join(dir, "refused.db")
	code, stdout, stderr := crier(t, "--config", cfg, "db", "copy", "--to", refused)
	for _, want := range []string{"crier serve is running on " + filepath.Join(filepath.Dir(cfg), "crier.db"), "(admin " + srv.admin + ")", "stop every crier serve on it first", "--while-serving"} {
		if code != 1 || !strings.Contains(stderr, want) {
			t.Errorf("a copy beside crier serve: exit %d; want 1 and %q\n%s%s", code, want, stdout, stderr)
		}
	}
	if _, err := os.Stat(refused); !os.IsNotExist(err) {
		t.Errorf("the refused copy made its target (%v)", err)
	}
	code, stdout, stderr = crier(t, "--config", cfg, "db", "copy", "--while-serving", "--to", filepath.Join(dir, "trial.db"))
	if code != 0 || !strings.Contains(stdout, "copied ") || !strings.Contains(stderr, "crier: warning: crier serve is running on ") || !strings.Contains(stderr, "not what the server writes afterwards") {
		t.Errorf("--while-serving: exit %d; want a copy and a warning\n%s%s", code, stdout, stderr)
	}
	if _, err := srv.stop(t, syscall.SIGTERM, 20*time.Second); err != nil {
		t.Fatalf("crier serve: %v\n%s", err, srv.log())
	}
	code, stdout, stderr = crier(t, "--config", cfg, "db", "copy", "--to", filepath.Join(dir, "stopped.db"))
	if code != 0 || stderr != "" {
		t.Errorf("a copy after crier serve stopped: exit %d; want 0 and nothing on stderr\n%s%s", code, stdout, stderr)
	}

	killed := startServe(t, bin, cfg)
	killed.cmd.Process.Kill()
	<-killed.exited
	code, stdout, stderr = crier(t, "--config", cfg, "db", "copy", "--to", filepath.Join(dir, "killed.db"))
	if code != 0 || !strings.Contains(stderr, "(admin "+killed.admin+", started ") || !strings.Contains(stderr, "does not answer from here") {
		t.Errorf("a copy after crier serve was killed: exit %d; want 0 and a warning naming it\n%s%s", code, stdout, stderr)
	}
}
