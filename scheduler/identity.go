package scheduler

import (
	crand "crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
)

// identity is what makes a pid mean one process: the boot of the host it
// ran on, its PID namespace, and its start time (a pid is reused).
type identity struct {
	boot  string // /proc/sys/kernel/random/boot_id
	pidNS string // the inode of /proc/self/ns/pid
	start uint64 // clock ticks after boot
}

// worker is a dispatcher's name taken apart.
type worker struct {
	host string
	pid  int
	id   identity
	// proven: the name carries an identity. Names of Crier before it
	// (host/pid/random) do not: their claims wait for their lease.
	proven bool
}

// workerName is host/pid/random/boot/pidns/start: unique, and proving to
// a dispatcher of the same host, boot and PID namespace whether the
// holder of a claim still runs. Where this process's identity cannot be
// read, it is host/pid/random, which no one takes for dead early.
func workerName() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	crand.Read(b)
	name := fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
	if id, ok := self(); ok {
		name += fmt.Sprintf("/%s/%s/%d", id.boot, id.pidNS, id.start)
	}
	return name
}

// parseWorker takes a worker name apart; ok is false for a name Crier
// did not make.
func parseWorker(name string) (w worker, ok bool) {
	parts := strings.Split(name, "/")
	if len(parts) != 3 && len(parts) != 6 {
		return w, false
	}
	pid, err := strconv.Atoi(parts[1])
	if err != nil || pid <= 0 {
		return w, false
	}
	w.host, w.pid = parts[0], pid
	if len(parts) == 6 {
		start, err := strconv.ParseUint(parts[5], 10, 64)
		if err != nil || parts[3] == "" || parts[4] == "" {
			return w, false
		}
		w.id, w.proven = identity{boot: parts[3], pidNS: parts[4], start: start}, true
	}
	return w, true
}

// Gone reports whether the dispatcher named worker has provably ended:
// it ran on this host, in this boot and in this PID namespace, and no
// process runs with its pid, or the one that does started at another
// time. A worker of another host, boot or PID namespace (a container, a
// dispatcher started with unshare), one named the old way
// (host/pid/random), or one this process cannot check, is never taken
// for gone: its claims come back when its lease runs out.
func Gone(worker string) bool {
	host, _ := os.Hostname()
	me, ok := self()
	return ok && provablyGone(worker, host, me, processStart)
}

// self is this process's identity, read once: it does not change while
// the process runs, and Gone asks it for every claimant.
var self = sync.OnceValues(selfIdentity)

// provablyGone is Gone for a dispatcher of host with identity me, asking
// start for a pid's start time (ok false: no such process).
func provablyGone(name, host string, me identity, start func(pid int) (uint64, bool)) bool {
	w, ok := parseWorker(name)
	if !ok || !w.proven || w.host != host || w.id.boot != me.boot || w.id.pidNS != me.pidNS {
		return false
	}
	st, running := start(w.pid)
	return !running || st != w.id.start
}
