package web

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/notices/importer"
)

// The contacts pages: search, a contact's page, the import of a CSV file
// with its rejects, suppress and resubscribe.

// Limits of the console's contact pages.
const (
	searchLimit         = 100      // contacts a search shows
	contactHistory      = 50       // deliveries and replies a contact's page shows
	maxConsoleImport    = 64 << 20 // bytes of a CSV file uploaded in the console
	rejectsShown        = 100      // rejected rows the import's result page lists
	maxReasonCharacters = 500
)

func (s *Server) contactRoutes() []consoleRoute {
	return []consoleRoute{
		{"GET /console/contacts", notices.RoleViewer, s.contactsPage},
		{"GET /console/contact/{account}", notices.RoleViewer, s.contactPage},
		{"GET /console/contacts/import", notices.RoleCoordinator, s.importForm},
		{"POST /console/contacts/import", notices.RoleCoordinator, s.importContacts},
		{"GET /console/contacts/import/{id}/rejects.csv", notices.RoleCoordinator, s.importRejects},
		{"GET /console/contacts/suppress", notices.RoleCoordinator, s.suppressForm},
		{"POST /console/contacts/suppress", notices.RoleCoordinator, s.suppressAddress},
		{"POST /console/contacts/resubscribe", notices.RoleCoordinator, s.resubscribeAddress},
	}
}

// contactsView is the contacts page's data.
type contactsView struct {
	Query    string
	Searched bool
	Contacts []notices.Contact
	More     bool // the search found more than it shows
}

// contactsPage searches the contacts (?q=): by name, account, address,
// email, phone or zone.
func (s *Server) contactsPage(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	v := contactsView{Query: q, Searched: r.URL.Query().Has("q")}
	cs, err := s.cfg.Store.SearchContacts(r.Context(), q, searchLimit+1)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if len(cs) > searchLimit {
		cs, v.More = cs[:searchLimit], true
	}
	v.Contacts = cs
	s.consolePage(w, r, http.StatusOK, "contacts", ConsolePage{Title: "Contacts", Section: "contacts", Flash: s.doneLine(r), Data: v})
}

// contactView is a contact's page's data.
type contactView struct {
	Contact    notices.Contact
	Lists      []string
	Deliveries []deliveryRow
	Replies    []replyRow
	Addresses  []addressState // its email and mobile, each with its suppression history
}

type deliveryRow struct {
	notices.ContactDelivery
	When string
}

type replyRow struct {
	notices.Reply
	When string
}

// addressState is one of a contact's addresses: suppressed or not, and
// its history of suppressions and resubscriptions.
type addressState struct {
	Address    string
	Channel    notices.Channel
	Suppressed *notices.Suppression
	Since      string
	History    []historyRow
}

type historyRow struct {
	notices.SuppressionEvent
	When string
}

