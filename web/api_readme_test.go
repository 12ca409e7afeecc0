package web

import (
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/crier-notices/crier/notices"
)

// TestREADMEAPIExample: the curl command of the README's section "The
// JSON API" works as written: its method, path, headers and body sent
// with a coordinator's token make a notice.
func TestREADMEAPIExample(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## The JSON API\n")
	if !ok {
		t.Fatal("README.md has no section The JSON API")
	}
	m := regexp.MustCompile("(?s)```sh\ncurl (\\S+) \\\\\n(.*?) -d '(.*?)'\n```").FindStringSubmatch(section)
	if m == nil {
		t.Fatal("the section has no curl example with a body")
	}
	_, path, ok := strings.Cut(m[1], "://")
	path = path[strings.Index(path, "/"):]
	if !ok || path != "/api/v1/notices" {
		t.Fatalf("the example calls %s, want /api/v1/notices", m[1])
	}
	var header []string
	for _, h := range regexp.MustCompile(`-H "([^:]+): ([^"]+)"`).FindAllStringSubmatch(m[2], -1) {
		if h[1] != "Authorization" {
			header = append(header, h[1], h[2])
		}
	}
	if len(header) != 4 || !strings.Contains(m[2], `-H "Authorization: Bearer $CRIER_TOKEN"`) {
		t.Fatalf("headers %q: want the token, Content-Type and Idempotency-Key", m[2])
	}
	a := newAPIServer(t, nil)
	importContacts(t, a.store)
	resp := a.clients[notices.RoleCoordinator].do("POST", path, m[3], header...)
	if resp.Status != http.StatusCreated {
		t.Fatalf("the README's request: status %d: %s", resp.Status, resp.Body)
	}
	var res apiSendResult
	resp.decode(t, &res)
	if res.Notice.Status != notices.Sending || res.Notice.Audience.Zones[0] != "4" {
		t.Errorf("the README's notice: %+v", res.Notice)
	}
}
