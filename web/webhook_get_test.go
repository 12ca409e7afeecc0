package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestWebhookAddressOpenedInABrowser: opening a webhook's address (GET or
// HEAD, as a person checking the proxy does) answers 405 with Allow: POST,
// not 404, so the route is seen to be there.
func TestWebhookAddressOpenedInABrowser(t *testing.T) {
	s, _ := newTestServer(t, nil)
	h := s.Handler()
	tests := []struct{ name, method, path string }{
		{"GET replies", http.MethodGet, "/webhooks/twilio/sms"},
		{"GET status", http.MethodGet, "/webhooks/twilio/status"},
		{"HEAD status", http.MethodHead, "/webhooks/twilio/status"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, tc.path, nil)
			r.RemoteAddr = "203.0.113.9:5000"
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			io.Copy(io.Discard, w.Body)
			if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != http.MethodPost {
				t.Errorf("%s %s: %d, Allow %q; want 405 with Allow: POST", tc.method, tc.path, w.Code, w.Header().Get("Allow"))
			}
		})
	}
}
