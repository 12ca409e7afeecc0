// Package importer reads a billing system's CSV export into the store's
// contacts: an upsert by account number, all or nothing, each bad row
// rejected with its line and every reason. It reads and checks the rows
// itself and writes them on a connection of the store's (BeginImport),
// in the store's SQL, by COPY where the engine has it; the store keeps
// the import's journal and undoes a failed or killed import.
package importer

import (
	"bufio"
	"cmp"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/encoding/charmap"

	"github.com/crier-notices/crier/notices"
)

// Options says how to read a contact file and where its contacts go.
type Options struct {
	// Source names the file in messages ("customers.csv").
	Source string
	// Map gives the field of a column by the column's header, overriding
	// the names Crier recognises: {"Cust Ref": "account"}. The field
	// "ignore" drops a column, "attribute" keeps it as a custom attribute.
	Map map[string]string
	// Encoding is the file's character set: "utf-8" (the default),
	// "latin1" (also "iso-8859-1"; read as windows-1252, its superset) or
	// "windows-1252".
	Encoding string
	// List, when set, names a list every imported contact joins; it is
	// created if missing.
	List string
	// DryRun reads, checks and compares every row and writes nothing:
	// the summary is the one a real import would give.
	DryRun bool
	// Rejects, when set, receives the rejected rows as CSV: the header's
	// cells, then "line" and "reason". Nothing is written when no row is
	// rejected. Cells a spreadsheet would run as a formula get a leading
	// apostrophe.
	Rejects io.Writer
	// Progress, when set, is called after every row with the number of
	// rows read so far. It runs on the importing goroutine.
	Progress func(rows int)
	// Normalizer cleans phones, emails and languages.
	Normalizer notices.Normalizer
	// Limits bound the file, its rows and cells; nil means
	// DefaultLimits.
	Limits *Limits

	// hold, when set, replaces the engine's ImportWrites.Hold: tests
	// shorten it so that a small import commits several times, as a big
	// one does.
	hold time.Duration
}

// Summary counts what an import did. Read is Added + Updated +
// Unchanged + Rejected; Duplicates are among the rejected rows.
type Summary struct {
	Read       int // rows read, without the header and blank lines
	Added      int // new contacts
	Updated    int // contacts that existed and changed
	Unchanged  int // contacts that existed with the same values: not written
	Rejected   int // rows refused, each with a reason in the rejects
	Duplicates int // rejected rows whose account appeared earlier in the file
	// KeptUnsubscribed counts contacts the file calls subscribed on a
	// channel where they had unsubscribed: an import never re-subscribes.
	KeptUnsubscribed int
	ListAdded        int // contacts that joined the list
	List             string
	DryRun           bool
}

// String is the summary as the CLI prints it.
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "read %d, added %d, updated %d, unchanged %d, rejected %d, duplicates %d",
		s.Read, s.Added, s.Updated, s.Unchanged, s.Rejected, s.Duplicates)
	if s.KeptUnsubscribed > 0 {
		fmt.Fprintf(&b, ", kept unsubscribed %d", s.KeptUnsubscribed)
	}
	if s.List != "" {
		fmt.Fprintf(&b, ", added to list %s %d", s.List, s.ListAdded)
	}
	if s.DryRun {
		b.WriteString(" (dry run: nothing was written)")
	}
	return b.String()
}

// field is what a column holds.
type field int

const (
	fAccount field = iota
	fName
	fEmail
	fMobile
	fLandline
	fPostal
	fService
	fZone
	fTags
	fLanguage
	fEmailState
	fSMSState
	nFields
	fAttribute // an unknown column: a custom attribute
	fIgnore    // dropped by --map COLUMN=ignore
)

// fieldNames are Crier's own names, the export's header, in the order of
// the fields above (the conversion fails at start-up if the counts differ).
var fieldNames = [nFields]string(notices.ExportColumns)

// errorf is an error with a code, as the store's are, so that the web
// answers an import's bad file as it answers any invalid input.
func errorf(code notices.Code, format string, args ...any) error {
	return notices.Errorf(code, format, args...)
}

