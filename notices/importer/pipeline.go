package importer

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/crier-notices/crier/notices"
)

// The import runs as a pipeline of two goroutines so that both cores of a
// small machine work: the caller's goroutine reads, decodes and checks the
// rows (CSV, normalisation, phone numbers, duplicates, rejects, progress)
// and hands the good rows, in file order, in batches to an importWriter,
// which writes them with multi-row statements on the import's own
// connection, in short transactions that journal how to undo them
// (journal.go; the store undoes them). Only the writer touches the
// connection while it runs.

// importBatchSize is how many good rows go to the writer at once (but on
// the bulk path: bulkBatchSize), and the most rows one multi-row statement
// holds: 256 contacts are 3,584 variables, well under SQLite's 32,766.
const importBatchSize = 256

// importRow is a good row on its way to the writer.
type importRow struct {
	line   int
	values [nFields]string
	tags   []string // sorted, without duplicates
	attrs  []string // the trimmed cells of the attribute columns, in column order
}

// importBatch is good rows in file order. Batches are reused.
type importBatch struct {
	rows []importRow
}

// importPipe carries batches from the reader to the writer, whose
// goroutine it owns: finish closes the pipe and waits for the writer,
// which also stops when ctx is cancelled or a write fails.
type importPipe struct {
	size    int // rows of a full batch
	batches chan *importBatch
	free    chan *importBatch
	done    chan struct{} // closed when the writer has returned
	closed  bool
	err     error // the writer's, read after done
}

func startImportPipe(ctx context.Context, w *importWriter) *importPipe {
	size := w.batchSize()
	// Room for the rows the reader checks while the writer yields the
	// write lock to other writers: 8,192.
	room := max(2, 32*importBatchSize/size)
	p := &importPipe{
		size:    size,
		batches: make(chan *importBatch, room),
		free:    make(chan *importBatch, room+8),
		done:    make(chan struct{}),
	}
	go func() {
		defer close(p.done)
		p.err = w.run(ctx, p.batches, p.free)
	}()
	return p
}

// batch returns an empty batch, a used one when there is one.
func (p *importPipe) batch() *importBatch {
	select {
	case b := <-p.free:
		b.rows = b.rows[:0]
		return b
	default:
		return &importBatch{rows: make([]importRow, 0, p.size)}
	}
}

// send hands b to the writer; it fails when the writer has stopped.
func (p *importPipe) send(b *importBatch) error {
	select {
	case p.batches <- b:
		return nil
	case <-p.done:
		if p.err != nil {
			return p.err
		}
		return errors.New("the writer stopped")
	}
}

// finish tells the writer no more batches come, waits for it and returns
// its error. It can be called again.
func (p *importPipe) finish() error {
	if !p.closed {
		p.closed = true
		close(p.batches)
	}
	<-p.done
	return p.err
}

// importWriter writes good rows: it adds the new contacts and updates
// the changed ones, with their tags, subscription events and list
// membership.
type importWriter struct {
	sess     *notices.ImportSession // the import's connection and journal
	dry      bool                   // count, write nothing
	importID int64
	inTx     bool
	begun    time.Time     // when the open transaction began
	hold     time.Duration // how long a transaction may last (ImportWrites.Hold)
	yieldTo  time.Time     // when the next transaction may begin
	now      string
	idx      [nFields]int
	hasAttr  bool
	attrCols []string // headers of the attribute columns, in column order
	attrKeys []int    // indexes into attrCols, sorted by header
	keyJSON  []string // the JSON of each attribute header
	fresh    bool     // the store had no contacts: every account is new
	// dataVersion is the engine's Version at the last transaction of a
	// fresh import: it changes when another connection writes.
	dataVersion int64
	skipPeek    int // batches to write without first comparing outside a transaction
	listID      int64
	listName    string
	sum         Summary // Added, Updated, Unchanged, KeptUnsubscribed, ListAdded

	stmts               map[string]*sql.Stmt
	upd, delTags, event *sql.Stmt

	old     map[string]importOld // the stored contacts of the batch's accounts
	acts    []importAct
	args    []any
	tagArgs []any
	memArgs []any
	buf     []byte
	undo    []undoEntry // the journal of the batch
	added   []int64     // ids added in the batch, sorted
	// The bulk path's (copy.go): the changed contacts of the batch and
	// those whose tags change.
	staged [][]any
	retag  []int64
}

