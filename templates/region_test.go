package templates

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestFillInReadsPhoneNumbersInTheRegion(t *testing.T) {
	tmpl := &Template{Name: "n", Lang: "en", Fields: []Field{{Name: "phone", Label: "Phone", Type: TypePhone}}}
	tests := []struct {
		name, region, phone string
		ok                  bool
	}{
		{"US national in the default region", "", "(315) 555-0142", true},
		{"US national in US", "US", "(315) 555-0142", true},
		{"UK national in GB", "GB", "020 7946 0018", true},
		{"UK national in US", "US", "020 7946 0018", false},
		{"US national in GB", "GB", "(315) 555-0142", false},
		{"international in GB", "GB", "+1 315 555 0142", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tmpl.FillIn(Values{"phone": tc.phone}, tc.region)
			if tc.ok && (err != nil || got["phone"] != tc.phone) {
				t.Errorf("FillIn = %q, %v; want %q as typed", got["phone"], err, tc.phone)
			}
			if !tc.ok && (err == nil || !strings.Contains(err.Error(), "phone (Phone): ")) {
				t.Errorf("FillIn err = %v; want it refused by name and label", err)
			}
		})
	}
}

// A custom template's phone example is written where the utility is: it is
// read in the region the library is loaded for, and a refused number is
// answered with an example of that region, not a US one. The built-in
// library's US examples stay valid whatever the region.
func TestExamplesAreReadInTheLibraryRegion(t *testing.T) {
	tmpl := func(example string) fstest.MapFS {
		return fstest.MapFS{"lab.md": {Data: []byte("---\ntitle: Lab\ncategory: information\nsubject: Lab\nsms: Call {{.phone}}\nfields:\n  - name: phone\n    label: Phone\n    type: phone\n    required: true\n    example: " + example + "\n---\nCall {{.phone}}.\n")}}
	}
	tests := []struct {
		name, region, example string
		want                  string // "" when it loads and renders without errors
	}{
		{"a UK example in GB", "GB", "020 7946 0018", ""},
		{"a UK example in the US", "", "020 7946 0018", "write it like (201) 555-0123"},
		{"a US example in GB", "GB", "(315) 555-0142", "write it like 0121 234 5678 or +44 121 234 5678"},
		{"an international example in GB", "GB", "+1 315 555 0142", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lib, ps := LoadIn(tmpl(tc.example), ".", tc.region)
			ps = append(ps, CheckExamples(lib, Utility{Region: tc.region})...)
			got := ps.Errors().Error()
			if tc.want == "" && len(ps.Errors()) > 0 {
				t.Fatalf("problems: %v", got)
			}
			if tc.want != "" && !strings.Contains(got, tc.want) {
				t.Fatalf("problems = %q; want %q", got, tc.want)
			}
		})
	}
	lib, ps := Builtin()
	if errs := append(ps, CheckExamples(lib, Utility{Region: "GB"})...).Errors(); len(errs) > 0 {
		t.Errorf("the built-in library in GB: %v", errs)
	}
}