// Fields lists the field names a column can be mapped to: Crier's
// fields, "ignore" (drop the column) and "attribute" (keep it as a custom
// attribute even though its name looks like a field's).
func Fields() []string { return append(fieldNames[:], "ignore", "attribute") }

// headerAliases are the column names billing exports use, folded by foldHeader.
var headerAliases = func() map[string]field {
	m := map[string]field{}
	add := func(f field, names ...string) {
		for _, n := range names {
			m[foldHeader(n)] = f
		}
	}
	add(fAccount, "account", "acct", "acct no", "acct num", "acct number", "account no", "account number", "account num",
		"account id", "customer id", "customer no", "customer number", "cust id", "cust no", "cust number")
	add(fName, "name", "customer name", "full name", "customer", "account name")
	add(fEmail, "email", "e-mail", "email address", "e-mail address", "mail")
	add(fMobile, "mobile", "cell", "cell phone", "mobile phone", "sms", "mobile number", "cell number", "text")
	add(fLandline, "phone", "home phone", "landline", "telephone", "phone number", "tel")
	add(fPostal, "postal_address", "mailing address", "postal address", "billing address", "mail address")
	add(fService, "service_address", "service address", "premise address", "premise", "location", "service location")
	add(fZone, "zone", "pressure zone", "district", "route")
	add(fTags, "tags", "tag")
	add(fLanguage, "language", "preferred language", "lang")
	add(fEmailState, "email_state", "email subscription")
	add(fSMSState, "sms_state", "sms subscription")
	return m
}()

// foldHeader reduces a column name to its lower-case letters and digits,
// so "Acct #", "acct" and "ACCT." match.
func foldHeader(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// column is one column of the file.
type column struct {
	header  string // as written, trimmed
	field   field
	max     int  // the most characters (bytes when inBytes) of a cell; 0: no limit
	inBytes bool // max counts bytes
}

// importHeader reads the columns of a header line, applying the overrides.
func importHeader(header []string, overrides map[string]string) ([]column, error) {
	cols := make([]column, len(header))
	used := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		cols[i].header = h
		f, ok := headerAliases[foldHeader(h)]
		if !ok {
			f = fAttribute
		}
		cols[i].field = f
	}
	for name, to := range overrides {
		i := slices.IndexFunc(cols, func(c column) bool { return c.header == name })
		if i < 0 {
			i = slices.IndexFunc(cols, func(c column) bool { return foldHeader(c.header) == foldHeader(name) })
		}
		if i < 0 {
			return nil, errorf(notices.Invalid, "--map %s=%s: the file has no column %q (its columns: %s)", name, to, name, strings.Join(headersOf(cols), ", "))
		}
		j := slices.Index(Fields(), strings.ToLower(strings.TrimSpace(to)))
		if j < 0 {
			return nil, errorf(notices.Invalid, "--map %s=%s: %q is not a field (the fields: %s)", name, to, to, strings.Join(Fields(), ", "))
		}
		switch j {
		case int(nFields):
			cols[i].field = fIgnore
		case int(nFields) + 1:
			cols[i].field = fAttribute
		default:
			cols[i].field = field(j)
		}
		used[cols[i].header] = true
	}
	first := map[field]int{}
	attrs := map[string]int{}
	for i, c := range cols {
		switch c.field {
		case fIgnore:
		case fAttribute:
			if c.header == "" {
				return nil, errorf(notices.Invalid, "column %d has no name: name it in the header, or drop it with --map", i+1)
			}
			if j, ok := attrs[c.header]; ok {
				return nil, errorf(notices.Invalid, "columns %d and %d are both named %q: rename one", j+1, i+1, c.header)
			}
			attrs[c.header] = i
		default:
			if j, ok := first[c.field]; ok {
				return nil, errorf(notices.Invalid, "columns %q and %q both hold %s: say which with --map, such as --map %q", cols[j].header, c.header, fieldNames[c.field], c.header+"=ignore")
			}
			first[c.field] = i
		}
	}
	if _, ok := first[fAccount]; !ok {
		return nil, errorf(notices.Invalid, "no column holds the account number (the columns: %s): name it Account, or say which with --map COLUMN=account", strings.Join(headersOf(cols), ", "))
	}
	return cols, nil
}

