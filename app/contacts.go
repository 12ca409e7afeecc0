package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/notices/importer"
)

// ImportOptions say how ImportContacts reads a billing system's CSV.
type ImportOptions struct {
	List     string            // every imported contact joins this list (created if missing)
	Map      map[string]string // column header -> field, overriding the names Crier recognises
	Encoding string            // utf-8 (default), latin1 or windows-1252
	DryRun   bool              // check and count everything, write nothing
	// Rejects, when set, receives the rejected rows as CSV as they are
	// found (the CLI's file); else they are kept in ImportResult.
	Rejects io.Writer
	// Progress, when set, is called after every row with the rows read.
	Progress func(rows int)
}

// ImportResult is what an import did: its counts and the rows it
// rejected.
type ImportResult struct {
	Summary importer.Summary
	// Rejects are the rejected rows with their reasons, and RejectsCSV the
	// same as a file to download (the file's header cells, then "line"
	// and "reason"); both empty when ImportOptions.Rejects took them.
	Rejects    []Reject
	RejectsCSV []byte
}

// Reject is one row an import refused.
type Reject struct {
	Line   int // the row's line in the file
	Reason string
}

// ImportContacts reads a billing system's CSV from r (name names it in
// messages) into the contacts, all or nothing: an error, or ctx
// cancelled, leaves them as they were. A row with a bad value is
// rejected whole with its line and reason. Errors: notices' for a file
// it cannot read; when every row is rejected, an *InvalidError with a
// problem per rejected row ("row N") and the result all the same.
func (a *App) ImportContacts(ctx context.Context, r io.Reader, name string, opts ImportOptions) (ImportResult, error) {
	var kept bytes.Buffer
	rejects := opts.Rejects
	if rejects == nil {
		rejects = &kept
	}
	sum, err := importer.Import(ctx, a.Store, r, importer.Options{Source: name, Map: opts.Map, Encoding: opts.Encoding,
		List: opts.List, DryRun: opts.DryRun, Rejects: rejects, Progress: opts.Progress,
		Normalizer: notices.Normalizer{Region: a.PhoneRegion}})
	res := ImportResult{Summary: sum}
	if err != nil {
		return res, err
	}
	if kept.Len() > 0 {
		res.RejectsCSV = kept.Bytes()
		res.Rejects = readRejects(kept.Bytes())
	}
	if !opts.DryRun {
		if err := a.audit(ctx, "import", "contacts", name+": "+sum.String()); err != nil {
			return res, err
		}
	}
	if sum.Read > 0 && sum.Rejected == sum.Read {
		return res, everyRowRejected(name, res.Rejects)
	}
	return res, nil
}

// everyRowRejected is the error of an import that rejected every row.
func everyRowRejected(name string, rejects []Reject) error {
	problems := make([]Problem, len(rejects))
	for i, r := range rejects {
		problems[i] = Problem{Field: "row " + strconv.Itoa(r.Line), Message: r.Reason}
	}
	return Invalid(fmt.Sprintf("every row of %s was rejected (a wrong encoding or column map?)", name), problems...)
}

// readRejects reads the rejects CSV the store wrote: its last two cells
// are the line and the reason.
func readRejects(b []byte) []Reject {
	cr := csv.NewReader(bytes.NewReader(b))
	cr.FieldsPerRecord = -1
	records, err := cr.ReadAll()
	if err != nil || len(records) < 2 {
		return nil
	}
	var rs []Reject
	for _, rec := range records[1:] {
		if len(rec) < 2 {
			continue
		}
		line, _ := strconv.Atoi(rec[len(rec)-2])
		rs = append(rs, Reject{Line: line, Reason: rec[len(rec)-1]})
	}
	return rs
}

// CleanAddress reads an email address or a phone number (national
// numbers in the utility's region). Errors: a problem under "address".
func (a *App) CleanAddress(address string) (string, error) {
	addr, _, err := notices.Normalizer{Region: a.PhoneRegion}.Address(address)
	if err != nil {
		return "", Invalid("the address cannot be read", Problem{Field: "address", Message: err.Error()})
	}
	return addr, nil
}

// Suppress adds address to the suppression list: no message goes to it
// until it is resubscribed. The actor in ctx is recorded as who did it.
// When it is suppressed already the first suppression stays and comes
// back with added false. Errors: problems under "address" and "reason".
func (a *App) Suppress(ctx context.Context, address string, reason notices.SuppressionReason, note string) (sup notices.Suppression, added bool, err error) {
	addr, err := a.CleanAddress(address)
	if err != nil {
		return sup, false, err
	}
	if !slices.Contains(notices.SuppressionReasons, reason) {
		return sup, false, Invalid("the address cannot be suppressed", Problem{Field: "reason",
			Message: fmt.Sprintf("%q is not a suppression reason (use one of %s)", reason, reasonWords())})
	}
	if sup, added, err = a.Store.Suppress(ctx, addr, reason, note, ActorOf(ctx).Name); err != nil || !added {
		return sup, added, err
	}
	return sup, true, a.audit(ctx, "suppress", sup.Address, strings.TrimSuffix(string(reason)+": "+note, ": "))
}

