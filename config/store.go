package config

import (
	"context"
	"fmt"

	"github.com/crier-notices/crier/notices"
	// The engines a configuration's database may name: a SQLite file or a
	// postgres:// URL.
	_ "github.com/crier-notices/crier/notices/postgres"
	_ "github.com/crier-notices/crier/notices/sqlite"
)

// ExistingStore opens the database named by the configuration if it
// exists (migrated, as Store does); where there is none it returns
// NoDatabase's error, so that a command run in the wrong folder makes no
// crier.db there.
func (c Config) ExistingStore(ctx context.Context) (*notices.Store, error) {
	return c.openStore(ctx, notices.OpenExisting)
}

// NoDatabase says that the database does not exist yet and how it comes to.
func (c Config) NoDatabase() error {
	where := ""
	if c.file == "" {
		where = " (there is no crier.toml here, so the default crier.db in this folder; --config names another)"
	}
	return fmt.Errorf("no database at %s yet%s: import contacts or send a notice first (crier contacts import FILE)", c.DatabaseName(), where)
}