// headersOf quotes the headers for a message, the first 30 of them.
func headersOf(cols []column) []string {
	const most = 30
	hs := make([]string, 0, min(len(cols), most)+1)
	for _, c := range cols[:min(len(cols), most)] {
		hs = append(hs, strconv.Quote(c.header))
	}
	if len(cols) > most {
		hs = append(hs, fmt.Sprintf("and %d more", len(cols)-most))
	}
	return hs
}

// decodeImport turns the file's bytes into UTF-8 and drops a byte-order mark.
func decodeImport(r io.Reader, encoding string) (io.Reader, error) {
	switch strings.ToLower(strings.ReplaceAll(strings.TrimSpace(encoding), "_", "-")) {
	case "", "utf-8", "utf8":
		br := bufio.NewReaderSize(r, 64<<10)
		if bom, err := br.Peek(3); err == nil && string(bom) == "\uFEFF" {
			br.Discard(3)
		}
		return br, nil
	case "latin1", "latin-1", "iso-8859-1", "iso8859-1", "windows-1252", "cp1252":
		// Read "latin1" as windows-1252, as browsers do: exports called
		// Latin-1 hold curly quotes and dashes at 0x80-0x9F, which strict
		// ISO 8859-1 would turn into invisible control characters.
		return bufio.NewReaderSize(charmap.Windows1252.NewDecoder().Reader(r), 64<<10), nil
	}
	return nil, errorf(notices.Invalid, "encoding %q: use utf-8, latin1 or windows-1252", encoding)
}

// The import's statements that are not batched. SQLite and PostgreSQL
// alike but for placeholders.
const (
	importUpdate = `UPDATE contacts SET name = ?, email = ?, mobile = ?, landline = ?, postal_address = ?,
	service_address = ?, zone = ?, language = ?, email_state = ?, sms_state = ?, attributes = ?, updated_at = ?
WHERE id = ?`
	importDeleteTags = `DELETE FROM contact_tags WHERE contact_id = ?`
	importEvent      = `INSERT INTO subscription_events (contact_id, channel, state, how, at) VALUES (?, ?, ?, 'import', ?) RETURNING id`
)

// importRecord is a contact as stored, the unit the import compares.
type importRecord struct {
	name, email, mobile, landline, postal, service, zone, language string
	emailState, smsState                                           string
	attributes                                                     string // JSON
	tags                                                           []string
}

// importer holds the reading side of one import: it checks the rows and
// sends the good ones to the importWriter.
type importer struct {
	opts    Options
	cols    []column
	idx     [nFields]int // column of each field, -1 when absent
	hasAttr bool
	seen    *accountSet // account -> line of its first row
	sum     Summary     // Read, Rejected, Duplicates

	problems []string
	values   [nFields]string
	limits   *Limits
	guard    *rowGuard
	lastLine int // the line of the last row read
}

// Store is what an import needs of the store: a session of its own, with
// the import lock, the connection it writes on and the journal that undoes
// it. *notices.Store is one.
type Store interface {
	BeginImport(ctx context.Context) (*notices.ImportSession, error)
}

var _ Store = (*notices.Store)(nil)

