package notices

import (
	"context"
	"database/sql"
	"errors"
)

// lockNotice locks notice id's row until tx ends, before tx reads it:
// on PostgreSQL two transactions changing one notice at once (two
// dispatchers publishing it, a cancel during a publish) would otherwise
// each read it as it was and the second overwrite the first; with the
// lock the second waits, then reads what the first committed and refuses
// or does what is left. A no-op where a write transaction holds the
// whole database (SQLite). A notice that does not exist is left to the
// caller's read to report.
func (s *Store) lockNotice(ctx context.Context, tx *sql.Tx, id int64) error {
	clause := s.dialect.ForUpdate()
	if clause == "" {
		return nil
	}
	var got int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM notices WHERE id = ?`+clause, id).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}
