package main

import (
	"fmt"
	"io"
	"strings"
)

// sayWoken tells the coordinator whether a running crier serve took what
// was just queued, and what to do if none did.
func sayWoken(w io.Writer, woken []string, otherwise string) {
	if len(woken) > 0 {
		// Every instance woken claims its share: name them all.
		fmt.Fprintf(w, "crier serve (%s) has it now\n", strings.Join(woken, ", "))
		return
	}
	fmt.Fprintln(w, otherwise)
}
