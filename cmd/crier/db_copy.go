package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/web"
)

// dbCopyCmd is `crier db copy`: an installation moves from one database
// to another, every row kept as it is.
type dbCopyCmd struct {
	From string `help:"The database to copy: a SQLite file or a postgres:// URL (default: the configuration's database)." placeholder:"DATABASE"`
	To   string `required:"" help:"The empty database to copy into: a SQLite file (made when missing) or a postgres:// URL. Give a PostgreSQL password in PGPASSWORD or ~/.pgpass rather than in the URL, where the process list shows it." placeholder:"DATABASE"`
	// WhileServing lets a copy go on beside a running crier serve: a
	// trial of the target, knowing the copy lags behind the source.
	WhileServing bool `help:"Copy even though a crier serve is running on the source; the copy then lacks whatever the server writes after it began (a trial run, not the move)."`
}

func (c dbCopyCmd) Run(e *env) error {
	from := c.From
	if from == "" {
		cfg, err := e.config()
		if err != nil {
			return err
		}
		from = cfg.Database
	}
	if sameDatabase(from, c.To) {
		return usageError("db copy", fmt.Errorf("--from and --to both name %s: copy into another database", databaseName(from)))
	}
	ctx := context.Background()
	src, err := notices.OpenExisting(ctx, from)
	if err != nil {
		return err // it names the database
	}
	defer src.Close()
	if err := c.checkServers(ctx, e, src, from); err != nil {
		return err
	}
	dst, err := notices.Open(ctx, c.To)
	if err != nil {
		return err
	}
	defer dst.Close()
	fmt.Fprintf(e.stdout, "copying %s (%s) to %s (%s)\n", databaseName(from), src.Engine(), databaseName(c.To), dst.Engine())
	var rows int64
	counts, err := notices.Copy(ctx, src, dst, func(t notices.TableCount) {
		fmt.Fprintf(e.stdout, "  %-22s %9d\n", t.Table, t.Rows)
		rows += t.Rows
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "copied %d rows in %d tables; point database in crier.toml (or CRIER_DATABASE_URL) at %s\n", rows, len(counts), databaseName(c.To))
	return nil
}

// checkServers refuses a copy of from while a crier serve runs on it,
// unless --while-serving: the copy would lack what the server writes after
// the copy's snapshot (outcomes, replies, new notices), and a delivery
// copied while being sent would go again from the copy. A server announced
// but not answering is said on stderr, as it may run where this machine
// cannot reach.
func (c dbCopyCmd) checkServers(ctx context.Context, e *env, src *notices.Store, from string) error {
	running, silent, err := web.RunningServers(ctx, src)
	if err != nil {
		return fmt.Errorf("database %s: the servers running on it: %w", databaseName(from), err)
	}
	for _, sv := range silent {
		fmt.Fprintf(e.stderr, "crier: warning: crier serve %s announced itself on %s (admin %s, %s) and does not answer from here: if it still runs, on another machine, stop it before relying on this copy\n",
			sv.Worker, databaseName(from), sv.AdminURL, sv.StartedAt.UTC().Format("started 2006-01-02 15:04 UTC"))
	}
	if len(running) == 0 {
		return nil
	}
	admins := make([]string, len(running))
	for i, sv := range running {
		admins[i] = sv.AdminURL
	}
	which := fmt.Sprintf("crier serve is running on %s (admin %s)", databaseName(from), strings.Join(admins, ", "))
	if c.WhileServing {
		fmt.Fprintf(e.stderr, "crier: warning: %s: the copy holds what was written before it began, not what the server writes afterwards\n", which)
		return nil
	}
	return fmt.Errorf("%s: a copy taken now lacks what it writes afterwards (the outcomes of the sends in flight, replies, new notices), and a delivery copied while it was being sent would go again from the copy; stop every crier serve on it first (then copy, then point them at the new database), or give --while-serving for a trial copy", which)
}

// sameDatabase reports whether a and b name one database: the same URL,
// or paths to the same file.
func sameDatabase(a, b string) bool {
	if notices.IsURL(a) || notices.IsURL(b) {
		return a == b
	}
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	return errA == nil && errB == nil && absA == absB
}

// databaseName is dsn for messages: a URL without its password.
func databaseName(dsn string) string {
	return notices.RedactDSN(dsn)
}
