package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/crier-notices/crier/notices"
)

type dbCmd struct {
	Migrate dbMigrateCmd `cmd:"" help:"Apply the schema migrations the database lacks (crier does this on start too)."`
	Status  dbStatusCmd  `cmd:"" help:"Show the database's schema version and each migration, applied or pending."`
	Copy    dbCopyCmd    `cmd:"" help:"Copy every row of a database into a new, empty one, of either engine: an embedded crier.db to PostgreSQL (or back)."`
}

type dbMigrateCmd struct{}

func (dbMigrateCmd) Run(e *env) error {
	cfg, err := e.config()
	if err != nil {
		return err
	}
	ctx := context.Background()
	s, err := notices.OpenWithoutMigrating(ctx, cfg.Database)
	if err != nil {
		return err // it names the database
	}
	defer s.Close()
	name := fmt.Sprintf("database %s (%s)", cfg.DatabaseName(), s.Engine())
	done, err := s.Migrate(ctx)
	for _, m := range done {
		fmt.Fprintf(e.stdout, "applied %04d_%s\n", m.Version, m.Name)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if len(done) > 0 {
		first, last := done[0].Version, done[len(done)-1].Version
		fmt.Fprintf(e.stdout, "%s: applied %s, now at schema version %d\n", name, versions(first, last), last)
		return nil
	}
	version, err := schemaVersion(ctx, s)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	fmt.Fprintf(e.stdout, "%s: already up to date, schema version %d\n", name, version)
	return nil
}

// versions names the migrations first to last: 0003..0015, or 0015 alone.
func versions(first, last int) string {
	if first == last {
		return fmt.Sprintf("%04d", first)
	}
	return fmt.Sprintf("%04d..%04d", first, last)
}

// schemaVersion is the newest migration applied to s.
func schemaVersion(ctx context.Context, s *notices.Store) (int, error) {
	ms, err := s.Migrations(ctx)
	version := 0
	for _, m := range ms {
		if !m.AppliedAt.IsZero() {
			version = m.Version
		}
	}
	return version, err
}

type dbStatusCmd struct{}

func (dbStatusCmd) Run(e *env) error {
	cfg, err := e.config()
	if err != nil {
		return err
	}
	if !notices.IsURL(cfg.Database) {
		if _, err := os.Stat(cfg.Database); errors.Is(err, os.ErrNotExist) {
			// The state of the database is this command's answer: exit 0.
			fmt.Fprintf(e.stdout, "%v; crier db migrate creates it empty\n", cfg.NoDatabase())
			return nil
		}
	}
	ctx := context.Background()
	s, err := notices.OpenWithoutMigrating(ctx, cfg.Database)
	if err != nil {
		return err // it names the database
	}
	defer s.Close()
	ms, err := s.Migrations(ctx)
	if err != nil {
		return err
	}
	version, pending := 0, 0
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tNAME\tAPPLIED")
	for _, m := range ms {
		applied := "pending"
		if !m.AppliedAt.IsZero() {
			applied = m.AppliedAt.Format("2006-01-02 15:04:05 UTC")
			version = m.Version
		} else {
			pending++
		}
		fmt.Fprintf(tw, "%04d\t%s\t%s\n", m.Version, m.Name, applied)
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "database %s: schema version %d, %d pending\n", cfg.DatabaseName(), version, pending)
	return nil
}
