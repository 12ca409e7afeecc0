package notices

import (
	"context"
	"database/sql"
	"io"
	"io/fs"
	"sync"
	"time"
)

// A Dialect is one SQL engine the store runs on, in a package of its own
// (notices/sqlite, notices/postgres). The store's queries are written once,
// in the SQL both engines accept, with ? (or ?N) placeholders; a dialect
// opens the database and supplies what its engine says differently: the
// schema, the locks, and the few statements that cannot be shared.
// Register makes one available to Open.
type Dialect interface {
	// Name is the engine's name in messages: "sqlite" or "postgres".
	Name() string
	// Accepts reports whether dsn names a database of this engine.
	Accepts(dsn string) bool
	// Open opens the database dsn. create says whether a database that
	// does not exist is made (SQLite) or is a NotFound error.
	Open(ctx context.Context, dsn string, create bool) (*Database, error)
	// Migrations holds the schema as NNNN_what.sql files: the same
	// versions, doing the same, on every engine.
	Migrations() fs.FS

	// IDsIn is the condition "column is one of a list of ids", with one
	// placeholder, which takes IDsArg(ids).
	IDsIn(column string) string
	// IDsArg is the argument of IDsIn's placeholder.
	IDsArg(ids []int64) any

	// Part B (import): how the engine takes an import's writes.

	// ImportWrites says how an import writes on this engine.
	ImportWrites() ImportWrites

	// Part A (schema): JSON text and the migrations.

	// JSONEach is a table, for a FROM clause, of the members of the JSON
	// object held as text in column: one row per member, its name in the
	// column key and its value, as text, in value.
	JSONEach(column string) string
	// JSONFieldIs is the condition "the JSON object held as text in
	// column has the member key, equal to the text ?". Its placeholders
	// take keyArg, then the value.
	JSONFieldIs(column, key string) (cond string, keyArg any)
	// LockMigrations is the statement that the transaction applying a
	// migration runs first, so that two processes starting at once on one
	// database apply each migration once; "" where the engine's
	// transactions are serialised already.
	LockMigrations() string

	// Part E (the queue): what a claim says differently.

	// SkipLocked ends a SELECT of rows to claim from the table aliased
	// alias: where transactions run side by side (PostgreSQL), it locks
	// the rows it returns and skips those another transaction holds
	// locked, so that two dispatchers claiming at once take different
	// deliveries instead of waiting on each other; "" where a write
	// transaction holds the whole database (SQLite).
	SkipLocked(alias string) string

	// Part D (db copy): the catalogue, so that Copy copies the tables a
	// new migration adds without a list of them to keep.

	// Tables lists the tables of the store as the database's catalogue
	// has them (schema_migrations among them), with their columns, keys
	// and references.
	Tables(ctx context.Context, tx *sql.Tx) ([]Table, error)
	// ResetIDs moves the generator of t's Identity column past the
	// largest id in t, after Copy wrote rows with their ids.
	ResetIDs(ctx context.Context, tx *sql.Tx, t Table) error

	// Issue 14's review, lock: a notice changed by one transaction at a
	// time.

	// ForUpdate ends a SELECT so that it locks the rows it returns until
	// the transaction ends: a second transaction doing the same waits,
	// then reads what the first committed (PostgreSQL). "" where a write
	// transaction holds the whole database already (SQLite).
	ForUpdate() string
}

// ImportWrites is what an engine does its own way when an import writes:
// how a write transaction begins and how long it may last, and, where the
// engine has one, a bulk load faster than multi-row INSERTs.
type ImportWrites struct {
	// Begin is the statement that begins a write transaction, and takes
	// the locks that keep other writers from the contacts until it ends.
	Begin string
	// Busy reports whether err says another writer held the database,
	// so that the statement may be tried again.
	Busy func(err error) bool
	// Hold is how long one of the import's transactions may last; Yield
	// the longest pause after each, to let waiting writers in (SQLite has
	// one writer at a time; on PostgreSQL only writers of contacts wait).
	Hold, Yield time.Duration
	// Version, when set, reads a number that changes whenever another
	// connection writes (SQLite's data_version): a first import into an
	// empty store then skips looking its accounts up. Nil: always look.
	Version func(ctx context.Context, conn *sql.Conn) (int64, error)
	// Copy, when set, loads rows into the columns of table in one bulk
	// operation of the connection's transaction (PostgreSQL's COPY), and
	// NextIDs reserves n ids of table's identity column, for the rows
	// Copy adds. Nil: multi-row INSERT … RETURNING.
	Copy    func(ctx context.Context, conn *sql.Conn, table string, columns []string, rows [][]any) error
	NextIDs func(ctx context.Context, conn *sql.Conn, table string, n int) ([]int64, error)
}

// Database is an open database of one engine, as a Dialect gives it to
// the store.
type Database struct {
	DB *sql.DB
	// File is the SQLite file, beside which files of the store are kept
	// (the callback spool); "" for a database server.
	File string
	// Close, if not nil, ends what the engine runs beside DB (SQLite's
	// checkpointer); the store calls it before closing DB.
	Close func() error
	// LockImports takes the store's import lock without waiting: nil
	// and no error when another process's import holds it. The lock
	// ends when the returned Closer is closed or its holder dies.
	LockImports func(ctx context.Context) (io.Closer, error)
	// ImportConn opens the connection an import writes on, so that the
	// store's own stay free for the rest of the process; done closes it.
	ImportConn func(ctx context.Context) (conn *sql.Conn, done func(), err error)

	// Part C1: one campaign scheduler among several processes.

	// TryLead takes the role called name, which one process of the
	// database holds at a time, without waiting: nil and no error when
	// another process holds it. nil TryLead: the engine has one process
	// per database (SQLite), which always leads. See Store.TryLead.
	TryLead func(ctx context.Context, name string) (Lead, error)
}

var (
	dialectsMu sync.Mutex
	dialects   []Dialect
)

// Register makes the dialect d available to Open; a dialect package calls
// it from init, as database/sql drivers do, and a program imports the
// packages of the engines it serves.
func Register(d Dialect) {
	dialectsMu.Lock()
	defer dialectsMu.Unlock()
	for _, have := range dialects {
		if have.Name() == d.Name() {
			return
		}
	}
	dialects = append(dialects, d)
}

// dialectFor returns the registered dialect that accepts dsn.
func dialectFor(dsn string) (Dialect, error) {
	dialectsMu.Lock()
	defer dialectsMu.Unlock()
	for _, d := range dialects {
		if d.Accepts(dsn) {
			return d, nil
		}
	}
	return nil, errorf(Invalid, "database %s: no engine for it in this program (SQLite takes a file path such as crier.db, PostgreSQL a postgres:// URL)", RedactDSN(dsn))
}
