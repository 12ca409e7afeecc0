package notices

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
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

// An ImportSession is one import's hold on the store, which BeginImport
// gives: the store's import lock, the connection the import writes on,
// and the journal that undoes the import should it fail or its process
// die. The importer (notices/importer) reads the file and writes the
// contacts on Conn; the store keeps the rest: the imports table, the
// journal's undo, and recovery at Open. One goroutine at a time uses it.
//
// The journal, import_undo, is written by the importer in the
// transaction of each change, one row per change, (import_id, what, ref,
// ref2, old), and read back here, newest first, to undo them:
//
//	added    contacts ref to ref2 were added (created_at and updated_at: Now)
//	changed  contact ref was updated; old holds its values before, a JSON
//	         array: name, email, mobile, landline, postal_address,
//	         service_address, zone, language, attributes, updated_at, then
//	         its tags
//	event    subscription event ref of contact ref2 was recorded
//	member   contact ref2 joined list ref
//	list     list ref was created (written by Start)
type ImportSession struct {
	// Conn is the import's own connection, apart from the store's.
	Conn *sql.Conn
	// Writes says how the engine takes the import's writes.
	Writes ImportWrites
	// Now is the store's clock when the session began, as the store keeps
	// times: what the import writes carries it, which is how its undo
	// tells the import's changes from later ones.
	Now string

	store *Store
	id    int64 // the import's row in imports, once Start recorded it
	done  func()
}

// BeginImport takes the store's import lock without waiting, undoes the
// imports whose process died, and opens the connection an import writes
// on, so that the store's own connections stay free for the rest of the
// process. Another import running on the database, in this process or
// another, is an error with code Conflict. Close releases the session.
func (s *Store) BeginImport(ctx context.Context) (*ImportSession, error) {
	lock, err := s.dbase.LockImports(ctx)
	if err != nil {
		return nil, err
	}
	if lock == nil {
		return nil, errorf(Conflict, "another import into this database is running: wait until it ends, then import again")
	}
	c, closeConn, err := s.dbase.ImportConn(ctx)
	is := &ImportSession{Conn: c, Writes: s.dialect.ImportWrites(), Now: s.now(), store: s}
	is.done = func() {
		if closeConn != nil {
			closeConn()
		}
		lock.Close()
	}
	if err == nil {
		err = recoverWithLock(ctx, is)
	}
	if err != nil {
		is.Close()
		return nil, err
	}
	return is, nil
}

// Close releases the session's connection and the import lock.
func (is *ImportSession) Close() {
	if is.done != nil {
		is.done()
		is.done = nil
	}
}

// ID is the import's row in imports, for its journal; 0 until Start.
func (is *ImportSession) ID() int64 { return is.id }

// IDsIn is the engine's condition "column is one of ids", with one
// placeholder, and the argument it takes.
func (is *ImportSession) IDsIn(column string, ids []int64) (cond string, arg any) {
	return is.store.dialect.IDsIn(column), is.store.dialect.IDsArg(ids)
}

