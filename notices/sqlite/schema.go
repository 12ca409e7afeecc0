package sqlite

import "strings"

// JSONEach is SQLite's json_each, whose key and value columns are the
// member's name and its value (text for a JSON string).
func (Dialect) JSONEach(column string) string { return "json_each(" + column + ")" }

// JSONFieldIs reads the member by a JSON path, '$."key"', given as the
// argument. A path cannot quote a name holding a double quote: such a
// member is looked up among json_each's.
func (d Dialect) JSONFieldIs(column, key string) (string, any) {
	if strings.Contains(key, `"`) {
		return `EXISTS (SELECT 1 FROM ` + d.JSONEach(column) + ` j WHERE j.key = ? AND j.value = ?)`, key
	}
	return column + ` ->> ? = ?`, `$."` + key + `"`
}

// LockMigrations is "": the store's SQLite transactions take the write
// lock when they begin (_txlock=immediate).
func (Dialect) LockMigrations() string { return "" }
