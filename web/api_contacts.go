package web

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/crier-notices/crier/app"
)

// apiImportResult is what an import of contacts did.
type apiImportResult struct {
	Read             int         `json:"read"`
	Added            int         `json:"added"`
	Updated          int         `json:"updated"`
	Unchanged        int         `json:"unchanged"`
	Rejected         int         `json:"rejected"`
	Duplicates       int         `json:"duplicates"`
	KeptUnsubscribed int         `json:"kept_unsubscribed"`
	List             string      `json:"list,omitempty"`
	ListAdded        int         `json:"list_added"`
	DryRun           bool        `json:"dry_run"`
	Rejects          []apiReject `json:"rejects"`
	Message          string      `json:"message"`
}

// apiReject is a row the import refused, and why.
type apiReject struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// apiImport answers POST /api/v1/contacts/import: the body, a billing
// system's CSV (text/csv), imported as crier contacts import does, all or
// nothing; ?list= puts every contact on a list, ?encoding= reads latin1
// or windows-1252, ?map=COLUMN=FIELD (repeated) names a column's field,
// ?dry_run=true writes nothing, ?name= names the file in messages. Every
// row rejected: 400 with a problem per row.
func (s *Server) apiImport(w http.ResponseWriter, r *http.Request) {
	opts, name, err := importOptions(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	res, err := s.cfg.App.ImportContacts(r.Context(), r.Body, name, opts)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		apiError(w, http.StatusRequestEntityTooLarge, "the file is over the limit of "+byteSize(tooLarge.Limit)+": split it, or import it with crier contacts import")
		return
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	sum := res.Summary
	out := apiImportResult{Read: sum.Read, Added: sum.Added, Updated: sum.Updated, Unchanged: sum.Unchanged,
		Rejected: sum.Rejected, Duplicates: sum.Duplicates, KeptUnsubscribed: sum.KeptUnsubscribed, List: sum.List,
		ListAdded: sum.ListAdded, DryRun: sum.DryRun, Rejects: []apiReject{}, Message: sum.String()}
	for _, rj := range res.Rejects {
		out.Rejects = append(out.Rejects, apiReject{Line: rj.Line, Reason: rj.Reason})
	}
	writeJSON(w, http.StatusOK, out)
}

// importParams are the query parameters of POST /api/v1/contacts/import.
var importParams = []string{"dry_run", "encoding", "list", "map", "name"}

// importOptions reads how to import from the request's query and
// Content-Type, each problem on its parameter.
func importOptions(r *http.Request) (app.ImportOptions, string, error) {
	q := r.URL.Query()
	var problems []app.Problem
	for _, k := range slices.Sorted(maps.Keys(q)) {
		if !slices.Contains(importParams, k) {
			problems = append(problems, app.Problem{Field: k, Message: "unknown parameter: the import takes " + strings.Join(importParams, ", ")})
		}
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		problems = append(problems, app.Problem{Field: "Content-Type", Message: fmt.Sprintf("%q: send the file as text/csv", ct)})
	}
	opts := app.ImportOptions{List: q.Get("list"), Encoding: q.Get("encoding")}
	switch q.Get("dry_run") {
	case "", "false":
	case "true":
		opts.DryRun = true
	default:
		problems = append(problems, app.Problem{Field: "dry_run", Message: "use true or false"})
	}
	for _, m := range q["map"] {
		col, field, ok := strings.Cut(m, "=")
		if !ok || strings.TrimSpace(col) == "" || strings.TrimSpace(field) == "" {
			problems = append(problems, app.Problem{Field: "map", Message: fmt.Sprintf("%q: write COLUMN=FIELD, as Cust Ref=account", m)})
			continue
		}
		if opts.Map == nil {
			opts.Map = map[string]string{}
		}
		opts.Map[col] = field
	}
	name := q.Get("name")
	if name == "" {
		name = "the uploaded file"
	}
	if len(problems) > 0 {
		return opts, name, app.Invalid("the contacts cannot be imported as asked", problems...)
	}
	return opts, name, nil
}