// importOld is a stored contact.
type importOld struct {
	id        int64
	rec       importRecord
	updatedAt string
}

// importAct is what the writer does with one row.
type importAct struct {
	insert      bool
	update      bool
	id          int64
	nw          importRecord
	tagsChanged bool
	events      [2]string // the state each channel changes to, "" for none
}

// prepare readies the writer's statements on the session's connection and
// learns whether the store has contacts yet.
func (w *importWriter) prepare(ctx context.Context, sess *notices.ImportSession) error {
	w.sess = sess
	w.stmts = map[string]*sql.Stmt{}
	w.old = map[string]importOld{}
	var err error
	prep := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var st *sql.Stmt
		st, err = sess.Conn.PrepareContext(ctx, q)
		return st
	}
	w.upd, w.delTags, w.event = prep(importUpdate), prep(importDeleteTags), prep(importEvent)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if err := w.learnFresh(ctx); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if err := w.prepareBulk(ctx); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	w.attrKeys = make([]int, len(w.attrCols))
	w.keyJSON = make([]string, len(w.attrCols))
	for i, h := range w.attrCols {
		w.attrKeys[i] = i
		w.keyJSON[i] = string(appendJSONString(nil, h))
	}
	slices.SortFunc(w.attrKeys, func(a, b int) int { return strings.Compare(w.attrCols[a], w.attrCols[b]) })
	return nil
}

// learnFresh learns whether the store has no contacts yet, where the
// engine can tell when another connection writes (Version): then every
// account is new until one does.
func (w *importWriter) learnFresh(ctx context.Context) error {
	if w.sess.Writes.Version == nil {
		return nil
	}
	// The version first: a contact added between the two reads changes it.
	v, err := w.sess.Writes.Version(ctx, w.sess.Conn)
	if err != nil {
		return err
	}
	var any bool
	if err := w.sess.Conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM contacts)`).Scan(&any); err != nil {
		return err
	}
	w.fresh, w.dataVersion = !any, v
	return nil
}

func (w *importWriter) close() {
	for _, st := range w.stmts {
		st.Close()
	}
	for _, st := range []*sql.Stmt{w.upd, w.delTags, w.event} {
		if st != nil {
			st.Close()
		}
	}
}

// run writes the batches until the channel closes, ctx is cancelled or a
// write fails; it returns each batch to free once written. It commits
// when it has held the write lock for w.hold, or has nothing to
// write, and then lets other writers in before it begins again.
func (w *importWriter) run(ctx context.Context, batches <-chan *importBatch, free chan<- *importBatch) (err error) {
	defer func() {
		if w.inTx {
			if err != nil {
				w.sess.Rollback(ctx)
				w.inTx = false
			} else {
				err = w.commit(ctx)
			}
		}
	}()
	for b := range batches {
		if err := ctx.Err(); err != nil {
			return err
		}
		nothing, err := w.nothingToWrite(ctx, b.rows)
		if err != nil {
			return err
		}
		if !nothing {
			if err := w.begin(ctx); err != nil {
				return err
			}
			if err := w.write(ctx, b.rows); err != nil {
				return err
			}
		}
		select {
		case free <- b:
		default:
		}
		if w.inTx && (len(batches) == 0 || time.Since(w.begun) >= w.hold) {
			if err := w.commit(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// nothingToWrite compares a batch with the stored contacts without
// taking the write lock, when no transaction is open, and reports whether
// none of its rows needs writing (an import of an unchanged file): then
// its counts stand. Otherwise they are taken back, for write to compare
// again under the lock, where no other writer can change the contacts.
func (w *importWriter) nothingToWrite(ctx context.Context, rows []importRow) (bool, error) {
	if w.inTx || w.dry || w.fresh || w.listID != 0 || len(rows) == 0 {
		return false, nil
	}
	if w.skipPeek > 0 { // the file changes things here: compare once, under the lock
		w.skipPeek--
		return false, nil
	}
	saved := w.sum
	if err := w.lookup(ctx, rows); err != nil {
		return false, fmt.Errorf("lines %d-%d: read the stored contacts: %w", rows[0].line, rows[len(rows)-1].line, err)
	}
	var a importAct
	for i := range rows {
		if err := w.decide(&rows[i], &a); err != nil {
			return false, fmt.Errorf("line %d: %w", rows[i].line, err)
		}
		if a.insert || a.update {
			w.sum, w.skipPeek = saved, 8
			return false, nil
		}
	}
	return true, nil
}

// begin starts a transaction unless one is open (or the run is dry),
// first waiting out the yield of the last one.
func (w *importWriter) begin(ctx context.Context) error {
	if w.dry || w.inTx {
		return nil
	}
	if d := time.Until(w.yieldTo); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	if err := w.sess.Begin(ctx); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	w.inTx, w.begun = true, time.Now()
	if w.fresh {
		// Another connection that wrote between two transactions may
		// have added a contact: the accounts are then looked up again.
		v, err := w.sess.Writes.Version(ctx, w.sess.Conn)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		if v != w.dataVersion {
			w.fresh = false
		}
		w.dataVersion = v
	}
	return nil
}

// commit ends the open transaction and sets how long to yield: as long
// as it held the lock, up to the engine's Yield.
func (w *importWriter) commit(ctx context.Context) error {
	w.inTx = false
	if err := w.sess.Commit(ctx); err != nil {
		w.sess.Rollback(ctx)
		return fmt.Errorf("import: commit: %w", err)
	}
	now := time.Now()
	w.yieldTo = now.Add(min(now.Sub(w.begun), w.sess.Writes.Yield))
	return nil
}

// The multi-row statements, by the SQL of one row.
const (
	importInsertHead = `INSERT INTO contacts (account, name, email, mobile, landline, postal_address, service_address, zone,
	language, email_state, sms_state, attributes, created_at, updated_at) VALUES `
	importInsertRow  = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	importInsertTail = ` RETURNING id, account`
	importTagsHead   = `INSERT INTO contact_tags (contact_id, tag) VALUES `
	importMembers    = `INSERT INTO list_members (list_id, contact_id) VALUES `
	importPair       = `(?, ?)`
	importConflict   = ` ON CONFLICT DO NOTHING`
	importSelectIn   = `SELECT account, id, updated_at, name, email, mobile, landline, postal_address, service_address, zone, language,
	email_state, sms_state, attributes, ` + contactTags + `