// Import reads contacts from a CSV file, the export of a billing system,
// and adds or updates them by account number, all or nothing: an error or
// a cancelled ctx leaves the store as it was, and so does a killed
// process once the store is next opened. It writes in short transactions
// (its engine's notices.ImportWrites.Hold) so that other writers wait a second at
// most; meanwhile readers see the rows written so far. One import runs at a
// time on a database: another gets an error with code notices.Conflict.
//
// A row with any bad value is rejected whole and written to opts.Rejects
// with its line and a reason naming every bad column; so is a row whose
// account appeared earlier in the file (the first one is imported). An
// import never re-subscribes a contact who unsubscribed, and never touches
// suppressions. The file is streamed: memory stays flat but for a map of
// the accounts seen.
//
// Import reads and checks the rows on the calling goroutine (Progress
// runs there) while a second goroutine, which Import starts and waits
// for, writes them.
//
// Errors in the header (no account column, two columns for one field, a
// --map naming a missing column) stop the import before any row and have
// code notices.Invalid.
func Import(ctx context.Context, st Store, r io.Reader, opts Options) (sum Summary, err error) {
	src := opts.Source
	if src == "" {
		src = "the file"
	}
	limits := DefaultLimits()
	if opts.Limits != nil {
		limits = *opts.Limits
	}
	cr, guard, header, err := readImportHeader(r, opts, src, &limits)
	if err != nil {
		return sum, err
	}
	cols, err := importHeader(header, opts.Map)
	if err != nil {
		return sum, fmt.Errorf("%s: %w", src, err)
	}
	for i := range cols {
		cols[i].max, cols[i].inBytes = limits.cellMax(cols[i].field)
	}
	sess, err := st.BeginImport(ctx)
	if err != nil {
		return sum, fmt.Errorf("import %s: %w", src, err)
	}
	defer sess.Close()
	im, w := newImporter(opts, cols, sess.Now)
	w.hold = cmp.Or(opts.hold, sess.Writes.Hold)
	im.limits, im.guard = &limits, guard
	if opts.DryRun {
		err = sess.Conn.QueryRowContext(ctx, `SELECT id FROM lists WHERE name = ?`, w.listName).Scan(&w.listID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return sum, err
		}
	} else if w.listID, err = sess.Start(ctx, src, w.listName); err != nil {
		return sum, fmt.Errorf("import %s: %w", src, err)
	}
	err = im.run(ctx, cr, header, w, sess)
	sum = im.sum
	sum.Added, sum.Updated, sum.Unchanged = w.sum.Added, w.sum.Updated, w.sum.Unchanged
	sum.KeptUnsubscribed, sum.ListAdded = w.sum.KeptUnsubscribed, w.sum.ListAdded
	switch {
	case opts.DryRun:
	case err != nil:
		// What was written is undone before Import returns; if this
		// process dies first, the next Open undoes it.
		if uerr := sess.Undo(ctx); uerr != nil {
			err = errors.Join(err, fmt.Errorf("undo the import of %s: %w (the next crier command finishes the undo)", src, uerr))
		}
	default:
		if err = sess.Finish(ctx); err != nil {
			err = fmt.Errorf("import %s: %w", src, err)
		}
	}
	return sum, err
}

// readImportHeader decodes the file and reads its header line, within
// the limits.
func readImportHeader(r io.Reader, opts Options, src string, l *Limits) (*csv.Reader, *rowGuard, []string, error) {
	dec, err := decodeImport(r, opts.Encoding)
	if err != nil {
		return nil, nil, nil, err
	}
	guard := &rowGuard{r: dec, maxRow: int64(l.MaxRowBytes), maxFile: l.MaxBytes}
	cr := csv.NewReader(guard)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	guard.rowStart = cr.InputOffset()
	if errors.Is(err, io.EOF) {
		return nil, nil, nil, errorf(notices.Invalid, "%s is empty: it needs a header line naming its columns", src)
	}
	if lerr := limitError(err, src, 1, l); lerr != nil {
		return nil, nil, nil, lerr
	}
	if err != nil {
		return nil, nil, nil, &notices.Error{Code: notices.Invalid, Message: fmt.Sprintf("%s: the header line cannot be read", src), Err: err}
	}
	if len(header) > l.MaxColumns {
		return nil, nil, nil, errorf(notices.Invalid, "%s has %d columns, more than %d: is the first line its header? Export only the columns Crier needs", src, len(header), l.MaxColumns)
	}
	header = slices.Clone(header)
	for i := range header {
		header[i] = notices.RestoreCell(header[i])
		if n, long := cellTooLong(header[i], l.MaxHeader, false); long {
			return nil, nil, nil, errorf(notices.Invalid, "%s: the name of column %d (%s) is %s long, more than %d characters: is the first line its header?", src, i+1, shortCell(header[i], l.MaxHeader), n, l.MaxHeader)
		}
	}
	if len(header) > 0 && strings.HasPrefix(header[0], "ï»¿") {
		return nil, nil, nil, errorf(notices.Invalid, "%s starts with a UTF-8 byte-order mark: it is UTF-8, not %s; import it without --encoding", src, opts.Encoding)
	}
	return cr, guard, header, nil
}

