package web

import (
	"slices"
	"testing"
)

// TestWordsFor: every table of words is looked up alike: the first
// language the table has, a regional form or another case taking its
// language, else English.
func TestWordsFor(t *testing.T) {
	for _, tc := range []struct {
		name  string
		langs []string
		want  string
	}{
		{"spanish", []string{"es"}, "es"},
		{"a regional form", []string{"es-MX"}, "es"},
		{"another case", []string{"ES_mx"}, "es"},
		{"the first the table has", []string{"vi", "es"}, "es"},
		{"none it has", []string{"vi", ""}, "en"},
		{"nothing", nil, "en"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, got := wordsFor(pageTable, tc.langs...); got != tc.want {
				t.Errorf("pages: %s; want %s", got, tc.want)
			}
			if got := unsubscribeWordsFor(tc.langs...).Lang; got != tc.want {
				t.Errorf("preferences page: %s; want %s", got, tc.want)
			}
			if got, _ := wordsFor(smsAnswers, tc.langs...); got.help[0] != smsAnswers[tc.want].help[0] {
				t.Errorf("text answers: %q; want %s's", got.help[0], tc.want)
			}
		})
	}
	// The list of notices is offered first in the default language, also
	// when it is given with a region.
	for def, want := range map[string][]string{"": {"en", "es"}, "es": {"es", "en"}, "es-MX": {"es", "en"}, "vi": {"en", "es"}} {
		if got := pageLanguages(def); !slices.Equal(got, want) {
			t.Errorf("pageLanguages(%q) = %v; want %v", def, got, want)
		}
	}
}
