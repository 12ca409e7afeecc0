package web

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/crier-notices/crier/app"
)

// TestReadJSON: a request body the API cannot take is refused with each
// field at fault named by its path, as a client wrote it.
func TestReadJSON(t *testing.T) {
	type request struct {
		Template string            `json:"template"`
		Values   map[string]string `json:"values"`
		Audience apiAudience       `json:"audience"`
		All      bool              `json:"all"`
	}
	tests := []struct {
		name        string
		contentType string
		body        string
		fields      []string // the problems' fields, in order
		message     string   // in the first problem
		tooLarge    bool
	}{
		{"a good request", "application/json", `{"template":"main-break","values":{"street":"Elm"},"audience":{"zones":["north"]}}`, nil, "", false},
		{"an unknown field", "", `{"template":"main-break","channel":"sms"}`, []string{"channel"}, "this object takes all, audience, template, values", false},
		{"unknown fields inside", "", `{"audience":{"zone":["north"],"list":["x"]}}`, []string{"audience.list", "audience.zone"}, "lists", false},
		{"a field in another case", "", `{"Template":"main-break"}`, []string{"Template"}, "template", false},
		{"a value of the wrong type", "", `{"values":{"street":12}}`, []string{"values.street"}, "must be a string", false},
		{"a list for a string", "", `{"template":["a"]}`, []string{"template"}, "must be a string", false},
		{"not JSON", "", `template=main-break`, []string{""}, "invalid character", false},
		{"an empty body", "", ``, []string{""}, "empty", false},
		{"another content type", "text/csv", `{}`, []string{""}, "application/json", false},
		{"too large", "", `{"template":"` + strings.Repeat("a", maxJSONBody) + `"}`, []string{""}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/api/v1/notices", strings.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			var v request
			err := readJSON(r, &v)
			if tt.fields == nil {
				if err != nil {
					t.Fatal(err)
				}
				if v.Template != "main-break" || v.Values["street"] != "Elm" || v.Audience.Zones[0] != "north" {
					t.Errorf("read %+v", v)
				}
				return
			}
			if tt.tooLarge {
				var mbe *http.MaxBytesError
				if !errors.As(err, &mbe) || mbe.Limit != maxJSONBody {
					t.Fatalf("error %v, want the body over its limit", err)
				}
				return
			}
			if app.ErrorCode(err) != "invalid" {
				t.Fatalf("error %v, want an invalid request", err)
			}
			ps := app.ProblemsOf(err)
			var fields []string
			for _, p := range ps {
				fields = append(fields, p.Field)
			}
			if strings.Join(fields, ",") != strings.Join(tt.fields, ",") {
				t.Errorf("fields %q, want %q (%v)", fields, tt.fields, err)
			}
			if !strings.Contains(ps[0].Message, tt.message) {
				t.Errorf("message %q, want it to say %q", ps[0].Message, tt.message)
			}
		})
	}
}
