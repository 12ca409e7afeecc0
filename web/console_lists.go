package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/notices"
)

// The lists pages: create and delete lists, add and remove members.

// listMembersShown is how many members a list's page shows.
const listMembersShown = 200

func (s *Server) listRoutes() []consoleRoute {
	return []consoleRoute{
		{"GET /console/lists", notices.RoleViewer, s.listsPage},
		{"POST /console/lists", notices.RoleCoordinator, s.createList},
		{"GET /console/lists/{name}", notices.RoleViewer, s.listPage},
		{"POST /console/lists/{name}/add", notices.RoleCoordinator, s.changeMembers},
		{"POST /console/lists/{name}/remove", notices.RoleCoordinator, s.changeMembers},
		{"GET /console/lists/{name}/delete", notices.RoleCoordinator, s.deleteListForm},
		{"POST /console/lists/{name}/delete", notices.RoleCoordinator, s.deleteList},
	}
}

// listsView is the lists page's data.
type listsView struct {
	Lists  []notices.List
	Name   string
	Errors fieldErrors
}

func (s *Server) listsPage(w http.ResponseWriter, r *http.Request) {
	s.renderLists(w, r, http.StatusOK, listsView{Errors: fieldErrors{}})
}

func (s *Server) renderLists(w http.ResponseWriter, r *http.Request, status int, v listsView) {
	ls, err := s.cfg.Store.Lists(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	v.Lists = ls
	s.consolePage(w, r, status, "lists", ConsolePage{Title: "Lists", Section: "contacts", Flash: s.doneLine(r), Data: v})
}

// createList creates the list named in the form.
func (s *Server) createList(w http.ResponseWriter, r *http.Request) {
	v := listsView{Name: trimmed(r, "name"), Errors: fieldErrors{}}
	if v.Name == "" {
		v.Errors.add("name", "Give the list a name, such as zone-3-hospitals.")
		s.renderLists(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	l, err := s.cfg.App.CreateList(r.Context(), v.Name)
	if err != nil {
		v.Errors.add("name", errorsOf(err)[""])
		s.renderLists(w, r, statusOf(err), v)
		return
	}
	s.seeOther(w, r, "/console/lists/"+url.PathEscape(l.Name), "List "+l.Name+" created.")
}

// memberListView is a list's page's data.
type memberListView struct {
	List     notices.List
	Members  []notices.Contact
	Accounts string
	Errors   fieldErrors
}

func (s *Server) listPage(w http.ResponseWriter, r *http.Request) {
	s.renderList(w, r, http.StatusOK, memberListView{Errors: fieldErrors{}})
}

func (s *Server) renderList(w http.ResponseWriter, r *http.Request, status int, v memberListView) {
	ctx := r.Context()
	l, err := s.cfg.Store.List(ctx, r.PathValue("name"))
	if notices.ErrorCode(err) == notices.NotFound {
		s.fail(w, r, http.StatusNotFound)
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	v.List = l
	if v.Members, err = s.cfg.Store.ListMembers(ctx, l.Name, listMembersShown); err != nil {
		s.internal(w, r, err)
		return
	}
	s.consolePage(w, r, status, "list", ConsolePage{Title: "List " + l.Name, Section: "contacts", Flash: s.doneLine(r), Data: v})
}

// changeMembers adds the accounts of the form to the list, or removes
// them (by the path's last word): all or none.
func (s *Server) changeMembers(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	v := memberListView{Accounts: r.FormValue("accounts"), Errors: fieldErrors{}}
	accounts := strings.FieldsFunc(v.Accounts, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' || r == ' ' || r == '\t' })
	if len(accounts) == 0 {
		v.Errors.add("accounts", "Give one or more account numbers, one a line or separated by commas.")
		s.renderList(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	remove := strings.HasSuffix(r.URL.Path, "/remove")
	var n int
	var err error
	if remove {
		n, err = s.cfg.App.RemoveFromList(r.Context(), name, accounts...)
	} else {
		n, err = s.cfg.App.AddToList(r.Context(), name, accounts...)
	}
	done := fmt.Sprintf("%d contact(s) added to %s.", n, name)
	if remove {
		done = fmt.Sprintf("%d contact(s) taken off %s.", n, name)
	}
	if err != nil {
		v.Errors.add("accounts", errorsOf(err)[""])
		s.renderList(w, r, statusOf(err), v)
		return
	}
	s.seeOther(w, r, "/console/lists/"+url.PathEscape(name), done)
}

// listDeleteView is the deletion's confirmation page's data.
type listDeleteView struct {
	List  notices.List
	Users []string // the scheduled notices and enabled campaigns that send to it
}

// deleteListForm asks to confirm the deletion of a list, saying what
// still sends to it.
func (s *Server) deleteListForm(w http.ResponseWriter, r *http.Request) {
	l, err := s.cfg.Store.List(r.Context(), r.PathValue("name"))
	if err != nil {
		s.fail(w, r, statusOf(err))
		return
	}
	s.consolePage(w, r, http.StatusOK, "list_delete", ConsolePage{Title: "Delete list " + l.Name, Section: "contacts", Data: listDeleteView{List: l}})
}

// deleteList deletes a list; its contacts stay. A list that scheduled
// notices or enabled campaigns send to is deleted only when the form
// says force (its confirmation page names them first).
func (s *Server) deleteList(w http.ResponseWriter, r *http.Request) {
	l, err := s.cfg.App.DeleteList(r.Context(), r.PathValue("name"), r.FormValue("force") != "")
	var inUse *app.ListInUseError
	if errors.As(err, &inUse) {
		l, _ = s.cfg.Store.List(r.Context(), inUse.List)
		s.consolePage(w, r, http.StatusConflict, "list_delete", ConsolePage{Title: "Delete list " + l.Name, Section: "contacts",
			Data: listDeleteView{List: l, Users: inUse.Users}})
		return
	}
	if err != nil {
		s.fail(w, r, statusOf(err))
		return
	}
	s.seeOther(w, r, "/console/lists", fmt.Sprintf("List %s deleted; its %d contact(s) stay.", l.Name, l.Members))
}