// reasonWords lists the suppression reasons.
func reasonWords() string {
	ws := make([]string, len(notices.SuppressionReasons))
	for i, r := range notices.SuppressionReasons {
		ws[i] = string(r)
	}
	return strings.Join(ws, ", ")
}

// Resubscribe lets messages go to address again: it lifts its
// suppression and subscribes the contacts with it to that channel again,
// recording why (reason, required) and who (the actor in ctx). Errors:
// problems under "address" and "reason"; notices.NotFound when the
// address is neither suppressed nor a contact's unsubscribed address.
func (a *App) Resubscribe(ctx context.Context, address, reason string) (notices.Resubscription, error) {
	addr, err := a.CleanAddress(address)
	if err != nil {
		return notices.Resubscription{}, err
	}
	if strings.TrimSpace(reason) == "" {
		return notices.Resubscription{}, Invalid("the address cannot be resubscribed", Problem{Field: "reason",
			Message: fmt.Sprintf("resubscribe %s: say why (for example: customer called on 2026-11-28 and asked for texts again)", addr)})
	}
	r, err := a.Store.Resubscribe(ctx, addr, reason, ActorOf(ctx).Name)
	if err != nil {
		return r, err
	}
	return r, a.audit(ctx, "resubscribe", r.Address, strings.TrimSpace(reason))
}

// CreateList creates an empty list. Errors: notices.Invalid for an empty
// name, notices.Conflict when the name is taken.
func (a *App) CreateList(ctx context.Context, name string) (notices.List, error) {
	l, err := a.Store.CreateList(ctx, name)
	if err != nil {
		return l, err
	}
	return l, a.audit(ctx, "list-create", "list "+l.Name, "")
}

// ListInUseError is DeleteList's refusal of a list that scheduled notices
// or enabled campaigns still send to: they would pause, or miss their
// firings, until it is made again. It is a notices.Conflict.
type ListInUseError struct {
	List  string
	Users []string // "notice 12", "campaign spring-flushing"
}

func (e *ListInUseError) Error() string {
	return fmt.Sprintf("list %s is the audience of %s, still to send", e.List, strings.Join(e.Users, " and "))
}

// Unwrap makes it a notices.Conflict.
func (e *ListInUseError) Unwrap() error {
	return &notices.Error{Code: notices.Conflict, Message: e.Error()}
}

// DeleteList deletes list name (its contacts stay) and returns it as it
// was. Unless force, a list that scheduled notices or enabled campaigns
// send to is refused with a *ListInUseError. Errors: notices.NotFound.
func (a *App) DeleteList(ctx context.Context, name string, force bool) (notices.List, error) {
	users, err := a.listUsers(ctx, name)
	if err != nil {
		return notices.List{}, err
	}
	if len(users) > 0 && !force {
		return notices.List{}, &ListInUseError{List: name, Users: users}
	}
	l, err := a.Store.DeleteList(ctx, name)
	if err != nil {
		return l, err
	}
	return l, a.audit(ctx, "list-delete", "list "+l.Name, fmt.Sprintf("%d member(s)", l.Members))
}

// AddToList adds the contacts with the account numbers to list name, all
// or none, and returns how many were not on it yet. Errors:
// notices.NotFound for the list or any account.
func (a *App) AddToList(ctx context.Context, name string, accounts ...string) (int, error) {
	n, err := a.Store.AddToList(ctx, name, accounts...)
	if err != nil {
		return n, err
	}
	return n, a.audit(ctx, "list-add", "list "+name, fmt.Sprintf("%d added: %s", n, strings.Join(accounts, ", ")))
}

// RemoveFromList takes the contacts with the account numbers off list
// name and returns how many were on it. Errors: as AddToList.
func (a *App) RemoveFromList(ctx context.Context, name string, accounts ...string) (int, error) {
	n, err := a.Store.RemoveFromList(ctx, name, accounts...)
	if err != nil {
		return n, err
	}
	return n, a.audit(ctx, "list-remove", "list "+name, fmt.Sprintf("%d removed: %s", n, strings.Join(accounts, ", ")))
}

// listUsers names the scheduled notices not yet published and the enabled
// campaigns whose audience names list: they read it when they go.
func (a *App) listUsers(ctx context.Context, list string) ([]string, error) {
	var users []string
	ns, err := a.Store.Notices(ctx)
	if err != nil {
		return nil, err
	}
	for _, n := range ns {
		if n.Status == notices.Scheduled && n.PublishedAt.IsZero() && slices.Contains(n.Audience.Lists, list) {
			users = append(users, fmt.Sprintf("notice %d", n.ID))
		}
	}
	cs, err := a.Store.Campaigns(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if c.Enabled && slices.Contains(c.Notice.Audience.Lists, list) {
			users = append(users, "campaign "+c.Name)
		}
	}
	return users, nil
}
