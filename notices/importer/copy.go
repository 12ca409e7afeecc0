package importer

import (
	"context"
	"fmt"
)

// The import's bulk path, on an engine with a bulk load (ImportWrites.Copy:
// PostgreSQL's COPY). A batch goes in with a few statements whatever its
// size: the new contacts are copied into contacts with ids reserved
// beforehand; the changed ones into a staging table, from which one UPDATE
// merges them; their tags, and the journal, are copied too. The rows are
// decided in Go as on every engine (decide), so both write the same.

// importStage is the staging table of the changed contacts: a temporary
// table of the import's connection, emptied after each batch.
const importStage = `CREATE TEMP TABLE IF NOT EXISTS import_stage (
	id BIGINT NOT NULL, name TEXT NOT NULL, email TEXT NOT NULL, mobile TEXT NOT NULL, landline TEXT NOT NULL,
	postal_address TEXT NOT NULL, service_address TEXT NOT NULL, zone TEXT NOT NULL, language TEXT NOT NULL,
	email_state TEXT NOT NULL, sms_state TEXT NOT NULL, attributes TEXT NOT NULL)`

// importMerge updates the staged contacts, in one statement.
const importMerge = `UPDATE contacts SET name = s.name, email = s.email, mobile = s.mobile, landline = s.landline,
	postal_address = s.postal_address, service_address = s.service_address, zone = s.zone, language = s.language,
	email_state = s.email_state, sms_state = s.sms_state, attributes = s.attributes, updated_at = ?
FROM import_stage AS s WHERE contacts.id = s.id`

var (
	stageColumns   = []string{"id", "name", "email", "mobile", "landline", "postal_address", "service_address", "zone", "language", "email_state", "sms_state", "attributes"}
	contactCopy    = append([]string{"account"}, append(stageColumns, "created_at", "updated_at")...)
	undoColumns    = []string{"import_id", "what", "ref", "ref2", "old"}
	contactTagCols = []string{"contact_id", "tag"}
)

// bulkBatchSize is how many good rows go to the writer at once on the bulk
// path: a COPY costs a few round trips however many rows it carries.
const bulkBatchSize = 4096

// bulk reports whether the engine loads rows in bulk.
func (w *importWriter) bulk() bool { return w.sess.Writes.Copy != nil }

// batchSize is how many good rows go to the writer at once.
func (w *importWriter) batchSize() int {
	if w.bulk() {
		return bulkBatchSize
	}
	return importBatchSize
}

// prepareBulk makes the staging table, where the engine loads in bulk.
func (w *importWriter) prepareBulk(ctx context.Context) error {
	if !w.bulk() || w.dry {
		return nil
	}
	_, err := w.sess.Conn.ExecContext(ctx, importStage)
	return err
}

// insertCopy adds the new contacts rows[ins] by the engine's bulk load,
// with ids reserved first, and sets their ids.
func (w *importWriter) insertCopy(ctx context.Context, rows []importRow, ins []int) error {
	if len(ins) == 0 {
		return nil
	}
	ids, err := w.sess.Writes.NextIDs(ctx, w.sess.Conn, "contacts", len(ins))
	if err != nil {
		return err
	}
	data := make([][]any, len(ins))
	for k, i := range ins {
		a := &w.acts[i]
		a.id = ids[k]
		nw := &a.nw
		data[k] = []any{rows[i].values[fAccount], a.id, nw.name, nw.email, nw.mobile, nw.landline, nw.postal, nw.service,
			nw.zone, nw.language, nw.emailState, nw.smsState, nw.attributes, w.now, w.now}
	}
	if err := w.sess.Writes.Copy(ctx, w.sess.Conn, "contacts", contactCopy, data); err != nil {
		return err
	}
	w.added = append(w.added, ids...)
	w.sum.Added += len(ins)
	return nil
}

// stage queues the changed contact a for mergeStaged.
func (w *importWriter) stage(a *importAct) {
	nw := &a.nw
	w.staged = append(w.staged, []any{a.id, nw.name, nw.email, nw.mobile, nw.landline, nw.postal, nw.service,
		nw.zone, nw.language, nw.emailState, nw.smsState, nw.attributes})
	if a.tagsChanged {
		w.retag = append(w.retag, a.id)
	}
}

// mergeStaged updates the staged contacts and drops the tags of those
// whose tags change, which the tags copied next replace.
func (w *importWriter) mergeStaged(ctx context.Context) error {
	if len(w.staged) > 0 {
		if err := w.sess.Writes.Copy(ctx, w.sess.Conn, "import_stage", stageColumns, w.staged); err != nil {
			return fmt.Errorf("stage the changed contacts: %w", err)
		}
		if _, err := w.sess.Conn.ExecContext(ctx, importMerge, w.now); err != nil {
			return fmt.Errorf("update the changed contacts: %w", err)
		}
		if _, err := w.sess.Conn.ExecContext(ctx, `DELETE FROM import_stage`); err != nil {
			return err
		}
	}
	if len(w.retag) > 0 {
		cond, arg := w.sess.IDsIn("contact_id", w.retag)
		if _, err := w.sess.Conn.ExecContext(ctx, `DELETE FROM contact_tags WHERE `+cond, arg); err != nil {
			return fmt.Errorf("tags: %w", err)
		}
	}
	w.staged, w.retag = w.staged[:0], w.retag[:0]
	return nil
}

// copyTags adds the queued tags (w.tagArgs, in pairs) by the bulk load:
// they belong to added contacts or to contacts whose tags were dropped.
func (w *importWriter) copyTags(ctx context.Context) error {
	data := make([][]any, 0, len(w.tagArgs)/2)
	for i := 0; i+1 < len(w.tagArgs); i += 2 {
		data = append(data, w.tagArgs[i:i+2])
	}
	if len(data) == 0 {
		return nil
	}
	return w.sess.Writes.Copy(ctx, w.sess.Conn, "contact_tags", contactTagCols, data)
}

// journalCopy writes the pending undo entries by the bulk load.
func (w *importWriter) journalCopy(ctx context.Context) error {
	data := make([][]any, len(w.undo))
	for i, e := range w.undo {
		data[i] = []any{w.sess.ID(), e.what, e.ref, e.ref2, e.old}
	}
	if len(data) > 0 {
		if err := w.sess.Writes.Copy(ctx, w.sess.Conn, "import_undo", undoColumns, data); err != nil {
			return fmt.Errorf("journal: %w", err)
		}
	}
	w.undo = w.undo[:0]
	return nil
}