// newImporter makes the reading and the writing side of an import.
func newImporter(opts Options, cols []column, now string) (*importer, *importWriter) {
	im := &importer{opts: opts, cols: cols, seen: newAccountSet()}
	im.sum.List, im.sum.DryRun = strings.TrimSpace(opts.List), opts.DryRun
	w := &importWriter{now: now, listName: im.sum.List, dry: opts.DryRun}
	for i := range im.idx {
		im.idx[i] = -1
	}
	for i, c := range cols {
		if c.field < nFields {
			im.idx[c.field] = i
		}
		if c.field == fAttribute {
			im.hasAttr = true
			w.attrCols = append(w.attrCols, c.header)
		}
	}
	w.idx, w.hasAttr = im.idx, im.hasAttr
	return im, w
}

// run reads the rows, checks them, writes the rejects and hands the good
// rows to w, which writes them on the session's connection.
func (im *importer) run(ctx context.Context, cr *csv.Reader, header []string, w *importWriter, sess *notices.ImportSession) (err error) {
	src := im.opts.Source
	if src == "" {
		src = "the file"
	}
	if err := w.prepare(ctx, sess); err != nil {
		w.close()
		return err
	}
	wctx, cancel := context.WithCancel(ctx)
	pipe := startImportPipe(wctx, w)
	// The writer stops, and its transaction ends, whatever happens.
	defer func() {
		cancel()
		if werr := pipe.finish(); werr != nil && err == nil {
			err = fmt.Errorf("import %s %w", src, werr)
		}
		w.close()
	}()
	rej := &rejectsWriter{w: im.opts.Rejects, header: header, cols: im.cols}
	batch := pipe.batch()
	var cells []string
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("import %s: %w", src, err)
		}
		rec, rerr := cr.Read()
		im.guard.rowStart = cr.InputOffset()
		if errors.Is(rerr, io.EOF) {
			break
		}
		if lerr := limitError(rerr, src, im.lastLine+1, im.limits); lerr != nil {
			return lerr
		}
		if im.sum.Read >= im.limits.MaxRows {
			return errorf(notices.Invalid, "%s has more than %d rows: split it into smaller files and import each; nothing was imported", src, im.limits.MaxRows)
		}
		var line int
		var perr *csv.ParseError
		switch {
		case errors.As(rerr, &perr) && perr.Line > perr.StartLine:
			// An unclosed quote swallows every line after it into one
			// cell: going on would silently lose those rows.
			return errorf(notices.Invalid, "%s line %d: a quoted cell opened there is not closed before line %d: fix the quotes (a quote inside a cell is written twice) and import again; nothing was imported", src, perr.StartLine, perr.Line)
		case errors.As(rerr, &perr):
			line = perr.StartLine
			im.lastLine = perr.Line
			cells = cells[:0]
			im.problems = append(im.problems[:0], fmt.Sprintf("the CSV is malformed from here (%v): a cell with a quote must be wholly quoted, its quotes doubled", perr.Err))
		case rerr != nil:
			return fmt.Errorf("import %s: %w", src, rerr)
		default:
			if blankRow(rec) {
				continue
			}
			line, _ = cr.FieldPos(0)
			im.lastLine, _ = cr.FieldPos(len(rec) - 1)
			for i := range rec {
				rec[i] = notices.RestoreCell(rec[i]) // an export's neutralised cells import as they were
			}
			cells = rec
			if im.row(rec, line) {
				batch.rows = batch.rows[:len(batch.rows)+1] // keeps the slices of a reused row
				im.fill(&batch.rows[len(batch.rows)-1], rec, line)
				if len(batch.rows) == pipe.size {
					if err := pipe.send(batch); err != nil {
						return fmt.Errorf("import %s %w", src, err)
					}
					batch = pipe.batch()
				}
			}
		}
		im.sum.Read++
		if len(im.problems) > 0 {
			im.sum.Rejected++
			if err := rej.write(cells, line, strings.Join(im.problems, "; ")); err != nil {
				return err
			}
		}
		if im.opts.Progress != nil {
			im.opts.Progress(im.sum.Read)
		}
	}
	if len(batch.rows) > 0 {
		if err := pipe.send(batch); err != nil {
			return fmt.Errorf("import %s %w", src, err)
		}
	}
	if werr := pipe.finish(); werr != nil {
		return fmt.Errorf("import %s %w", src, werr)
	}
	return rej.flush()
}

