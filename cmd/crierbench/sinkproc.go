package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/crier-notices/crier/internal/sinks"
)

// The sinks run in a process of their own (this program again, with
// -serve-sink), so that CPU time and peak memory are Crier's alone (or
// go-mail's alone, for the ceiling) and the sink's CPU time is reported
// apart.

const sinkFlag = "serve-sink"

// sinkStats is what a sink process reports when it ends.
type sinkStats struct {
	Accepted int64         `json:"accepted"`
	First    int64         `json:"first"` // Unix nanoseconds; 0: none
	Last     int64         `json:"last"`
	CPU      time.Duration `json:"cpu"` // the sink process's user+system time
}

// serveSink runs the sink named kind (go-smtp or lean for SMTP, twilio or
// twilio-lean) until its standard input ends. It prints the sink's address
// on a line at once, and at the end its counts as JSON.
func serveSink(kind string, stdin io.Reader, stdout, stderr io.Writer) int {
	// An interrupt at the terminal reaches this process too: the parent
	// ends it by closing its input, after reading what it counted.
	signal.Ignore(os.Interrupt, syscall.SIGTERM)
	var s sink
	var addr string
	switch kind {
	case "twilio", "twilio-lean":
		opts := []sinks.TwilioOption{sinks.RequireToken(authToken)}
		if kind == "twilio-lean" {
			opts = append(opts, sinks.Lean())
		}
		t, err := sinks.StartTwilio("127.0.0.1:0", opts...)
		if err != nil {
			fmt.Fprintln(stderr, "crierbench: sink:", err)
			return 1
		}
		s, addr = t, t.Addr()
	default:
		m, err := startSMTPSinkHere(kind)
		if err != nil {
			fmt.Fprintln(stderr, "crierbench: sink:", err)
			return 1
		}
		s, addr = m, net.JoinHostPort(m.Host(), strconv.Itoa(m.Port()))
	}
	fmt.Fprintln(stdout, addr)
	io.Copy(io.Discard, stdin)
	// Closing waits for the sink's connections: its counts are final.
	err := s.Close()
	st := sinkStats{Accepted: s.Accepted(), First: unixNano(s.FirstAccepted()), Last: unixNano(s.LastAccepted()), CPU: cpuTime()}
	json.NewEncoder(stdout).Encode(st)
	if err != nil {
		fmt.Fprintln(stderr, "crierbench: sink:", err)
		return 1
	}
	return 0
}

// startSMTPSinkHere starts the discard SMTP server named by -smtp-sink in
// this process.
func startSMTPSinkHere(name string) (smtpSink, error) {
	if name == "lean" {
		return sinks.StartDiscard("127.0.0.1:0")
	}
	return sinks.StartSMTP("127.0.0.1:0")
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// remoteSink is a sink running in a child process. Its counts are known
// once Close has returned.
type remoteSink struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
	addr  string
	stats sinkStats
	err   error
	done  bool
	stop  func() bool
}

// startSink starts the sink named kind in a process of its own.
func startRemoteSink(ctx context.Context, kind string) (*remoteSink, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("cannot find this program to run its sink: %w", err)
	}
	cmd := exec.Command(exe, "-"+sinkFlag, kind)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("sink process: %w", err)
	}
	r := &remoteSink{cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout)}
	// Cancelled, the sink ends as at Close: its input closed.
	stop := context.AfterFunc(ctx, func() { stdin.Close() })
	r.stop = stop
	line, err := r.out.ReadString('\n')
	if err != nil {
		stdin.Close()
		cmd.Wait()
		return nil, fmt.Errorf("sink process: no address: %w", err)
	}
	r.addr = strings.TrimSpace(line)
	return r, nil
}

func (r *remoteSink) Addr() string { return r.addr }
func (r *remoteSink) URL() string  { return "http://" + r.addr }

func (r *remoteSink) Host() string {
	h, _, _ := net.SplitHostPort(r.addr)
	return h
}

func (r *remoteSink) Port() int {
	_, p, _ := net.SplitHostPort(r.addr)
	n, _ := strconv.Atoi(p)
	return n
}

// Close ends the sink process and reads its counts.
func (r *remoteSink) Close() error {
	if r.done {
		return r.err
	}
	r.done = true
	r.stop()
	r.stdin.Close()
	if err := json.NewDecoder(r.out).Decode(&r.stats); err != nil {
		r.err = fmt.Errorf("sink process: no counts: %w", err)
	}
	if err := r.cmd.Wait(); err != nil {
		r.err = errors.Join(r.err, fmt.Errorf("sink process: %w", err))
	}
	return r.err
}

func (r *remoteSink) Accepted() int64          { return r.stats.Accepted }
func (r *remoteSink) FirstAccepted() time.Time { return fromUnixNano(r.stats.First) }
func (r *remoteSink) LastAccepted() time.Time  { return fromUnixNano(r.stats.Last) }

// CPU is the sink process's CPU time, known after Close.
func (r *remoteSink) CPU() time.Duration { return r.stats.CPU }
