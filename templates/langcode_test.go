package templates

import (
	"strings"
	"testing"
)

func TestTemplateFileLanguages(t *testing.T) {
	src := "---\ntitle: T\ncategory: service\nsubject: s\nsms: s\n---\nbody\n"
	tests := []struct {
		name, file, front, want string // want "" for no error
	}{
		{"region", "n.es-MX.md", "", ""},
		{"script", "n.zh-Hant.md", "", ""},
		{"front matter", "n.es-MX.md", "language: es-MX\n", ""},
		{"upper case", "n.ES.md", "", "write the language in the file name as es: n.es.md"},
		{"underscore", "n.es_MX.md", "", "write the language in the file name as es-MX: n.es-MX.md"},
		{"a name", "n.spanish.md", "", `the language in the file name: "spanish" is not a language code`},
		{"front matter upper case", "n.md", "language: EN\n", `language "EN": write it en`},
		{"front matter name", "n.md", "language: english\n", `language: "english" is not a language code`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ps := Parse(tt.file, []byte(strings.Replace(src, "---\ntitle", "---\n"+tt.front+"title", 1)))
			switch {
			case tt.want == "" && len(ps.Errors()) > 0:
				t.Errorf("want no error, got:\n%v", ps)
			case tt.want != "" && !strings.Contains(ps.Error(), tt.want):
				t.Errorf("want %q in:\n%v", tt.want, ps)
			}
		})
	}
}
