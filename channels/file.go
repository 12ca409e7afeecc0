package channels

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteFileAtomic writes data to the file at path whole or not at all, so
// that a person or a mail house never finds half a message and a crash
// never leaves one: data goes to a temporary file in the same folder (a
// hidden one, named after path), which is flushed to disk, given the
// permissions perm and renamed over path. A second write replaces the
// first. The folders on the way are created (0755) as needed.
//
// Concurrent writes of the same path leave one of them, whole. Where the
// folder itself cannot be flushed (some file systems), the rename is durable
// once the system flushes it.
func WriteFileAtomic(path string, data []byte, perm fs.FileMode) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(data)
	serr := tmp.Sync()
	perr := tmp.Chmod(perm)
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, perr, cerr); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	// The rename is in the folder: flush it too, where the system allows.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
