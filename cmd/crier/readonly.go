package main

import (
	"context"
	"fmt"
	"time"

	"github.com/crier-notices/crier/notices"
)

// existingStore loads the configuration and opens its database, which
// must exist: it serves the commands that read (notices list, report,
// contacts list …) or change what is there (contacts delete, notices
// cancel …). None of them makes a crier.db in a folder it is run in by
// mistake; where there is none they say so, exit status 1.
func (e *env) existingStore() (Config, *notices.Store, error) {
	cfg, err := e.config()
	if err != nil {
		return cfg, nil, err
	}
	s, err := cfg.existingStore(context.Background())
	return cfg, s, err
}

// timesStore is existingStore for a command that shows times: they are
// shown in the utility's zone, so a zone that does not load is refused
// first rather than the times shown in UTC unsaid.
func (e *env) timesStore() (Config, *time.Location, *notices.Store, error) {
	cfg, err := e.config()
	if err != nil {
		return cfg, nil, nil, err
	}
	loc, err := cfg.location()
	if err != nil {
		return cfg, nil, nil, err
	}
	s, err := cfg.existingStore(context.Background())
	return cfg, loc, s, err
}

// existingStore opens the database named by the configuration if it
// exists (migrated, as store does).
func (c Config) existingStore(ctx context.Context) (*notices.Store, error) {
	s, err := notices.OpenExisting(ctx, c.Database)
	if notices.ErrorCode(err) == notices.NotFound {
		return nil, c.noDatabase()
	}
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", c.databaseName(), err)
	}
	s.PhoneRegion = c.phoneRegion()
	return s, nil
}

// noDatabase says that the database does not exist yet and how it comes to.
func (c Config) noDatabase() error {
	where := ""
	if c.file == "" {
		where = " (there is no crier.toml here, so the default crier.db in this folder; --config names another)"
	}
	return fmt.Errorf("no database at %s yet%s: import contacts or send a notice first (crier contacts import FILE)", c.databaseName(), where)
}
