package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// List is a named static list of contacts, such as "hospitals" or
// "north-zone-critical-care". Deleting a list keeps its contacts.
type List struct {
	ID        int64
	Name      string
	Members   int // how many contacts are on it
	CreatedAt time.Time
}

// CreateList creates an empty list. Errors: Invalid for an empty name,
// Conflict when a list has that name already.
func (s *Store) CreateList(ctx context.Context, name string) (List, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return List{}, errorf(Invalid, "a list needs a name")
	}
	now := s.now()
	var l List
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM lists WHERE name = ?`, name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errorf(Conflict, "a list named %q exists already: choose another name, or add to that one", name)
		}
		l = List{Name: name, CreatedAt: parseTime(now)}
		return tx.QueryRowContext(ctx, `INSERT INTO lists (name, created_at) VALUES (?, ?) RETURNING id`, name, now).Scan(&l.ID)
	})
	if err != nil {
		return List{}, fmt.Errorf("create list %q: %w", name, err)
	}
	return l, nil
}

const listColumns = `l.id, l.name, l.created_at, (SELECT count(*) FROM list_members m WHERE m.list_id = l.id)`

func scanList(sc interface{ Scan(...any) error }) (List, error) {
	var l List
	var at string
	err := sc.Scan(&l.ID, &l.Name, &at, &l.Members)
	l.CreatedAt = parseTime(at)
	return l, err
}

// List returns the list named name with its member count. Errors: NotFound.
func (s *Store) List(ctx context.Context, name string) (List, error) {
	return list(ctx, s.db, name)
}

func list(ctx context.Context, q queryer, name string) (List, error) {
	l, err := scanList(q.QueryRowContext(ctx, `SELECT `+listColumns+` FROM lists l WHERE l.name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return l, errorf(NotFound, "no list named %q (crier lists list shows them)", name)
	}
	return l, err
}

// Lists returns every list, by name, with its member count.
func (s *Store) Lists(ctx context.Context) ([]List, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+listColumns+` FROM lists l ORDER BY l.name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ls []List
	for rows.Next() {
		l, err := scanList(rows)
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
	}
	return ls, rows.Err()
}

// DeleteList deletes the list named name and its memberships; the contacts
// stay. Errors: NotFound.
func (s *Store) DeleteList(ctx context.Context, name string) (List, error) {
	var l List
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if l, err = list(ctx, tx, name); err != nil {
			return err
		}
		// list_members go with the list (ON DELETE CASCADE).
		_, err = tx.ExecContext(ctx, `DELETE FROM lists WHERE id = ?`, l.ID)
		return err
	})
	return l, err
}

// AddToList adds the contacts with the account numbers to the list named
// name, and returns how many were not on it yet. It adds all or none:
// Errors: NotFound for the list or for any account (the message names every
// unknown account).
func (s *Store) AddToList(ctx context.Context, name string, accounts ...string) (int, error) {
	return s.changeList(ctx, name, accounts,
		`INSERT INTO list_members (list_id, contact_id) VALUES (?, ?) ON CONFLICT DO NOTHING`)
}

// RemoveFromList takes the contacts with the account numbers off the list
// named name, and returns how many were on it. Errors: as AddToList.
func (s *Store) RemoveFromList(ctx context.Context, name string, accounts ...string) (int, error) {
	return s.changeList(ctx, name, accounts, `DELETE FROM list_members WHERE list_id = ? AND contact_id = ?`)
}

func (s *Store) changeList(ctx context.Context, name string, accounts []string, stmt string) (int, error) {
	changed := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		l, err := list(ctx, tx, name)
		if err != nil {
			return err
		}
		st, err := tx.PrepareContext(ctx, stmt)
		if err != nil {
			return err
		}
		defer st.Close()
		var unknown []string
		for _, a := range accounts {
			var id int64
			err := tx.QueryRowContext(ctx, `SELECT id FROM contacts WHERE account = ?`, a).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				unknown = append(unknown, a)
				continue
			}
			if err != nil {
				return err
			}
			res, err := st.ExecContext(ctx, l.ID, id)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			changed += int(n)
		}
		if len(unknown) > 0 {
			return errorf(NotFound, "no contact with account %s: nothing changed", strings.Join(quoteAll(unknown), ", "))
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("list %q: %w", name, err)
	}
	return changed, nil
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}
