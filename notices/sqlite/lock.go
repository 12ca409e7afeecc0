package sqlite

// ForUpdate is "": a write transaction (begun immediate) holds the
// database's one write lock, so no other changes a row it reads.
func (Dialect) ForUpdate() string { return "" }
