package sqlite

// SkipLocked is "": a claim's transaction holds the database's one write
// lock, so no other claim runs beside it.
func (Dialect) SkipLocked(string) string { return "" }
