package web

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/crier-notices/crier/notices"
)

// lockedBuffer is a log's output that the server's goroutines write and
// the test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestSecretsStayOutOfTheLog: with the log at its most detailed (debug),
// the one-time setup address's token, a password (right or wrong), a
// session's token and an API token (live or not) never reach it, whether
// the request passes or is refused (a wrong sign-in, a cross-site post, an
// unknown token).
func TestSecretsStayOutOfTheLog(t *testing.T) {
	var out lockedBuffer
	s, st, ts := newConsoleServer(t, func(c *Config) {
		c.Log = slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	ctx := context.Background()
	setup, err := s.SetupURL(ctx, ts.Listener.Addr())
	if err != nil || setup == "" {
		t.Fatalf("SetupURL: %q, %v", setup, err)
	}
	setupToken := setup[strings.LastIndex(setup, "/")+1:]
	client := newClient()
	if resp, err := client.Get(ts.URL + "/console/setup/" + setupToken); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("setup page: %v, %v", resp, err)
	}
	crossSite, _ := http.NewRequest("POST", ts.URL+"/console/setup/"+setupToken, strings.NewReader("name=x"))
	crossSite.Header.Set("Sec-Fetch-Site", "cross-site")
	crossSite.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err := client.Do(crossSite); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site setup: %v, %v", resp, err)
	}

	addTestUser(t, s, "ana", notices.RoleCoordinator)
	const wrong = "not the reservoir password"
	postForm(t, newClient(), ts, "/console/login", url.Values{"name": {"ana"}, "password": {wrong}}, "")
	signedIn := newClient()
	if resp := postForm(t, signedIn, ts, "/console/login", url.Values{"name": {"ana"}, "password": {testPassword}}, ""); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	base, _ := url.Parse(ts.URL + ConsolePrefix)
	var session string
	for _, c := range signedIn.Jar.Cookies(base) {
		if c.Name == sessionCookie {
			session = c.Value
		}
	}
	if resp, err := signedIn.Get(ts.URL + "/console/notices"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("a page signed in: %v, %v", resp, err)
	}

	token, err := st.CreateToken(ctx, "work-orders", notices.RoleViewer)
	if err != nil {
		t.Fatal(err)
	}
	const unknown = "crier_not-a-token-of-this-server"
	for _, tok := range []string{token, unknown} {
		req, _ := http.NewRequest("GET", ts.URL+"/api/v1/notices", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		if _, err := http.DefaultClient.Do(req); err != nil {
			t.Fatal(err)
		}
	}

	log := out.String()
	if !strings.Contains(log, "web request") {
		t.Fatalf("the test logged no request at debug level:\n%s", log)
	}
	for name, secret := range map[string]string{
		"the setup token": setupToken, "a wrong password": wrong, "a password": testPassword,
		"a session's token": session, "an API token": token, "an unknown token": unknown,
	} {
		if secret == "" {
			t.Fatalf("%s is empty", name)
		}
		if strings.Contains(log, secret) {
			t.Errorf("the log holds %s:\n%s", name, log)
		}
	}
}
