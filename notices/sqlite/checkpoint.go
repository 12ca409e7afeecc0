package sqlite

import (
	"database/sql"
	"maps"
	"net/url"
	"sync"
	"time"
)

// A checkpoint copies the pages the write-ahead log holds into the
// database file and syncs both. Left to SQLite, it runs inside the commit
// that takes the log past wal_autocheckpoint pages: during a large send,
// every ~70 ms one outcome's commit copies a thousand pages and waits for
// two fsyncs, and every sender waiting for that commit waits with it
// (100,000 text messages: 20% of the send). The checkpointer does it on
// a connection of its own, beside the store's, which SQLite allows in WAL
// mode: a passive checkpoint waits for no one and no one waits for it.
const (
	// checkpointSoon is the checkpointer's pace while the log grows: a
	// large send writes ~1,500 pages in that time. (At 50 ms, copying the
	// pages written again since the round before cost 4% more CPU an
	// email.)
	checkpointSoon = 100 * time.Millisecond
	// checkpointIdle is its longest wait while nothing is written: a
	// large send beginning meanwhile writes a few thousand pages by the
	// next round, well under the backstop.
	checkpointIdle = 250 * time.Millisecond
	// backstopPages is the store connection's own wal_autocheckpoint,
	// for a log the checkpointer has fallen behind on (or a process that
	// ends before its first round): 8,000 pages, 32 MB of 4 KB pages.
	backstopPages = 8000
)

// checkpointer runs passive checkpoints of the database source on a
// connection of its own until closed.
type checkpointer struct {
	db    *sql.DB
	stop  chan struct{}
	done  chan struct{}
	close sync.Once
}

// startCheckpointer starts checkpointing the database at path, opened
// with the store's settings q. Its connection is opened at its first
// round (a command that ends sooner opens none), and only to a file that
// exists: a database moved or deleted meanwhile is not made again, empty.
func startCheckpointer(path string, q url.Values) (*checkpointer, error) {
	q = maps.Clone(q)
	q.Set("mode", "rw")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	c := &checkpointer{db: db, stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c, nil
}

// run checkpoints every checkpointSoon while the log changes between
// rounds, and waits twice as long after each round that found it as it
// was, up to checkpointIdle.
func (c *checkpointer) run() {
	defer close(c.done)
	wait := checkpointSoon
	t := time.NewTimer(wait)
	defer t.Stop()
	var last walState
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		st, err := c.checkpoint()
		if err == nil && st != last {
			wait = checkpointSoon
		} else {
			// Nothing new, or an error (the file gone): try again later.
			// (A checkpoint of another process under way is no error.)
			// What this one cannot copy, the backstop does.
			wait = min(2*wait, checkpointIdle)
		}
		last = st
		t.Reset(wait)
	}
}

// walState is what a passive checkpoint reports: the log's pages, and how
// many of them are in the database file.
type walState struct{ log, copied int }

func (c *checkpointer) checkpoint() (walState, error) {
	var busy int
	var st walState
	err := c.db.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &st.log, &st.copied)
	return st, err
}

// Close stops the checkpointer and closes its connection: before the
// store's own, whose close then finds the log no other connection
// holds, checkpoints the rest and removes it. Closing again does nothing,
// as a store's Close may be called twice.
func (c *checkpointer) Close() error {
	var err error
	c.close.Do(func() {
		close(c.stop)
		<-c.done
		err = c.db.Close()
	})
	return err
}
