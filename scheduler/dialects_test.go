package scheduler_test

// The store's engines, registered with notices.Open for the tests.
import (
	_ "github.com/crier-notices/crier/notices/postgres"
	_ "github.com/crier-notices/crier/notices/sqlite"
)
