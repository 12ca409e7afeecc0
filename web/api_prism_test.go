package web

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crier-notices/crier/internal/testenv"
	"github.com/crier-notices/crier/notices"
)

// TestOpenAPIDescribesTheAnswers: requests and answers of every route,
// errors too, pass through Prism as a validating proxy for openapi.json
// without a violation: the document says what the API takes and answers.
func TestOpenAPIDescribesTheAnswers(t *testing.T) {
	a := newAPIServer(t, nil)
	importContacts(t, a.store)
	spec, err := filepath.Abs("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	// Prism matches paths without the server's /api/v1 and puts the
	// upstream's path before them.
	proxy := testenv.PrismProxy(t, spec, a.ts.URL+"/api/v1")
	via := func(role notices.Role) apiClient {
		c := a.clients[role]
		c.url = proxy.URL()
		return c
	}
	coord, viewer := via(notices.RoleCoordinator), via(notices.RoleViewer)
	csv := []string{"Content-Type", "text/csv"}
	calls := []struct {
		name   string
		client apiClient
		method string
		path   string
		body   string
		header []string
		status int
	}{
		{"the document", viewer, "GET", "/openapi.json", "", nil, 200},
		{"templates", viewer, "GET", "/templates", "", nil, 200},
		{"a template", viewer, "GET", "/templates/boil-water-advisory", "", nil, 200},
		{"no such template", viewer, "GET", "/templates/boil", "", nil, 404},
		{"a preview", coord, "POST", "/preview", advisoryJSON(""), nil, 200},
		{"a notice", coord, "POST", "/notices", advisoryJSON(""), []string{"Idempotency-Key", "WO-1"}, 201},
		{"its retry", coord, "POST", "/notices", advisoryJSON(""), []string{"Idempotency-Key", "WO-1"}, 200},
		{"a draft", coord, "POST", "/notices", advisoryJSON(`, "draft": true`), nil, 201},
		{"a bad notice", coord, "POST", "/notices", strings.Replace(advisoryJSON(""), `"sms"]`, `"fax"]`, 1), nil, 400},
		{"the notices", viewer, "GET", "/notices", "", nil, 200},
		{"a notice's status", viewer, "GET", "/notices/1", "", nil, 200},
		{"its report", viewer, "GET", "/notices/1/report", "", nil, 200},
		{"its cancel", coord, "POST", "/notices/1/cancel", "", nil, 200},
		{"its cancel again", coord, "POST", "/notices/1/cancel", "", nil, 409},
		{"no such notice", viewer, "GET", "/notices/99", "", nil, 404},
		{"an import", coord, "POST", "/contacts/import?list=zone5", importCSV, csv, 200},
		{"the campaigns", viewer, "GET", "/campaigns", "", nil, 200},
		{"a viewer writing", viewer, "POST", "/notices/2/cancel", "", nil, 403},
		{"no token", apiClient{t: t, url: proxy.URL()}, "GET", "/templates", "", nil, 401},
	}
	for _, c := range calls {
		resp := c.client.do(c.method, c.path, c.body, c.header...)
		if resp.Status != c.status {
			t.Errorf("%s: status %d, want %d: %.300s", c.name, resp.Status, c.status, resp.Body)
		}
		for _, v := range violations(t, resp) {
			// The bad requests are bad on purpose; their answers too
			// must be as documented.
			if v.Location[0] == "response" || c.status < 400 {
				t.Errorf("%s: %s %s departs from openapi.json: %s at %v", c.name, c.method, c.path, v.Message, v.Location)
			}
		}
	}
}

// prismViolation is one way a request or an answer departs from the
// document, as Prism's sl-violations header gives it.
type prismViolation struct {
	Location []string `json:"location"`
	Message  string   `json:"message"`
}

// violations reads Prism's sl-violations header of resp.
func violations(t *testing.T, resp apiResponse) []prismViolation {
	t.Helper()
	h := resp.Header.Get("sl-violations")
	if h == "" {
		return nil
	}
	var vs []prismViolation
	if err := json.Unmarshal([]byte(h), &vs); err != nil {
		t.Fatalf("sl-violations %q: %v", h, err)
	}
	for i := range vs {
		if len(vs[i].Location) == 0 {
			vs[i].Location = []string{"?"}
		}
	}
	return vs
}
