//go:build !unix

package sqlite

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// tryLockFile takes the import lock by creating the file at path, without
// waiting; it returns nil when the file exists. Without flock a dead
// importer's file stays behind: remove it by hand once no import runs.
func tryLockFile(path string) (io.Closer, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if os.IsExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("import lock %s: %w", path, err)
	}
	return removeOnClose{f}, nil
}

type removeOnClose struct{ f *os.File }

func (r removeOnClose) Close() error {
	return errors.Join(r.f.Close(), os.Remove(r.f.Name()))
}
