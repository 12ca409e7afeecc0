package notices

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// An import writes in short transactions (its engine's Hold at most) so
// that publishing, cancelling and recording outcomes never wait long for
// the write lock (SQLite) or the rows the import changes (PostgreSQL).
// Each transaction also writes, in import_undo, how to undo what it
// changed; the import's row in imports says whether it finished. An import
// that fails undoes itself; one whose process died is undone by the next
// Open, which knows it is dead because the import lock is free: SQLite's
// lock file (the kernel drops a lock with its holder, however it died),
// PostgreSQL's advisory lock (the server drops it with its session).

// undoHold is how long undoing or clearing holds the write lock at a time.
// How long an import holds it, and yields it after, is the engine's
// (ImportWrites: Hold, Yield).
const undoHold = 100 * time.Millisecond

// txConn is a connection of an import, or of its undo, with the engine's
// way of writing on it.
type txConn struct {
	*sql.Conn
	eng ImportWrites
}

// lockImports takes the import lock of the store without waiting; nil
// means another import runs.
func (s *Store) lockImports(ctx context.Context) (io.Closer, error) {
	return s.dbase.LockImports(ctx)
}

// recoverImports undoes the imports whose process died and clears the
// journal of those that finished. It does nothing while an import runs.
func (s *Store) recoverImports(ctx context.Context) error {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM imports`).Scan(&n); err != nil || n == 0 {
		return err
	}
	lock, err := s.lockImports(ctx)
	if err != nil || lock == nil {
		return err // nil lock: the import is alive
	}
	defer lock.Close()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return recoverWithLock(ctx, &txConn{conn, s.dialect.ImportWrites()})
}

// recoverWithLock undoes or clears every import in the table; the caller
// holds the import lock, so none of them is running.
func recoverWithLock(ctx context.Context, conn *txConn) error {
	type imp struct {
		id                int64
		source, state, at string
	}
	rows, err := conn.QueryContext(ctx, `SELECT id, source, state, started_at FROM imports ORDER BY id DESC`)
	if err != nil {
		return err
	}
	var imps []imp
	for rows.Next() {
		var i imp
		if err := rows.Scan(&i.id, &i.source, &i.state, &i.at); err != nil {
			rows.Close()
			return err
		}
		imps = append(imps, i)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, i := range imps {
		var err error
		if i.state == "done" {
			err = clearImport(ctx, conn, i.id)
		} else {
			err = undoImport(ctx, conn, i.id, i.at)
		}
		if err != nil {
			return fmt.Errorf("undo the unfinished import of %s: %w", i.source, err)
		}
	}
	return nil
}

// begin starts a write transaction on conn, waiting as long as ctx lets
// it: a long transaction of another writer delays an import, never fails it.
func begin(ctx context.Context, conn *txConn) error {
	for {
		_, err := conn.ExecContext(ctx, conn.eng.Begin)
		if !conn.eng.Busy(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func commit(ctx context.Context, conn *txConn) error {
	_, err := conn.ExecContext(ctx, `COMMIT`)
	return err
}

// rollback ends conn's transaction, if one is open, whatever ctx says.
func rollback(ctx context.Context, conn *txConn) {
	conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)
}

// inConnTx runs fn in a write transaction on conn.
func inConnTx(ctx context.Context, conn *txConn, fn func() error) error {
	if err := begin(ctx, conn); err != nil {
		return err
	}
	if err := fn(); err != nil {
		rollback(ctx, conn)
		return err
	}
	if err := commit(ctx, conn); err != nil {
		rollback(ctx, conn)
		return err
	}
	return nil
}

// yieldingTx runs fn in a write transaction on conn, then leaves the
// write lock free about as long as it held it (the engine's Yield at most), so
// that other writers waiting for it get in between an undo's steps as
// they do between an import's.
func yieldingTx(ctx context.Context, conn *txConn, fn func() error) error {
	start := time.Now()
	if err := inConnTx(ctx, conn, fn); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(min(time.Since(start), conn.eng.Yield)):
		return nil
	}
}

// undoEntry is one row of import_undo.
type undoEntry struct {
	id        int64
	what      string
	ref, ref2 int64
	old       string
}

// clearImport deletes a finished import's journal, a short transaction at
// a time, then the import.
func clearImport(ctx context.Context, conn *txConn, id int64) error {
	for {
		var n int64
		err := yieldingTx(ctx, conn, func() error {
			res, err := conn.ExecContext(ctx, `DELETE FROM import_undo WHERE id IN
				(SELECT id FROM import_undo WHERE import_id = ? ORDER BY id LIMIT 5000)`, id)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			if err == nil && n == 0 {
				_, err = conn.ExecContext(ctx, `DELETE FROM imports WHERE id = ?`, id)
			}
			return err
		})
		if err != nil || n == 0 {
			return err
		}
	}
}

// undoImport undoes an import from its journal, newest entry first, each
// step deleting the entries it undid in the same short transaction: an
// undo that is itself interrupted goes on at the next Open.
func undoImport(ctx context.Context, conn *txConn, id int64, startedAt string) error {
	for {
		more := false
		err := yieldingTx(ctx, conn, func() error {
			var err error
			more, err = undoSome(ctx, conn, id, startedAt)
			return err
		})
		if err != nil {
			return err
		}
		if !more {
			return nil
		}
	}
}

// undoSome undoes entries for up to undoHold and reports whether some are
// left; with none left it deletes the import.
func undoSome(ctx context.Context, conn *txConn, id int64, startedAt string) (bool, error) {
	start := time.Now()
	for time.Since(start) < undoHold {
		entries, err := undoPage(ctx, conn, id)
		if err != nil {
			return false, err
		}
		if len(entries) == 0 {
			_, err := conn.ExecContext(ctx, `DELETE FROM imports WHERE id = ?`, id)
			return false, err
		}
		for _, e := range entries {
			if err := undoOne(ctx, conn, e, startedAt); err != nil {
				return false, fmt.Errorf("undo %s %d: %w", e.what, e.ref, err)
			}
			if _, err := conn.ExecContext(ctx, `DELETE FROM import_undo WHERE id = ?`, e.id); err != nil {
				return false, err
			}
		}
	}
	return true, nil
}

func undoPage(ctx context.Context, conn *txConn, id int64) ([]undoEntry, error) {
	rows, err := conn.QueryContext(ctx, `SELECT id, what, ref, ref2, old FROM import_undo
		WHERE import_id = ? ORDER BY id DESC LIMIT 16`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var es []undoEntry
	for rows.Next() {
		var e undoEntry
		if err := rows.Scan(&e.id, &e.what, &e.ref, &e.ref2, &e.old); err != nil {
			return nil, err
		}
		es = append(es, e)
	}
	return es, rows.Err()
}

// undoOne undoes one change. The import only ever unsubscribes, so undoing
// its event subscribes the contact again, unless someone else changed the
// subscription since (a STOP reply, an unsubscribe link): that stays.
func undoOne(ctx context.Context, conn *txConn, e undoEntry, startedAt string) error {
	var err error
	switch e.what {
	case "added":
		// The contacts between ref and ref2 that this import created; its
		// start time guards against a number used again since, and keeps
		// a contact someone else edited meanwhile (the edit is theirs).
		_, err = conn.ExecContext(ctx, `DELETE FROM contacts WHERE id BETWEEN ?1 AND ?2 AND created_at = ?3 AND updated_at = ?3`, e.ref, e.ref2, startedAt)
	case "changed":
		err = restoreContact(ctx, conn, e.ref, e.old, startedAt)
	case "event":
		_, err = conn.ExecContext(ctx, `UPDATE contacts SET
			email_state = CASE WHEN ev.channel = 'email' THEN 'subscribed' ELSE email_state END,
			sms_state = CASE WHEN ev.channel = 'sms' THEN 'subscribed' ELSE sms_state END
			FROM (SELECT channel FROM subscription_events WHERE id = ?) AS ev
			WHERE contacts.id = ? AND NOT EXISTS (SELECT 1 FROM subscription_events
				WHERE contact_id = ? AND channel = ev.channel AND id > ?)`, e.ref, e.ref2, e.ref2, e.ref)
		if err == nil {
			_, err = conn.ExecContext(ctx, `DELETE FROM subscription_events WHERE id = ?`, e.ref)
		}
	case "member":
		_, err = conn.ExecContext(ctx, `DELETE FROM list_members WHERE list_id = ? AND contact_id = ?`, e.ref, e.ref2)
	case "list":
		_, err = conn.ExecContext(ctx, `DELETE FROM lists WHERE id = ?`, e.ref)
	default:
		err = fmt.Errorf("unknown journal entry %q", e.what)
	}
	return err
}

// oldContact encodes a contact's values before an import changed it, for
// the journal: its fields but the subscription states (undone by their
// events), then its tags.
func oldContact(o importOld) string {
	r := o.rec
	b, _ := json.Marshal(append([]string{r.name, r.email, r.mobile, r.landline, r.postal, r.service, r.zone,
		r.language, r.attributes, o.updatedAt}, r.tags...))
	return string(b)
}

// restoreContact gives contact id back the values old, unless someone
// else changed it after the import did (its updated_at is no longer the
// import's start): a coordinator's edit made during the import is kept.
func restoreContact(ctx context.Context, conn *txConn, id int64, old, startedAt string) error {
	const fields = 10
	var v []string
	if err := json.Unmarshal([]byte(old), &v); err != nil || len(v) < fields {
		return fmt.Errorf("journal entry %q cannot be read", old)
	}
	args := []any{}
	for _, s := range v[:fields] {
		args = append(args, s)
	}
	res, err := conn.ExecContext(ctx, `UPDATE contacts SET name = ?, email = ?, mobile = ?, landline = ?,
		postal_address = ?, service_address = ?, zone = ?, language = ?, attributes = ?, updated_at = ? WHERE id = ? AND updated_at = ?`,
		append(args, id, startedAt)...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err // changed since by someone else: theirs stays
	}
	if _, err := conn.ExecContext(ctx, `DELETE FROM contact_tags WHERE contact_id = ?`, id); err != nil {
		return err
	}
	for _, t := range v[fields:] {
		if _, err := conn.ExecContext(ctx, `INSERT INTO contact_tags (contact_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, t); err != nil {
			return err
		}
	}
	return nil
}

