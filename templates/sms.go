package templates

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// SMSEncoding is how a text message is encoded on the air.
type SMSEncoding string

// The two encodings carriers use.
const (
	GSM7 SMSEncoding = "GSM-7"
	UCS2 SMSEncoding = "UCS-2"
)

// Segment sizes as carriers bill them. A message that fits in one segment
// gets the whole payload; a longer one is split into concatenated segments,
// each of which loses room to the concatenation header (UDH).
const (
	gsmSingle = 160 // septets in a lone GSM-7 segment
	gsmMulti  = 153 // septets in each segment of a split GSM-7 message
	ucsSingle = 70  // UTF-16 code units in a lone UCS-2 segment
	ucsMulti  = 67  // UTF-16 code units in each segment of a split UCS-2 message

	// smsMaxChars is the longest body Twilio accepts, counted in characters
	// (runes); it refuses longer ones whatever the segment count.
	smsMaxChars = 1600

	// smsDefaultMaxSegments is used by Check when it is given no positive limit.
	smsDefaultMaxSegments = 3
)

// SMS is a text message as carriers count it.
//
// Empty text has Encoding GSM7, zero Units, zero Segments and no Parts; any
// other text takes at least one segment.
type SMS struct {
	Text       string      // the text as it will be sent, after replacements
	Encoding   SMSEncoding // GSM-7 or UCS-2
	Units      int         // length in the encoding's units: septets (GSM-7) or UTF-16 code units (UCS-2)
	Segments   int         // how many segments the carrier bills
	Parts      []string    // the text of each segment, as split
	ForcedUCS2 []string    // the characters that forced UCS-2, each once, in order of first appearance
}

// NewSMS prepares and counts text. With replace, typographic characters that
// have GSM-7 look-alikes are replaced first.
//
// Replacement is all or nothing: it is applied only when it makes the whole
// text GSM-7. When some other character forces UCS-2 anyway, the text is
// sent exactly as written, because UCS-2 carries curly quotes and dashes as
// well as it carries Cyrillic or Chinese, and a Russian «notice» — or a
// Chinese one spaced with U+3000 — should not lose its typography for nothing.
// The replacements are listed at gsmLookalike. Accented letters are never
// replaced: á or ç forces UCS-2 rather than turning into a or c.
//
// The text is split as carriers split it: never inside a GSM-7 escape pair,
// a surrogate pair or a grapheme cluster (a flag, a letter with combining
// marks, an emoji sequence), which instead moves whole to the next segment.
// A grapheme cluster longer than a whole segment starts a new segment and is
// split between code points, as it cannot be sent otherwise.
//
// Invalid UTF-8 is replaced by U+FFFD first, as encoding/json does when the
// message is handed to a carrier's API. ForcedUCS2 lists the grapheme
// clusters that hold a character neither in GSM-7 nor replaceable.
func NewSMS(text string, replace bool) SMS {
	sc := scanSMS(text, replace)
	if sc.invalid {
		text = strings.ToValidUTF8(text, "\uFFFD")
		sc = scanSMS(text, replace)
	}
	if !sc.forced {
		if sc.replaceable {
			text = gsmReplaceLookalikes(text)
		}
		s := SMS{Text: text, Encoding: GSM7, Units: sc.septets}
		if text == "" {
			return s
		}
		if s.Units <= gsmSingle {
			s.Parts = []string{text}
		} else {
			s.Parts = splitGSM7(text)
		}
		s.Segments = len(s.Parts)
		return s
	}
	s := SMS{Text: text, Encoding: UCS2, Units: sc.utf16}
	if s.Units <= ucsSingle {
		// One segment, but the clusters are still walked for ForcedUCS2.
		_, s.ForcedUCS2 = splitUCS2(text, ucsSingle, replace, true)
		s.Parts = []string{text}
	} else {
		s.Parts, s.ForcedUCS2 = splitUCS2(text, ucsMulti, replace, false)
	}
	s.Segments = len(s.Parts)
	return s
}