// recoverImports undoes the imports whose process died and clears the
// journal of those that finished. It does nothing while an import runs.
func (s *Store) recoverImports(ctx context.Context) error {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM imports`).Scan(&n); err != nil || n == 0 {
		return err
	}
	lock, err := s.dbase.LockImports(ctx)
	if err != nil || lock == nil {
		return err // nil lock: the import is alive
	}
	defer lock.Close()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return recoverWithLock(ctx, &ImportSession{Conn: conn, Writes: s.dialect.ImportWrites(), store: s})
}

// recoverWithLock undoes or clears every import in the table; the caller
// holds the import lock, so none of them is running.
func recoverWithLock(ctx context.Context, is *ImportSession) error {
	type imp struct {
		id                int64
		source, state, at string
	}
	rows, err := is.Conn.QueryContext(ctx, `SELECT id, source, state, started_at FROM imports ORDER BY id DESC`)
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
			err = clearImport(ctx, is, i.id)
		} else {
			err = undoImport(ctx, is, i.id, i.at)
		}
		if err != nil {
			return fmt.Errorf("undo the unfinished import of %s: %w", i.source, err)
		}
	}
	return nil
}

// Begin starts a write transaction on Conn, waiting as long as ctx lets
// it: a long transaction of another writer delays an import, never fails it.
func (is *ImportSession) Begin(ctx context.Context) error {
	for {
		_, err := is.Conn.ExecContext(ctx, is.Writes.Begin)
		if !is.Writes.Busy(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Commit commits the transaction Begin started.
func (is *ImportSession) Commit(ctx context.Context) error {
	_, err := is.Conn.ExecContext(ctx, `COMMIT`)
	return err
}

// Rollback ends Conn's transaction, if one is open, whatever ctx says.
func (is *ImportSession) Rollback(ctx context.Context) {
	is.Conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)
}

// inConnTx runs fn in a write transaction on is.Conn.
func inConnTx(ctx context.Context, is *ImportSession, fn func() error) error {
	if err := is.Begin(ctx); err != nil {
		return err
	}
	if err := fn(); err != nil {
		is.Rollback(ctx)
		return err
	}
	if err := is.Commit(ctx); err != nil {
		is.Rollback(ctx)
		return err
	}
	return nil
}

// yieldingTx runs fn in a write transaction on is.Conn, then leaves the
// write lock free about as long as it held it (the engine's Yield at most), so
// that other writers waiting for it get in between an undo's steps as
// they do between an import's.
func yieldingTx(ctx context.Context, is *ImportSession, fn func() error) error {
	start := time.Now()
	if err := inConnTx(ctx, is, fn); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(min(time.Since(start), is.Writes.Yield)):
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
func clearImport(ctx context.Context, is *ImportSession, id int64) error {
	for {
		var n int64
		err := yieldingTx(ctx, is, func() error {
			res, err := is.Conn.ExecContext(ctx, `DELETE FROM import_undo WHERE id IN
				(SELECT id FROM import_undo WHERE import_id = ? ORDER BY id LIMIT 5000)`, id)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			if err == nil && n == 0 {
				_, err = is.Conn.ExecContext(ctx, `DELETE FROM imports WHERE id = ?`, id)
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
func undoImport(ctx context.Context, is *ImportSession, id int64, startedAt string) error {
	for {
		more := false
		err := yieldingTx(ctx, is, func() error {
			var err error
			more, err = undoSome(ctx, is, id, startedAt)
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
func undoSome(ctx context.Context, is *ImportSession, id int64, startedAt string) (bool, error) {
	start := time.Now()
	for time.Since(start) < undoHold {
		entries, err := undoPage(ctx, is, id)
		if err != nil {
			return false, err
		}
		if len(entries) == 0 {
			_, err := is.Conn.ExecContext(ctx, `DELETE FROM imports WHERE id = ?`, id)
			return false, err
		}
		for _, e := range entries {
			if err := undoOne(ctx, is, e, startedAt); err != nil {
				return false, fmt.Errorf("undo %s %d: %w", e.what, e.ref, err)
			}
			if _, err := is.Conn.ExecContext(ctx, `DELETE FROM import_undo WHERE id = ?`, e.id); err != nil {
				return false, err
			}
		}
	}
	return true, nil
}

func undoPage(ctx context.Context, is *ImportSession, id int64) ([]undoEntry, error) {
	rows, err := is.Conn.QueryContext(ctx, `SELECT id, what, ref, ref2, old FROM import_undo
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
func undoOne(ctx context.Context, is *ImportSession, e undoEntry, startedAt string) error {
	var err error
	switch e.what {
	case "added":
		// The contacts between ref and ref2 that this import created; its
		// start time guards against a number used again since, and keeps
		// a contact someone else edited meanwhile (the edit is theirs).
		_, err = is.Conn.ExecContext(ctx, `DELETE FROM contacts WHERE id BETWEEN ?1 AND ?2 AND created_at = ?3 AND updated_at = ?3`, e.ref, e.ref2, startedAt)
	case "changed":
		err = restoreContact(ctx, is, e.ref, e.old, startedAt)
	case "event":
		_, err = is.Conn.ExecContext(ctx, `UPDATE contacts SET
			email_state = CASE WHEN ev.channel = 'email' THEN 'subscribed' ELSE email_state END,
			sms_state = CASE WHEN ev.channel = 'sms' THEN 'subscribed' ELSE sms_state END
			FROM (SELECT channel FROM subscription_events WHERE id = ?) AS ev
			WHERE contacts.id = ? AND NOT EXISTS (SELECT 1 FROM subscription_events
				WHERE contact_id = ? AND channel = ev.channel AND id > ?)`, e.ref, e.ref2, e.ref2, e.ref)
		if err == nil {
			_, err = is.Conn.ExecContext(ctx, `DELETE FROM subscription_events WHERE id = ?`, e.ref)
		}
	case "member":
		_, err = is.Conn.ExecContext(ctx, `DELETE FROM list_members WHERE list_id = ? AND contact_id = ?`, e.ref, e.ref2)
	case "list":
		_, err = is.Conn.ExecContext(ctx, `DELETE FROM lists WHERE id = ?`, e.ref)
	default:
		err = fmt.Errorf("unknown journal entry %q", e.what)
	}
	return err
}

// restoreContact gives contact id back the values old, unless someone
// else changed it after the import did (its updated_at is no longer the
// import's start): a coordinator's edit made during the import is kept.
func restoreContact(ctx context.Context, is *ImportSession, id int64, old, startedAt string) error {
	const fields = 10
	var v []string
	if err := json.Unmarshal([]byte(old), &v); err != nil || len(v) < fields {
		return fmt.Errorf("journal entry %q cannot be read", old)
	}
	args := []any{}
	for _, s := range v[:fields] {
		args = append(args, s)
	}
	res, err := is.Conn.ExecContext(ctx, `UPDATE contacts SET name = ?, email = ?, mobile = ?, landline = ?,
		postal_address = ?, service_address = ?, zone = ?, language = ?, attributes = ?, updated_at = ? WHERE id = ? AND updated_at = ?`,
		append(args, id, startedAt)...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err // changed since by someone else: theirs stays
	}
	if _, err := is.Conn.ExecContext(ctx, `DELETE FROM contact_tags WHERE contact_id = ?`, id); err != nil {
		return err
	}
	for _, t := range v[fields:] {
		if _, err := is.Conn.ExecContext(ctx, `INSERT INTO contact_tags (contact_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, t); err != nil {
			return err
		}
	}
	return nil
}

// Start records the running import of source and creates its list, when
// list is not "" and the list is missing, in one transaction; Finish
// makes the import final, Undo undoes it. It returns the list's id.
func (is *ImportSession) Start(ctx context.Context, source, list string) (listID int64, err error) {
	err = inConnTx(ctx, is, func() error {
		if err := is.Conn.QueryRowContext(ctx, `INSERT INTO imports (source, state, started_at) VALUES (?, 'running', ?) RETURNING id`,
			source, is.Now).Scan(&is.id); err != nil {
			return err
		}
		if list == "" {
			return nil
		}
		err := is.Conn.QueryRowContext(ctx, `INSERT INTO lists (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING RETURNING id`,
			list, is.Now).Scan(&listID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return is.Conn.QueryRowContext(ctx, `SELECT id FROM lists WHERE name = ?`, list).Scan(&listID)
		case err != nil:
			return err
		}
		_, err = is.Conn.ExecContext(ctx, `INSERT INTO import_undo (import_id, what, ref) VALUES (?, 'list', ?)`, is.id, listID)
		return err
	})
	if err != nil && list != "" {
		err = fmt.Errorf("list %s: %w", list, err)
	}
	return listID, err
}

// Finish marks the import done, which makes it final, then clears its
// journal. When it cannot, the import is undone.
func (is *ImportSession) Finish(ctx context.Context) error {
	if err := inConnTx(ctx, is, func() error {
		_, err := is.Conn.ExecContext(ctx, `UPDATE imports SET state = 'done' WHERE id = ?`, is.id)
		return err
	}); err != nil {
		if uerr := undoImport(context.WithoutCancel(ctx), is, is.id, is.Now); uerr != nil {
			err = errors.Join(err, fmt.Errorf("undo: %w (the next crier command finishes the undo)", uerr))
		}
		return err
	}
	// The import is whole now: a failure clearing the journal is left
	// for the next Open, not reported as a failed import.
	clearImport(ctx, is, is.id)
	return nil
}

// Undo undoes the failed import from its journal, whatever ctx says, on a
// new connection when Conn went with the failure: PostgreSQL's driver
// closes a connection whose statement was cancelled. Should this process
// die first, the next Open undoes it.
func (is *ImportSession) Undo(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx)
	if is.Conn.PingContext(ctx) != nil {
		c, done, err := is.store.dbase.ImportConn(ctx)
		if err != nil {
			return err
		}
		defer done()
		is = &ImportSession{Conn: c, Writes: is.Writes, Now: is.Now, store: is.store, id: is.id}
	}
	return undoImport(ctx, is, is.id, is.Now)
}
