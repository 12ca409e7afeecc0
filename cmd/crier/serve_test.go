package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/crier-notices/crier/internal/testenv"
	"github.com/crier-notices/crier/notices"
)

// serveProcess is a running `crier serve` of the built binary, logging
// JSON.
type serveProcess struct {
	cmd    *exec.Cmd
	admin  string // http://host:port
	web    string // http://host:port of the public routes
	exited chan error

	mu   sync.Mutex
	logs []map[string]any
	raw  bytes.Buffer
}

// startServe starts `crier serve --log-format json` and waits until its
// /readyz answers.
func startServe(t *testing.T, bin, cfg string) *serveProcess {
	t.Helper()
	return startServeWith(t, bin, cfg, nil)
}

// startServeWith is startServe with env added to the environment and
// flags to the command line.
func startServeWith(t *testing.T, bin, cfg string, env []string, flags ...string) *serveProcess {
	t.Helper()
	p := &serveProcess{exited: make(chan error, 1)}
	p.cmd = exec.Command(bin, append([]string{"--config", cfg, "serve", "--log-format", "json"}, flags...)...)
	if env != nil {
		p.cmd.Env = append(os.Environ(), env...)
	}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	started := make(chan [2]string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Bytes()
			var entry map[string]any
			p.mu.Lock()
			p.raw.Write(line)
			p.raw.WriteByte('\n')
			if err := json.Unmarshal(line, &entry); err != nil {
				entry = map[string]any{"unparsed": string(line)}
			}
			p.logs = append(p.logs, entry)
			p.mu.Unlock()
			if entry["msg"] == "crier serve started" {
				started <- [2]string{fmt.Sprint(entry["admin"]), fmt.Sprint(entry["web"])}
			}
		}
		p.exited <- p.cmd.Wait()
	}()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
		}
	})
	select {
	case a := <-started:
		p.admin, p.web = a[0], a[1]
	case err := <-p.exited:
		t.Fatalf("crier serve exited at start: %v\n%s", err, p.log())
	case <-time.After(30 * time.Second):
		t.Fatalf("crier serve did not start within 30 s:\n%s", p.log())
	}
	deadline := time.Now().Add(30 * time.Second)
	for p.get(t, "/readyz") != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatalf("/readyz never answered 200:\n%s", p.log())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return p
}

func (p *serveProcess) get(t *testing.T, path string) int {
	resp, err := http.Get(p.admin + path)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func (p *serveProcess) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.raw.String()
}

// stop sends sig and returns how long the process took to exit and its
// exit error.
func (p *serveProcess) stop(t *testing.T, sig os.Signal, limit time.Duration) (time.Duration, error) {
	t.Helper()
	began := time.Now()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		return time.Since(began), err
	case <-time.After(limit):
		p.cmd.Process.Kill()
		t.Fatalf("crier serve still running %s after %v:\n%s", limit, sig, p.log())
	}
	return 0, nil
}

// importCustomers writes n customers with email addresses and imports
// them into the list everyone.
func importCustomers(t *testing.T, bin, cfg string, n int) {
	t.Helper()
	runBin(t, bin, cfg, "contacts", "import", customersCSV(t, filepath.Dir(cfg), n), "--list", "everyone")
}

