package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// testToken is the Twilio auth token of the test servers.
const testToken = "test-auth-token-0123456789abcdef"

// testPublicURL is the public address of the test servers.
const testPublicURL = "https://notices.water.example.org"

// newTestServer returns a server on a new SQLite store with the built-in
// templates, after edit (if any) has changed its configuration.
func newTestServer(t testing.TB, edit func(*Config)) (*Server, *notices.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := notices.Open(ctx, filepath.Join(t.TempDir(), "crier.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	lib, problems := templates.Builtin()
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		PublicURL:       testPublicURL,
		Store:           st,
		Library:         lib,
		Utility:         templates.Utility{Name: "Clearwater County Water Board", Phone: "+1 555 0100", Location: ny},
		DefaultLanguage: "en",
		TwilioAuthToken: testToken,
	}
	if edit != nil {
		edit(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, st
}

// twilioSignature signs as Twilio does: HMAC-SHA1 under the auth token of
// the full address followed by each posted parameter's name and value,
// sorted by name, in base64.
func twilioSignature(token, address string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(address)
	for _, k := range keys {
		for _, v := range form[k] {
			b.WriteString(k + v)
		}
	}
	mac := hmac.New(sha1.New, []byte(token))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// signedPost posts form to path (with its query, if any) on s, signed as
// Twilio signs for the server's public address, and returns the answer.
func signedPost(t testing.TB, s *Server, path string, form url.Values) *http.Response {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-Twilio-Signature", twilioSignature(s.cfg.TwilioAuthToken, s.cfg.PublicURL+path, form))
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	return w.Result()
}