// Check reports an error when the message takes more than maxSegments
// segments or is longer than Twilio accepts (1600 characters, whatever
// maxSegments says). A maxSegments of zero or less means 3. The error says
// how long the text is, in which encoding, which characters forced UCS-2
// and what to do about it.
func (s SMS) Check(maxSegments int) error {
	if maxSegments <= 0 {
		maxSegments = smsDefaultMaxSegments
	}
	chars := utf8.RuneCountInString(s.Text)
	if chars > smsMaxChars {
		return fmt.Errorf("SMS text is %d characters (%d segments in %s), more than the %d characters Twilio accepts: shorten the text",
			chars, s.Segments, s.Encoding, smsMaxChars)
	}
	if s.Segments <= maxSegments {
		return nil
	}
	if s.Encoding == GSM7 {
		return fmt.Errorf("SMS text takes %d segments, more than the %d allowed: %d characters, %d septets in %s (%d per segment): shorten the text",
			s.Segments, maxSegments, chars, s.Units, s.Encoding, gsmMulti)
	}
	return fmt.Errorf("SMS text takes %d segments, more than the %d allowed: %d characters, %d UTF-16 units in %s (%d per segment instead of %d in %s), forced by %s: shorten the text or remove or replace those characters",
		s.Segments, maxSegments, chars, s.Units, s.Encoding, ucsMulti, gsmMulti, GSM7, smsDescribeChars(s.ForcedUCS2))
}

