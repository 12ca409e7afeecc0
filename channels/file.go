package channels

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
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

// UnwritableFolder returns err, from WriteFileAtomic writing a file in the
// folder dir, as the error of a channel out of order (Broken and Permanent)
// when a folder cannot be written for good: permission denied, or a
// read-only file system. Every other message would fail alike, so the
// channel is better paused with the reason than each delivery retried to
// its end. The reason names the folder refused (dir or one above it) and
// what to do. For any other err, such as a full disk, which may be freed,
// UnwritableFolder returns nil: the failure is transient.
func UnwritableFolder(dir string, err error) *Error {
	fix := "fix its permissions"
	switch {
	case errors.Is(err, syscall.EROFS):
		fix = "mount it read-write or choose another folder"
	case !errors.Is(err, fs.ErrPermission):
		return nil
	}
	// The path in the error is a folder that could not be made in the
	// folder refused, or a file in it; a folder's may end in a separator.
	cause := err
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		dir, cause = filepath.Dir(filepath.Clean(pe.Path)), pe.Err
	case errors.As(err, &le):
		dir, cause = filepath.Dir(filepath.Clean(le.New)), le.Err
	}
	return &Error{Permanent: true, Broken: true, Reason: fmt.Sprintf("the folder %s cannot be written: %v; %s", dir, cause, fix), Err: err}
}
