package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/crier-notices/crier/notices"
)

// TestUserTextIsEscapedOnThePagesOfContacts completes acceptance 3's
// third part beside the tests of each page (the notice's, the dashboard,
// the new notice's form and preview, the contact's history, the audit
// log, the users): a contact's name with HTML in it, imported from a CSV
// file, shows as text on the contacts list, a search for it (which also
// shows the query), a list's members, the contact's page, and the import's
// rejected rows.
func TestUserTextIsEscapedOnThePagesOfContacts(t *testing.T) {
	_, st, ts := newConsoleServer(t, nil)
	coord, _ := testSignIn(t, ts, st, notices.RoleCoordinator)
	const name = `Ana <img src=x onerror=alert(1)>`
	const escaped = `Ana &lt;img src=x onerror=alert(1)&gt;`
	file := "account,name,email\nA-1," + name + ",ana@water.example.org\nA-2," + name + ",not-an-email\n"
	status, importPage := upload(t, coord, ts.URL+"/console/contacts/import", "file", "customers.csv", file, map[string]string{"list": "north-route"})
	if status != http.StatusOK {
		t.Fatalf("import = %d:\n%s", status, importPage)
	}
	pages := []struct {
		name, path string
	}{
		{"contacts", "/console/contacts"},
		{"search", "/console/contacts?q=" + url.QueryEscape(name)},
		{"list", "/console/lists/north-route"},
		{"contact", "/console/contact/A-1"},
	}
	check := func(t *testing.T, body string) {
		t.Helper()
		if strings.Contains(body, "<img src=x") {
			t.Errorf("the page holds the name's HTML as HTML:\n%s", body)
		}
		if !strings.Contains(body, escaped) {
			t.Errorf("the page does not show the name as text:\n%s", body)
		}
	}
	t.Run("import's rejects", func(t *testing.T) { check(t, importPage) })
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			status, body := consoleGet(t, coord, ts.URL+p.path)
			if status != http.StatusOK {
				t.Fatalf("GET %s = %d", p.path, status)
			}
			check(t, body)
		})
	}
}