// smsDescribeChars quotes each character with its code points, as in
// `"á" (U+00E1)`. A long list (Chinese text forces UCS-2 with every
// character) is cut short, since the first few say enough.
func smsDescribeChars(chars []string) string {
	const show = 10
	var b strings.Builder
	for i, c := range chars {
		if i == show {
			fmt.Fprintf(&b, " and %d more", len(chars)-show)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q (", c)
		for j, r := range []rune(c) {
			if j > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "U+%04X", r)
		}
		b.WriteByte(')')
	}
	return b.String()
}

// smsScan is what one pass over a text learns about it.
type smsScan struct {
	septets     int  // GSM-7 length after replacements; meaningful only when !forced
	utf16       int  // UTF-16 length of the text as written
	forced      bool // a character is neither GSM-7 nor replaceable: UCS-2
	replaceable bool // a replaceable character was seen (only with replace)
	invalid     bool // the text is not valid UTF-8
}

// scanSMS counts text in both encodings in one pass, so that the common case
// (a GSM-7 text that fits one segment) needs no second look.
func scanSMS(text string, replace bool) smsScan {
	var sc smsScan
	for i := 0; i < len(text); {
		if b := text[i]; b < utf8.RuneSelf {
			c := gsmCost(rune(b))
			if c == 0 {
				if l, ok := gsmLookalike(rune(b)); ok && replace {
					sc.replaceable = true
					c = len(l)
				} else {
					sc.forced = true
				}
			}
			sc.septets += int(c)
			sc.utf16++
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if r == utf8.RuneError && size == 1 {
			sc.invalid = true
		}
		i += size
		if r >= 0x10000 {
			sc.utf16 += 2
		} else {
			sc.utf16++
		}
		c := gsmCost(r)
		if c == 0 {
			if l, ok := gsmLookalike(r); ok && replace {
				sc.replaceable = true
				c = len(l) // GSM-7 look-alikes are all one-septet ASCII
			} else {
				sc.forced = true
			}
		}
		sc.septets += c
	}
	return sc
}

// gsmReplaceLookalikes replaces every character that has a look-alike. Runs
// of ASCII, the bulk of a notice, are copied whole.
func gsmReplaceLookalikes(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	for i := 0; i < len(text); {
		if c := text[i]; c < utf8.RuneSelf {
			j := i + 1
			for j < len(text) && text[j] < utf8.RuneSelf && text[j] != '`' {
				j++
			}
			if c == '`' {
				b.WriteByte('\'')
				i++
				continue
			}
			b.WriteString(text[i:j])
			i = j
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if l, ok := gsmLookalike(r); ok && gsmCost(r) == 0 {
			b.WriteString(l)
		} else {
			b.WriteString(text[i : i+size])
		}
		i += size
	}
	return b.String()
}

// splitGSM7 splits a GSM-7 text into segments of gsmMulti septets. Every
// grapheme cluster in GSM-7 is one character except CR LF, so no uniseg is
// needed; an escape pair is one character of two septets.
func splitGSM7(text string) []string {
	parts := make([]string, 0, len(text)/gsmMulti+2)
	start, used := 0, 0 // current segment: byte offset and septets used
	for i := 0; i < len(text); {
		size, cost := 1, 0
		if b := text[i]; b < utf8.RuneSelf {
			cost = int(gsmLatin1[b])
			if b == '\r' && i+1 < len(text) && text[i+1] == '\n' {
				size, cost = 2, 2
			}
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(text[i:])
			cost = gsmCost(r)
		}
		if used+cost > gsmMulti {
			parts = append(parts, text[start:i])
			start, used = i, 0
		}
		used += cost
		i += size
	}
	return append(parts, text[start:])
}

// splitUCS2 splits a UCS-2 text into segments of at most limit UTF-16 units,
// never inside a grapheme cluster unless the cluster alone exceeds limit. It
// also collects the clusters that forced UCS-2: those holding a character
// that is neither GSM-7 nor, with replace, replaceable. With countOnly the
// parts are not built.
func splitUCS2(text string, limit int, replace, countOnly bool) (parts, forced []string) {
	var seen smsForcedSet
	if !countOnly {
		parts = make([]string, 0, len(text)/limit+2)
	}
	start, used := 0, 0 // current segment: byte offset and units used
	state := -1         // uniseg state, valid only right after a uniseg call
	for i := 0; i < len(text); {
		var (
			cluster string
			cost    int
		)
		// An ASCII character followed by a character below U+0300 (whose
		// UTF-8 starts below 0xCC) is a cluster of its own, unless CR LF.
		if b := text[i]; b < utf8.RuneSelf && (i+1 == len(text) || text[i+1] < 0xCC) &&
			(b != '\r' || i+1 == len(text) || text[i+1] != '\n') {
			cluster, cost, state = text[i:i+1], 1, -1
			if gsmLatin1[b] == 0 && (b != '`' || !replace) {
				seen.add(cluster)
			}
		} else {
			cluster, cost = smsNextCluster(text[i:], &state)
			if smsForces(cluster, replace) {
				seen.add(cluster)
			}
		}
		if !countOnly {
			if used > 0 && used+cost > limit {
				parts = append(parts, text[start:i])
				start, used = i, 0
			}
			if cost <= limit {
				used += cost
			} else {
				// Too long for any segment: split between code points,
				// which keeps surrogate pairs whole.
				for j, r := range cluster {
					c := utf16Len(r)
					if used > 0 && used+c > limit {
						parts = append(parts, text[start:i+j])
						start, used = i+j, 0
					}
					used += c
				}
			}
		}
		i += len(cluster)
	}
	if !countOnly && start < len(text) {
		parts = append(parts, text[start:])
	}
	return parts, seen.list
}

// smsNextCluster returns the grapheme cluster text starts with and its length
// in UTF-16 units. It avoids uniseg, which looks each character up in large
// tables, where the answer is known: a simple character (see smsSimple)
// followed by another is a cluster of its own, except CR LF. *state carries
// uniseg's state between consecutive uniseg calls.
func smsNextCluster(text string, state *int) (string, int) {
	b := text[0]
	if b == '\r' && len(text) > 1 && text[1] == '\n' {
		*state = -1
		return text[:2], 2
	}
	r, size := rune(b), 1
	if b >= utf8.RuneSelf {
		r, size = utf8.DecodeRuneInString(text)
	}
	if smsSimple(r) {
		simple := size == len(text) || text[size] < 0xCC // below U+0300
		if !simple {
			next, _ := utf8.DecodeRuneInString(text[size:])
			simple = smsSimple(next)
		}
		if simple {
			*state = -1
			return text[:size], 1 // every simple character is in the BMP
		}
	}
	cluster, _, _, newState := uniseg.FirstGraphemeClusterInString(text, *state)
	*state = newState
	if len(cluster) == size {
		return cluster, utf16Len(r)
	}
	units := 0
	for _, r := range cluster {
		units += utf16Len(r)
	}
	return cluster, units
}

// smsSimple reports whether r forms a grapheme cluster of its own when it is
// followed by another simple character: its Grapheme_Cluster_Break property
// is Other, Control, CR or LF, or it is Extended_Pictographic, and no rule
// joins two such characters (CR LF aside). The ranges cover what notices are
// written in: Latin (including Vietnamese), Greek, Cyrillic, Arabic letters,
// punctuation, CJK ideographs and kana. They leave out combining marks (such
// as U+0300–U+036F, U+0483–U+0489, U+064B–U+065F, U+302A–U+302F and
// U+3099–U+309A), ZWJ and ZWNJ, regional indicators, Hangul and Arabic
// prepended marks; anything left out is given to uniseg.
func smsSimple(r rune) bool {
	switch {
	case r < 0x300: // Latin and controls
	case r >= 0x370 && r <= 0x3ff: // Greek
	case r >= 0x400 && r <= 0x482, r >= 0x48a && r <= 0x52f: // Cyrillic
	case r >= 0x60c && r <= 0x60d, r == 0x61b, r == 0x61f: // Arabic punctuation
	case r >= 0x621 && r <= 0x64a, r >= 0x660 && r <= 0x66f: // Arabic letters, digits
	case r >= 0x1e00 && r <= 0x1eff: // Latin Extended Additional (Vietnamese)
	case r >= 0x2010 && r <= 0x2027, r >= 0x2030 && r <= 0x205e: // punctuation
	case r >= 0x3000 && r <= 0x3029, r >= 0x3030 && r <= 0x303f: // CJK punctuation
	case r >= 0x3041 && r <= 0x3096, r >= 0x309b && r <= 0x30ff: // kana
	case r >= 0x4e00 && r <= 0x9fff: // CJK ideographs
	case r >= 0xff01 && r <= 0xff9d: // full-width forms
	default:
		return false
	}
	return true
}

// utf16Len is the length of r in UTF-16 code units: 2 for a surrogate pair.
func utf16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// smsForces reports whether cluster holds a character that needs UCS-2.
func smsForces(cluster string, replace bool) bool {
	for _, r := range cluster {
		if gsmCost(r) != 0 {
			continue
		}
		if _, ok := gsmLookalike(r); ok && replace {
			continue
		}
		return true
	}
	return false
}

// smsForcedSet collects clusters once each, in order of first appearance. A
// linear search is cheapest for the few clusters of a typical text; the map
// takes over for texts in other scripts, where every character is listed.
type smsForcedSet struct {
	list []string
	idx  map[string]struct{}
}

func (f *smsForcedSet) add(c string) {
	if f.idx != nil {
		if _, ok := f.idx[c]; ok {
			return
		}
		f.idx[c] = struct{}{}
		f.list = append(f.list, c)
		return
	}
	for _, x := range f.list {
		if x == c {
			return
		}
	}
	f.list = append(f.list, c)
	if len(f.list) > 16 {
		f.idx = make(map[string]struct{}, 64)
		for _, x := range f.list {
			f.idx[x] = struct{}{}
		}
	}
}

// gsmLatin1 holds the GSM-7 cost in septets of each character below U+0100:
// 1 for the default alphabet, 2 for the extension table (escape + char), 0
// for characters GSM-7 cannot carry. It is built once and only read.
var gsmLatin1 = func() (t [256]uint8) {
	// The 3GPP TS 23.038 default alphabet in table order, less the escape.
	const basic = "@£$¥èéùìòÇ\nØø\rÅå" + "_ÆæßÉ" +
		" !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§" +
		"¿abcdefghijklmnopqrstuvwxyzäöñüà"
	for _, r := range basic {
		t[r] = 1
	}
	for _, r := range "\f^{}\\[~]|" {
		t[r] = 2
	}
	return t
}()

// gsmCost is the GSM-7 length of r in septets, or 0 when r is not in GSM-7.
func gsmCost(r rune) int {
	if r < 0x100 {
		return int(gsmLatin1[r])
	}
	switch r {
	case 'Δ', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ':
		return 1
	case '€':
		return 2
	}
	return 0
}

// gsmLookalike returns the GSM-7 text that replaces r when it is asked for.
// Only punctuation and spacing are replaced, never letters:
//
//   - single quotes and primes ‘ ’ ‚ ‛ ′, and the backtick ` and acute accent ´
//     typed for apostrophes, become '
//   - double quotes and double primes “ ” „ ‟ ″ and guillemets « » become "
//   - hyphens and dashes ‐ ‑ ‒ – — ― and the minus sign − become -
//   - the ellipsis … becomes ...
//   - the bullet • becomes - (the usual plain-text list marker); other
//     symbols are left alone, since no GSM-7 character reads the same
//   - no-break and other Unicode spaces (U+00A0, U+2000–U+200A, U+202F,
//     U+205F, U+3000) become a space
//   - the invisible zero-width space, soft hyphen and byte order mark
//     (U+200B, U+00AD, U+FEFF) are removed
func gsmLookalike(r rune) (string, bool) {
	switch r {
	case '‘', '’', '‚', '‛', '′', '`', '´':
		return "'", true
	case '“', '”', '„', '‟', '″', '«', '»':
		return `"`, true
	case '‐', '‑', '‒', '–', '—', '―', '−', '•':
		return "-", true
	case '…':
		return "...", true
	case '\u00a0', '\u202f', '\u205f', '\u3000':
		return " ", true
	case '\u200b', '\u00ad', '\ufeff':
		return "", true
	}
	if r >= '\u2000' && r <= '\u200a' {
		return " ", true
	}
	return "", false
}
