package main

import (
	"fmt"
	"io"
)

// sayWoken tells the coordinator whether a running crier serve took what
// was just queued, and what to do if none did.
func sayWoken(w io.Writer, woken []string, otherwise string) {
	if len(woken) > 0 {
		fmt.Fprintf(w, "crier serve (%s) has it now\n", woken[0])
		return
	}
	fmt.Fprintln(w, otherwise)
}