// contactPage shows one contact: its details, lists, deliveries, replies
// and the suppressions of its addresses, with the forms to suppress or
// resubscribe them.
func (s *Server) contactPage(w http.ResponseWriter, r *http.Request) {
	ctx, st := r.Context(), s.cfg.Store
	c, err := st.Contact(ctx, r.PathValue("account"))
	if notices.ErrorCode(err) == notices.NotFound {
		s.fail(w, r, http.StatusNotFound)
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	v := contactView{Contact: c}
	if err := s.fillContact(r, &v); err != nil {
		s.internal(w, r, err)
		return
	}
	s.consolePage(w, r, http.StatusOK, "contact", ConsolePage{Title: "Contact " + c.Account, Section: "contacts", Flash: s.doneLine(r), Data: v})
}

// fillContact reads what v's contact's page shows besides the contact.
func (s *Server) fillContact(r *http.Request, v *contactView) error {
	ctx, st, zone := r.Context(), s.cfg.Store, s.zone()
	use, err := st.ContactUse(ctx, v.Contact.Account)
	if err != nil {
		return err
	}
	v.Lists = use.Lists
	ds, err := st.ContactDeliveries(ctx, v.Contact.ID, contactHistory)
	if err != nil {
		return err
	}
	for _, d := range ds {
		v.Deliveries = append(v.Deliveries, deliveryRow{d, d.UpdatedAt.In(zone).Format(timeShown)})
	}
	if v.Contact.Mobile != "" {
		rs, err := st.RepliesFrom(ctx, v.Contact.Mobile, contactHistory)
		if err != nil {
			return err
		}
		for _, rp := range rs {
			v.Replies = append(v.Replies, replyRow{rp, rp.ReceivedAt.In(zone).Format(timeShown)})
		}
	}
	for _, a := range []struct {
		addr string
		ch   notices.Channel
	}{{v.Contact.Email, notices.Email}, {v.Contact.Mobile, notices.SMS}} {
		if a.addr == "" {
			continue
		}
		as, err := s.addressState(r, a.addr, a.ch)
		if err != nil {
			return err
		}
		v.Addresses = append(v.Addresses, as)
	}
	return nil
}

// timeShown is how the console writes a time, in the utility's zone.
const timeShown = "2006-01-02 15:04 MST"

// addressState reads whether addr is suppressed, and its history.
func (s *Server) addressState(r *http.Request, addr string, ch notices.Channel) (addressState, error) {
	ctx, zone := r.Context(), s.zone()
	as := addressState{Address: addr, Channel: ch}
	sup, ok, err := s.cfg.Store.Suppressed(ctx, addr)
	if err != nil {
		return as, err
	}
	if ok {
		as.Suppressed, as.Since = &sup, sup.At.In(zone).Format(timeShown)
	}
	evs, err := s.cfg.Store.SuppressionHistory(ctx, addr)
	if err != nil {
		return as, err
	}
	for _, e := range evs {
		as.History = append(as.History, historyRow{e, e.At.In(zone).Format(timeShown)})
	}
	return as, nil
}

// suppressView is the suppress and resubscribe form's data.
type suppressView struct {
	Action  string // "suppress" or "resubscribe": the form that was sent
	Address string
	Reason  string
	Account string // the contact's page to go back to; "" for the contacts page
	Errors  fieldErrors
}

// suppressForm shows the forms to suppress or resubscribe any address.
func (s *Server) suppressForm(w http.ResponseWriter, r *http.Request) {
	v := suppressView{Address: r.URL.Query().Get("address"), Account: r.URL.Query().Get("account"), Errors: fieldErrors{}}
	s.consolePage(w, r, http.StatusOK, "suppress", ConsolePage{Title: "Suppress or resubscribe an address", Section: "contacts", Data: v})
}

// suppressAddress suppresses an address with the reason given (required).
func (s *Server) suppressAddress(w http.ResponseWriter, r *http.Request) {
	s.changeAddress(w, r, "suppress")
}

// resubscribeAddress lifts an address's suppression with the reason given
// (required).
func (s *Server) resubscribeAddress(w http.ResponseWriter, r *http.Request) {
	s.changeAddress(w, r, "resubscribe")
}

// changeAddress suppresses or resubscribes the posted address; on success
// back to the contact's page (or the contacts page), else the form again
// with the errors beside their fields.
func (s *Server) changeAddress(w http.ResponseWriter, r *http.Request, action string) {
	v := suppressView{Action: action, Address: trimmed(r, "address"), Reason: trimmed(r, "reason"), Account: trimmed(r, "account"), Errors: fieldErrors{}}
	if v.Address == "" {
		v.Errors.add("address", "Give the email address or phone number.")
	}
	if v.Reason == "" {
		v.Errors.add("reason", "Say why (it is recorded with your name), for example: customer called on 2026-11-28.")
	} else if len([]rune(v.Reason)) > maxReasonCharacters {
		v.Errors.add("reason", "Keep the reason under 500 characters.")
	}
	var err error
	var done string
	if len(v.Errors) == 0 {
		if action == "suppress" {
			done, err = s.suppress(r, v.Address, v.Reason)
		} else {
			done, err = s.resubscribe(r, v.Address, v.Reason)
		}
	}
	if err != nil {
		v.Errors = addressErrors(err)
	}
	if len(v.Errors) > 0 {
		status := http.StatusUnprocessableEntity
		if err != nil {
			status = statusOf(err)
		}
		s.consolePage(w, r, status, "suppress", ConsolePage{Title: "Suppress or resubscribe an address", Section: "contacts", Data: v})
		return
	}
	back := "/console/contacts"
	if v.Account != "" {
		back = "/console/contact/" + url.PathEscape(v.Account)
	}
	s.seeOther(w, r, back, done)
}

// addressErrors places a suppress or resubscribe error beside the address
// when it is about the address, else over the form.
func addressErrors(err error) fieldErrors {
	fe := errorsOf(err)
	if msg, ok := fe[""]; ok && notices.ErrorCode(err) != notices.Internal {
		delete(fe, "")
		fe.add("address", msg)
	}
	return fe
}

// importView is the import page's data: the form, then the result.
type importView struct {
	List    string
	Lists   []notices.List
	Errors  fieldErrors
	Done    bool
	File    string
	Summary importer.Summary
	Rejects rejectsTable
	ID      string // the rejects' download
}

// rejectsTable is the rejected rows as the import wrote them: the
// header's cells, line, reason.
type rejectsTable struct {
	Header []string
	Rows   [][]string
	More   int // rows not shown (in the download)
}

// importForm shows the form to import a CSV file of contacts.
func (s *Server) importForm(w http.ResponseWriter, r *http.Request) {
	v := importView{Errors: fieldErrors{}}
	s.importPage(w, r, http.StatusOK, v)
}

func (s *Server) importPage(w http.ResponseWriter, r *http.Request, status int, v importView) {
	lists, err := s.cfg.Store.Lists(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	v.Lists = lists
	s.consolePage(w, r, status, "contacts_import", ConsolePage{Title: "Import contacts", Section: "contacts", Data: v})
}

// importContacts reads the uploaded CSV file into the contacts and shows
// the counts and the rejected rows, whose CSV can be downloaded.
func (s *Server) importContacts(w http.ResponseWriter, r *http.Request) {
	v := importView{Errors: fieldErrors{}}
	r.Body = http.MaxBytesReader(w, r.Body, maxConsoleImport)
	f, hdr, err := s.uploaded(r, "file")
	if err != nil {
		v.Errors.add("file", err.Error())
		s.importPage(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	defer f.Close()
	v.List, v.File = trimmed(r, "list"), hdr
	res, err := s.cfg.App.ImportContacts(r.Context(), f, hdr, app.ImportOptions{List: v.List})
	v.Summary = res.Summary
	if len(res.RejectsCSV) > 0 {
		v.Done = true
		v.Rejects = readRejects(res.RejectsCSV)
		v.ID = s.rest.keepRejects(s.now(), userOf(r).Name, hdr, res.RejectsCSV)
	}
	if err != nil {
		var ie *app.InvalidError
		if v.Done && errors.As(err, &ie) {
			v.Errors.add("", ie.Message) // every row rejected: the rejects say why
		} else {
			v.Errors.add("file", err.Error())
		}
		s.importPage(w, r, statusOf(err), v)
		return
	}
	v.Done = true
	s.importPage(w, r, http.StatusOK, v)
}

// uploaded returns the file posted in field name of r's multipart form,
// and its name; an error says what to do.
func (s *Server) uploaded(r *http.Request, name string) (io.ReadCloser, string, error) {
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nil, "", errors.New("The file is too large for the console (at most 64 MB): import it with crier contacts import.")
		}
		return nil, "", errors.New("Choose a file to upload.")
	}
	f, hdr, err := r.FormFile(name)
	if err != nil {
		return nil, "", errors.New("Choose a file to upload.")
	}
	return f, hdr.Filename, nil
}

// readRejects reads the rejects CSV for the page, the first rejectsShown
// rows of it.
func readRejects(b []byte) rejectsTable {
	cr := csv.NewReader(bytes.NewReader(b))
	cr.FieldsPerRecord = -1
	var t rejectsTable
	recs, err := cr.ReadAll()
	if err != nil || len(recs) == 0 {
		return t
	}
	t.Header, recs = recs[0], recs[1:]
	if len(recs) > rejectsShown {
		t.More, recs = len(recs)-rejectsShown, recs[:rejectsShown]
	}
	t.Rows = recs
	return t
}

// importRejects downloads an import's rejected rows as CSV, to the user
// who imported.
func (s *Server) importRejects(w http.ResponseWriter, r *http.Request) {
	name, data, ok := s.rest.rejects(s.now(), r.PathValue("id"), userOf(r).Name)
	if !ok {
		s.fail(w, r, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+rejectsName(name)+`"`)
	w.Write(data)
}

// rejectsName is the download's file name for the rejects of file: its
// name with .rejects.csv, in letters a header can carry.
func rejectsName(file string) string {
	base := strings.TrimSuffix(file, ".csv")
	base = strings.Map(func(r rune) rune {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.", r)) {
			return r
		}
		return '_'
	}, base)
	if base == "" {
		base = "contacts"
	}
	return base + ".rejects.csv"
}
