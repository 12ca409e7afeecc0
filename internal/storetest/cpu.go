package storetest

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The store's benchmarks report CPU time beside their rates: on a machine
// shared with other work the wall clock says more about the neighbours
// than about the code. Linux's /proc gives both this process's time and,
// for PostgreSQL on this machine, the server's.

// clockTicks is Linux's USER_HZ, the unit of /proc/PID/stat's times.
const clockTicks = 100

// procCPU is the CPU time of process pid, user and system, with that of
// its children it has waited for when reaped is set; 0 when unknown.
func procCPU(pid string, reaped bool) time.Duration {
	data, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
	if err != nil {
		return 0
	}
	// Fields after the command, which is in parentheses and may hold spaces.
	_, rest, ok := strings.Cut(string(data), ") ")
	if !ok {
		return 0
	}
	f := strings.Fields(rest) // f[0] is field 3, the state
	last := 15
	if !reaped {
		last = 13
	}
	var ticks int64
	for i := 11; i <= last && i < len(f); i++ { // utime, stime[, cutime, cstime]
		n, _ := strconv.ParseInt(f[i], 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks
}

// A Querier runs a query of one row: a *sql.DB, *sql.Conn or *sql.Tx.
type Querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// ServerCPU is the CPU time so far of the PostgreSQL server that q
// queries, its postmaster and every process it started, or 0 when q is
// not on a server of this machine that this process may read (SQLite).
func ServerCPU(q Querier) time.Duration {
	var dir string
	if err := q.QueryRowContext(context.Background(), `SELECT setting FROM pg_settings WHERE name = 'data_directory'`).Scan(&dir); err != nil {
		return 0
	}
	data, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return 0
	}
	pm, _, _ := strings.Cut(string(data), "\n")
	total := procCPU(pm, true)
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		stat, err := os.ReadFile(filepath.Join("/proc", p.Name(), "stat"))
		if err != nil {
			continue
		}
		if _, rest, ok := strings.Cut(string(stat), ") "); ok {
			if f := strings.Fields(rest); len(f) > 1 && f[1] == pm {
				total += procCPU(p.Name(), false)
			}
		}
	}
	return total
}

// SelfCPU is this process's CPU time so far.
func SelfCPU() time.Duration { return procCPU("self", false) }