// startImport records a running import and creates its list when missing,
// in one transaction. It returns the import's id and the list's.
func startImport(ctx context.Context, conn *txConn, source, now, list string) (id, listID int64, err error) {
	err = inConnTx(ctx, conn, func() error {
		if err := conn.QueryRowContext(ctx, `INSERT INTO imports (source, state, started_at) VALUES (?, 'running', ?) RETURNING id`,
			source, now).Scan(&id); err != nil {
			return err
		}
		if list == "" {
			return nil
		}
		err := conn.QueryRowContext(ctx, `INSERT INTO lists (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING RETURNING id`,
			list, now).Scan(&listID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return conn.QueryRowContext(ctx, `SELECT id FROM lists WHERE name = ?`, list).Scan(&listID)
		case err != nil:
			return err
		}
		_, err = conn.ExecContext(ctx, `INSERT INTO import_undo (import_id, what, ref) VALUES (?, 'list', ?)`, id, listID)
		return err
	})
	if err != nil && list != "" {
		err = fmt.Errorf("list %s: %w", list, err)
	}
	return id, listID, err
}

// finishImport marks the import done, which makes it final, then clears
// its journal. When it cannot, the import is undone.
func finishImport(ctx context.Context, conn *txConn, id int64, startedAt string) error {
	if err := inConnTx(ctx, conn, func() error {
		_, err := conn.ExecContext(ctx, `UPDATE imports SET state = 'done' WHERE id = ?`, id)
		return err
	}); err != nil {
		if uerr := undoImport(context.WithoutCancel(ctx), conn, id, startedAt); uerr != nil {
			err = errors.Join(err, fmt.Errorf("undo: %w (the next crier command finishes the undo)", uerr))
		}
		return err
	}
	// The import is whole now: a failure clearing the journal is left
	// for the next Open, not reported as a failed import.
	clearImport(ctx, conn, id)
	return nil
}

// journalHead is the multi-row insert of undo entries.
const journalHead = `INSERT INTO import_undo (import_id, what, ref, ref2, old) VALUES `

// journal writes the writer's pending undo entries, in the transaction of
// the changes they undo.
func (w *importWriter) journal(ctx context.Context) error {
	if w.bulk() {
		return w.journalCopy(ctx)
	}
	undo := w.undo
	for len(undo) > 0 {
		n := chunk(len(undo))
		st, err := w.stmt(ctx, journalHead, `(?, ?, ?, ?, ?)`, "", n)
		if err != nil {
			return err
		}
		w.args = w.args[:0]
		for _, e := range undo[:n] {
			w.args = append(w.args, w.importID, e.what, e.ref, e.ref2, e.old)
		}
		if _, err := st.ExecContext(ctx, w.args...); err != nil {
			return fmt.Errorf("journal: %w", err)
		}
		undo = undo[n:]
	}
	w.undo = w.undo[:0]
	return nil
}
