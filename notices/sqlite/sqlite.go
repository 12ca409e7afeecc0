// Package sqlite is the store's embedded engine: a SQLite file (crier.db
// by default) through modernc.org/sqlite, pure Go. Importing the package
// registers it with notices.Open for every dsn that is not a URL of
// another engine.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/crier-notices/crier/notices"
	_ "modernc.org/sqlite" // the "sqlite" driver, pure Go
)

//go:embed migrations/*.sql
var migrations embed.FS

func init() { notices.Register(Dialect{}) }

// Dialect is SQLite's notices.Dialect.
type Dialect struct{}

// Name is "sqlite".
func (Dialect) Name() string { return "sqlite" }

// Accepts every dsn that is not a URL: a file path.
func (Dialect) Accepts(dsn string) bool { return !notices.IsURL(dsn) }

// Migrations is the schema in SQLite's SQL.
func (Dialect) Migrations() fs.FS {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err) // the folder is embedded
	}
	return sub
}

// connectionString reports whether path is, by its words, PostgreSQL's
// key=value connection string rather than a file name.
func connectionString(path string) bool {
	for _, w := range strings.Fields(path) {
		key, _, ok := strings.Cut(w, "=")
		switch {
		case !ok:
		case key == "host", key == "dbname", key == "user", key == "password", key == "port", key == "sslmode":
			return true
		}
	}
	return false
}

// IDsIn takes the ids as one JSON array, read by json_each.
func (Dialect) IDsIn(column string) string {
	return column + " IN (SELECT value FROM json_each(?))"
}

// IDsArg is ids as a JSON array.
func (Dialect) IDsArg(ids []int64) any {
	b := make([]byte, 0, 2+len(ids)*8)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
}

// Open opens the SQLite file path; create says whether a missing file is
// made or is a NotFound error.
func (Dialect) Open(ctx context.Context, path string, create bool) (*notices.Database, error) {
	if connectionString(path) {
		// Never made into a file named after it, nor echoed: it may hold
		// a password.
		return nil, notices.Errorf(notices.Invalid, "database: a PostgreSQL connection string of key=value words is not read; write it as a URL, postgres://USER@HOST:PORT/DATABASE (the password in PGPASSWORD or ~/.pgpass)")
	}
	if dir := filepath.Dir(path); dir != "." {
		if _, err := os.Stat(dir); err != nil {
			return nil, notices.Errorf(notices.Invalid, "database %s: the folder %s does not exist; create it or name another path", path, dir)
		}
	}
	// WAL lets readers work beside the writer; foreign keys hold the
	// references; busy_timeout waits for a lock instead of failing at once.
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// The checkpointer copies the log into the file; this is its backstop.
	q.Add("_pragma", "wal_autocheckpoint("+strconv.Itoa(backstopPages)+")")
	q.Set("_txlock", "immediate") // a transaction takes the write lock when it begins: no upgrade deadlocks
	if !create {
		// SQLite's own check, so that a file removed after this one makes
		// no new database either.
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return nil, notices.Errorf(notices.NotFound, "no database at %s yet", path)
		}
		q.Set("mode", "rw")
	}
	source := "file:" + path + "?" + q.Encode()
	db, err := sql.Open("sqlite", source)
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	db.SetMaxOpenConns(1) // SQLite has one writer; one connection keeps it simple and correct
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	ckpt, err := startCheckpointer(path, q)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	return &notices.Database{
		DB:    db,
		File:  path,
		Close: ckpt.Close,
		// The lock is a file beside the database, held with flock: the
		// kernel releases it when its holder dies, however it dies.
		LockImports: func(context.Context) (io.Closer, error) {
			return tryLockFile(path + "-import.lock")
		},
		// The import's own connection, so that the store's one stays free.
		ImportConn: func(ctx context.Context) (*sql.Conn, func(), error) {
			idb, err := sql.Open("sqlite", source)
			if err != nil {
				return nil, nil, err
			}
			idb.SetMaxOpenConns(1)
			conn, err := idb.Conn(ctx)
			if err == nil {
				// Statement journals in memory, not in a temporary file
				// per insert, and a bigger page cache (32 MB): settings of
				// this connection only.
				_, err = conn.ExecContext(ctx, `PRAGMA temp_store = MEMORY; PRAGMA cache_size = -32768`)
			}
			if err != nil {
				if conn != nil {
					conn.Close()
				}
				idb.Close()
				return nil, nil, err
			}
			return conn, func() { conn.Close(); idb.Close() }, nil
		},
	}, nil
}
