package scheduler

import (
	"os"
	"os/exec"
	"strconv"
	"testing"
)

func TestProvablyGone(t *testing.T) {
	me := identity{boot: "b00t", pidNS: "4026531836", start: 500}
	running := map[int]uint64{100: 700, 200: 900}
	start := func(pid int) (uint64, bool) {
		st, ok := running[pid]
		return st, ok
	}
	for _, tc := range []struct {
		name, worker string
		gone         bool
	}{
		{"pid ended", "h/300/ab12/b00t/4026531836/800", true},
		{"pid reused by a later process", "h/100/ab12/b00t/4026531836/650", true},
		{"running", "h/100/ab12/b00t/4026531836/700", false},
		{"another PID namespace", "h/300/ab12/b00t/4026532000/800", false},
		{"another boot", "h/300/ab12/other/4026531836/800", false},
		{"another host", "g/300/ab12/b00t/4026531836/800", false},
		{"old name: cannot prove", "h/300/ab12", false},
		{"not a worker name", "someone", false},
		{"bad pid", "h/x/ab12/b00t/4026531836/800", false},
		{"bad start", "h/300/ab12/b00t/4026531836/x", false},
	} {
		if got := provablyGone(tc.worker, "h", me, start); got != tc.gone {
			t.Errorf("%s: provablyGone(%q) = %v; want %v", tc.name, tc.worker, got, tc.gone)
		}
	}
}

// TestWorkerNameProvesThisProcess: on Linux a dispatcher's name carries
// its identity; it is not gone while it runs, and a name with the pid of
// a process that ended is.
func TestWorkerNameProvesThisProcess(t *testing.T) {
	me, ok := selfIdentity()
	if !ok {
		t.Skip("this system's /proc does not prove a process's identity: every dispatcher waits for leases")
	}
	name := workerName()
	w, ok := parseWorker(name)
	if !ok || !w.proven || w.pid != os.Getpid() || w.id != me {
		t.Fatalf("workerName() = %q, parsed %+v; want this process's identity %+v", name, w, me)
	}
	if Gone(name) {
		t.Errorf("Gone(%q) for the running test process", name)
	}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("cannot run true:", err)
	}
	host, _ := os.Hostname()
	dead := host + "/" + strconv.Itoa(cmd.Process.Pid) + "/ab12/" + me.boot + "/" + me.pidNS + "/" + strconv.FormatUint(me.start, 10)
	if !Gone(dead) {
		t.Errorf("Gone(%q) = false for a process that ended", dead)
	}
}
