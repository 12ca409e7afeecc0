// Package lang is the one rule Crier reads language codes by (template
// file names, --lang, the contacts' language, default_language, the
// translation tables' file names, audience filters), and which translation
// a reader of a language gets. Package templates and the store (notices)
// both read codes by it; it imports nothing else of Crier's, so that the
// store needs none of the renderers to read a language.
package lang

import (
	"fmt"
	"slices"
	"strings"

	"golang.org/x/text/language"
)

// MaxCode is the longest language code Crier reads, in bytes.
const MaxCode = 35

// Code returns the canonical spelling of the language code s: a
// language (ISO 639, "es"), optionally with a script ("zh-Hant") and a
// region ("es-MX", "es-419"), as BCP 47 writes them. Case does not matter
// and an underscore may stand for the hyphen ("ES_mx" is "es-MX");
// three-letter and retired codes become the current ones ("spa" is "es",
// "iw" "he"). Language names ("english"), unknown codes ("xx"), variants,
// extensions and codes that are not a language to write in (und, mul, zxx,
// mis) are errors whose text says how to write one.
func Code(s string) (string, error) {
	s = strings.TrimSpace(s)
	bad := fmt.Errorf("%q is not a language code: write one like en, es, es-MX or zh-Hant", shorten(s, MaxCode))
	if len(s) < 2 || len(s) > MaxCode || strings.HasPrefix(strings.ToLower(s), "x-") || strings.HasPrefix(strings.ToLower(s), "i-") {
		return "", bad
	}
	tag, err := language.BCP47.Parse(strings.ReplaceAll(s, "_", "-"))
	if err != nil || len(tag.Variants()) > 0 || len(tag.Extensions()) > 0 {
		return "", bad
	}
	base, _, _ := tag.Raw()
	switch base.String() {
	case "und", "mul", "zxx", "mis":
		return "", bad
	}
	return tag.String(), nil
}

// Base is a canonical code without its script and region: "es" for
// "es-MX".
func Base(code string) string {
	b, _, _ := strings.Cut(code, "-")
	return b
}

// Match returns which of the languages available (canonical codes, in
// order of preference) a reader of want gets, or false when none fits:
// want itself; else want without its region, then without its script
// ("zh-Hant-TW", "zh-Hant", "zh"), so a customer who reads es-MX gets the es
// translation; else the first available of the same base language whose
// script does not differ ("es-MX" for a reader of es). want need not be
// canonical; a code that is not one matches nothing.
func Match(want string, available []string) (string, bool) {
	w, err := Code(want)
	if err != nil {
		return "", false
	}
	for c := w; ; {
		if slices.Contains(available, c) {
			return c, true
		}
		i := strings.LastIndexByte(c, '-')
		if i < 0 {
			break
		}
		c = c[:i]
	}
	for _, a := range available {
		if Base(a) == Base(w) && scriptOf(a) == scriptOf(w) {
			return a, true
		}
	}
	for _, a := range available {
		if Base(a) == Base(w) && (scriptOf(a) == "" || scriptOf(w) == "") {
			return a, true
		}
	}
	return "", false
}

// scriptOf is the script subtag of a canonical code, or "".
func scriptOf(code string) string {
	for _, p := range strings.Split(code, "-")[1:] {
		if len(p) == 4 {
			return p
		}
	}
	return ""
}

// shorten cuts s to n characters and an ellipsis, so that an error
// quoting a long value stays readable.
func shorten(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i] + "…"
		}
		n--
	}
	return s
}
