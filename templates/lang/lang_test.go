package lang

import (
	"strings"
	"testing"
)

func TestCode(t *testing.T) {
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
			got, err := Code(tt.in)
			switch {
			case tt.want == "" && err == nil:
				t.Errorf("Code(%q) = %q, want an error", tt.in, got)
			case tt.want == "" && !strings.Contains(err.Error(), "write one like en, es, es-MX or zh-Hant"):
				t.Errorf("Code(%q): %v; want the error to say how to write one", tt.in, err)
			case tt.want != "" && (err != nil || got != tt.want):
				t.Errorf("Code(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestMatch(t *testing.T) {
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
			got, ok := Match(tt.want, tt.available)
			if got != tt.got || ok != (tt.got != "") {
				t.Errorf("Match(%q, %v) = %q, %t; want %q", tt.want, tt.available, got, ok, tt.got)
			}
		})
	}
}

// TestTemplateFileLanguages: a template's language in its file name and
// front matter follows the same rule, written canonically.
