package postgres

// ForUpdate locks the rows a SELECT returns until its transaction ends:
// two crier serve changing one notice at once (publish, cancel) take
// turns, the second reading what the first committed.
func (Dialect) ForUpdate() string { return " FOR UPDATE" }
