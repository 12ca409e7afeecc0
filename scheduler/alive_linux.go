//go:build linux

package scheduler

import (
	"bytes"
	"os"
	"strconv"
	"strings"
)

// selfIdentity returns what proves this process's pids mean what they say
// to another dispatcher: the boot's id, the PID namespace, and this
// process's start time. ok is false when /proc cannot tell, or is not this
// PID namespace's (a /proc mounted for another namespace shows other pids).
func selfIdentity() (id identity, ok bool) {
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return id, false
	}
	ns, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		return id, false
	}
	pid, start, ok := procStat("self")
	if !ok || pid != os.Getpid() {
		return id, false
	}
	return identity{boot: strings.TrimSpace(string(boot)), pidNS: nsInode(ns), start: start}, true
}

// nsInode is the number in "pid:[4026531836]".
func nsInode(link string) string {
	return strings.TrimSuffix(strings.TrimPrefix(link, "pid:["), "]")
}

// processStart returns the start time of process pid (clock ticks since
// boot) as this process's /proc shows it; ok is false when no such
// process runs.
func processStart(pid int) (start uint64, ok bool) {
	_, start, ok = procStat(strconv.Itoa(pid))
	return start, ok
}

// procStat reads the pid and start time fields of /proc/<which>/stat.
func procStat(which string) (pid int, start uint64, ok bool) {
	b, err := os.ReadFile("/proc/" + which + "/stat")
	if err != nil {
		return 0, 0, false
	}
	// pid (comm) state ppid …: comm may hold spaces and parentheses, so
	// the fields are counted from the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, false
	}
	head, _, _ := bytes.Cut(b, []byte{' '})
	pid, err = strconv.Atoi(string(head))
	if err != nil {
		return 0, 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	const startField = 22 - 3 // field 22 of stat; f[0] is field 3
	if len(f) <= startField {
		return 0, 0, false
	}
	start, err = strconv.ParseUint(f[startField], 10, 64)
	return pid, start, err == nil
}
