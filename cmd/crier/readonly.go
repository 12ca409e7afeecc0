package main

import (
	"context"
	"fmt"
	"time"

	"github.com/crier-notices/crier/config"
	"github.com/crier-notices/crier/notices"
)

// existingStore loads the configuration and opens its database, which
// must exist: it serves the commands that read (notices list, report,
// contacts list …) or change what is there (contacts delete, notices
// cancel …). None of them makes a crier.db in a folder it is run in by
// mistake; where there is none they say so, exit status 1.
func (e *env) existingStore() (config.Config, *notices.Store, error) {
	cfg, err := e.config()
	if err != nil {
		return cfg, nil, err
	}
	s, err := cfg.ExistingStore(context.Background())
	return cfg, s, err
}

// timesStore is existingStore for a command that shows times (reads
// false) or reads one (reads true), in the utility's zone. A zone that does
// not load is refused by a command that reads a time, which it would read
// wrong; one that only shows times warns and shows them in UTC, marked so,
// since a notice's report must always be readable.
func (e *env) timesStore(reads bool) (config.Config, *time.Location, *notices.Store, error) {
	cfg, err := e.config()
	if err != nil {
		return cfg, nil, nil, err
	}
	loc, err := cfg.Location()
	if err != nil && reads {
		return cfg, nil, nil, err
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "warning: %v; the times below are in UTC until it is fixed\n", err)
		loc = time.UTC
	}
	s, err := cfg.ExistingStore(context.Background())
	return cfg, loc, s, err
}
