package web

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/crier-notices/crier/notices"
)

// TestAPITemplates: a system finds the templates and what each needs
// filled in: the boil water advisory with its tier, languages and fields
// (type, required, help, example, choices).
func TestAPITemplates(t *testing.T) {
	a := newAPIServer(t, nil)
	viewer := a.clients[notices.RoleViewer]
	var list struct {
		Templates []apiTemplateView `json:"templates"`
	}
	resp := viewer.do("GET", "/api/v1/templates", "")
	if resp.Status != http.StatusOK {
		t.Fatalf("status %d: %s", resp.Status, resp.Body)
	}
	resp.decode(t, &list)
	i := slices.IndexFunc(list.Templates, func(v apiTemplateView) bool { return v.Name == "boil-water-advisory" })
	if i < 0 || len(list.Templates) < 5 {
		t.Fatalf("%d templates, the boil water advisory not among them", len(list.Templates))
	}
	boil := list.Templates[i]
	if boil.Category != "emergency" || boil.Tier != 1 || !slices.Equal(boil.Languages, []string{"en", "es"}) {
		t.Errorf("boil-water-advisory: category %q, tier %d, languages %v", boil.Category, boil.Tier, boil.Languages)
	}
	cause := boil.Fields[slices.IndexFunc(boil.Fields, func(f apiFieldView) bool { return f.Name == "cause" })]
	if cause.Type != "choice" || !cause.Required || !slices.Contains(cause.Choices, "e-coli") || cause.Help == "" || cause.Example == "" {
		t.Errorf("field cause: %+v", cause)
	}

	var one apiTemplateView
	resp = viewer.do("GET", "/api/v1/templates/boil-water-advisory", "")
	resp.decode(t, &one)
	if one.Titles["es"] == "" || one.Titles["en"] != "Boil Water Advisory" || one.SMS == nil || one.SMS.MaxSegments != 3 {
		t.Errorf("one template: titles %v, sms %+v", one.Titles, one.SMS)
	}

	resp = viewer.do("GET", "/api/v1/templates/boil-water", "")
	if resp.Status != http.StatusNotFound {
		t.Fatalf("a misspelt name: status %d, want 404", resp.Status)
	}
	if e := resp.errorBody(t); !strings.Contains(e.Error, "did you mean boil-water-advisory") {
		t.Errorf("a misspelt name: %q does not say the one meant", e.Error)
	}
}
