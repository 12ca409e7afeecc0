package main

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// ptyStdin makes standard input a pseudo-terminal on which answer is
// typed, so that crier send asks its question as it does of a coordinator.
func ptyStdin(t *testing.T, answer string) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal to answer on: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	ioctl := func(req uintptr, arg unsafe.Pointer) {
		t.Helper()
		if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), req, uintptr(arg)); errno != 0 {
			t.Skipf("no pseudo-terminal to answer on: ioctl %#x: %v", req, errno)
		}
	}
	var unlock int32
	ioctl(syscall.TIOCSPTLCK, unsafe.Pointer(&unlock))
	var n uint32
	ioctl(syscall.TIOCGPTN, unsafe.Pointer(&n))
	tty, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal to answer on: %v", err)
	}
	if _, err := master.WriteString(answer); err != nil {
		t.Fatal(err)
	}
	old := os.Stdin
	os.Stdin = tty
	t.Cleanup(func() { os.Stdin = old; tty.Close() })
}

// TestSendAsksForTheMessages: the question counts what goes out, the
// letters among them, and a no queues nothing.
func TestSendAsksForTheMessages(t *testing.T) {
	nonTerminalStdin(t)
	cfg := exampleSetup(t)
	ptyStdin(t, "n\n")
	code, stdout, stderr := crier(t, append([]string{"--config", cfg}, sendArgs("--list", "customers", "--channels", "email,print")...)...)
	if code != 1 || !strings.Contains(stderr, "cancelled: nothing was queued") {
		t.Errorf("send answered no: exit %d, want 1 and nothing queued\n%s%s", code, stdout, stderr)
	}
	total := 0
	for _, m := range regexp.MustCompile(`(?m)^(?:email|print): +(\d+) `).FindAllStringSubmatch(stdout, -1) {
		n, _ := strconv.Atoi(m[1])
		total += n
	}
	if want := fmt.Sprintf("Send these %d message(s)? [y/N] ", total); total == 0 || !strings.Contains(stdout, want) {
		t.Errorf("send does not ask %q:\n%s", want, stdout)
	}
	if out := mustCrier(t, "--config", cfg, "notices", "list"); !strings.Contains(out, "no notices yet") {
		t.Errorf("a send answered no queued a notice:\n%s", out)
	}
}
