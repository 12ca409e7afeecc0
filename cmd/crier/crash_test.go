package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crier-notices/crier/internal/testenv"
	"github.com/crier-notices/crier/notices"
)

// buildCrier returns the crier binary, built once for the whole test
// run (without the race detector: the processes it runs are measured by
// their output) into a folder removed when the run ends.
func buildCrier(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "crier-test-bin-")
		if err != nil {
			built.err = err
			return
		}
		built.dir = dir
		built.bin = filepath.Join(dir, "crier")
		if out, err := exec.Command("go", "build", "-o", built.bin, ".").CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}

var built struct {
	once     sync.Once
	dir, bin string
	err      error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// Acceptance 2 of the publishing issue: SIGKILL the dispatcher while it
// sends 2,000 emails to Mailpit, start it again: every address received the
// notice, the repeats are no more than the configured concurrency (the
// sends in flight at the kill), and every delivery ends sent.
func TestDispatchSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds crier and sends 2,000 emails")
	}
	mp := testenv.Mailpit(t)
	bin := buildCrier(t)
	host, port := mp.SMTPAddr()
	const connections = 4
	cfg := writeConfig(t, fmt.Sprintf(`database = "crier.db"
%s
[smtp]
host = "%s"
port = %d
tls = "none"
connections = %d
`, clearwaterConfig, host, port, connections))
	dir := filepath.Dir(cfg)

	const n = 2000
	var csv bytes.Buffer
	csv.WriteString("account,name,email\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&csv, "%d,Customer %d,customer%04d@example.org\n", i, i, i)
	}
	contacts := filepath.Join(dir, "customers.csv")
	os.WriteFile(contacts, csv.Bytes(), 0o644)
	crier := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, append([]string{"--config", cfg}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("crier %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	crier("contacts", "import", contacts, "--list", "everyone")
	crier("send", "boil-water-advisory", "--list", "everyone", "--channels", "email", "--urgency", "emergency", "--yes",
		"--set", "area=Oak Hill Road", "--set", "cause=main-break", "--set", "occurred=Saturday, November 28, 2026",
		"--set", "occurred_time=6:30 AM", "--set", "expected=Monday, November 30, 2026")

	store, err := notices.Open(context.Background(), filepath.Join(dir, "crier.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	sent := func() int {
		r, err := store.Report(context.Background(), 1)
		if err != nil {
			t.Fatal(err)
		}
		return r.Channel(notices.Email).Sent
	}

	cmd := exec.Command(bin, "--config", cfg, "dispatch")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for sent() < 300 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("fewer than 300 sent within a minute:\n%s", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil {
		t.Fatalf("the dispatcher finished before the kill: send more")
	}
	atKill := sent()
	t.Logf("killed with %d of %d recorded sent", atKill, n)
	if atKill >= n {
		t.Fatalf("every delivery was sent before the kill: send more")
	}

	again := crier("dispatch")
	t.Logf("second dispatch:\n%s", again)

	checkEveryoneOnce(t, mp, n, connections)
	r, err := store.Report(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if c := r.Channel(notices.Email); c.Sent != n || c.Total != n {
		t.Errorf("report %+v; want every one of the %d deliveries sent", c, n)
	}
	if r.Notice.Status != notices.Done {
		t.Errorf("notice is %s; want done", r.Notice.Status)
	}
}

// checkEveryoneOnce checks that customer0001@example.org to customerN
// each received the notice in Mailpit, and that no more than maxRepeats
// messages were repeats: the sends in flight at a kill.
func checkEveryoneOnce(t *testing.T, mp *testenv.MailpitServer, n, maxRepeats int) {
	t.Helper()
	got := map[string]int{}
	for _, m := range mp.Messages(t) {
		got[m.To[0].Address]++
	}
	repeats := 0
	for i := 1; i <= n; i++ {
		addr := fmt.Sprintf("customer%04d@example.org", i)
		switch c := got[addr]; {
		case c == 0:
			t.Errorf("%s never received the notice", addr)
		case c > 1:
			repeats += c - 1
		}
	}
	t.Logf("%d repeats", repeats)
	if repeats > maxRepeats {
		t.Errorf("%d messages were sent twice; at most %d (the sends in flight at a kill) may be", repeats, maxRepeats)
	}
}
