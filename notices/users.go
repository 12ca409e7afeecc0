package notices

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"time"
)

// Role is what a console user or an API token may do. Each role may do
// everything the ones below it may.
type Role string

// The roles, highest first.
const (
	RoleAdmin       Role = "admin"       // users and configuration, and all a coordinator does
	RoleCoordinator Role = "coordinator" // draft, send, campaigns, contacts
	RoleViewer      Role = "viewer"      // reads only
)

// Roles lists the roles, highest first.
var Roles = []Role{RoleAdmin, RoleCoordinator, RoleViewer}

func (r Role) rank() int {
	switch r {
	case RoleAdmin:
		return 3
	case RoleCoordinator:
		return 2
	case RoleViewer:
		return 1
	}
	return 0
}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool { return r.rank() > 0 }

// Allows reports whether r may do what needs the role need.
func (r Role) Allows(need Role) bool { return r.Valid() && r.rank() >= need.rank() }

// ParseRole reads a role's name. Errors: Invalid, naming the roles.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if !r.Valid() {
		return "", errorf(Invalid, "role %q: use admin, coordinator or viewer", s)
	}
	return r, nil
}

// User is a person who signs in to the console.
type User struct {
	ID           int64
	Name         string
	Role         Role
	PasswordHash string // argon2id, as the console's password package writes it
	Email        string // where a proof to this user is emailed; "" for none
	Phone        string // E.164, where a proof to this user is texted; "" for none
	CreatedAt    time.Time
	Disabled     bool
}

const userColumns = `id, name, role, password_hash, email, phone, created_at, disabled_at IS NOT NULL`

func scanUser(sc interface{ Scan(...any) error }) (User, error) {
	var u User
	var created string
	err := sc.Scan(&u.ID, &u.Name, &u.Role, &u.PasswordHash, &u.Email, &u.Phone, &created, &u.Disabled)
	u.CreatedAt = parseTime(created)
	return u, err
}

// AddUser stores a new user and returns its id. Errors: Invalid for a
// missing name, a bad role or no password hash; Conflict when the name is
// taken (names are compared without case).
//
// User and token names are compared without the case of their ASCII
// letters, as SQLite's NOCASE does: hence lower(name) = lower(?) and
// ORDER BY lower(name), and ON CONFLICT without naming the column
// (PostgreSQL's unique key is an index on lower(name)).
func (s *Store) AddUser(ctx context.Context, u User) (int64, error) {
	u.Name = strings.TrimSpace(u.Name)
	switch {
	case u.Name == "":
		return 0, errorf(Invalid, "a user needs a name")
	case !u.Role.Valid():
		return 0, errorf(Invalid, "user %s: role %q: use admin, coordinator or viewer", u.Name, u.Role)
	case u.PasswordHash == "":
		return 0, errorf(Invalid, "user %s: no password", u.Name)
	}
	var id int64
	err := s.db.QueryRowContext(ctx, `INSERT INTO users (name, role, password_hash, email, phone, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`,
		u.Name, u.Role, u.PasswordHash, u.Email, u.Phone, s.now()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errorf(Conflict, "there is already a user named %s", u.Name)
	}
	return id, err
}

// UserByName returns the user named name (any case). Errors: NotFound.
func (s *Store) UserByName(ctx context.Context, name string) (User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE lower(name) = lower(?)`, strings.TrimSpace(name)))
	if errors.Is(err, sql.ErrNoRows) {
		return u, errorf(NotFound, "no user named %s (crier users list shows them)", name)
	}
	return u, err
}

// UserByID returns user id. Errors: NotFound.
func (s *Store) UserByID(ctx context.Context, id int64) (User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, errorf(NotFound, "no user %d", id)
	}
	return u, err
}

// Users lists every user, disabled ones too, by name.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY lower(name), name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var us []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		us = append(us, u)
	}
	return us, rows.Err()
}

// CountUsers returns how many users there are, disabled ones too: none
// means the console still waits for its first admin.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, err
}

// newSecretToken returns a random token of 32 bytes, URL-safe, and the hex
// SHA-256 under which it is stored.
func newSecretToken() (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, TokenHash(token)
}

// TokenHash is the hex SHA-256 under which a session or API token is
// stored: a copy of the database holds no usable token.
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CreateSession starts a session for user id and returns its token, the
// session cookie's value.
func (s *Store) CreateSession(ctx context.Context, userID int64) (string, error) {
	token, hash := newSecretToken()
	now := s.now()
	_, err := s.db.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, seen_at) VALUES (?, ?, ?, ?)`, hash, userID, now, now)
	return token, err
}

