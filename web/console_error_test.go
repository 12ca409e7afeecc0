package web

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestConsoleErrorPagesLeadBackToTheConsole: a refused or missing console
// address says what happened in the coordinator's words and leads back to
// the console, not to the customers' notices.
func TestConsoleErrorPagesLeadBackToTheConsole(t *testing.T) {
	_, _, ts := newConsoleServer(t, nil)
	tests := []struct {
		name, method, path string
		status             int
		want               string
	}{
		{"a setup address used or wrong", "GET", "/console/setup/used-token", http.StatusNotFound, "a setup address works once"},
		{"a write without a session", "POST", "/console/notices/1/cancel", http.StatusUnauthorized, "sign in to the console"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, ts.URL+tt.path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			page := string(b)
			if resp.StatusCode != tt.status || !strings.Contains(page, tt.want) || !strings.Contains(page, `<a href="/console/">The console</a>`) {
				t.Errorf("%s %s: %d\n%s", tt.method, tt.path, resp.StatusCode, page)
			}
		})
	}
	resp, err := http.Get(ts.URL + "/nowhere")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `<a href="/notices">Notices</a>`) {
		t.Errorf("a customer's 404 no longer leads to the notices:\n%s", b)
	}
}