// rejectsWriter writes rejected rows as CSV, the header first, once
// there is a rejected row.
type rejectsWriter struct {
	w      io.Writer
	header []string
	cols   []column // each cell over its column's limit is shortened
	csv    *csv.Writer
}

func (r *rejectsWriter) write(cells []string, line int, reason string) error {
	if r.w == nil {
		return nil
	}
	if r.csv == nil {
		r.csv = csv.NewWriter(r.w)
		if err := r.csv.Write(append(slices.Clone(r.header), "line", "reason")); err != nil {
			return fmt.Errorf("rejects: %w", err)
		}
	}
	out := make([]string, 0, len(r.header)+2)
	for i, c := range cells {
		max := 1000 // an ignored column's, or a cell past the header's
		if i < len(r.cols) {
			max = cmp.Or(r.cols[i].max, max)
		}
		out = append(out, notices.NeutralizeCell(shortCell(c, max)))
	}
	for len(out) < len(r.header) {
		out = append(out, "")
	}
	out = append(out, strconv.Itoa(line), reason)
	if err := r.csv.Write(out); err != nil {
		return fmt.Errorf("rejects: %w", err)
	}
	return nil
}

func (r *rejectsWriter) flush() error {
	if r.csv == nil {
		return nil
	}
	r.csv.Flush()
	if err := r.csv.Error(); err != nil {
		return fmt.Errorf("rejects: %w", err)
	}
	return nil
}

