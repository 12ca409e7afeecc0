package templates

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// newTemplateSMS counts an SMS as a template asks: with replace, the
// typographic look-alikes of NewSMS; with gsm7 (the template's sms_gsm7),
// Latin letters outside GSM-7 are written as their closest GSM-7 letters
// first (see gsmTransliterate). Every path that counts or sends a
// template's SMS comes through Template.renderSMS and so through here.
//
// Like the look-alikes, the letters are replaced only when that makes the
// whole text GSM-7: a letter with no GSM-7 look-alike (Chinese, Cyrillic,
// an emoji) keeps the text UCS-2, and UCS-2 carries á as cheaply as a, so
// the text is then sent as written. Its ForcedUCS2 lists only the
// characters that could not be replaced, the ones to change.
func newTemplateSMS(text string, replace, gsm7 bool) SMS {
	if !gsm7 {
		return NewSMS(text, replace)
	}
	plain, changed := gsmTransliterate(text)
	if !changed {
		return NewSMS(text, replace)
	}
	s := NewSMS(plain, replace)
	if s.Encoding == GSM7 {
		return s
	}
	kept := NewSMS(text, replace)
	kept.ForcedUCS2 = s.ForcedUCS2
	return kept
}

// gsmTransliterate writes every Latin letter that GSM-7 lacks as its
// closest GSM-7 letter: á → a, Á → A, ê → e, ç → c, ő → o, ư → u, đ → d,
// ł → l, œ → oe. A letter GSM-7 has (é, ñ, ü, à, Ç, ß …) is kept, and a
// letter with marks GSM-7 has in part keeps that part (ǘ → ü). A
// combining mark after a letter goes with it (a + U+0301 reads as á).
// Other scripts, digits, punctuation and symbols are left alone, though
// the text comes back in Unicode's composed form (NFC). It reports whether
// the text changed.
//
// ç becomes c, not GSM-7's Ç: a capital in the middle of a word reads
// worse than a missing cedilla.
func gsmTransliterate(text string) (string, bool) {
	i := 0
	for i < len(text) && text[i] < utf8.RuneSelf {
		i++
	}
	if i == len(text) {
		return text, false // ASCII, the common case: nothing to do
	}
	if i > 0 {
		i-- // NFC must see the letter before a combining mark
	}
	var b strings.Builder
	b.Grow(len(text))
	b.WriteString(text[:i])
	prevLatin := false // the last rune written is a Latin letter
	for _, r := range norm.NFC.String(text[i:]) {
		switch {
		case prevLatin && unicode.Is(unicode.Mn, r) && gsmCost(r) == 0:
			continue // a mark NFC could not fold into its letter
		case gsmCost(r) == 0 && unicode.Is(unicode.Latin, r):
			if s, ok := gsmLatinLetter(r); ok {
				b.WriteString(s)
				prevLatin = true
				continue
			}
		}
		b.WriteRune(r)
		prevLatin = unicode.Is(unicode.Latin, r)
	}
	out := b.String()
	return out, out != text
}

// gsmLatinLetter is the GSM-7 spelling of r, a Latin letter GSM-7 lacks:
// the longest start of its canonical decomposition that is one GSM-7
// letter (so ǘ, u + ¨ + ´, is ü; ệ, e + ̣ + ̂, is e), a spelling of its
// own for the letters Unicode does not decompose, or the letters of its
// compatibility decomposition (ǅ is Dz).
func gsmLatinLetter(r rune) (string, bool) {
	if s, ok := gsmLatinSpelling[r]; ok {
		return s, true
	}
	d := []rune(norm.NFD.String(string(r)))
	for k := len(d); k >= 1 && len(d) > 1; k-- {
		c := []rune(norm.NFC.String(string(d[:k])))
		if len(c) == 1 && gsmCost(c[0]) == 1 && unicode.IsLetter(c[0]) {
			return string(c), true
		}
	}
	// A compatibility letter (the digraphs ǅ, ǈ, ǋ of Croatian written in
	// one character) is spelled as its letters, each without its marks.
	var b strings.Builder
	for _, c := range norm.NFKD.String(string(r)) {
		switch {
		case gsmCost(c) == 1 && unicode.IsLetter(c):
			b.WriteRune(c)
		case !unicode.Is(unicode.Mn, c):
			return "", false
		}
	}
	return b.String(), b.Len() > 0 && string(r) != b.String()
}

// gsmLatinSpelling holds the Latin letters without a canonical
// decomposition that have a plain GSM-7 spelling.
var gsmLatinSpelling = map[rune]string{
	'ç': "c",
	'đ': "d", 'Đ': "D", 'ð': "d", 'Ð': "D",
	'ł': "l", 'Ł': "L", 'ħ': "h", 'Ħ': "H", 'ı': "i",
	'ŀ': "l", 'Ŀ': "L", 'ƒ': "f", 'ŧ': "t", 'Ŧ': "T",
	'œ': "oe", 'Œ': "OE", 'ĳ': "ij", 'Ĳ': "IJ",
	'þ': "th", 'Þ': "Th", 'ſ': "s", 'ẞ': "SS", 'ĸ': "k",
}
