package web

import (
	"maps"
	"slices"

	"github.com/crier-notices/crier/templates"
)

// wordsFor returns the entry of table (words by language: the pages', the
// preferences page's, the text answers') in the first of langs it has, a
// regional form taking its language (es-MX reads es), else the English
// one; and the language it is in. Every table of words Crier's web side
// speaks is looked up so.
func wordsFor[W any](table map[string]W, langs ...string) (W, string) {
	spoken := slices.Sorted(maps.Keys(table))
	for _, l := range langs {
		if m, ok := templates.MatchLanguage(l, spoken); ok {
			return table[m], m
		}
	}
	return table["en"], "en"
}
