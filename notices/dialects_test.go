package notices_test

// The store's tests run on every engine: this external test file brings in
// the dialect packages (which import notices, so the package's own test
// files cannot), registering them with notices.Open.
import (
	_ "github.com/crier-notices/crier/notices/postgres"
	_ "github.com/crier-notices/crier/notices/sqlite"
)