// customersCSV writes n customers with email addresses,
// customer0001@example.org and on, to customers.csv in dir and returns
// its path.
func customersCSV(t *testing.T, dir string, n int) string {
	t.Helper()
	var csv bytes.Buffer
	csv.WriteString("account,name,email\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&csv, "%d,Customer %d,customer%04d@example.org\n", i, i, i)
	}
	file := filepath.Join(dir, "customers.csv")
	if err := os.WriteFile(file, csv.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// runBin runs the built crier and fails the test unless it exits 0.
func runBin(t *testing.T, bin, cfg string, args ...string) string {
	t.Helper()
	out, err := exec.Command(bin, append([]string{"--config", cfg}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("crier %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// waitFor polls cond (a store or Mailpit reading, not a clock) until it
// holds, failing after limit. Between two looks it waits 10 ms, or twice
// as long as the look took: a report of a few thousand deliveries read
// by this race-instrumented process takes half a second, and looking
// again at once kept a whole core of the two busy, slowing the crier
// processes it waited for.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool, logs func() string) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		began := time.Now()
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v\n%s", what, limit, logs())
		}
		time.Sleep(max(10*time.Millisecond, 2*time.Since(began)))
	}
}

// sendArgsEmail is `send boil-water-advisory` to the list everyone by
// email, with the README's values (an emergency, by the template).
func sendArgsEmail(extra ...string) []string {
	return append(append([]string{"send", "boil-water-advisory", "--list", "everyone", "--channels", "email", "--yes"}, readmeValues...), extra...)
}

func serveConfig(t *testing.T, mp *testenv.MailpitServer, extra string) string {
	host, port := mp.SMTPAddr()
	return writeConfig(t, fmt.Sprintf(`database = "crier.db"
%s
[smtp]
host = "%s"
port = %d
tls = "none"
connections = 4
%s
[serve]
admin_address = "127.0.0.1:0"
stop_timeout = "10s"
[web]
listen = "127.0.0.1:0"
`, clearwaterConfig, host, port, extra))
}

// Acceptance 5: with crier serve running and its fallback poll at one
// hour, a notice sent by crier send from another process reaches Mailpit
// at once: the server was woken, not polled. Its health endpoints answer
// and its log is JSON.
func TestServeWokenByAnotherProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds crier and runs crier serve")
	}
	mp := testenv.Mailpit(t)
	bin := buildCrier(t)
	cfg := serveConfig(t, mp, "[dispatch]\npoll = \"1h\"\n")
	const n = 20
	importCustomers(t, bin, cfg, n)

	srv := startServe(t, bin, cfg)
	if code := srv.get(t, "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz answered %d; want 200", code)
	}
	// The server has done its first look; from now on only a wake (or the
	// hour's poll) makes it claim.
	sendOut := runBin(t, bin, cfg, sendArgsEmail()...)
	if !strings.Contains(sendOut, "crier serve ("+srv.admin+") has it now") {
		t.Errorf("crier send does not say the server took the notice:\n%s", sendOut)
	}
	waitFor(t, 30*time.Second, fmt.Sprintf("%d emails in Mailpit", n), func() bool { return len(mp.Messages(t)) >= n }, srv.log)

	took, err := srv.stop(t, syscall.SIGTERM, 20*time.Second)
	if err != nil {
		t.Errorf("crier serve exited with %v after SIGTERM; want 0\n%s", err, srv.log())
	}
	t.Logf("stopped in %v", took)
	checkEveryoneOnce(t, mp, n, 0)
	srv.mu.Lock()
	for _, entry := range srv.logs {
		if _, bad := entry["unparsed"]; bad {
			t.Errorf("a log line is not JSON: %s", entry["unparsed"])
		}
	}
	srv.mu.Unlock()
	store := openTestStore(t, cfg)
	if servers, err := store.Servers(context.Background()); err != nil || len(servers) != 0 {
		t.Errorf("after the stop the store lists servers %v (%v); want none", servers, err)
	}
	r, err := store.Report(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if r.Channel(notices.Email).Sent != n || r.Notice.Status != notices.Done {
		t.Errorf("notice %s, email %+v; want done with %d sent", r.Notice.Status, r.Channel(notices.Email), n)
	}
}

// Acceptance 6: SIGTERM during a 5,000-message send: crier serve exits 0
// within its stop timeout, leaves no delivery claimed, and the next start
// finishes the send with no message sent twice.
func TestServeSIGTERMDuringSend(t *testing.T) {
	if testing.Short() {
		t.Skip("builds crier and sends 5,000 emails")
	}
	mp := testenv.Mailpit(t)
	bin := buildCrier(t)
	// 400 a second: the send takes about 12 s, long enough to stop it in
	// the middle.
	cfg := serveConfig(t, mp, "rate = 400\n")
	const n = 5000
	importCustomers(t, bin, cfg, n)
	runBin(t, bin, cfg, sendArgsEmail()...)
	store := openTestStore(t, cfg)
	sent := func() int {
		r, err := store.Report(context.Background(), 1)
		if err != nil {
			t.Fatal(err)
		}
		return r.Channel(notices.Email).Sent
	}

	srv := startServe(t, bin, cfg)
	waitFor(t, time.Minute, "1,000 sent", func() bool { return sent() >= 1000 }, srv.log)
	took, err := srv.stop(t, syscall.SIGTERM, 30*time.Second)
	if err != nil {
		t.Errorf("crier serve exited with %v after SIGTERM; want 0\n%s", err, srv.log())
	}
	if took > 10*time.Second {
		t.Errorf("crier serve took %v to stop; the stop timeout is 10 s", took)
	}
	atStop := sent()
	t.Logf("stopped in %v with %d of %d sent", took, atStop, n)
	if atStop >= n {
		t.Fatal("every delivery was sent before the stop: send more")
	}
	var claimed int
	err = store.EachDeliveryIn(context.Background(), 1, []notices.DeliveryStatus{notices.DeliverySending}, func(notices.Delivery) error {
		claimed++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if claimed != 0 {
		t.Errorf("%d deliveries left claimed by the stopped server; want none", claimed)
	}

	again := startServe(t, bin, cfg)
	waitFor(t, 2*time.Minute, "every delivery sent after the restart", func() bool { return sent() == n }, again.log)
	if _, err := again.stop(t, syscall.SIGINT, 30*time.Second); err != nil {
		t.Errorf("second crier serve exited with %v; want 0", err)
	}
	checkEveryoneOnce(t, mp, n, 0) // a graceful stop repeats nothing
}

// Acceptance 2: crier serve killed just after a campaign's firing created
// its notice, before the dispatch finished: after the restart the run
// exists once and every delivery is sent once, up to the sends in flight
// at the kill.
func TestServeRestartAfterFiring(t *testing.T) {
	if testing.Short() {
		t.Skip("builds crier and sends 2,000 emails")
	}
	mp := testenv.Mailpit(t)
	bin := buildCrier(t)
	const connections = 4
	cfg := serveConfig(t, mp, "rate = 300\n")
	const n = 2000
	importCustomers(t, bin, cfg, n)

	// A campaign created five minutes ago, firing every minute until now:
	// the start finds its last firing within the grace window and
	// publishes it at once; no later firing comes.
	store := openTestStore(t, cfg)
	created := time.Now().Add(-5 * time.Minute)
	store.Now = func() time.Time { return created }
	values := map[string]string{}
	for i := 0; i+1 < len(readmeValues); i += 2 {
		k, v, _ := strings.Cut(readmeValues[i+1], "=")
		values[k] = v
	}
	values["expected"] = "+7d" // the README's fixed date is past: such a firing is not sent
	_, err := store.CreateCampaign(context.Background(), notices.Campaign{
		Name:     "flushing",
		Notice:   notices.Notice{Template: "boil-water-advisory", Values: values, Audience: notices.Audience{Lists: []string{"everyone"}}, Channels: []notices.Channel{notices.Email}},
		Schedule: "* * * * *", Timezone: "America/New_York", EndsAt: time.Now().Add(-time.Second),
	})
	if err != nil {
		t.Fatal(err)
	}
	store.Now = time.Now
	sent := func() int {
		r, err := store.Report(context.Background(), 1)
		if err != nil {
			return 0 // not published yet
		}
		return r.Channel(notices.Email).Sent
	}

	srv := startServe(t, bin, cfg)
	waitFor(t, time.Minute, "the firing's notice sending", func() bool { return sent() >= 100 }, srv.log)
	if err := srv.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-srv.exited
	atKill := sent()
	t.Logf("killed with %d of %d sent", atKill, n)
	if atKill >= n {
		t.Fatal("every delivery was sent before the kill: send more")
	}

	again := startServe(t, bin, cfg)
	waitFor(t, 2*time.Minute, "every delivery sent after the restart", func() bool { return sent() == n }, again.log)
	if _, err := again.stop(t, syscall.SIGTERM, 30*time.Second); err != nil {
		t.Errorf("crier serve exited with %v; want 0", err)
	}

	c, err := store.Campaign(context.Background(), "flushing")
	if err != nil {
		t.Fatal(err)
	}
	runs, err := store.Runs(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	published := 0
	for _, r := range runs {
		if r.Status == notices.RunPublished {
			published++
		}
	}
	if published != 1 {
		t.Errorf("runs %+v: %d published; want exactly 1", runs, published)
	}
	ns, err := store.Notices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) != 1 {
		t.Errorf("%d notices; want the one firing's", len(ns))
	}
	ny, _ := time.LoadLocation("America/New_York")
	if show := runBin(t, bin, cfg, "notices", "show", "1"); !strings.Contains(show, "campaign:  flushing, the firing of "+runs[0].ScheduledAt.In(ny).Format("2006-01-02 15:04 MST")) {
		t.Errorf("notices show does not name the campaign firing of %v:\n%s", runs[0].ScheduledAt, show)
	}
	checkEveryoneOnce(t, mp, n, connections)
}

// TestServePublicRoutes: crier serve answers the public routes on [web]
// listen, apart from its admin address, each answer with the security
// headers; a [web] listen already taken is refused with the key named.
func TestServePublicRoutes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds crier and runs crier serve")
	}
	bin := buildCrier(t)
	cfg := writeConfig(t, clearwaterConfig+`
[serve]
admin_address = "127.0.0.1:0"
[web]
listen = "127.0.0.1:0"
`)
	srv := startServe(t, bin, cfg)
	if srv.web == "" || srv.web == srv.admin {
		t.Fatalf("crier serve's public address %q (admin %q)", srv.web, srv.admin)
	}
	tests := []struct {
		path string
		want int
	}{
		{"/assets/crier.css", http.StatusOK},
		{"/no/such/page", http.StatusNotFound},
		{"/healthz", http.StatusNotFound}, // the admin routes are not public
	}
	for _, tc := range tests {
		resp, err := http.Get(srv.web + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want || resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s: %d, headers %v; want %d with the security headers", tc.path, resp.StatusCode, resp.Header, tc.want)
		}
	}

	taken := writeConfig(t, clearwaterConfig+fmt.Sprintf(`
[serve]
admin_address = "off"
[web]
listen = "%s"
`, strings.TrimPrefix(srv.web, "http://")))
	out, err := exec.Command(bin, "--config", taken, "serve").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "[web] listen") {
		t.Errorf("crier serve on a taken [web] listen: %v\n%s", err, out)
	}
}