func blankRow(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// row checks one row and reports whether it is good. Its problems are
// left in im.problems, its values in im.values.
func (im *importer) row(rec []string, line int) bool {
	im.problems = im.problems[:0]
	im.values = [nFields]string{}
	if len(rec) != len(im.cols) {
		im.problems = append(im.problems, fmt.Sprintf("the row has %d cells, the header %d", len(rec), len(im.cols)))
		return false
	}
	n := im.opts.Normalizer
	for i, cell := range rec {
		c := im.cols[i]
		if c.field == fIgnore {
			continue
		}
		bad := func(format string, args ...any) {
			im.problems = append(im.problems, c.header+": "+fmt.Sprintf(format, args...))
		}
		if n, long := cellTooLong(cell, c.max, c.inBytes); long {
			unit := "characters"
			if c.inBytes {
				unit = "bytes"
			}
			bad("%s long, more than the %d %s a cell of this column may hold: shorten it", n, c.max, unit)
			continue
		}
		if !utf8.ValidString(cell) {
			bad("is not UTF-8 text: if the file comes from an older system, import it with --encoding latin1 or windows-1252")
			continue
		}
		phone := c.field == fMobile || c.field == fLandline
		var v string
		var err error
		if phone {
			v, err = importPhone(n, cell)
		}
		if i := strings.IndexFunc(cell, isControl); i >= 0 {
			r, _ := utf8.DecodeRuneInString(cell[i:])
			bad("contains the invisible control character %U: remove it (or is the file windows-1252? import it with --encoding windows-1252)", r)
			continue
		}
		// The value is stored trimmed, so the check is on the trimmed
		// value, and on each tag of a tags cell.
		checks := []string{strings.TrimSpace(cell)}
		if c.field == fTags {
			checks = splitTags(cell, nil)
		}
		// A leading tab or carriage return is how formulas hide (OWASP).
		formula := cell != "" && (cell[0] == '\t' || cell[0] == '\r')
		for _, t := range checks {
			if t == "" {
				continue
			}
			switch t[0] {
			case '=', '@':
				formula = true
			case '+', '-':
				// A phone number in international format starts with +;
				// anything else so written could run in a spreadsheet.
				formula = formula || !phone || err != nil
			}
		}
		if formula {
			bad("%q looks like a spreadsheet formula", cell)
			continue
		}
		if c.field >= nFields {
			continue
		}
		if !phone {
			v = strings.TrimSpace(cell)
		}
		switch c.field {
		case fAccount:
			if v == "" {
				bad("missing: every row needs an account number")
			}
		case fEmail:
			v, err = n.Email(v)
		case fLanguage:
			v, err = n.Language(v)
		case fEmailState, fSMSState:
			switch strings.ToLower(v) {
			case "":
			case "subscribed":
				v = string(notices.Subscribed)
			case "unsubscribed":
				v = string(notices.Unsubscribed)
			default:
				err = fmt.Errorf("%q is not a subscription state (write subscribed or unsubscribed)", v)
			}
		}
		if err != nil {
			bad("%s", err.Error())
		}
		im.values[c.field] = v
	}
	account := im.values[fAccount]
	if account != "" {
		if first, ok := im.seen.add(account, line); ok {
			im.sum.Duplicates++
			im.problems = append([]string{fmt.Sprintf("account %s appears again (first on line %d)", account, first)}, im.problems...)
		}
	}
	return len(im.problems) == 0
}

// isControl reports the control characters a cell may not hold: all but
// the line breaks a quoted address may contain, and tabs.
func isControl(r rune) bool {
	return (r < 0x20 && r != '\n' && r != '\r' && r != '\t') || (r >= 0x7f && r < 0xa0)
}

// fill makes r the good row rec, checked by row, reusing r's slices.
func (im *importer) fill(r *importRow, rec []string, line int) {
	r.line, r.values = line, im.values
	r.tags = r.tags[:0]
	if i := im.idx[fTags]; i >= 0 {
		r.tags = splitTags(rec[i], r.tags)
	}
	r.attrs = r.attrs[:0]
	if im.hasAttr {
		for i, c := range im.cols {
			if c.field == fAttribute {
				r.attrs = append(r.attrs, strings.TrimSpace(rec[i]))
			}
		}
	}
}

// splitTags splits a tags cell on commas and semicolons into a sorted set,
// appending to buf.
func splitTags(cell string, buf []string) []string {
	for t := range strings.FieldsFuncSeq(cell, func(r rune) bool { return r == ',' || r == ';' }) {
		if t = strings.TrimSpace(t); t != "" {
			buf = append(buf, t)
		}
	}
	slices.Sort(buf)
	return slices.Compact(buf)
}

// importPhone is n.Phone with a shortcut for the common case, a North
// American number written with digits, spaces, dashes, dots and
// parentheses: it skips phonenumbers.Parse (its regular expressions cost
// more than the rest of a row) and asks only IsValidNumber. Whatever the
// shortcut is unsure of, including every invalid number, goes to n.Phone,
// so results and messages are n.Phone's.
func importPhone(n notices.Normalizer, s string) (string, error) {
	if e164, ok := fastNANP(n.Region, s); ok {
		return e164, nil
	}
	return n.Phone(s)
}

func fastNANP(region, s string) (string, bool) {
	if region != "" && region != "US" && region != "CA" {
		return "", false
	}
	s = strings.TrimSpace(s)
	var d [11]byte
	k := 0
	plus := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			if k == len(d) {
				return "", false
			}
			d[k] = c
			k++
		case c == '+' && i == 0:
			plus = true
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return "", false
		}
	}
	var national []byte
	switch {
	case k == 11 && d[0] == '1':
		national = d[1:11]
	case k == 10 && !plus:
		national = d[:10]
	default:
		return "", false
	}
	nat, err := strconv.ParseUint(string(national), 10, 64)
	if err != nil {
		return "", false
	}
	cc := int32(1)
	// Valid for the region itself; a number of another NANP country
	// (GetRegionCodeForNumber tries all 25, slowly) takes the long way.
	if region == "" {
		region = "US"
	}
	if !phonenumbers.IsValidNumberForRegion(&phonenumbers.PhoneNumber{CountryCode: &cc, NationalNumber: &nat}, region) {
		return "", false
	}
	return "+1" + string(national), true
}
