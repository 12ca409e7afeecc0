package web

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/crier-notices/crier/notices"
)

func TestConsoleLists(t *testing.T) {
	_, st, ts := newConsoleServer(t, nil)
	saveContacts(t, st, notices.Contact{Account: "A-1", Name: "Ana Diaz"}, notices.Contact{Account: "A-2", Name: "Ben Ortiz"})
	coord, _ := testSignIn(t, ts, st, notices.RoleCoordinator)
	base := ts.URL + "/console/lists"

	res := consoleDo(t, coord, http.MethodPost, base, url.Values{"name": {""}})
	if body := readBody(t, res); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-name-error"`) {
		t.Errorf("a list without a name = %d:\n%s", res.StatusCode, body)
	}
	if res := consoleDo(t, coord, http.MethodPost, base, url.Values{"name": {"hospitals"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create = %d", res.StatusCode)
	}
	res = consoleDo(t, coord, http.MethodPost, base, url.Values{"name": {"hospitals"}})
	if body := readBody(t, res); res.StatusCode != http.StatusConflict || !strings.Contains(body, `id="f-name-error"`) {
		t.Errorf("a list of a name taken = %d:\n%s", res.StatusCode, body)
	}
	res = consoleDo(t, coord, http.MethodPost, base+"/hospitals/add", url.Values{"accounts": {"A-1, A-2\nA-9"}})
	if body := html.UnescapeString(readBody(t, res)); res.StatusCode != http.StatusNotFound || !strings.Contains(body, `no contact with account "A-9"`) {
		t.Errorf("adding an unknown account = %d:\n%s", res.StatusCode, body)
	}
	if l, _ := st.List(t.Context(), "hospitals"); l.Members != 0 {
		t.Errorf("a refused add added %d", l.Members)
	}
	if res := consoleDo(t, coord, http.MethodPost, base+"/hospitals/add", url.Values{"accounts": {"A-1, A-2"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add = %d", res.StatusCode)
	}
	if res := consoleDo(t, coord, http.MethodPost, base+"/hospitals/remove", url.Values{"accounts": {"A-2"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove = %d", res.StatusCode)
	}
	_, body := consoleGet(t, coord, base+"/hospitals")
	if !strings.Contains(body, "<td>A-1</td>") || strings.Contains(body, "<td>A-2</td>") || !strings.Contains(body, "1 member(s)") {
		t.Errorf("the list's page after add and remove:\n%s", body)
	}
	if status, body := consoleGet(t, coord, base+"/hospitals/delete"); status != http.StatusOK || !strings.Contains(body, "the contacts stay") {
		t.Errorf("delete confirmation = %d:\n%s", status, body)
	}
	if res := consoleDo(t, coord, http.MethodPost, base+"/hospitals/delete", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete = %d", res.StatusCode)
	}
	if _, err := st.List(t.Context(), "hospitals"); notices.ErrorCode(err) != notices.NotFound {
		t.Errorf("after delete: %v", err)
	}
	if _, err := st.Contact(t.Context(), "A-1"); err != nil {
		t.Errorf("deleting the list deleted its contact: %v", err)
	}
	_, audit := consoleGet(t, coord, ts.URL+"/console/audit")
	for _, a := range []string{"list-create", "list-add", "list-remove", "list-delete"} {
		if !strings.Contains(audit, "<td>"+a+"</td>") {
			t.Errorf("the audit log lacks %s", a)
		}
	}
}
