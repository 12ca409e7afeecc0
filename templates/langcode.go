package templates

// Language codes: the one rule every part of Crier reads them by (template
// file names, --lang, the contacts' language, default_language, the
// translation tables' file names, audience filters), and which translation
// a reader of a language gets.

import "github.com/crier-notices/crier/templates/lang"

// MaxLanguageCode is the longest language code Crier reads, in bytes.
const MaxLanguageCode = lang.MaxCode

// Language returns the canonical spelling of the language code s, or an
// error that says how to write one: the rule of lang.Code ("ES_mx" is
// "es-MX").
func Language(s string) (string, error) { return lang.Code(s) }

// isLanguage reports whether s is a language code written canonically.
func isLanguage(s string) bool {
	c, err := Language(s)
	return err == nil && c == s
}

// checkFileLanguage reports the language code of a template file name
// that is not one, or not written canonically: two spellings of one
// language would make two translations of it.
func checkFileLanguage(pl *problemList, name, lang string) {
	c, err := Language(lang)
	switch {
	case err != nil:
		pl.errorf(0, "the language in the file name: %v (NAME.LANG.md)", err)
	case c != lang:
		pl.errorf(0, "write the language in the file name as %s: %s.%s.md", c, name, c)
	}
}

// baseLanguage is a canonical code without its script and region: "es"
// for "es-MX".
func baseLanguage(code string) string { return lang.Base(code) }

// MatchLanguage returns which of the languages available (canonical codes,
// in order of preference) a reader of want gets, or false when none fits:
// the rule of lang.Match (a customer who reads es-MX gets the es
// translation).
func MatchLanguage(want string, available []string) (string, bool) {
	return lang.Match(want, available)
}
