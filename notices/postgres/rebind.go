package postgres

import (
	"context"
	"database/sql/driver"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5/stdlib"
)

// connector makes connections that number the store's ? placeholders.
type connector struct{ driver.Connector }

func (c connector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &conn{dc.(*stdlib.Conn)}, nil
}

// pgxConn names the embedded connection so that its methods, Conn (the
// *pgx.Conn, for COPY) among them, are promoted: conn is a *stdlib.Conn
// in every way but the query text.
type pgxConn = stdlib.Conn

type conn struct{ *pgxConn }

func (c *conn) Prepare(query string) (driver.Stmt, error) {
	return c.pgxConn.Prepare(Rebind(query))
}

func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.pgxConn.PrepareContext(ctx, Rebind(query))
}

func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.pgxConn.ExecContext(ctx, Rebind(query), args)
}

func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.pgxConn.QueryContext(ctx, Rebind(query), args)
}

// rebound keeps query → its PostgreSQL text for the store's statements,
// which are few; a program building texts of its own (an IN list of each
// length, a bench) would make the map grow without end, so it stops
// taking new texts at maxRebound and Rebind then works each one out anew.
var (
	rebound      sync.Map
	reboundCount atomic.Int64
)

const maxRebound = 4096

// Rebind numbers the placeholders of query as PostgreSQL wants them: ?
// becomes $1, $2, … and ?N becomes $N, with SQLite's rule for a bare ?
// after numbered ones (one more than the largest so far). Quoted strings,
// quoted names and comments are left as they are.
func Rebind(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	if q, ok := rebound.Load(query); ok {
		return q.(string)
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	highest := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(query) && query[j] != c {
				j++
			}
			b.WriteString(query[i:min(j+1, len(query))])
			i = j
		case c == '-' && i+1 < len(query) && query[i+1] == '-':
			j := strings.IndexByte(query[i:], '\n')
			if j < 0 {
				j = len(query) - i
			}
			b.WriteString(query[i : i+j])
			i += j - 1
		case c == '?':
			j := i + 1
			for j < len(query) && query[j] >= '0' && query[j] <= '9' {
				j++
			}
			n := highest + 1
			if j > i+1 {
				n, _ = strconv.Atoi(query[i+1 : j])
			}
			highest = maxInt(highest, n)
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	q := b.String()
	if reboundCount.Load() < maxRebound {
		if _, loaded := rebound.LoadOrStore(query, q); !loaded {
			reboundCount.Add(1)
		}
	}
	return q
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}
