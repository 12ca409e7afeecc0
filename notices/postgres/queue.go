package postgres

// SkipLocked locks the rows a claim selects and skips those another
// claim holds: two crier serve claiming at once take different
// deliveries, neither waiting for the other.
func (Dialect) SkipLocked(alias string) string { return " FOR UPDATE OF " + alias + " SKIP LOCKED" }
