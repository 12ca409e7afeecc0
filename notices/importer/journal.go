package importer

import (
	"context"
	"encoding/json"
	"fmt"
)

// The writer journals, in the transaction of each change, how to undo
// it; notices.ImportSession says what each entry means and undoes them.

// undoEntry is one row of the import's journal, import_undo, whose
// entries notices.ImportSession documents and undoes.
type undoEntry struct {
	what      string
	ref, ref2 int64
	old       string
}

// oldContact encodes a contact's values before an import changed it, for
// the journal (a "changed" entry's old): its fields but the subscription states (undone by their
// events), then its tags.
func oldContact(o importOld) string {
	r := o.rec
	b, _ := json.Marshal(append([]string{r.name, r.email, r.mobile, r.landline, r.postal, r.service, r.zone,
		r.language, r.attributes, o.updatedAt}, r.tags...))
	return string(b)
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
			w.args = append(w.args, w.sess.ID(), e.what, e.ref, e.ref2, e.old)
		}
		if _, err := st.ExecContext(ctx, w.args...); err != nil {
			return fmt.Errorf("journal: %w", err)
		}
		undo = undo[n:]
	}
	w.undo = w.undo[:0]
	return nil
}
