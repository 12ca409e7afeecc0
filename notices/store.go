package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Store keeps Crier's data in SQL, on the engine its Dialect speaks. It
// is safe for concurrent use.
type Store struct {
	db      *sql.DB
	dialect Dialect
	dbase   *Database        // the dialect's handles: file, import lock and connection
	Now     func() time.Time // injected for tests; time.Now by default
	// PhoneRegion is the country whose national phone numbers the values
	// of a notice's phone fields may be written as, checked when it is
	// published (templates.Template.FillIn); "" means US.
	PhoneRegion string

	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt // the dispatcher's statements, prepared once
}

// prepared returns the statements for the queries, preparing each the
// first time. It must not be called inside a transaction: the SQLite
// store has one connection, which the transaction holds.
func (s *Store) prepared(ctx context.Context, queries ...string) ([]*sql.Stmt, error) {
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	if s.stmts == nil {
		s.stmts = map[string]*sql.Stmt{}
	}
	out := make([]*sql.Stmt, len(queries))
	for i, q := range queries {
		st := s.stmts[q]
		if st == nil {
			var err error
			if st, err = s.db.PrepareContext(ctx, q); err != nil {
				return nil, err
			}
			s.stmts[q] = st
		}
		out[i] = st
	}
	return out, nil
}

// Open opens the store named by dsn, applies the migrations it lacks and
// undoes an import whose process died. dsn is a SQLite file path (the
// default, crier.db) or a postgres:// URL, served by the dialect
// registered for it (import notices/sqlite, notices/postgres). Its errors
// name the database once, a URL without its password ("database
// postgres://crier:xxxxx@host/crier: …"): callers add no name of their own.
func Open(ctx context.Context, dsn string) (*Store, error) {
	return open(ctx, dsn, true)
}

// OpenExisting is Open for a database that must exist already: one that
// does not is a NotFound error, and no file is made (not the database, its
// -wal and -shm, nor the import lock), so that a command that only reads
// leaves no crier.db in a folder it is run in by mistake. An existing
// database is migrated and a dead import undone as by Open: what is read
// is never half an import, in the schema this program knows.
func OpenExisting(ctx context.Context, dsn string) (*Store, error) {
	return open(ctx, dsn, false)
}

func open(ctx context.Context, dsn string, create bool) (*Store, error) {
	s, err := openOnly(ctx, dsn, create)
	if err != nil {
		return nil, err
	}
	if _, err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("database %s: %w", RedactDSN(dsn), err)
	}
	if err := s.recoverImports(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("database %s: %w", RedactDSN(dsn), err)
	}
	return s, nil
}

// OpenWithoutMigrating opens the store as it is, for `crier db status`;
// its errors name the database as Open's do.
func OpenWithoutMigrating(ctx context.Context, dsn string) (*Store, error) {
	return openOnly(ctx, dsn, true)
}

// openOnly opens dsn with its dialect; create says whether a missing
// database is made or is a NotFound error. The dialect's errors begin
// "database NAME: " (a NotFound one names it its own way): only it knows
// how to name dsn without a secret (a connection string of key=value
// words is never echoed).
func openOnly(ctx context.Context, dsn string, create bool) (*Store, error) {
	if dsn == "" {
		dsn = "crier.db"
	}
	d, err := dialectFor(dsn)
	if err != nil {
		return nil, err
	}
	dbase, err := d.Open(ctx, dsn, create)
	if err != nil {
		return nil, err
	}
	return &Store{db: dbase.DB, dialect: d, dbase: dbase, Now: time.Now}, nil
}

// Engine names the SQL engine the store runs on: "sqlite" or "postgres".
func (s *Store) Engine() string { return s.dialect.Name() }

