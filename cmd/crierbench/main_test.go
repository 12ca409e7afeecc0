//go:build unix

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/crier-notices/crier/notices"
)

// TestMain lets the test binary stand in for crierbench when the command
// runs itself again for a channel or a sink.
func TestMain(m *testing.M) {
	if slices.Contains(os.Args[1:], "-"+childFlag) || slices.Contains(os.Args[1:], "-"+sinkFlag) {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// row is one line of the table, by column name.
type row map[string]string

// tableRows reads the table crierbench prints: a header line starting with
// "channel", then one line per channel until a blank line.
func tableRows(t *testing.T, out string) map[string]row {
	t.Helper()
	lines := strings.Split(out, "\n")
	start := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(strings.TrimSpace(l), "channel ") })
	if start < 0 {
		t.Fatalf("no table in the output:\n%s", out)
	}
	// Column names may hold one space ("in flight"); columns are two apart.
	var names []string
	for f := range strings.SplitSeq(strings.TrimSpace(lines[start]), "  ") {
		if f = strings.TrimSpace(f); f != "" {
			names = append(names, f)
		}
	}
	rows := map[string]row{}
	for _, l := range lines[start+1:] {
		f := strings.Fields(l)
		if len(f) == 0 {
			break
		}
		if len(f) != len(names) {
			t.Fatalf("row %q has %d cells; the header %q has %d", l, len(f), names, len(names))
		}
		r := row{}
		for i, n := range names {
			r[n] = f[i]
		}
		rows[f[0]] = r
	}
	return rows
}

func (r row) number(t *testing.T, col string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(r[col], 64)
	if err != nil {
		t.Fatalf("%s column %q: %q is not a number", r["channel"], col, r[col])
	}
	return v
}

// TestBothChannels runs the benchmark for 300 contacts on both channels in
// this process and checks what a user reads: a row per channel with N, the
// in-flight setting and positive figures, the message sizes, and success,
// which means every sink accepted 300 messages and the store reports 300
// sent.
func TestBothChannels(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"-n", "300", "-same-process", "-concurrency", "email=3,sms=5",
		"-cpuprofile", filepath.Join(dir, "cpu.prof"), "-memprofile", filepath.Join(dir, "mem.prof")}
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit status %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	out := stdout.String()
	rows := tableRows(t, out)
	if len(rows) != 2 {
		t.Fatalf("%d rows; want email and sms:\n%s", len(rows), out)
	}
	for _, tc := range []struct {
		channel  string
		inFlight string
	}{
		{"email", "3"},
		{"sms", "5"},
	} {
		r, ok := rows[tc.channel]
		if !ok {
			t.Errorf("no %s row:\n%s", tc.channel, out)
			continue
		}
		if r["N"] != "300" || r["in flight"] != tc.inFlight {
			t.Errorf("%s row: N %s, in flight %s; want 300 and %s", tc.channel, r["N"], r["in flight"], tc.inFlight)
		}
		for _, col := range []string{"first ms", "send s", "msg/s", "peak MiB", "CPU s", "CPU µs/msg", "sink CPU s"} {
			if v := r.number(t, col); v <= 0 {
				t.Errorf("%s row: %s is %v; want more than 0", tc.channel, col, v)
			}
		}
		if first, send := r.number(t, "first ms"), r.number(t, "send s"); first > 1000*send {
			t.Errorf("%s row: first ms %v is later than the last message, send s %v", tc.channel, first, send)
		}
		if send, publish := r.number(t, "send s"), r.number(t, "publish s"); send < publish {
			t.Errorf("%s row: send s %v is less than publish s %v, which it includes", tc.channel, send, publish)
		}
		for _, p := range []string{"cpu." + tc.channel + ".prof", "mem." + tc.channel + ".prof"} {
			if st, err := os.Stat(filepath.Join(dir, p)); err != nil || st.Size() == 0 {
				t.Errorf("profile %s not written: %v", p, err)
			}
		}
	}
	for _, want := range []string{"one email message: ", "one sms message: ", "the sinks run in a process of their own"} {
		if !strings.Contains(out, want) {
			t.Errorf("the output does not say %q:\n%s", want, out)
		}
	}
	// The email is the whole boil water advisory: several kilobytes.
	_, after, _ := strings.Cut(out, "one email message: ")
	if size, err := strconv.Atoi(strings.Fields(after + " x")[0]); err != nil || size < 4000 {
		t.Errorf("one email message: %q; want its size in bytes, over 4000", strings.SplitN(after, "\n", 2)[0])
	}
}

