package web

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/crier-notices/crier/notices"
)

// RunningServers sorts the crier serve processes announced in the store
// into those whose admin address answers GET /healthz now (running) and
// those that do not (silent: gone without saying so, or on a machine this
// one cannot reach). It wakes none of them, unlike WakeServers.
func RunningServers(ctx context.Context, s adminStore) (running, silent []notices.Server, err error) {
	servers, err := s.Servers(ctx)
	if err != nil {
		return nil, nil, err
	}
	client := &http.Client{Timeout: 2 * time.Second}
	for _, sv := range servers {
		if healthy(ctx, client, sv.AdminURL) {
			running = append(running, sv)
		} else {
			silent = append(silent, sv)
		}
	}
	return running, silent, nil
}

// healthy says whether GET /healthz at the admin address answers 200.
func healthy(ctx context.Context, client *http.Client, admin string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, admin+"/healthz", nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
