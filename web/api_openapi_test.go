package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/crier-notices/crier/notices"
)

// openAPIDoc is what the test reads of the OpenAPI document.
type openAPIDoc struct {
	OpenAPI string `json:"openapi"`
	Servers []struct {
		URL string `json:"url"`
	} `json:"servers"`
	Paths      map[string]map[string]openAPIOperation `json:"paths"`
	Components struct {
		SecuritySchemes map[string]struct {
			Type   string `json:"type"`
			Scheme string `json:"scheme"`
		} `json:"securitySchemes"`
	} `json:"components"`
}

type openAPIOperation struct {
	OperationID string                     `json:"operationId"`
	Responses   map[string]json.RawMessage `json:"responses"`
}

// readOpenAPI decodes the document the server serves.
func readOpenAPI(t *testing.T, body []byte) openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL+"/" != APIPrefix {
		t.Fatalf("servers %+v, want the one %s", doc.Servers, APIPrefix)
	}
	if b := doc.Components.SecuritySchemes["bearer"]; b.Type != "http" || b.Scheme != "bearer" {
		t.Errorf("securitySchemes.bearer is %+v, want http bearer", b)
	}
	return doc
}

// TestOpenAPIMatchesRoutes: every route in the OpenAPI document served at
// /api/v1/openapi.json is a route of the server's mux, and every route of
// the API is in the document, with the errors its role can meet.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	a := newAPIServer(t, nil)
	resp := a.clients[notices.RoleViewer].do("GET", "/api/v1/openapi.json", "")
	if resp.Status != http.StatusOK {
		t.Fatalf("openapi.json: status %d", resp.Status)
	}
	doc := readOpenAPI(t, resp.Body)
	documented := map[string]openAPIOperation{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if method == "parameters" {
				continue
			}
			documented[strings.ToUpper(method)+" "+strings.TrimSuffix(APIPrefix, "/")+path] = op
		}
	}
	mux := http.NewServeMux()
	a.srv.apiRoutes(mux)
	served := map[string]apiRoute{}
	for _, rt := range a.srv.apiRouteTable() {
		served[rt.Method+" "+rt.Path] = rt
	}
	for key := range documented {
		method, path, _ := strings.Cut(key, " ")
		req := httptest.NewRequest(method, filledPath(path), nil)
		if _, pattern := mux.Handler(req); pattern != key {
			t.Errorf("the document has %s, the mux answers it with %q", key, pattern)
		}
		if _, ok := served[key]; !ok {
			t.Errorf("the document has %s, apiRouteTable has not", key)
		}
	}
	for key, rt := range served {
		op, ok := documented[key]
		if !ok {
			t.Errorf("route %s is not in openapi.json", key)
			continue
		}
		want := []string{"401"}
		if rt.Method != http.MethodGet || rt.Role != notices.RoleViewer {
			want = append(want, "403")
		}
		for _, code := range want {
			if op.Responses[code] == nil {
				t.Errorf("%s: the document does not say it may answer %s", key, code)
			}
		}
		if op.OperationID == "" {
			t.Errorf("%s: no operationId", key)
		}
	}
}

// TestOpenAPIRefsResolve: every $ref of the document names a component it
// defines, so a client generator reads it whole.
func TestOpenAPIRefsResolve(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatal(err)
	}
	comps := doc["components"].(map[string]any)
	refs := regexp.MustCompile(`"\$ref":\s*"#/components/([^/]+)/([^"]+)"`).FindAllStringSubmatch(string(openAPIDocument), -1)
	if len(refs) == 0 {
		t.Fatal("no $ref found: the pattern is wrong")
	}
	var missing []string
	for _, m := range refs {
		kind, _ := comps[m[1]].(map[string]any)
		if _, ok := kind[m[2]]; !ok && !slices.Contains(missing, m[0]) {
			missing = append(missing, m[0])
		}
	}
	if len(missing) > 0 {
		t.Errorf("refs to nothing: %s", strings.Join(missing, ", "))
	}
}
