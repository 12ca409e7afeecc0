package postgres

// JSONEach is jsonb_each_text of the column read as jsonb: the same key
// and value columns as SQLite's json_each.
func (Dialect) JSONEach(column string) string {
	return "jsonb_each_text(CAST(" + column + " AS jsonb))"
}

// JSONFieldIs reads the member by its name, whatever characters it holds.
func (Dialect) JSONFieldIs(column, key string) (string, any) {
	return `CAST(` + column + ` AS jsonb) ->> CAST(? AS TEXT) = ?`, key
}

// LockMigrations waits for the transaction-level advisory lock of this
// schema's migrations: PostgreSQL's transactions run side by side, and two
// crier serve starting at once would otherwise both apply a migration.
func (Dialect) LockMigrations() string {
	return `SELECT pg_advisory_xact_lock(hashtextextended('crier ' || current_schema() || ' migrations', 0))`
}
