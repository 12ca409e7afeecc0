package channels

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestUnwritableFolder(t *testing.T) {
	outbox := filepath.Join("srv", "crier", "outbox")
	tests := []struct {
		name   string
		err    error
		reason string // "": transient, UnwritableFolder returns nil
	}{
		{
			// WriteFileAtomic makes the folder with a trailing separator.
			name:   "a folder that cannot be made",
			err:    &fs.PathError{Op: "mkdir", Path: filepath.Join(outbox, "email") + string(filepath.Separator), Err: syscall.EACCES},
			reason: "the folder " + outbox + " cannot be written: permission denied; fix its permissions",
		},
		{
			name:   "a folder where no file can be made",
			err:    &fs.PathError{Op: "open", Path: filepath.Join(outbox, "email", ".d1.eml.tmp-*"), Err: syscall.EPERM},
			reason: "the folder " + filepath.Join(outbox, "email") + " cannot be written: operation not permitted; fix its permissions",
		},
		{
			name:   "a file that cannot be renamed into place",
			err:    &os.LinkError{Op: "rename", Old: filepath.Join(outbox, "sms", ".d1.json.tmp-1"), New: filepath.Join(outbox, "sms", "d1.json"), Err: syscall.EACCES},
			reason: "the folder " + filepath.Join(outbox, "sms") + " cannot be written: permission denied; fix its permissions",
		},
		{
			name:   "a read-only file system",
			err:    &fs.PathError{Op: "mkdir", Path: filepath.Join(outbox, "email"), Err: syscall.EROFS},
			reason: "the folder " + outbox + " cannot be written: read-only file system; mount it read-write or choose another folder",
		},
		{
			name:   "without a path",
			err:    syscall.EACCES,
			reason: "the folder " + filepath.Join(outbox, "email") + " cannot be written: permission denied; fix its permissions",
		},
		{name: "a full disk", err: &fs.PathError{Op: "write", Path: filepath.Join(outbox, "email", ".d1.eml.tmp-1"), Err: syscall.ENOSPC}},
		{name: "a full disk and a failed close", err: errors.Join(&fs.PathError{Op: "write", Path: "f", Err: syscall.ENOSPC}, &fs.PathError{Op: "close", Path: "f", Err: syscall.EIO})},
		{name: "a file in the way of the folder", err: &fs.PathError{Op: "mkdir", Path: filepath.Join(outbox, "email"), Err: syscall.ENOTDIR}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := UnwritableFolder(filepath.Join(outbox, "email"), tt.err)
			if tt.reason == "" {
				if e != nil {
					t.Errorf("got %v, want nil: a transient failure", e)
				}
				return
			}
			if e == nil || !e.Broken || !e.Permanent || e.Reason != tt.reason || !errors.Is(e, tt.err) {
				t.Errorf("got %#v;\nwant Broken, Permanent, the reason %q and the cause", e, tt.reason)
			}
		})
	}
}

// TestWriteFileAtomicUnwritableFolder writes in a folder without write
// permission, which only a user other than root is refused.
func TestWriteFileAtomicUnwritableFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes in any folder whatever its permissions: run the tests as another user to check a refused folder")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	for _, path := range []string{filepath.Join(dir, "d1.eml"), filepath.Join(dir, "email", "d1.eml")} {
		err := WriteFileAtomic(path, []byte("x"), 0o600)
		want := "the folder " + dir + " cannot be written: permission denied; fix its permissions"
		if e := UnwritableFolder(filepath.Dir(path), err); e == nil || e.Reason != want || !IsBroken(e) || !IsPermanent(e) {
			t.Errorf("%s: %v; want a broken channel: %s", path, err, want)
		}
	}
}
