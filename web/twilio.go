package web

import (
	"errors"
	"net/http"

	"github.com/twilio/twilio-go/client"
)

// twilioSigned lets through to h only a request Twilio signed: its
// X-Twilio-Signature must be the HMAC, under the account's auth token, of
// the address Twilio posted to (public_url and the path and query it
// reached us with) and the posted form. Anything else gets 403 and
// reaches nothing; addresses that keep sending bad signatures are slowed
// down with 429. When h runs, r.PostForm holds the form.
func (s *Server) twilioSigned(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			status := http.StatusBadRequest
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				status = http.StatusRequestEntityTooLarge
			}
			http.Error(w, "the request's form cannot be read", status)
			return
		}
		if s.validTwilio(r) {
			h(w, r)
			return
		}
		if !s.forged.allow(clientAddr(r), s.now()) {
			tooMany(w, r, s)
			return
		}
		s.log.Warn("web: refused a Twilio request without a valid signature", "path", logPath(r.URL.Path),
			"signed", r.Header.Get("X-Twilio-Signature") != "", "twilio_configured", s.cfg.TwilioAuthToken != "")
		http.Error(w, "forbidden", http.StatusForbidden)
	}
}

// validTwilio reports whether r carries Twilio's signature for
// PublicURL + r.URL.RequestURI() and its parsed form.
func (s *Server) validTwilio(r *http.Request) bool {
	sig := r.Header.Get("X-Twilio-Signature")
	if s.cfg.TwilioAuthToken == "" || s.cfg.PublicURL == "" || sig == "" {
		return false
	}
	params := make(map[string]string, len(r.PostForm))
	for k, vs := range r.PostForm {
		if len(vs) != 1 {
			return false // Twilio sends each parameter once
		}
		params[k] = vs[0]
	}
	v := client.NewRequestValidator(s.cfg.TwilioAuthToken)
	return v.Validate(s.cfg.PublicURL+r.URL.RequestURI(), params, sig)
}
