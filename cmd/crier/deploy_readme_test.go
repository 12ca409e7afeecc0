package main

import (
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/crier-notices/crier/config"
	"github.com/crier-notices/crier/internal/testenv"
)

// deployHeading is the README section the multi-process tests hold.
const deployHeading = "## Deploying two instances behind a load balancer with one PostgreSQL"

// readmeSection returns the README's section under heading, up to the
// next heading of its level.
func readmeSection(t *testing.T, heading string) string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(readme), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README has no section %q", heading)
	}
	level := heading[:strings.Index(heading, " ")+1]
	sec, _, _ = strings.Cut(sec, "\n"+level)
	return sec
}

// TestREADMEDeploy: the README's deploy section's crier.toml is read
// whole (every key known, every value accepted), and its commands, run as
// it says with CRIER_DATABASE_URL naming a test schema (its password
// added), migrate the database and show its version without printing the
// password; crier serve is the command the multi-process tests run.
func TestREADMEDeploy(t *testing.T) {
	if testing.Short() {
		t.Skip("builds crier")
	}
	sec := readmeSection(t, deployHeading)
	_, toml, ok := strings.Cut(sec, "```toml\n")
	if !ok {
		t.Fatal("the deploy section has no crier.toml")
	}
	toml, _, _ = strings.Cut(toml, "```")
	cfg := writeConfig(t, toml+clearwaterConfig)
	t.Setenv(config.EnvDatabaseURL, "")
	if _, err := config.Load(cfg); err != nil {
		t.Errorf("the deploy section's crier.toml: %v", err)
	}

	const password = "Zx7SecretQ42vWk"
	base := testenv.PostgresURL(t)
	bin := buildCrier(t)
	var env []string
	ran := 0
	for _, words := range shellCommands(t, sec, 0) {
		switch {
		case words[0] == "export":
			name, value, _ := strings.Cut(words[1], "=")
			if name != config.EnvDatabaseURL {
				t.Errorf("the section sets %s; crier reads %s", name, config.EnvDatabaseURL)
			}
			env = append(env, name+"="+testURL(t, value, base, password))
		case slices.Equal(words[:2], []string{"crier", "serve"}):
			if got := strings.Join(words, " "); got != "crier serve --log-format json" {
				t.Errorf("the section runs %q; the multi-process tests run crier serve --log-format json", got)
			}
		default:
			cmd := exec.Command(bin, append([]string{"--config", cfg}, words[1:]...)...)
			cmd.Env = append(os.Environ(), env...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("%s: %v\n%s", strings.Join(words, " "), err, out)
			}
			if strings.Contains(string(out), password) {
				t.Errorf("%s prints the database's password:\n%s", strings.Join(words, " "), out)
			}
			if words[2] == "status" && !strings.Contains(string(out), "crier:xxxxx@") {
				t.Errorf("crier db status does not name the database, its password hidden:\n%s", out)
			}
			ran++
		}
	}
	if len(env) == 0 || ran == 0 {
		t.Errorf("the deploy section sets %d variables and runs %d commands", len(env), ran)
	}
}

// testURL is the README's database URL readme pointed at the test
// schema base, its user kept and its password replaced by password.
func testURL(t *testing.T, readme, base, password string) string {
	t.Helper()
	r, err := url.Parse(readme)
	if err != nil {
		t.Fatalf("the README's database URL: %v", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	if r.Scheme != "postgres" || r.User == nil {
		t.Errorf("the README's database URL %s: want postgres://USER:PASSWORD@HOST/DB", r.Redacted())
	}
	u.User = url.UserPassword(r.User.Username(), password)
	return u.String()
}
