package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

// TestEveryAnswerIsProtected: whatever the route and outcome, the answer
// carries the security headers, and an error page shows no internals.
func TestEveryAnswerIsProtected(t *testing.T) {
	s, _ := newTestServer(t, nil)
	tests := []struct {
		name, method, path string
		want               int
	}{
		{"unknown page", http.MethodGet, "/wp-login.php", http.StatusNotFound},
		{"stylesheet", http.MethodGet, "/assets/crier.css", http.StatusOK},
		{"unknown asset", http.MethodGet, "/assets/crier.db", http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			s.Handler().ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
			if w.Code != tc.want {
				t.Errorf("status %d; want %d", w.Code, tc.want)
			}
			for h, want := range map[string]string{
				"Content-Security-Policy": contentSecurityPolicy,
				"X-Content-Type-Options":  "nosniff",
				"Referrer-Policy":         "no-referrer",
				"X-Frame-Options":         "DENY",
			} {
				if got := w.Header().Get(h); got != want {
					t.Errorf("%s: %q; want %q", h, got, want)
				}
			}
		})
	}
}

// TestPanicShowsNoInternals: a handler that panics gives the customer a
// plain 500 page, without the panic's words or a stack.
func TestPanicShowsNoInternals(t *testing.T) {
	s, _ := newTestServer(t, nil)
	h := s.protect(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("notices: row 42: secret-internal-detail")
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/n/abc", nil))
	body := w.Body.String()
	if w.Code != http.StatusInternalServerError {
		t.Errorf("status %d; want 500", w.Code)
	}
	for _, leak := range []string{"secret-internal-detail", "goroutine", ".go:", "row 42"} {
		if strings.Contains(body, leak) {
			t.Errorf("the 500 page shows %q:\n%s", leak, body)
		}
	}
	if w.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Error("the 500 page lost the security headers")
	}
}

// TestBodyLimit: a body beyond the limit is refused before it is read
// whole, and nothing reaches the handler.
func TestBodyLimit(t *testing.T) {
	s, _ := newTestServer(t, nil)
	reached := false
	h := s.protect(s.twilioSigned(func(http.ResponseWriter, *http.Request) { reached = true }))
	big := url.Values{"Body": {strings.Repeat("x", maxBody)}}
	w := httptest.NewRecorder()
	r := twilioRequest("/webhooks/twilio/sms", big, twilioSignature(testToken, testPublicURL+"/webhooks/twilio/sms", big))
	h.ServeHTTP(w, r)
	if reached || w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("reached %v, status %d; want refused with 413", reached, w.Code)
	}
}

// TestRateLimitPerAddress: one address is stopped with 429 after its
// burst; another address is not.
func TestRateLimitPerAddress(t *testing.T) {
	s, _ := newTestServer(t, nil)
	h := s.Handler()
	get := func(remote, xff string) int {
		r := httptest.NewRequest(http.MethodGet, "/assets/crier.css", nil)
		r.RemoteAddr = remote
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		io.Copy(io.Discard, w.Body)
		return w.Code
	}
	limited := 0
	for range publicBurst + 10 {
		if get("203.0.113.7:5000", "") == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited == 0 {
		t.Fatalf("%d requests at once from one address: none limited", publicBurst+10)
	}
	if code := get("203.0.113.8:5000", ""); code != http.StatusOK {
		t.Errorf("another address: %d; want 200", code)
	}
	// A client cannot escape its limit by naming another address...
	if code := get("203.0.113.7:5001", "198.51.100.1"); code != http.StatusTooManyRequests {
		t.Errorf("the limited address with its own X-Forwarded-For: %d; want 429", code)
	}
	// ...but behind a proxy on this machine each customer has their own.
	if code := get("127.0.0.1:6000", "203.0.113.7, 198.51.100.2"); code != http.StatusOK {
		t.Errorf("a customer behind the local proxy: %d; want 200", code)
	}
}

func TestClientAddr(t *testing.T) {
	tests := []struct{ remote, xff, want string }{
		{"203.0.113.7:5000", "", "203.0.113.7"},
		{"203.0.113.7:5000", "198.51.100.1", "203.0.113.7"},
		{"127.0.0.1:5000", "198.51.100.1", "198.51.100.1"},
		{"127.0.0.1:5000", "10.0.0.1, 198.51.100.1", "198.51.100.1"},
		{"127.0.0.1:5000", "nonsense", "127.0.0.1"},
		{"[::1]:5000", "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::"},
		{"[2001:db8:1:2::9]:5000", "", "2001:db8:1:2::"},
		{"[::ffff:203.0.113.7]:5000", "", "203.0.113.7"},
	}
	for _, tc := range tests {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := clientAddr(r); got != netip.MustParseAddr(tc.want) {
			t.Errorf("clientAddr(%s, X-Forwarded-For %q) = %s; want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
}

func TestLogPathHidesLinks(t *testing.T) {
	for _, p := range []string{"/unsubscribe/12/AbCdEf", "/n/abc2345678", "/cap/abc2345678.xml"} {
		if got := logPath(p); strings.ContainsAny(got, "0123456789") {
			t.Errorf("logPath(%q) = %q: it shows the link", p, got)
		}
	}
}
