package sqlite

import (
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"testing"
)

// TestCheckpointerMakesNoDatabase: the checkpointer of a database that was
// moved or deleted while open does not make a new, empty one in its place.
func TestCheckpointerMakesNoDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crier.db")
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	c, err := startCheckpointer(path, q)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.checkpoint(); err == nil {
		t.Error("a checkpoint of a database that is not there: no error")
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s: %v; want no file made", path, err)
	}
}