// SessionUser returns the user of the session whose cookie holds token,
// and marks the session seen now. A session idle for longer than idle, or
// whose user is disabled, is ended. Errors: NotFound when there is no
// such session (or it ended).
func (s *Store) SessionUser(ctx context.Context, token string, idle time.Duration) (User, error) {
	hash := TokenHash(token)
	var seen string
	var u User
	row := s.db.QueryRowContext(ctx, `SELECT s.seen_at, `+prefixed("u.", userColumns)+`
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`, hash)
	var created string
	err := row.Scan(&seen, &u.ID, &u.Name, &u.Role, &u.PasswordHash, &u.Email, &u.Phone, &created, &u.Disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return u, errorf(NotFound, "no such session")
	}
	if err != nil {
		return u, err
	}
	u.CreatedAt = parseTime(created)
	if u.Disabled || s.Now().Sub(parseTime(seen)) > idle {
		s.EndSession(ctx, token)
		return User{}, errorf(NotFound, "the session has ended")
	}
	_, err = s.db.ExecContext(ctx, `UPDATE sessions SET seen_at = ? WHERE token_hash = ?`, s.now(), hash)
	return u, err
}

// EndSession ends the session whose cookie holds token (signing out).
func (s *Store) EndSession(ctx context.Context, token string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, TokenHash(token))
	return err
}

// EndUserSessions ends every session of user id: after a password change,
// a role change or disabling.
func (s *Store) EndUserSessions(ctx context.Context, userID int64) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
	return err
}

// prefixed puts p before each of the comma-separated columns.
func prefixed(p, columns string) string {
	cols := strings.Split(columns, ", ")
	for i, c := range cols {
		cols[i] = p + c
	}
	return strings.Join(cols, ", ")
}

// APIToken is a token a system calls the JSON API with.
type APIToken struct {
	ID        int64
	Name      string
	Role      Role
	CreatedAt time.Time
	UsedAt    time.Time // zero: never used
	Revoked   bool
}

const tokenColumns = `id, name, role, created_at, coalesce(used_at, ''), revoked_at IS NOT NULL`

func scanToken(sc interface{ Scan(...any) error }) (APIToken, error) {
	var t APIToken
	var created, used string
	err := sc.Scan(&t.ID, &t.Name, &t.Role, &created, &used, &t.Revoked)
	t.CreatedAt, t.UsedAt = parseTime(created), parseTime(used)
	return t, err
}

// CreateToken stores a new API token named name with role and returns the
// token itself, which is never stored: it can be shown once. Errors:
// Invalid for a missing name or bad role; Conflict for a name in use.
func (s *Store) CreateToken(ctx context.Context, name string, role Role) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", errorf(Invalid, "a token needs a name (what calls the API with it, e.g. work-orders)")
	case !role.Valid():
		return "", errorf(Invalid, "token %s: role %q: use admin, coordinator or viewer", name, role)
	}
	token, hash := newSecretToken()
	var id int64
	err := s.db.QueryRowContext(ctx, `INSERT INTO api_tokens (name, role, token_hash, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT DO NOTHING RETURNING id`, name, role, hash, s.now()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errorf(Conflict, "there is already a token named %s (crier tokens list shows them)", name)
	}
	return "crier_" + token, err
}

