package web

import (
	"net/http"
	"strconv"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/notices"
)

// usersRoutes registers the Users page, for admins only.
func (s *Server) usersRoutes(mux *http.ServeMux) {
	if s.cfg.App == nil {
		return
	}
	admin := func(h http.HandlerFunc) http.Handler { return s.consoleOnly(notices.RoleAdmin, h) }
	mux.Handle("GET "+ConsolePrefix+"users", admin(s.usersPage))
	mux.Handle("POST "+ConsolePrefix+"users", admin(s.usersAdd))
	mux.Handle("POST "+ConsolePrefix+"users/{id}/role", admin(s.userChange("role")))
	mux.Handle("POST "+ConsolePrefix+"users/{id}/password", admin(s.userChange("password")))
	mux.Handle("POST "+ConsolePrefix+"users/{id}/disable", admin(s.userChange("disable")))
}

// usersView is what the Users page shows: every user, each with the
// problem of the change last tried on them, and the form to add one.
type usersView struct {
	Users []userRow
	Add   addUserForm
	Roles []notices.Role
}

// userRow is a user on the Users page and the problems, by field (role,
// password, disable), of the change just tried on them.
type userRow struct {
	notices.User
	Problems map[string]string
}

// addUserForm is the form adding a user: the values typed, and each
// field's problem.
type addUserForm struct {
	Name, Role, Email, Phone string
	Problems                 map[string]string
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) {
	s.showUsers(w, r, http.StatusOK, "", addUserForm{Role: string(notices.RoleCoordinator)}, 0, nil)
}

// showUsers answers with the Users page: flash says what was done; form
// is the add form as typed; the problems, if any, belong to user id (or
// to the add form when id is 0), and make the status 422.
func (s *Server) showUsers(w http.ResponseWriter, r *http.Request, status int, flash string, form addUserForm, id int64, problems map[string]string) {
	users, err := s.cfg.Store.Users(r.Context())
	if err != nil {
		s.log.Error("console: users", "err", err)
		s.fail(w, r, http.StatusInternalServerError)
		return
	}
	v := usersView{Add: form, Roles: notices.Roles}
	for _, u := range users {
		row := userRow{User: u}
		if u.ID == id {
			row.Problems = problems
		}
		v.Users = append(v.Users, row)
	}
	s.consolePage(w, r, status, "users", ConsolePage{Title: "Users", Section: "users", Flash: flash, Data: v})
}

// usersAdd adds a user from the add form.
func (s *Server) usersAdd(w http.ResponseWriter, r *http.Request) {
	form := addUserForm{Name: r.PostFormValue("name"), Role: r.PostFormValue("role"), Email: r.PostFormValue("email"), Phone: r.PostFormValue("phone"), Problems: map[string]string{}}
	pw := r.PostFormValue("password")
	if pw != r.PostFormValue("password2") {
		form.Problems["password2"] = "The two passwords differ: type the same one twice."
	}
	if len(form.Problems) == 0 {
		u, err := s.cfg.App.AddUser(r.Context(), app.NewUser{Name: form.Name, Role: notices.Role(form.Role), Password: pw, Email: form.Email, Phone: form.Phone})
		if err == nil {
			s.showUsers(w, r, http.StatusOK, "Added "+u.Name+" ("+string(u.Role)+").", addUserForm{Role: form.Role}, 0, nil)
			return
		}
		if !s.problems(w, r, err, form.Problems, "name") {
			return
		}
	}
	s.showUsers(w, r, http.StatusUnprocessableEntity, "", form, 0, form.Problems)
}

// userChange returns the handler of one change to a user: "role",
// "password" or "disable".
func (s *Server) userChange(what string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		u, err := s.cfg.Store.UserByID(r.Context(), id)
		if err != nil {
			s.fail(w, r, http.StatusNotFound)
			return
		}
		var flash string
		switch what {
		case "role":
			role := notices.Role(r.PostFormValue("role"))
			err, flash = s.cfg.App.SetRole(r.Context(), u.Name, role), u.Name+" is now "+string(role)+"; their sessions have ended."
		case "password":
			err, flash = s.cfg.App.SetPassword(r.Context(), u.Name, r.PostFormValue("password")), "Set a new password for "+u.Name+"; their sessions have ended."
		case "disable":
			err, flash = s.cfg.App.DisableUser(r.Context(), u.Name), "Disabled "+u.Name+": they can no longer sign in."
		}
		if err == nil {
			s.showUsers(w, r, http.StatusOK, flash, addUserForm{Role: string(notices.RoleCoordinator)}, 0, nil)
			return
		}
		problems := map[string]string{}
		if s.problems(w, r, err, problems, what) {
			s.showUsers(w, r, http.StatusUnprocessableEntity, "", addUserForm{Role: string(notices.RoleCoordinator)}, id, problems)
		}
	}
}

// problems puts err's problems by field into into: an *InvalidError's
// own fields, a conflict's sentence under field. For any other error it
// answers 500 and returns false.
func (s *Server) problems(w http.ResponseWriter, r *http.Request, err error, into map[string]string, field string) bool {
	switch app.ErrorCode(err) {
	case notices.Invalid:
		for _, p := range app.ProblemsOf(err) {
			f := p.Field
			if f == "" {
				f = field
			}
			into[f] = p.Message
		}
		return true
	case notices.Conflict, notices.NotFound:
		into[field] = err.Error()
		return true
	}
	s.log.Error("console: users", "err", err)
	s.fail(w, r, http.StatusInternalServerError)
	return false
}