FROM contacts WHERE account IN `
	// contactTags is a contact's tags, sorted, joined by U+001F (which a
	// cell may not hold: isControl), as one column, as the store reads them.
	contactTags = `COALESCE((SELECT string_agg(tag, '` + "\x1f" + `' ORDER BY tag) FROM contact_tags t WHERE t.contact_id = contacts.id), '')`
)

// stmt returns the statement head + n times row, comma-separated, + tail,
// prepared once per import.
func (w *importWriter) stmt(ctx context.Context, head, row, tail string, n int) (*sql.Stmt, error) {
	key := head + strconv.Itoa(n)
	if st, ok := w.stmts[key]; ok {
		return st, nil
	}
	var b strings.Builder
	b.WriteString(head)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	b.WriteString(tail)
	st, err := w.sess.Conn.PrepareContext(ctx, b.String())
	if err != nil {
		return nil, err
	}
	w.stmts[key] = st
	return st, nil
}

// chunk is the number of rows of the next statement for n rows left: a
// power of two, so that few statements are prepared.
func chunk(n int) int {
	c := importBatchSize
	for c > n {
		c /= 2
	}
	return c
}

// lookup reads the stored contacts of the rows' accounts into w.old.
func (w *importWriter) lookup(ctx context.Context, rows []importRow) error {
	clear(w.old)
	for len(rows) > 0 {
		n := min(len(rows), importBatchSize)
		if err := w.lookupSome(ctx, rows[:n]); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// lookupSome reads the stored contacts of up to importBatchSize rows.
func (w *importWriter) lookupSome(ctx context.Context, rows []importRow) error {
	// One statement for every batch: a short batch repeats its last account.
	st, err := w.stmt(ctx, importSelectIn+"(", "?", ")", importBatchSize)
	if err != nil {
		return err
	}
	w.args = w.args[:0]
	for i := range importBatchSize {
		w.args = append(w.args, rows[min(i, len(rows)-1)].values[fAccount])
	}
	rs, err := st.QueryContext(ctx, w.args...)
	if err != nil {
		return err
	}
	defer rs.Close()
	for rs.Next() {
		var account, tags string
		var o importOld
		if err := rs.Scan(&account, &o.id, &o.updatedAt, &o.rec.name, &o.rec.email, &o.rec.mobile, &o.rec.landline, &o.rec.postal,
			&o.rec.service, &o.rec.zone, &o.rec.language, &o.rec.emailState, &o.rec.smsState, &o.rec.attributes, &tags); err != nil {
			return err
		}
		if tags != "" {
			o.rec.tags = strings.Split(tags, "\x1f")
			slices.Sort(o.rec.tags)
		}
		w.old[account] = o
	}
	return rs.Err()
}

// write writes one batch: it decides each row's fate, adds the new
// contacts, then updates, tags, events and list membership in file
// order, and journals how to undo them. A dry run only counts.
func (w *importWriter) write(ctx context.Context, rows []importRow) error {
	if len(rows) == 0 {
		return nil
	}
	if !w.fresh {
		if err := w.lookup(ctx, rows); err != nil {
			return fmt.Errorf("lines %d-%d: read the stored contacts: %w", rows[0].line, rows[len(rows)-1].line, err)
		}
	}
	w.acts = slices.Grow(w.acts[:0], len(rows))[:len(rows)]
	for i := range rows {
		if err := w.decide(&rows[i], &w.acts[i]); err != nil {
			return fmt.Errorf("line %d: %w", rows[i].line, err)
		}
	}
	if w.dry {
		for i := range rows {
			if w.acts[i].insert {
				w.sum.Added++
			}
		}
		return w.countMembers(ctx, rows)
	}
	if err := w.insert(ctx, rows); err != nil {
		return err
	}
	w.tagArgs, w.memArgs = w.tagArgs[:0], w.memArgs[:0]
	for i := range rows {
		if err := w.change(ctx, &rows[i], &w.acts[i]); err != nil {
			return fmt.Errorf("line %d: %w", rows[i].line, err)
		}
	}
	if err := w.writeTags(ctx); err != nil {
		return fmt.Errorf("lines %d-%d: %w", rows[0].line, rows[len(rows)-1].line, err)
	}
	if err := w.addMembers(ctx); err != nil {
		return fmt.Errorf("lines %d-%d: list %s: %w", rows[0].line, rows[len(rows)-1].line, w.listName, err)
	}
	if err := w.journal(ctx); err != nil {
		return fmt.Errorf("lines %d-%d: %w", rows[0].line, rows[len(rows)-1].line, err)
	}
	return nil
}

// writeTags writes the changed contacts (on the bulk path, which staged
// them) and the queued tags.
func (w *importWriter) writeTags(ctx context.Context) error {
	if w.bulk() {
		if err := w.mergeStaged(ctx); err != nil {
			return err
		}
		if err := w.copyTags(ctx); err != nil {
			return fmt.Errorf("tags: %w", err)
		}
		return nil
	}
	if _, err := w.execPairs(ctx, importTagsHead, w.tagArgs); err != nil {
		return fmt.Errorf("tags: %w", err)
	}
	return nil
}

// change updates a stored contact as a decides, records its events and
// queues its tags and list membership, journaling each change.
func (w *importWriter) change(ctx context.Context, r *importRow, a *importAct) error {
	if a.update {
		nw := &a.nw
		w.undo = append(w.undo, undoEntry{what: "changed", ref: a.id, old: oldContact(w.old[r.values[fAccount]])})
		if w.bulk() {
			w.stage(a) // with its tags, if they change
		} else if _, err := w.upd.ExecContext(ctx, nw.name, nw.email, nw.mobile, nw.landline, nw.postal, nw.service, nw.zone,
			nw.language, nw.emailState, nw.smsState, nw.attributes, w.now, a.id); err != nil {
			return fmt.Errorf("update contact %s: %w", r.values[fAccount], err)
		}
		if a.tagsChanged && !w.bulk() {
			if _, err := w.delTags.ExecContext(ctx, a.id); err != nil {
				return err
			}
		}
	}
	if a.tagsChanged {
		for _, t := range a.nw.tags {
			w.tagArgs = append(w.tagArgs, a.id, t)
		}
	}
	for k, st := range a.events {
		if st == "" {
			continue
		}
		var ev int64
		if err := w.event.QueryRowContext(ctx, a.id, string(notices.Channels[k]), st, w.now).Scan(&ev); err != nil {
			return err
		}
		if !a.insert { // an added contact's events go with it
			w.undo = append(w.undo, undoEntry{what: "event", ref: ev, ref2: a.id})
		}
	}
	if w.listID != 0 {
		w.memArgs = append(w.memArgs, w.listID, a.id)
	}
	return nil
}

// addMembers adds the queued contacts to the list, journaling those that
// were stored before the import (an added contact's membership goes with it).
func (w *importWriter) addMembers(ctx context.Context) error {
	for args := w.memArgs; len(args) > 0; {
		n := chunk(len(args) / 2)
		st, err := w.stmt(ctx, importMembers, importPair, importConflict+` RETURNING contact_id`, n)
		if err != nil {
			return err
		}
		rs, err := st.QueryContext(ctx, args[:2*n]...)
		if err != nil {
			return err
		}
		for rs.Next() {
			var id int64
			if err := rs.Scan(&id); err != nil {
				rs.Close()
				return err
			}
			w.sum.ListAdded++
			if _, added := slices.BinarySearch(w.added, id); !added {
				w.undo = append(w.undo, undoEntry{what: "member", ref: w.listID, ref2: id})
			}
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return err
		}
		args = args[2*n:]
	}
	return nil
}

// countMembers counts, for a dry run, the rows that would join the list:
// the new contacts and the stored ones not in it yet.
func (w *importWriter) countMembers(ctx context.Context, rows []importRow) error {
	if w.listName == "" {
		return nil
	}
	var stored []any
	for i := range rows {
		if w.acts[i].insert {
			w.sum.ListAdded++
		} else {
			stored = append(stored, w.acts[i].id)
		}
	}
	if len(stored) == 0 || w.listID == 0 {
		w.sum.ListAdded += len(stored)
		return nil
	}
	q := `SELECT count(*) FROM list_members WHERE list_id = ? AND contact_id IN (?` + strings.Repeat(", ?", len(stored)-1) + `)`
	var in int
	if err := w.sess.Conn.QueryRowContext(ctx, q, append([]any{w.listID}, stored...)...).Scan(&in); err != nil {
		return fmt.Errorf("list %s: %w", w.listName, err)
	}
	w.sum.ListAdded += len(stored) - in
	return nil
}

// execPairs inserts the (?, ?) rows of args, ignoring those already there.
func (w *importWriter) execPairs(ctx context.Context, head string, args []any) (int64, error) {
	var total int64
	for len(args) > 0 {
		n := chunk(len(args) / 2)
		st, err := w.stmt(ctx, head, importPair, importConflict, n)
		if err != nil {
			return total, err
		}
		res, err := st.ExecContext(ctx, args[:2*n]...)
		if err != nil {
			return total, err
		}
		k, _ := res.RowsAffected()
		total += k
		args = args[2*n:]
	}
	return total, nil
}

// insert adds the batch's new contacts, in file order, and sets their ids.
func (w *importWriter) insert(ctx context.Context, rows []importRow) error {
	var ins []int // rows to insert, at most importBatchSize
	var idxBuf [importBatchSize]int
	ins = idxBuf[:0]
	w.added = w.added[:0]
	for i := range rows {
		if w.acts[i].insert {
			ins = append(ins, i)
		}
	}
	if w.bulk() {
		if err := w.insertCopy(ctx, rows, ins); err != nil {
			return fmt.Errorf("lines %d-%d: add contacts: %w", rows[0].line, rows[len(rows)-1].line, err)
		}
		ins = nil
	}
	for len(ins) > 0 {
		n := chunk(len(ins))
		st, err := w.stmt(ctx, importInsertHead, importInsertRow, importInsertTail, n)
		if err != nil {
			return err
		}
		w.args = w.args[:0]
		for _, i := range ins[:n] {
			nw := &w.acts[i].nw
			w.args = append(w.args, rows[i].values[fAccount], nw.name, nw.email, nw.mobile, nw.landline, nw.postal, nw.service, nw.zone,
				nw.language, nw.emailState, nw.smsState, nw.attributes, w.now, w.now)
		}
		if err := w.insertChunk(ctx, st, rows, ins[:n]); err != nil {
			return fmt.Errorf("lines %d-%d: add contacts: %w", rows[ins[0]].line, rows[ins[n-1]].line, err)
		}
		ins = ins[n:]
	}
	w.journalAdded()
	return nil
}

// journalAdded journals the batch's added contacts as runs of consecutive
// ids, one entry per run (a batch's ids are consecutive but for gaps).
func (w *importWriter) journalAdded() {
	slices.Sort(w.added)
	for i := 0; i < len(w.added); {
		j := i + 1
		for j < len(w.added) && w.added[j] == w.added[j-1]+1 {
			j++
		}
		w.undo = append(w.undo, undoEntry{what: "added", ref: w.added[i], ref2: w.added[j-1]})
		i = j
	}
}

func (w *importWriter) insertChunk(ctx context.Context, st *sql.Stmt, rows []importRow, ins []int) error {
	rs, err := st.QueryContext(ctx, w.args...)
	if err != nil {
		return err
	}
	defer rs.Close()
	k := 0
	var account sql.RawBytes
	for rs.Next() {
		var id int64
		if err := rs.Scan(&id, &account); err != nil {
			return err
		}
		// SQLite returns the rows in the order it inserts them, but
		// promises no order: check, and search when it differs.
		j := -1
		if k < len(ins) && rows[ins[k]].values[fAccount] == string(account) {
			j = k
		} else {
			j = slices.IndexFunc(ins, func(i int) bool { return rows[i].values[fAccount] == string(account) })
		}
		if j < 0 {
			return fmt.Errorf("the store returned account %q, not in the batch", account)
		}
		w.acts[ins[j]].id = id
		w.added = append(w.added, id)
		k++
	}
	if err := rs.Err(); err != nil {
		return err
	}
	if k != len(ins) {
		return fmt.Errorf("%d of %d contacts added", k, len(ins))
	}
	w.sum.Added += k
	return nil
}

// decide compares a good row with its stored contact, if any.
func (w *importWriter) decide(r *importRow, a *importAct) error {
	account := r.values[fAccount]
	*a = importAct{}
	o, found := w.old[account]
	if w.fresh {
		found = false
	}
	old := o.rec
	nw := old
	if !found {
		nw = importRecord{emailState: string(notices.Subscribed), smsState: string(notices.Subscribed), attributes: "{}"}
	}
	set := func(f field, p *string) {
		if w.idx[f] >= 0 {
			*p = r.values[f]
		}
	}
	set(fName, &nw.name)
	set(fEmail, &nw.email)
	set(fMobile, &nw.mobile)
	set(fLandline, &nw.landline)
	set(fPostal, &nw.postal)
	set(fService, &nw.service)
	set(fZone, &nw.zone)
	set(fLanguage, &nw.language)
	if w.idx[fTags] >= 0 {
		nw.tags = r.tags
	}
	if w.hasAttr {
		if found && old.attributes != "" && old.attributes != "{}" {
			attrs := map[string]string{}
			if err := json.Unmarshal([]byte(old.attributes), &attrs); err != nil {
				return fmt.Errorf("contact %s: attributes: %w", account, err)
			}
			for i, h := range w.attrCols {
				if v := r.attrs[i]; v != "" {
					attrs[h] = v
				} else {
					delete(attrs, h)
				}
			}
			nw.attributes = attributesJSON(attrs)
		} else {
			nw.attributes = w.attrsJSON(r.attrs, old.attributes)
		}
	}
	kept := false
	for k, f := range [2]field{fEmailState, fSMSState} {
		p := &nw.emailState
		if k == 1 {
			p = &nw.smsState
		}
		want := ""
		if w.idx[f] >= 0 {
			want = r.values[f]
		}
		switch {
		case want == "" || want == *p:
		case want == string(notices.Unsubscribed):
			*p, a.events[k] = want, want
		default: // subscribed, but they unsubscribed: an import never re-subscribes
			kept = true
		}
	}
	if kept {
		w.sum.KeptUnsubscribed++
	}
	a.nw, a.id = nw, o.id
	switch {
	case !found:
		a.insert = true
		a.tagsChanged = len(nw.tags) > 0
	case nw.name == old.name && nw.email == old.email && nw.mobile == old.mobile && nw.landline == old.landline &&
		nw.postal == old.postal && nw.service == old.service && nw.zone == old.zone && nw.language == old.language &&
		nw.emailState == old.emailState && nw.smsState == old.smsState && nw.attributes == old.attributes &&
		slices.Equal(nw.tags, old.tags):
		w.sum.Unchanged++
	default:
		a.update = true
		w.sum.Updated++
		a.tagsChanged = !slices.Equal(nw.tags, old.tags)
	}
	return nil
}

// attrsJSON is attributesJSON of the row's non-empty attributes, written
// without a map. When it equals old (the stored text), old is returned,
// so that an unchanged contact allocates nothing.
func (w *importWriter) attrsJSON(vals []string, old string) string {
	b := append(w.buf[:0], '{')
	for _, i := range w.attrKeys {
		v := vals[i]
		if v == "" {
			continue
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, w.keyJSON[i]...)
		b = append(b, ':')
		b = appendJSONString(b, v)
	}
	b = append(b, '}')
	w.buf = b
	if len(b) == 2 {
		return "{}"
	}
	if string(b) == old {
		return old
	}
	return string(b)
}

// attributesJSON encodes custom attributes as the store does (SaveContact):
// sorted keys (encoding/json sorts map keys), "{}" for none, so that the
// same attributes give the same text and an unchanged contact compares
// equal.
func attributesJSON(a map[string]string) string {
	if len(a) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(a)
	return string(b)
}

// appendJSONString appends s as encoding/json writes it: plain ASCII as
// is, anything else through json.Marshal, so the text is the same.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			j, _ := json.Marshal(s)
			return append(b, j...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// accountSet maps the accounts seen in a file to the line of their first
// row. It holds a million accounts in about 25 MB, without pointers, so
// that the garbage collector neither scans it nor doubles much for it.
type accountSet struct {
	seed  maphash.Seed
	arena []byte   // the accounts, each after its length as a uvarint
	offs  []uint32 // entry -> offset of its account in arena
	lines []uint32 // entry -> line
	slots []uint32 // open addressing: entry+1, 0 when free
}

func newAccountSet() *accountSet {
	return &accountSet{seed: maphash.MakeSeed(), slots: make([]uint32, 1024)}
}

// key is the account of entry e, aliasing the arena.
func (s *accountSet) key(e uint32) []byte {
	b := s.arena[s.offs[e]:]
	n, k := binary.Uvarint(b)
	return b[k : k+int(n)]
}

// find returns the slot of account: its entry or the free slot where it goes.
func (s *accountSet) find(account string) int {
	mask := uint64(len(s.slots) - 1)
	i := maphash.String(s.seed, account) & mask
	for {
		e := s.slots[i]
		if e == 0 || string(s.key(e-1)) == account {
			return int(i)
		}
		i = (i + 1) & mask
	}
}

// add returns the line of account's first row and true when it was seen;
// otherwise it records account with line.
func (s *accountSet) add(account string, line int) (uint32, bool) {
	i := s.find(account)
	if e := s.slots[i]; e != 0 {
		return s.lines[e-1], true
	}
	e := uint32(len(s.offs))
	s.offs = append(s.offs, uint32(len(s.arena)))
	s.lines = append(s.lines, uint32(line))
	s.arena = binary.AppendUvarint(s.arena, uint64(len(account)))
	s.arena = append(s.arena, account...)
	s.slots[i] = e + 1
	if 4*len(s.offs) > 3*len(s.slots) { // 3/4 full: double
		old := s.slots
		s.slots = make([]uint32, 2*len(old))
		mask := uint64(len(s.slots) - 1)
		for _, e := range old {
			if e == 0 {
				continue
			}
			i := maphash.Bytes(s.seed, s.key(e-1)) & mask // the accounts differ: the first free slot
			for s.slots[i] != 0 {
				i = (i + 1) & mask
			}
			s.slots[i] = e
		}
	}
	return 0, false
}
