//go:build unix

package sqlite

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// tryLockFile takes an exclusive lock on the file at path, creating it,
// without waiting. It returns the open file, to close to release the lock,
// or nil when another process (or another open of the file in this one)
// holds it. The kernel releases the lock when its holder dies, however it
// dies: that is how a dead importer is told from a live one, with no PID.
func tryLockFile(path string) (io.Closer, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("import lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, nil
		}
		return nil, fmt.Errorf("import lock %s: %w", path, err)
	}
	return f, nil
}
