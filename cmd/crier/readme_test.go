package main

import (
	"bytes"
	"encoding/csv"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestREADMEFirstCommands runs the README's first command as a newcomer
// would, in an empty folder: crier serve with its embedded defaults
// prints the one-time setup address, which opens the page that makes the
// first admin; SIGTERM stops it cleanly. (The browser test
// TestConsoleBoilWaterAdvisoryInABrowser follows the console from there.)
func TestREADMEFirstCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds crier and runs crier serve")
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	cmds := shellCommands(t, string(readme), 0)
	if len(cmds) != 1 || strings.Join(cmds[0], " ") != "go run ./cmd/crier serve" {
		t.Fatalf("the README's first command is %q; want go run ./cmd/crier serve", cmds)
	}
	// The defaults listen on 127.0.0.1:8080, as the README says.
	ln, err := net.Listen("tcp", "127.0.0.1:8080")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("127.0.0.1:8080, the default [web] listen, is taken: %v", err)
		}
		t.Skipf("127.0.0.1:8080 is taken: %v", err)
	}
	ln.Close()
	bin := buildCrier(t)
	cmd := exec.Command(bin, cmds[0][3:]...)
	cmd.Dir = t.TempDir()
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "CRIER_") })
	var stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	setupAt := regexp.MustCompile(`setup=(http://127\.0\.0\.1:8080/console/setup/\S+)`)
	var setup string
	waitFor(t, 60*time.Second, "the setup address", func() bool {
		if m := setupAt.FindStringSubmatch(stderr.String()); m != nil {
			setup = m[1]
		}
		return setup != ""
	}, stderr.String)
	resp, err := http.Get(setup)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "Create the first admin") {
		t.Errorf("the setup address answers %d:\n%s", resp.StatusCode, page)
	}
	// On the defaults the utility has no phone or address, which a Tier 1
	// notice must give: serve says so, and where to set them.
	if want := "Tier 1 notices (boil water advisory, do not drink) cannot be sent until the utility's phone and address are set in the [utility] table of crier.toml"; !strings.Contains(stderr.String(), want) {
		t.Errorf("crier serve on its defaults does not warn %q:\n%s", want, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(cmd.Dir, "crier.db")); err != nil {
		t.Errorf("crier serve made no crier.db in the working folder: %v", err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("crier serve after SIGTERM: %v\n%s", err, stderr.String())
	}
}

// syncBuffer is a bytes.Buffer a process writes to while a test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestREADMETestCommand: the README's test command is the one CI runs.
func TestREADMETestCommand(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	ci, err := os.ReadFile("../../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	cmds := shellCommands(t, string(readme), 1)
	if len(cmds) != 1 {
		t.Fatalf("the README's second block is %q; want the test command", cmds)
	}
	for _, part := range strings.Split(strings.Join(cmds[0], " "), " && ") {
		if !slices.Contains(strings.Split(string(ci), "\n"), part) {
			t.Errorf("the README's test command runs %q, which .ci/run does not", part)
		}
	}
}

// TestREADMECommandLine runs the README's command-line walkthrough as a
// newcomer would: import the sample customers, send them a boil water
// advisory, dispatch it, report. They run in a copy of the files they
// name, so that the database, outbox/ and print/ land in a temporary
// folder.
func TestREADMECommandLine(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range []string{"crier.example.toml", "examples/customers.csv"} {
		data, err := os.ReadFile(filepath.Join("../..", f))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	var last string
	for _, args := range shellCommands(t, string(readme), 2) {
		if len(args) < 3 || strings.Join(args[:3], " ") != "go run ./cmd/crier" {
			t.Fatalf("a command-line walkthrough command is %q; want go run ./cmd/crier ...", args)
		}
		code, stdout, stderr := crier(t, args[3:]...)
		if code != 0 {
			t.Fatalf("README command %q: exit %d\n%s%s", args, code, stdout, stderr)
		}
		if stderr != "" {
			t.Errorf("README command %q writes to standard error:\n%s", args, stderr)
		}
		last = stdout
	}
	for _, f := range []string{"outbox/email", "outbox/sms", "print/notice-1/flyer.pdf", "print/notice-1/letters.pdf"} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("the README commands did not write %s", f)
		}
	}
	if !strings.Contains(last, "): done") {
		t.Errorf("the report does not say the notice is done:\n%s", last)
	}
	readmeLetters(t, string(readme))
}

// renderIgnored checks that git ignores the folder the README renders
// into, so that a newcomer who follows it commits no notice by mistake.
func renderIgnored(t *testing.T, folder string) {
	t.Helper()
	ignore, err := os.ReadFile("../../.gitignore")
	if err != nil {
		t.Fatal(err)
	}
	want := "/" + strings.Trim(folder, "/") + "/"
	if !slices.Contains(strings.Split(string(ignore), "\n"), want) {
		t.Errorf(".gitignore lacks %s, the README's render folder", want)
	}
}

// readmeLetters checks the README's count of the letters the first
// commands make against letters.csv, one row per letter.
func readmeLetters(t *testing.T, readme string) {
	t.Helper()
	m := regexp.MustCompile(`the (\w+) with a postal address but\s+neither email nor mobile get a letter`).FindStringSubmatch(readme)
	if m == nil {
		t.Fatal("the README no longer says how many customers get a letter")
	}
	words := []string{"no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}
	f, err := os.Open("print/notice-1/letters.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(rows) - 1; n >= len(words) || words[n] != m[1] {
		t.Errorf("the README says %s customers get a letter; letters.csv lists %d", m[1], n)
	}
}

// TestREADMERender runs the README's render command; only --out is moved
// to a temporary folder.
func TestREADMERender(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	cmds := shellCommands(t, string(readme), 3)
	if len(cmds) != 1 {
		t.Fatalf("the README's fourth block has %d commands; want the render command", len(cmds))
	}
	args := cmds[0]
	if len(args) < 4 || strings.Join(args[:3], " ") != "go run ./cmd/crier" || !slices.Contains(args, "render") {
		t.Fatalf("the README's render command is %q; want go run ./cmd/crier ... render", args)
	}
	args = args[3:]
	out := t.TempDir()
	for i := range args {
		if args[i] == "--out" && i+1 < len(args) {
			renderIgnored(t, args[i+1])
			args[i+1] = out
		}
	}
	t.Chdir("../..")
	code, stdout, stderr := crier(t, args...)
	if code != 0 {
		t.Fatalf("README command: exit %d\n%s%s", code, stdout, stderr)
	}
	if strings.Contains(stderr, "warning") {
		t.Errorf("the README command warns:\n%s", stderr)
	}
	for _, f := range []string{"flyer.pdf", "email.eml", "email.html", "sms.txt"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("the README command did not write %s", f)
		}
	}
}

// shellCommands returns the commands of the README's ```sh block number
// n (from 0), each as its words, with line continuations joined and double
// quotes removed as the shell does.
func shellCommands(t *testing.T, md string, n int) [][]string {
	t.Helper()
	rest := md
	for i := 0; i <= n; i++ {
		var ok bool
		if _, rest, ok = strings.Cut(rest, "```sh\n"); !ok {
			t.Fatalf("README has no ```sh block %d", n)
		}
	}
	block, _, _ := strings.Cut(rest, "```")
	var cmds [][]string
	for _, line := range strings.Split(strings.ReplaceAll(block, "\\\n", " "), "\n") {
		if words := shellWords(line); len(words) > 0 {
			cmds = append(cmds, words)
		}
	}
	return cmds
}

// shellWords splits a shell line into words, as the shell does with
// double quotes.
func shellWords(line string) []string {
	var words []string
	var cur strings.Builder
	inWord, quoted := false, false
	for _, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
			inWord = true
		case (r == ' ' || r == '\t') && !quoted:
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}
