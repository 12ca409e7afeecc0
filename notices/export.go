package notices

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
)

// ExportColumns are the fixed columns of an export, in order: Crier's own
// names of a contact's fields, which the import (notices/importer) knows
// in this order. The custom attributes follow them.
var ExportColumns = []string{"account", "name", "email", "mobile", "landline", "postal_address", "service_address",
	"zone", "tags", "language", "email_state", "sms_state"}

// TagSeparator joins a contact's tags in the tags column of an export.
const TagSeparator = ";"

// NeutralizeCell makes a CSV cell safe to open in a spreadsheet: a cell
// that begins with =, +, -, @, a tab or a carriage return (which a
// spreadsheet may run as a formula) gets a leading single quote, which
// spreadsheets show as text, unless it is a plain E.164 phone number
// ("+13155550114", the form the store keeps numbers in): a number is no
// formula, and it is written as it is so that people see the number. The import takes the
// quote off again (RestoreCell), so an export imports unchanged. Leading
// quotes before such a character count as part of the prefix ("'=x"
// becomes "”=x"), so that RestoreCell undoes exactly one.
func NeutralizeCell(v string) string {
	if e164.MatchString(v) {
		return v
	}
	if startsFormula(strings.TrimLeft(v, "'")) {
		return "'" + v
	}
	return v
}

// RestoreCell undoes NeutralizeCell: it removes one leading single quote
// when what follows the quotes begins with =, +, -, @, tab or carriage
// return. Other values, such as "'Ohana Farm", are kept as they are.
func RestoreCell(v string) string {
	if strings.HasPrefix(v, "'") && startsFormula(strings.TrimLeft(v, "'")) {
		return v[1:]
	}
	return v
}

func startsFormula(v string) bool {
	return v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0]))
}

// snapshot begins a read-only transaction whose queries all see the store
// as it was at the first: SQLite's deferred transaction (the store's
// others take the write lock at once; a reader needs none), PostgreSQL's
// REPEATABLE READ (its default, READ COMMITTED, sees each query's own).
func (s *Store) snapshot(ctx context.Context) (*sql.Tx, error) {
	return s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
}

// Export writes the contacts as CSV to w, by account number: the members
// of the list named list, or every contact when list is "". The header is
// ExportColumns followed by the custom attribute names (every name any
// exported contact has, sorted); tags are joined with TagSeparator; every
// cell goes through NeutralizeCell. It streams: two passes over the
// contacts (attribute names, then rows), none held in memory. It returns
// the number of contacts written. Errors: NotFound for an unknown list.
func (s *Store) Export(ctx context.Context, w io.Writer, list string) (int, error) {
	where, args := "1 = 1", []any(nil)
	if list != "" {
		l, err := s.List(ctx, list)
		if err != nil {
			return 0, err
		}
		where, args = `contacts.id IN (SELECT contact_id FROM list_members WHERE list_id = ?)`, []any{l.ID}
	}
	// Both passes, attribute names then rows, read one snapshot.
	tx, err := s.snapshot(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback() // nothing was written

	keys, err := QueryStrings(ctx, tx, `SELECT DISTINCT j.key FROM contacts, `+s.dialect.JSONEach(`contacts.attributes`)+` j WHERE `+where+` ORDER BY j.key`, args...)
	if err != nil {
		return 0, fmt.Errorf("export: attribute names: %w", err)
	}
	cw := csv.NewWriter(w)
	header := make([]string, 0, len(ExportColumns)+len(keys))
	header = append(header, ExportColumns...)
	for _, k := range keys {
		header = append(header, NeutralizeCell(k))
	}
	if err := cw.Write(header); err != nil {
		return 0, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+contactColumns+`, `+contactTags+`
		FROM contacts WHERE `+where+` ORDER BY account`, args...)
	if err != nil {
		return 0, fmt.Errorf("export: %w", err)
	}
	defer rows.Close()
	n := 0
	rec := make([]string, len(header))
	for rows.Next() {
		var tags string
		c, err := scanContact(scanPlus{rows, &tags})
		if err != nil {
			return n, err
		}
		copy(rec, []string{c.Account, c.Name, c.Email, c.Mobile, c.Landline, c.PostalAddress, c.ServiceAddress,
			c.Zone, strings.ReplaceAll(tags, unitSeparator, TagSeparator), c.Language, string(c.EmailState), string(c.SMSState)})
		for i, k := range keys {
			rec[len(ExportColumns)+i] = c.Attributes[k]
		}
		for i := range rec {
			rec[i] = NeutralizeCell(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("export: %w", err)
	}
	cw.Flush()
	return n, cw.Error()
}

// Querier is what a query needs: the database, a connection or a transaction.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// QueryStrings returns the one text column of a query's rows (the
// dialects read their catalogues with it too).
func QueryStrings(ctx context.Context, q Querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
