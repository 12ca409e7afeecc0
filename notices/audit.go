package notices

import (
	"context"
	"strings"
	"time"
)

// AuditEntry is one line of the audit log: who did what to what, and when.
type AuditEntry struct {
	ID      int64
	At      time.Time
	Actor   string // a user's name, "token NAME", or "cli (UNIX USER)"
	Action  string // send, schedule, cancel, import, suppress, user-add …
	Subject string // what it was done to: "notice 12", "user ana"
	Detail  string
}

// RecordAudit adds e to the audit log, at the store's now when e.At is
// zero. Errors: Invalid without an actor or an action.
func (s *Store) RecordAudit(ctx context.Context, e AuditEntry) error {
	if strings.TrimSpace(e.Actor) == "" || strings.TrimSpace(e.Action) == "" {
		return errorf(Invalid, "an audit entry needs an actor and an action")
	}
	at := s.now()
	if !e.At.IsZero() {
		at = e.At.UTC().Format(timeLayout)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)`,
		at, e.Actor, e.Action, e.Subject, e.Detail)
	return err
}

// AuditLog returns the latest entries of the audit log, newest first, at
// most limit of them, older than the entry before (0: from the newest).
func (s *Store) AuditLog(ctx context.Context, limit int, before int64) ([]AuditEntry, error) {
	q := `SELECT id, at, actor, action, subject, detail FROM audit_log`
	args := []any{}
	if before > 0 {
		q += ` WHERE id < ?`
		args = append(args, before)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var es []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at string
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Subject, &e.Detail); err != nil {
			return nil, err
		}
		e.At = parseTime(at)
		es = append(es, e)
	}
	return es, rows.Err()
}
