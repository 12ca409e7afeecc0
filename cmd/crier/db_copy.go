package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/crier-notices/crier/notices"
)

// dbCopyCmd is `crier db copy`: an installation moves from one database
// to another, every row kept as it is.
type dbCopyCmd struct {
	From string `help:"The database to copy: a SQLite file or a postgres:// URL (default: the configuration's database)." placeholder:"DATABASE"`
	To   string `required:"" help:"The empty database to copy into: a SQLite file (made when missing) or a postgres:// URL. Give a PostgreSQL password in PGPASSWORD or ~/.pgpass rather than in the URL, where the process list shows it." placeholder:"DATABASE"`
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
