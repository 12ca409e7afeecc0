// Package postgres is the store's engine for more than one crier serve:
// PostgreSQL through github.com/jackc/pgx/v5. Importing the package
// registers it with notices.Open for postgres:// and postgresql:// URLs.
//
// The store's queries are shared with SQLite and written with ?
// placeholders; this package's connections number them ($1, $2, …) as
// PostgreSQL wants before the server sees them.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/crier-notices/crier/notices"
)

//go:embed migrations/*.sql
var migrations embed.FS

func init() { notices.Register(Dialect{}) }

// Dialect is PostgreSQL's notices.Dialect.
type Dialect struct{}

// Name is "postgres".
func (Dialect) Name() string { return "postgres" }

// Accepts postgres:// and postgresql:// URLs.
func (Dialect) Accepts(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Migrations is the schema in PostgreSQL's SQL.
func (Dialect) Migrations() fs.FS {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err) // the folder is embedded
	}
	return sub
}

// IDsIn takes the ids as one bigint array.
func (Dialect) IDsIn(column string) string { return column + " = ANY(?)" }

// IDsArg is ids, which pgx sends as a bigint array.
func (Dialect) IDsArg(ids []int64) any { return ids }

// Open connects to the database at the URL dsn. A database server makes
// no database on demand. Without create, a database that has no Crier
// schema yet is a NotFound error, as a missing SQLite file is: a command
// that only reads (or db copy's source) never writes Crier's tables into
// a database it was pointed at by mistake.
func (Dialect) Open(ctx context.Context, dsn string, create bool) (*notices.Database, error) {
	name := notices.RedactDSN(dsn)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message may quote the URL, password and all.
		return nil, notices.Errorf(notices.Invalid, "database %s: not a PostgreSQL URL this program can read: write it as postgres://USER@HOST:PORT/DATABASE?sslmode=…", name)
	}
	sessionDefaults(cfg)
	db := sql.OpenDB(connector{stdlib.GetConnector(*cfg)})
	// Connections are cheap to keep and dear to make (TLS, authentication):
	// keep a few idle, and bound the total below the server's default 100
	// so that several crier serve fit.
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(8)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("database %s: %w", name, redactErr(err, dsn))
	}
	if !create {
		var have bool
		if err := db.QueryRowContext(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&have); err != nil {
			db.Close()
			return nil, fmt.Errorf("database %s: %w", name, redactErr(err, dsn))
		}
		if !have {
			db.Close()
			return nil, notices.Errorf(notices.NotFound, "no database at %s yet", name)
		}
	}
	return &notices.Database{
		DB: db,
		LockImports: func(ctx context.Context) (io.Closer, error) {
			return TryLock(ctx, db, "import")
		},
		ImportConn: importConn(db),
		TryLead:    func(ctx context.Context, name string) (notices.Lead, error) { return tryLead(ctx, db, name) },
	}, nil
}

// redactErr replaces, in err's text, the passwords of dsn (in its
// user-info or its query parameters): a driver's message may carry them.
func redactErr(err error, dsn string) error {
	msg := err.Error()
	for _, pw := range notices.DSNSecrets(dsn) {
		msg = strings.ReplaceAll(msg, pw, "xxxxx")
	}
	if msg == err.Error() {
		return err
	}
	return fmt.Errorf("%s", msg)
}

// TryLock takes the session-level advisory lock called name (in this
// database and schema) on a connection of its own, without waiting: nil
// and no error when another session holds it. Closing the returned Closer
// releases the lock; so does the death of its process, when the server
// sees the connection end.
func TryLock(ctx context.Context, db *sql.DB, name string) (io.Closer, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	// The server releases the lock when it sees the connection end: at
	// once when the holder's process dies, but only after TCP keepalive
	// gives up (two hours by default) when its machine or network does.
	// This session's keepalive makes that about 15 seconds.
	if _, err := conn.ExecContext(ctx, `SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 3; SET tcp_keepalives_count = 3`); err != nil {
		conn.Close()
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	var got bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtextextended('crier ' || current_schema() || ' ' || ?, 0))`, name).Scan(&got); err != nil {
		conn.Close()
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	if !got {
		conn.Close()
		return nil, nil
	}
	return &advisoryLock{conn: conn, name: name}, nil
}

type advisoryLock struct {
	conn *sql.Conn
	name string
}

// Close releases the lock and its connection. Where the unlock fails the
// connection is closed all the same, which releases the lock too.
func (l *advisoryLock) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := l.conn.ExecContext(ctx, `SELECT pg_advisory_unlock(hashtextextended('crier ' || current_schema() || ' ' || ?, 0))`, l.name)
	if err != nil {
		// A connection whose unlock failed must not go back to the pool
		// still holding the lock.
		l.conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	return l.conn.Close()
}
