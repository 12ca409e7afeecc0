package testenv

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/build"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// MailpitVersion is the Mailpit release the tests are written against;
// .ci/run installs it.
const MailpitVersion = "v1.33.1"

// MailpitServer is a Mailpit process serving SMTP and its HTTP API on
// loopback ports of its own, with its database in a temporary folder.
// Stop and Start restart it on the same ports with the same database, for
// outage tests. Its methods are safe for concurrent use.
type MailpitServer struct {
	bin     string
	args    []string
	smtp    string // host:port
	api     string // http://host:port
	logPath string
	client  *http.Client

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has exited
}

// MailpitSummary is what Mailpit's message list says of one message.
type MailpitSummary struct {
	ID        string // Mailpit's id, for Raw
	MessageID string // the Message-ID header, without angle brackets
	From      MailpitAddress
	To        []MailpitAddress
	Subject   string
	Created   time.Time // when Mailpit received it, by its clock (to the millisecond)
}

// MailpitAddress is a name and an address as Mailpit parsed them.
type MailpitAddress struct {
	Name    string
	Address string
}

// MailpitPath returns the path of the mailpit program, looking on PATH and
// in $GOPATH/bin where `go install` puts it. It fails the test when the CI
// variable is set and skips it elsewhere if Mailpit is not installed.
func MailpitPath(t testing.TB) string {
	t.Helper()
	if path, err := exec.LookPath("mailpit"); err == nil {
		return path
	}
	for _, dir := range filepath.SplitList(build.Default.GOPATH) {
		path := filepath.Join(dir, "bin", "mailpit")
		if fi, err := os.Stat(path); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return path
		}
	}
	missing(t, "mailpit is not installed (go install github.com/axllent/mailpit@"+MailpitVersion+"; .ci/run does)")
	return ""
}

// Mailpit starts Mailpit on 127.0.0.1 with free ports, keeping up to 20,000
// messages, and stops it when the test ends. flags are added to Mailpit's
// command line, for the faults it can make: "--smtp-allowed-recipients",
// "--chaos-triggers", "--smtp-auth-file", "--smtp-tls-cert" and the like.
func Mailpit(t testing.TB, flags ...string) *MailpitServer {
	t.Helper()
	bin := MailpitPath(t)
	dir := t.TempDir()
	for attempt := 1; ; attempt++ {
		smtpAddr, apiAddr := freeAddr(t), freeAddr(t)
		s := &MailpitServer{
			bin: bin,
			args: append([]string{
				"--smtp", smtpAddr,
				"--listen", apiAddr,
				"--max", "20000",
				"--database", filepath.Join(dir, "mailpit.db"),
				"--smtp-disable-rdns",
				"--disable-version-check",
			}, flags...),
			smtp:    smtpAddr,
			api:     "http://" + apiAddr,
			logPath: filepath.Join(dir, "mailpit.log"),
			client:  &http.Client{Timeout: 30 * time.Second},
		}
		err := s.start()
		if err == nil {
			t.Cleanup(s.Stop)
			return s
		}
		// A port free a moment ago may be taken by then: by another test
		// process, or as the local port of a connection.
		if attempt == 3 || !strings.Contains(err.Error(), "address already in use") {
			t.Fatal(err)
		}
		os.Remove(s.logPath)
	}
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// SMTPAddr returns the host and port of Mailpit's SMTP server.
func (s *MailpitServer) SMTPAddr() (string, int) {
	host, port, _ := net.SplitHostPort(s.smtp)
	n, _ := strconv.Atoi(port)
	return host, n
}

// APIURL returns the base URL of Mailpit's HTTP API, such as
// "http://127.0.0.1:PORT".
func (s *MailpitServer) APIURL() string { return s.api }

// Start starts a stopped Mailpit again on the same ports and database and
// waits until it answers. It fails the test if Mailpit does not come up.
func (s *MailpitServer) Start(t testing.TB) {
	t.Helper()
	if err := s.start(); err != nil {
		t.Fatal(err)
	}
}

func (s *MailpitServer) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return nil
	}
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(s.bin, s.args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start mailpit: %w", err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if s.ready() {
			s.cmd, s.exited = cmd, exited
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("mailpit exited at start (%v): %s", waitErr, s.logTail())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-exited
			return fmt.Errorf("mailpit did not answer on %s within 30s: %s", s.api, s.logTail())
		}
	}
}

// ready reports whether both the API and the SMTP port answer.
func (s *MailpitServer) ready() bool {
	resp, err := s.client.Get(s.api + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false
	}
	c, err := net.DialTimeout("tcp", s.smtp, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func (s *MailpitServer) logTail() string {
	b, _ := os.ReadFile(s.logPath)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// Stop stops Mailpit, closing its connections; messages stay in its
// database for Start. Stopping a stopped server does nothing.
func (s *MailpitServer) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	// Killed, as a crash or a pulled cable would: the ports close when the
	// process has exited.
	s.cmd.Process.Kill()
	<-s.exited
	s.cmd, s.exited = nil, nil
}

// Terminate stops Mailpit with SIGTERM, as a service manager does: it
// closes its database while its SMTP sessions are still open (they answer
// 451 to the end of the data, then 503 to the next MAIL FROM), then exits.
// Messages stay in its database for Start. Terminating a stopped server
// does nothing.
func (s *MailpitServer) Terminate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
	s.cmd, s.exited = nil, nil
}

// Messages returns every message Mailpit holds, newest first, reading the
// list page by page.
func (s *MailpitServer) Messages(t testing.TB) []MailpitSummary {
	t.Helper()
	const limit = 1000
	var all []MailpitSummary
	for start := 0; ; start += limit {
		var page struct {
			Total    int `json:"messages_count"`
			Messages []MailpitSummary
		}
		q := url.Values{"start": {strconv.Itoa(start)}, "limit": {strconv.Itoa(limit)}}
		s.getJSON(t, "/api/v1/messages?"+q.Encode(), &page)
		all = append(all, page.Messages...)
		if len(page.Messages) < limit || len(all) >= page.Total {
			return all
		}
	}
}

// Raw returns the source of the message with Mailpit's id, as received
// (with the Received header Mailpit adds).
func (s *MailpitServer) Raw(t testing.TB, id string) []byte {
	t.Helper()
	return s.do(t, http.MethodGet, "/api/v1/message/"+url.PathEscape(id)+"/raw", nil)
}

// DeleteAll deletes every message.
func (s *MailpitServer) DeleteAll(t testing.TB) {
	t.Helper()
	s.do(t, http.MethodDelete, "/api/v1/messages", nil)
}

func (s *MailpitServer) getJSON(t testing.TB, path string, v any) {
	t.Helper()
	body := s.do(t, http.MethodGet, path, nil)
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("mailpit %s: %v", path, err)
	}
}

func (s *MailpitServer) do(t testing.TB, method, path string, body []byte) []byte {
	t.Helper()
	req, err := http.NewRequest(method, s.api+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("mailpit %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("mailpit %s %s: %v", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("mailpit %s %s: %s: %s", method, path, resp.Status, b)
	}
	return b
}
