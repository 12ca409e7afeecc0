package web

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/crier-notices/crier/scheduler"
)

// AdminHandler answers on crier serve's admin address, apart from the
// public routes and on loopback: GET /healthz (the process is up), GET
// /readyz (the service svc works and its database answers) and POST /wake
// (look at the queue and the campaigns now; see WakeServers).
func AdminHandler(svc *scheduler.Service, s adminStore) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !svc.Ready() {
			http.Error(w, "not ready: starting or stopping", http.StatusServiceUnavailable)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.Ping(ctx); err != nil {
			http.Error(w, "not ready: the database does not answer", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ready\n")
	})
	mux.HandleFunc("POST /wake", func(w http.ResponseWriter, r *http.Request) {
		svc.Wake()
		if !svc.Ready() {
			// Stopping (or not started): it must not be said to have it.
			http.Error(w, "not ready: starting or stopping", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

// WakeServers tells every crier serve running on the database to look at
// the queue and the campaigns now (POST /wake on its admin address), so
// that what a command just queued, rescheduled or resumed goes at once
// rather than at the server's next poll. It returns the addresses that
// answered; a server that does not answer is taken for gone.
func WakeServers(ctx context.Context, s adminStore) []string {
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
