package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// contactsExportCmd is `crier contacts export`.
type contactsExportCmd struct {
	List string `help:"Export only the members of this list." placeholder:"NAME"`
	Out  string `help:"Write the CSV to this file (default: standard output)." placeholder:"FILE" type:"path"`
}

func (c contactsExportCmd) Run(e *env) (err error) {
	_, s, err := e.existingStore()
	if err != nil {
		return err
	}
	defer s.Close()
	var w io.Writer = e.stdout
	var f *os.File
	if c.Out != "" {
		// Write beside the target and rename, so a failed export never
		// leaves half a file under the name asked for.
		f, err = os.CreateTemp(filepath.Dir(c.Out), ".crier-export-*.csv")
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		defer func() {
			if err != nil {
				f.Close()
				os.Remove(f.Name())
			}
		}()
		w = f
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	n, err := s.Export(context.Background(), bw, c.List)
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if f != nil {
		if err := errors.Join(f.Sync(), f.Close()); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if err := os.Rename(f.Name(), c.Out); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		fmt.Fprintf(e.stderr, "exported %d contact(s) to %s\n", n, c.Out)
	}
	return nil
}
