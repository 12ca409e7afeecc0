package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestREADMEFirstCommand runs the README's first command as a newcomer
// would (from the repository root), so the README stays true. Only --out is
// moved to a temporary folder.
func TestREADMEFirstCommand(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	args := firstShellCommand(t, string(readme))
	if len(args) < 3 || strings.Join(args[:3], " ") != "go run ./cmd/crier" {
		t.Fatalf("the README's first command is %q; want go run ./cmd/crier ...", args)
	}
	args = args[3:]
	out := t.TempDir()
	for i := range args {
		if args[i] == "--out" && i+1 < len(args) {
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

// firstShellCommand returns the words of the first ```sh block, with line
// continuations joined and double quotes removed as the shell does.
func firstShellCommand(t *testing.T, md string) []string {
	t.Helper()
	_, rest, ok := strings.Cut(md, "```sh\n")
	if !ok {
		t.Fatal("README has no ```sh block")
	}
	block, _, _ := strings.Cut(rest, "```")
	line := strings.ReplaceAll(block, "\\\n", " ")
	line, _, _ = strings.Cut(line, "\n")
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
