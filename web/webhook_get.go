package web

import "net/http"

// webhookGetRoutes answers a browser or curl opening a webhook's address
// (someone checking that the proxy reaches Crier) with 405 and Allow:
// POST rather than the catch-all's 404, which would say the route is not
// there. Only Twilio's signed POST does anything at these addresses.
func (s *Server) webhookGetRoutes(mux *http.ServeMux) {
	for _, path := range []string{"/webhooks/twilio/sms", "/webhooks/twilio/status"} {
		mux.Handle("GET "+path, s.limited(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", http.MethodPost)
			s.fail(w, r, http.StatusMethodNotAllowed)
		})))
	}
}