// TestChildProcess runs one channel the way the command does by default,
// in a process of its own, and checks that the parent reads its result;
// with each of the Twilio sink's servers.
func TestChildProcess(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
	}{
		{name: "net/http sink"},
		{name: "lean sink", args: []string{"-twilio-sink", "lean"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(append([]string{"-n", "50", "-channels", "sms"}, tt.args...), &stdout, &stderr); code != 0 {
				t.Fatalf("exit status %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
			}
			rows := tableRows(t, stdout.String())
			r, ok := rows["sms"]
			if len(rows) != 1 || !ok || r["N"] != "50" || r.number(t, "peak MiB") <= 0 {
				t.Errorf("rows %v; want one sms row with N 50 and its peak memory", rows)
			}
		})
	}
}

// TestVerify checks that the correctness check catches every way a run can
// fall short.
func TestVerify(t *testing.T) {
	good := result{Channel: notices.Email, N: 300, Queued: 300, Accepted: 300, Status: notices.Done,
		Report: notices.ChannelReport{Channel: notices.Email, Total: 300, Sent: 300}}
	for _, tc := range []struct {
		name string
		edit func(*result)
		want string // in the error; "" for none
	}{
		{"all sent", func(*result) {}, ""},
		{"sink short", func(r *result) { r.Accepted = 299 }, "the sink accepted 299 messages; want 300"},
		{"sink doubled", func(r *result) { r.Accepted = 301 }, "the sink accepted 301 messages"},
		{"one failed", func(r *result) { r.Report.Sent, r.Report.Failed = 299, 1 }, "299 sent of 300 deliveries (1 failed"},
		{"some queued", func(r *result) { r.Queued = 290 }, "publishing queued 290 deliveries"},
		{"not done", func(r *result) { r.Status = notices.Sending }, "the notice is sending; want done"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := good
			tc.edit(&r)
			err := verify(r)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("verify: %v; want no error", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("verify: %v; want an error saying %q", err, tc.want)
			}
		})
	}
}

func TestParseConcurrency(t *testing.T) {
	for _, tc := range []struct {
		name, in   string
		email, sms int
		bad        bool
	}{
		{name: "defaults", in: "email=8,sms=16", email: 8, sms: 16},
		{name: "one for all", in: "4", email: 4, sms: 4},
		{name: "one channel named", in: "sms=32", email: 8, sms: 32},
		{name: "spaces", in: " email = 2 , sms = 3 ", email: 2, sms: 3},
		{name: "zero", in: "0", bad: true},
		{name: "unknown channel", in: "print=2", bad: true},
		{name: "not a number", in: "email=many", bad: true},
		{name: "no value", in: "email", bad: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseConcurrency(tc.in)
			if tc.bad {
				if err == nil {
					t.Errorf("parseConcurrency(%q) = %v; want an error", tc.in, got)
				}
				return
			}
			if err != nil || got[notices.Email] != tc.email || got[notices.SMS] != tc.sms {
				t.Errorf("parseConcurrency(%q) = %v, %v; want email %d, sms %d", tc.in, got, err, tc.email, tc.sms)
			}
		})
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-n", "0"},
		{"-channels", "print"},
		{"-channels", "email,email"},
		{"-concurrency", "email=0"},
		{"-twilio-sink", "h2c"},
		{"extra"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 2 || stderr.Len() == 0 {
			t.Errorf("run %q: exit status %d, stderr %q; want 2 and a reason", args, code, stderr.String())
		}
	}
}