// TokenByValue returns the live token whose value is token and marks it
// used. Errors: NotFound for an unknown or revoked token.
func (s *Store) TokenByValue(ctx context.Context, token string) (APIToken, error) {
	t, err := scanToken(s.db.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens
		WHERE token_hash = ? AND revoked_at IS NULL`, TokenHash(strings.TrimPrefix(token, "crier_"))))
	if errors.Is(err, sql.ErrNoRows) {
		return t, errorf(NotFound, "no such token, or it was revoked")
	}
	if err != nil {
		return t, err
	}
	_, err = s.db.ExecContext(ctx, `UPDATE api_tokens SET used_at = ? WHERE id = ?`, s.now(), t.ID)
	return t, err
}

// Tokens lists the API tokens, revoked ones too, by name.
func (s *Store) Tokens(ctx context.Context) ([]APIToken, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens ORDER BY lower(name), name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ts []APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	return ts, rows.Err()
}

// RevokeToken revokes the token named name: it opens nothing from now on.
// Errors: NotFound for no live token of that name.
func (s *Store) RevokeToken(ctx context.Context, name string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE lower(name) = lower(?) AND revoked_at IS NULL`, s.now(), strings.TrimSpace(name))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errorf(NotFound, "no live token named %s (crier tokens list shows them)", name)
	}
	return nil
}

// SetPasswordHash stores a new password hash for user id and ends the
// user's sessions (a changed password signs out everywhere else).
// Errors: NotFound.
func (s *Store) SetPasswordHash(ctx context.Context, id int64, hash string) error {
	if hash == "" {
		return errorf(Invalid, "user %d: no password", id)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errorf(NotFound, "no user %d", id)
	}
	return s.EndUserSessions(ctx, id)
}

// RehashPassword replaces user id's password hash old with new, for a
// hash made with weaker parameters, without ending any session; nothing
// happens when the hash has changed meanwhile.
func (s *Store) RehashPassword(ctx context.Context, id int64, old, new string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?`, new, id, old)
	return err
}

// lastAdminGuard is true when the change of user id cannot leave the
// console without an active admin: the user is no active admin, or
// another one remains. changeUser makes two admins demoting each other at
// once wait for each other, so that both cannot succeed.
const lastAdminGuard = `(role <> 'admin' OR disabled_at IS NOT NULL OR
	(SELECT count(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL AND id <> ?) > 0)`

// SetUserRole gives user id role and ends their sessions. Errors:
// Invalid for a bad role; NotFound; Conflict when it would demote the
// last active admin.
func (s *Store) SetUserRole(ctx context.Context, id int64, role Role) error {
	if !role.Valid() {
		return errorf(Invalid, "role %q: use admin, coordinator or viewer", role)
	}
	q := `UPDATE users SET role = ? WHERE id = ?`
	args := []any{role, id}
	if role != RoleAdmin {
		q += ` AND ` + lastAdminGuard
		args = append(args, id)
	}
	if err := s.changeUser(ctx, id, "demote the last active admin: make another user admin first", q, args...); err != nil {
		return err
	}
	return s.EndUserSessions(ctx, id)
}

// DisableUser disables user id: they cannot sign in, and their sessions
// end; their record and audit stay. Disabling a disabled user changes
// nothing. Errors: NotFound; Conflict for the last active admin.
func (s *Store) DisableUser(ctx context.Context, id int64) error {
	err := s.changeUser(ctx, id, "disable the last active admin: make another user admin first",
		`UPDATE users SET disabled_at = coalesce(disabled_at, ?) WHERE id = ? AND `+lastAdminGuard, s.now(), id, id)
	if err != nil {
		return err
	}
	return s.EndUserSessions(ctx, id)
}

// changeUser runs the update q of user id; when it changes no row it
// says why: no such user, or the last-admin guard (refused says what
// cannot be done).
func (s *Store) changeUser(ctx context.Context, id int64, refused, q string, args ...any) error {
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// PostgreSQL runs transactions side by side, and its guard would
		// count the admins as they were when its statement began: first
		// lock the rows of the active admins (writing nothing), so that a
		// second change waits for the first to commit and then counts
		// anew. SQLite's transactions are one at a time already.
		if _, err := tx.ExecContext(ctx, `UPDATE users SET role = role WHERE role = 'admin' AND disabled_at IS NULL`); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil || n > 0 {
		return err
	}
	u, err := s.UserByID(ctx, id)
	if err != nil {
		return err
	}
	return errorf(Conflict, "user %s: cannot %s", u.Name, refused)
}
