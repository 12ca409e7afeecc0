package app

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/crier-notices/crier/internal/password"
	"github.com/crier-notices/crier/notices"
)

// NewUser is a user to add: what crier users add and the console's Users
// page and setup address ask for.
type NewUser struct {
	Name     string
	Role     notices.Role
	Password string // in clear: hashed here, never stored or logged
	Email    string // where "send a proof to me" emails; optional
	Phone    string // where "send a proof to me" texts; optional, any form the region reads
}

// AddUser checks u and adds the user, recording "user-add". Errors: an
// *InvalidError naming each bad field (name, role, password, email,
// phone); notices.Conflict when the name is taken.
func (a *App) AddUser(ctx context.Context, u NewUser) (notices.User, error) {
	var probs []Problem
	name := strings.TrimSpace(u.Name)
	if msg := checkUserName(name); msg != "" {
		probs = append(probs, Problem{Field: "name", Message: msg})
	}
	if !u.Role.Valid() {
		probs = append(probs, Problem{Field: "role", Message: fmt.Sprintf("role %q: choose admin, coordinator or viewer", u.Role)})
	}
	if err := password.Check(u.Password, name); err != nil {
		probs = append(probs, Problem{Field: "password", Message: err.Error()})
	}
	n := notices.Normalizer{Region: a.PhoneRegion}
	email, err := n.Email(u.Email)
	if err != nil {
		probs = append(probs, Problem{Field: "email", Message: err.Error()})
	}
	phone, err := n.Phone(u.Phone)
	if err != nil {
		probs = append(probs, Problem{Field: "phone", Message: err.Error()})
	}
	if len(probs) > 0 {
		return notices.User{}, Invalid("the user cannot be added as they are", probs...)
	}
	user := notices.User{Name: name, Role: u.Role, PasswordHash: password.Hash(u.Password), Email: email, Phone: phone}
	id, err := a.Store.AddUser(ctx, user)
	if err != nil {
		return notices.User{}, err
	}
	user.ID = id
	return user, a.audit(ctx, "user-add", "user "+name, "role "+string(u.Role))
}

// checkUserName says what is wrong with name as a user's name, or "".
func checkUserName(name string) string {
	switch {
	case name == "":
		return "a user needs a name (what they sign in with, e.g. ana or a.lopez)"
	case len(name) > 64:
		return "a user's name may have at most 64 characters"
	case strings.IndexFunc(name, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return "a user's name may not contain spaces"
	}
	return ""
}

// SetPassword gives the user named name a new password and signs them
// out everywhere, recording "user-password". Errors: an *InvalidError
// (field "password"); notices.NotFound.
func (a *App) SetPassword(ctx context.Context, name, newPassword string) error {
	u, err := a.Store.UserByName(ctx, name)
	if err != nil {
		return err
	}
	if err := password.Check(newPassword, u.Name); err != nil {
		return Invalid("the password cannot be set", Problem{Field: "password", Message: err.Error()})
	}
	if err := a.Store.SetPasswordHash(ctx, u.ID, password.Hash(newPassword)); err != nil {
		return err
	}
	return a.audit(ctx, "user-password", "user "+u.Name, "")
}

// DisableUser disables the user named name (they can no longer sign in;
// their sessions end), recording "user-disable". Errors:
// notices.NotFound; notices.Conflict for the last active admin.
func (a *App) DisableUser(ctx context.Context, name string) error {
	u, err := a.Store.UserByName(ctx, name)
	if err != nil {
		return err
	}
	if u.Disabled {
		return nil
	}
	if err := a.Store.DisableUser(ctx, u.ID); err != nil {
		return err
	}
	return a.audit(ctx, "user-disable", "user "+u.Name, "")
}

// SetRole gives the user named name role (their sessions end, so the new
// role holds at once), recording "user-role". Errors: an *InvalidError
// (field "role"); notices.NotFound; notices.Conflict when it would
// demote the last active admin.
func (a *App) SetRole(ctx context.Context, name string, role notices.Role) error {
	if !role.Valid() {
		return Invalid("the role cannot be changed", Problem{Field: "role", Message: fmt.Sprintf("role %q: choose admin, coordinator or viewer", role)})
	}
	u, err := a.Store.UserByName(ctx, name)
	if err != nil {
		return err
	}
	if u.Role == role {
		return nil
	}
	if err := a.Store.SetUserRole(ctx, u.ID, role); err != nil {
		return err
	}
	return a.audit(ctx, "user-role", "user "+u.Name, string(u.Role)+" -> "+string(role))
}

// CreateToken makes an API token named name with role and returns its
// value, which is stored only as a hash and so can be shown once;
// records "token-create". Errors: an *InvalidError (name, role);
// notices.Conflict for a name in use.
func (a *App) CreateToken(ctx context.Context, name string, role notices.Role) (string, error) {
	name = strings.TrimSpace(name)
	var probs []Problem
	if msg := checkUserName(name); msg != "" {
		probs = append(probs, Problem{Field: "name", Message: strings.ReplaceAll(msg, "user", "token")})
	}
	if !role.Valid() {
		probs = append(probs, Problem{Field: "role", Message: fmt.Sprintf("role %q: choose admin, coordinator or viewer", role)})
	}
	if len(probs) > 0 {
		return "", Invalid("the token cannot be made", probs...)
	}
	token, err := a.Store.CreateToken(ctx, name, role)
	if err != nil {
		return "", err
	}
	return token, a.audit(ctx, "token-create", "token "+name, "role "+string(role))
}

// RevokeToken revokes the API token named name, recording
// "token-revoke". Errors: notices.NotFound.
func (a *App) RevokeToken(ctx context.Context, name string) error {
	if err := a.Store.RevokeToken(ctx, name); err != nil {
		return err
	}
	return a.audit(ctx, "token-revoke", "token "+strings.TrimSpace(name), "")
}

// ErrNoSetup is SetupAdmin's refusal once a user exists.
var ErrNoSetup error = &notices.Error{Code: notices.Conflict, Message: "the console already has users: sign in, or ask an admin"}

// SetupAdmin adds the console's first admin, on a store with no users
// (the one-time setup address). Errors: those of AddUser; ErrNoSetup
// when a user exists.
func (a *App) SetupAdmin(ctx context.Context, u NewUser) (notices.User, error) {
	n, err := a.Store.CountUsers(ctx)
	if err != nil {
		return notices.User{}, err
	}
	if n > 0 {
		return notices.User{}, ErrNoSetup
	}
	u.Role = notices.RoleAdmin
	return a.AddUser(WithActor(ctx, Actor{Name: strings.TrimSpace(u.Name), Role: notices.RoleAdmin, Via: "setup"}), u)
}
