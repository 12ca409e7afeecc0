package templates

import (
	"strings"
	"testing"
)

func TestLanguageCodes(t *testing.T) {
	tests := []struct {
		name, in, want string // want "" for an error
	}{
		{"english", "en", "en"},
		{"spanish", "es", "es"},
		{"spanish of mexico", "es-MX", "es-MX"},
		{"latin american spanish", "es-419", "es-419"},
		{"traditional chinese", "zh-Hant", "zh-Hant"},
		{"script and region", "zh-hant-tw", "zh-Hant-TW"},
		{"vietnamese", "vi", "vi"},
		{"hmong, three letters", "hmn", "hmn"},
		{"upper case", "EN", "en"},
		{"region in lower case", "es-mx", "es-MX"},
		{"underscore", "es_MX", "es-MX"},
		{"spaces around", " es ", "es"},
		{"three-letter form of a two-letter code", "spa", "es"},
		{"retired code", "iw", "he"},
		{"a language's name", "english", ""},
		{"one letter", "e", ""},
		{"unknown code", "xx", ""},
		{"undetermined", "und", ""},
		{"no linguistic content", "zxx", ""},
		{"private use", "x-klingon", ""},
		{"extension", "en-US-u-ca-buddhist", ""},
		{"variant", "de-1996", ""},
		{"empty", "", ""},
		{"too long", strings.Repeat("en-", 20) + "US", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Language(tt.in)
			switch {
			case tt.want == "" && err == nil:
				t.Errorf("Language(%q) = %q, want an error", tt.in, got)
			case tt.want == "" && !strings.Contains(err.Error(), "write one like en, es, es-MX or zh-Hant"):
				t.Errorf("Language(%q): %v; want the error to say how to write one", tt.in, err)
			case tt.want != "" && (err != nil || got != tt.want):
				t.Errorf("Language(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestMatchLanguage(t *testing.T) {
	tests := []struct {
		name, want string
		available  []string
		got        string // "" when none fits
	}{
		{"exact", "es", []string{"en", "es"}, "es"},
		{"a region reads its base language", "es-MX", []string{"en", "es"}, "es"},
		{"the region's own translation first", "es-MX", []string{"en", "es", "es-MX"}, "es-MX"},
		{"written otherwise", "ES_mx", []string{"en", "es"}, "es"},
		{"the base reads a regional translation", "es", []string{"en", "es-MX"}, "es-MX"},
		{"script and region", "zh-Hant-TW", []string{"zh-Hans", "zh-Hant"}, "zh-Hant"},
		{"another script does not fit", "zh-Hant", []string{"en", "zh-Hans"}, ""},
		{"another language", "vi", []string{"en", "es"}, ""},
		{"not a code", "spanish", []string{"en", "es"}, ""},
		{"no language", "", []string{"en", "es"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := MatchLanguage(tt.want, tt.available)
			if got != tt.got || ok != (tt.got != "") {
				t.Errorf("MatchLanguage(%q, %v) = %q, %t; want %q", tt.want, tt.available, got, ok, tt.got)
			}
		})
	}
}

// TestTemplateFileLanguages: a template's language in its file name and
// front matter follows the same rule, written canonically.
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
