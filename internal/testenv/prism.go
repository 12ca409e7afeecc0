package testenv

import (
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// PrismVersion is the Prism release the tests are written against; .ci/run
// installs it under .ci/node.
const PrismVersion = "5.16.0"

// twilioOpenAPI is where Twilio's OpenAPI description sits, relative to a
// folder beside the repository (DESIGN.md: ../shared/twilio/...).
var twilioOpenAPI = filepath.Join("shared", "twilio", "twilio_api_v2010.json")

// PrismServer is a Prism mock server answering on loopback as Twilio's API
// would, refusing with 422 the requests that do not match Twilio's OpenAPI
// description.
type PrismServer struct {
	url string
}

// URL returns the server's base URL, such as "http://127.0.0.1:PORT".
func (p *PrismServer) URL() string { return p.url }

// PrismPath returns the path of the prism program: on PATH, or under
// .ci/node at the repository's root where .ci/run installs it. It fails
// the test when the CI variable is set and skips it elsewhere if Prism is
// not installed.
func PrismPath(t testing.TB) string {
	t.Helper()
	if path, err := exec.LookPath("prism"); err == nil {
		return path
	}
	if root, err := repoRoot(); err == nil {
		path := filepath.Join(root, ".ci", "node", "node_modules", ".bin", "prism")
		if fi, err := os.Stat(path); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return path
		}
	}
	missing(t, "prism is not installed (npm install --prefix .ci/node @stoplight/prism-cli@"+PrismVersion+"; .ci/run does)")
	return ""
}

// TwilioOpenAPI returns the path of Twilio's OpenAPI description: the file
// named by CRIER_TWILIO_OPENAPI, or shared/twilio/twilio_api_v2010.json in
// the working directory or the nearest of its parents that has one (the
// shared folder sits beside the clone). It fails the test when the CI
// variable is set and skips it elsewhere if there is none.
func TwilioOpenAPI(t testing.TB) string {
	t.Helper()
	return sharedFile(t, "CRIER_TWILIO_OPENAPI", twilioOpenAPI,
		"Twilio's OpenAPI description is not found: put it at ../shared/twilio/twilio_api_v2010.json beside the clone or name it in CRIER_TWILIO_OPENAPI")
}

// Prism starts a Prism mock server on 127.0.0.1 with a free port, serving
// Twilio's OpenAPI description (TwilioOpenAPI), waits until it answers and
// stops it when the test ends. Prism takes a couple of seconds to start, so
// start one per test function and share it among the subtests.
func Prism(t testing.TB) *PrismServer {
	t.Helper()
	return startPrism(t, "mock", TwilioOpenAPI(t))
}

// PrismProxy starts Prism on 127.0.0.1 as a validating proxy in front of
// upstream (http://HOST:PORT) for the OpenAPI document spec: it forwards
// each request and names in its sl-violations header every way the
// request or the answer departs from the document. It stops when the
// test ends.
func PrismProxy(t testing.TB, spec, upstream string) *PrismServer {
	t.Helper()
	return startPrism(t, "proxy", spec, upstream)
}

// startPrism runs prism with the command (mock or proxy) and its
// arguments on a free port, and waits until it answers.
func startPrism(t testing.TB, command string, args ...string) *PrismServer {
	t.Helper()
	bin := PrismPath(t)
	addr := freeAddr(t)
	host, port, _ := net.SplitHostPort(addr)
	logPath := filepath.Join(t.TempDir(), "prism.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(bin, append([]string{command, "-h", host, "-p", port}, args...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start prism: %v", err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	p := &PrismServer{url: "http://" + addr}
	tail := func() string {
		b, _ := os.ReadFile(logPath)
		if len(b) > 2000 {
			b = b[len(b)-2000:]
		}
		return string(b)
	}
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for {
		// Any answer, even 404 for "/", means it is listening.
		if resp, err := client.Get(p.url + "/"); err == nil {
			resp.Body.Close()
			return p
		}
		select {
		case <-exited:
			t.Fatalf("prism exited at start (%v): %s", waitErr, tail())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("prism did not answer on %s within 60s: %s", p.url, tail())
		}
	}
}

// repoRoot returns the nearest folder, from the working directory up, that
// holds go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// missing fails the test under CI and skips it elsewhere.
func missing(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}
