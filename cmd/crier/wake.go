package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/crier-notices/crier/notices"
)

// wakeServers tells every crier serve running on the database to look at
// the queue and the campaigns now (POST /wake on its admin address), so
// that what a command just queued, rescheduled or resumed goes at once
// rather than at the server's next poll. It returns the addresses that
// answered; a server that does not answer is taken for gone.
func wakeServers(ctx context.Context, s *notices.Store) []string {
	servers, err := s.Servers(ctx)
	if err != nil {
		return nil
	}
	client := &http.Client{Timeout: 2 * time.Second}
	var woken []string
	for _, sv := range servers {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, sv.AdminURL+"/wake", nil)
		if err != nil {
			continue
		}
		resp, err := client.Do(req)
		if err != nil {
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusNoContent || resp.StatusCode == http.StatusOK {
			woken = append(woken, sv.AdminURL)
		}
	}
	return woken
}

// sayWoken tells the coordinator whether a running crier serve took what
// was just queued, and what to do if none did.
func sayWoken(w io.Writer, woken []string, otherwise string) {
	if len(woken) > 0 {
		fmt.Fprintf(w, "crier serve (%s) has it now\n", woken[0])
		return
	}
	fmt.Fprintln(w, otherwise)
}
