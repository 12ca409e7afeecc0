package scheduler_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	printch "github.com/crier-notices/crier/channels/print"
	"github.com/crier-notices/crier/internal/testenv"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
)

// TestOneInstancePrintsANotice: two crier serve on one PostgreSQL, each
// with its own print_dir, dispatch notices with letters at once: each
// notice's letters are written whole by one instance (letters.pdf and a
// manifest naming every letter, beside its flyer, in that instance's
// print_dir) and nothing of that notice in the other's.
func TestOneInstancePrintsANotice(t *testing.T) {
	dsn := testenv.PostgresURL(t)
	if dsn == "" {
		t.Skip("no PostgreSQL (CRIER_TEST_POSTGRES)")
	}
	ctx := context.Background()
	lib := library(t)
	var stores []*notices.Store
	for range 2 {
		s, err := notices.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores = append(stores, s)
	}
	// Every other customer can only be reached by post: a letter each.
	importContacts(t, stores[0], "all", 60, func(i int) customer {
		c := gen(i)
		if i%2 == 0 {
			c.email, c.mobile = "", ""
		}
		return c
	})
	const rounds = 4
	for round := range rounds {
		ids := []int64{
			publish(t, stores[0], lib, "hydrant-flushing", "all", notices.Normal, notices.Print),
			publish(t, stores[0], lib, "hydrant-flushing", "all", notices.Normal, notices.Print),
		}
		dirs := []string{t.TempDir(), t.TempDir()}
		var wg sync.WaitGroup
		for i, s := range stores {
			d := newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{notices.Print: {Sender: printch.New(dirs[i])}},
				func(c *scheduler.Config) { c.Worker = fmt.Sprintf("instance-%d-%d", i, round) })
			wg.Go(func() { drain(t, d, time.Minute) })
		}
		wg.Wait()
		for _, id := range ids {
			total := report(t, stores[0], id).Channel(notices.Print).Total
			var in []string
			for _, dir := range dirs {
				if _, err := os.Stat(filepath.Join(dir, fmt.Sprintf("notice-%d", id))); err == nil {
					in = append(in, dir)
				}
			}
			if len(in) != 1 {
				t.Fatalf("round %d: notice %d's documents are in %d print_dirs; want one", round, id, len(in))
			}
			manifest, err := os.ReadFile(filepath.Join(in[0], fmt.Sprintf("notice-%d", id), "letters.csv"))
			if err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(bytes.NewReader(manifest)).ReadAll()
			if err != nil || len(rows)-1 != total || total == 0 {
				t.Errorf("round %d: notice %d's manifest lists %d letters (%v); want all %d", round, id, len(rows)-1, err, total)
			}
		}
	}
}