// Path returns the SQLite database file, for files kept beside it; ""
// when the store is on a database server.
func (s *Store) Path() string { return s.dbase.File }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Close closes the store.
func (s *Store) Close() error {
	s.stmtMu.Lock()
	for _, st := range s.stmts {
		st.Close()
	}
	s.stmts = nil
	s.stmtMu.Unlock()
	var err error
	if s.dbase.Close != nil {
		err = s.dbase.Close()
	}
	return errors.Join(err, s.db.Close())
}

// timeLayout stores times as fixed-width UTC text, so that text order is
// time order (PostgreSQL: timestamptz).
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func (s *Store) now() string { return s.Now().UTC().Format(timeLayout) }

// Migration is one numbered schema change.
type Migration struct {
	Version   int
	Name      string
	AppliedAt time.Time // zero when not applied
}

func (s *Store) loadMigrations() ([]Migration, map[int]string, error) {
	entries, err := fs.ReadDir(s.dialect.Migrations(), ".")
	if err != nil {
		return nil, nil, err
	}
	var ms []Migration
	sqls := map[int]string{}
	for _, e := range entries {
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, nil, fmt.Errorf("migration %s: name it NNNN_what.sql", e.Name())
		}
		data, err := fs.ReadFile(s.dialect.Migrations(), e.Name())
		if err != nil {
			return nil, nil, err
		}
		ms = append(ms, Migration{Version: v, Name: name})
		sqls[v] = string(data)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, sqls, nil
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at TEXT NOT NULL
)`

// Migrations lists every migration the program knows, with when each was
// applied to this store.
func (s *Store) Migrations(ctx context.Context) ([]Migration, error) {
	ms, _, err := s.loadMigrations()
	if err != nil {
		return nil, err
	}
	if err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockMigrations(ctx, tx); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, createMigrationsTable)
		return err
	}); err != nil {
		return nil, fmt.Errorf("schema_migrations: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT version, applied_at FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	applied := map[int]time.Time{}
	for rows.Next() {
		var v int
		var at string
		if err := rows.Scan(&v, &at); err != nil {
			return nil, err
		}
		applied[v], _ = time.Parse(time.RFC3339Nano, at)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range ms {
		ms[i].AppliedAt = applied[ms[i].Version]
	}
	for v := range applied {
		if v > ms[len(ms)-1].Version {
			return ms, errorf(Conflict, "the database has schema version %d, newer than this crier knows (%d): use a newer crier", v, ms[len(ms)-1].Version)
		}
	}
	return ms, nil
}

// Migrate applies, in order and each in its own transaction, the
// migrations the store lacks, and returns those it applied.
func (s *Store) Migrate(ctx context.Context) ([]Migration, error) {
	ms, err := s.Migrations(ctx)
	if err != nil {
		return nil, err
	}
	_, sqls, err := s.loadMigrations()
	if err != nil {
		return nil, err
	}
	var done []Migration
	for _, m := range ms {
		if !m.AppliedAt.IsZero() {
			continue
		}
		applied := false
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			// Another process may have applied it since Migrations looked:
			// the transaction holds the write lock (SQLite) or the
			// migrations' lock (PostgreSQL), so look again.
			if err := s.lockMigrations(ctx, tx); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&n); err != nil || n > 0 {
				return err
			}
			applied = true
			if _, err := tx.ExecContext(ctx, sqls[m.Version]); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, m.Version, m.Name, s.now())
			return err
		})
		if err != nil {
			return done, fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
		}
		if applied {
			m.AppliedAt = s.Now().UTC()
			done = append(done, m)
		}
	}
	return done, nil
}

// lockMigrations takes, in tx, the engine's lock on applying migrations,
// held until tx ends.
func (s *Store) lockMigrations(ctx context.Context, tx *sql.Tx) error {
	if q := s.dialect.LockMigrations(); q != "" {
		_, err := tx.ExecContext(ctx, q)
		return err
	}
	return nil
}

// inTx runs fn in a transaction, committed when fn returns nil and rolled
// back otherwise.
func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) (err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, ignoreDone(tx.Rollback()))
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

func ignoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}
