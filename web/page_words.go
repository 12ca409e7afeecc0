package web

import (
	"maps"
	"slices"
	"strings"
)

// pageWords are the words the notice pages add around a notice, in one
// language. A notice's own text comes from its template, in any language;
// these come from this table, and a language it lacks gets English.
type pageWords struct {
	Lang      string // the language they are in: the table's key
	Name      string // the language's name in itself, for the language switch
	Languages string // the language switch's label
	Flyer     string // the link to the flyer
	Withdrawn string // the withdrawn sentence; %s is the date
	Contact   string
	Notices   string // the list's title
	All       string // the link to the list
	None      string // the empty list
	Tag       string // marks a withdrawn notice on the list
	Proof     string // heads a proof's page
}

var pageTable = map[string]pageWords{
	"en": {
		Name:      "English",
		Languages: "Languages",
		Flyer:     "Download the printable flyer (PDF)",
		Withdrawn: "This notice was withdrawn on %s. Its instructions no longer apply.",
		Contact:   "Questions? Contact",
		Notices:   "Notices",
		All:       "All current notices",
		None:      "There are no current notices.",
		Tag:       "Withdrawn",
		Proof:     "PROOF: a preview for the utility's staff. This notice has not been published.",
	},
	"es": {
		Name:      "Español",
		Languages: "Idiomas",
		Flyer:     "Descargue el volante para imprimir (PDF)",
		Withdrawn: "Este aviso fue retirado el %s. Sus instrucciones ya no se aplican.",
		Contact:   "¿Preguntas? Comuníquese con",
		Notices:   "Avisos",
		All:       "Todos los avisos actuales",
		None:      "No hay avisos actuales.",
		Tag:       "Retirado",
		Proof:     "PRUEBA: una vista previa para el personal. Este aviso no se ha publicado.",
	},
}

// pageWordsFor returns the page words of lang, of its base language ("es"
// for "es-MX"), or English; their Lang says which.
func pageWordsFor(lang string) pageWords {
	w, l := wordsFor(pageTable, lang)
	w.Lang = l
	return w
}

// pageLanguages are the languages the list of notices is offered in: the
// utility's default (as the table has it) first, then the others of the
// table.
func pageLanguages(def string) []string {
	langs := slices.Sorted(maps.Keys(pageTable))
	if _, d := wordsFor(pageTable, def); def != "" {
		i := slices.Index(langs, d)
		langs = append(append([]string{d}, langs[:i]...), langs[i+1:]...)
	}
	return langs
}

// fill puts value where the sentence says %s.
func fill(sentence, value string) string {
	return strings.Replace(sentence, "%s", value, 1)
}
