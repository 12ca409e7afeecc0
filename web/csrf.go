package web

import (
	"net/http"
	"net/url"
	"strings"
)

// sameOrigin refuses, on the console's and the API's routes, a
// state-changing request that a browser says comes from another site
// (Go's http.CrossOriginProtection: Sec-Fetch-Site, else Origin against
// Host), so that a page elsewhere cannot make a signed-in coordinator's
// browser send a notice. A request with neither header (a server calling
// the API with its token, curl) is no browser's and passes. The public
// routes are left alone: Twilio and the mailbox providers post to them
// from elsewhere by design.
func (s *Server) sameOrigin(h http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	if u, err := url.Parse(s.cfg.PublicURL); err == nil && u.Scheme != "" && u.Host != "" {
		// Behind a reverse proxy that does not pass the Host on, the
		// browser's Origin is public_url's.
		if err := cop.AddTrustedOrigin(u.Scheme + "://" + u.Host); err != nil {
			s.log.Warn("web: public_url is no origin for the console's cross-site check", "err", err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Info("web: a cross-site request was refused", "method", r.Method, "path", logPath(r.URL.Path), "origin", r.Header.Get("Origin"))
		if strings.HasPrefix(r.URL.Path, APIPrefix) {
			apiError(w, http.StatusForbidden, "cross-site requests are refused: call the API from a server with a token, not from another site's page")
			return
		}
		s.fail(w, r, http.StatusForbidden)
	}))
	guarded := cop.Handler(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, ConsolePrefix) || strings.HasPrefix(r.URL.Path, APIPrefix) {
			guarded.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}
