package templates

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

func TestNewSMS(t *testing.T) {
	rep := strings.Repeat
	tests := []struct {
		name     string
		text     string
		replace  bool
		wantText *string // nil: the input, verbatim
		enc      SMSEncoding
		units    int
		segments int
		parts    []string // nil: not checked
		forced   []string // checked always; nil means none
	}{
		{name: "empty", text: "", enc: GSM7, units: 0, segments: 0},
		{name: "short notice", text: "Boil water notice for Elm St until 5 pm.", enc: GSM7, units: 40, segments: 1},
		{name: "GSM-7 160 fits one segment", text: rep("a", 160), enc: GSM7, units: 160, segments: 1,
			parts: []string{rep("a", 160)}},
		{name: "GSM-7 161 splits at 153", text: rep("a", 161), enc: GSM7, units: 161, segments: 2,
			parts: []string{rep("a", 153), rep("a", 8)}},
		{name: "GSM-7 306 is two segments", text: rep("a", 306), enc: GSM7, units: 306, segments: 2},
		{name: "GSM-7 307 is three segments", text: rep("a", 307), enc: GSM7, units: 307, segments: 3},
		{name: "euro counts two septets", text: rep("a", 158) + "€", enc: GSM7, units: 160, segments: 1},
		{name: "159 plain and euro is 161 septets", text: rep("a", 159) + "€", enc: GSM7, units: 161, segments: 2,
			parts: []string{rep("a", 153), rep("a", 6) + "€"}},
		{name: "escape pair straddling 153 moves whole", text: rep("a", 152) + "€" + rep("b", 10), enc: GSM7, units: 164, segments: 2,
			parts: []string{rep("a", 152), "€" + rep("b", 10)}},
		{name: "escape pair ending at 153 stays", text: rep("a", 151) + "{" + rep("b", 10), enc: GSM7, units: 163, segments: 2,
			parts: []string{rep("a", 151) + "{", rep("b", 10)}},
		{name: "straddling escape pair adds a segment", text: rep("a", 152) + "{" + rep("b", 152), enc: GSM7, units: 306, segments: 3,
			parts: []string{rep("a", 152), "{" + rep("b", 151), "b"}},
		{name: "extension characters", text: "Fee €5 {a|b} [x] ~y^ \\ \f", enc: GSM7, units: 34, segments: 1},
		{name: "80 euros fill one segment", text: rep("€", 80), enc: GSM7, units: 160, segments: 1},
		{name: "81 euros split 76 and 5", text: rep("€", 81), enc: GSM7, units: 162, segments: 2,
			parts: []string{rep("€", 76), rep("€", 5)}},
		{name: "CR LF straddling 153 moves whole", text: rep("a", 152) + "\r\n" + rep("b", 10), enc: GSM7, units: 164, segments: 2,
			parts: []string{rep("a", 152), "\r\n" + rep("b", 10)}},
		{name: "Greek capitals are GSM-7", text: "ΔΦΓΛΩΠΨΣΘΞ", enc: GSM7, units: 10, segments: 1},
		{name: "Greek small letter forces UCS-2", text: "pH α", enc: UCS2, units: 4, segments: 1, forced: []string{"α"}},
		{name: "curly apostrophe replaced", text: "Don’t drink the water", replace: true, wantText: sentAs("Don't drink the water"),
			enc: GSM7, units: 21, segments: 1},
		{name: "curly apostrophe kept", text: "Don’t drink the water", enc: UCS2, units: 21, segments: 1, forced: []string{"’"}},
		{name: "Spanish é ñ ü stay GSM-7", text: "Aviso: corte de agua en la calle Muñoz, café y pingüino. ¿Dudas? ¡Llame!", replace: true,
			enc: GSM7, units: 72, segments: 1},
		{name: "Spanish á í ó ú force UCS-2", text: "Atención: no beba agua del grifo hasta el día 5. Más información aquí, número 3.", replace: true,
			enc: UCS2, units: 80, segments: 2, forced: []string{"ó", "í", "á", "ú"}},
		{name: "replacement is all or nothing", text: "Atención – día", replace: true, enc: UCS2, units: 14, segments: 1,
			forced: []string{"ó", "í"}},
		{name: "lowercase c cedilla forces UCS-2", text: "Façade Ç", enc: UCS2, units: 8, segments: 1, forced: []string{"ç"}},
		{name: "emoji counts two units", text: "Water is back 💧", enc: UCS2, units: 16, segments: 1, forced: []string{"💧"}},
		{name: "emoji with skin tone is one character", text: "👍🏽 ok 👍🏽", enc: UCS2, units: 12, segments: 1, forced: []string{"👍🏽"}},
		{name: "UCS-2 70 fits one segment", text: "á" + rep("a", 69), enc: UCS2, units: 70, segments: 1, forced: []string{"á"}},
		{name: "UCS-2 71 splits at 67", text: "á" + rep("a", 70), enc: UCS2, units: 71, segments: 2, forced: []string{"á"},
			parts: []string{"á" + rep("a", 66), rep("a", 4)}},
		{name: "UCS-2 134 is two segments", text: rep("д", 134), enc: UCS2, units: 134, segments: 2, forced: []string{"д"}},
		{name: "UCS-2 135 is three segments", text: rep("д", 135), enc: UCS2, units: 135, segments: 3, forced: []string{"д"}},
		{name: "CR LF straddling 67 moves whole", text: "á" + rep("a", 65) + "\r\n" + rep("a", 10), enc: UCS2, units: 78, segments: 2,
			forced: []string{"á"}, parts: []string{"á" + rep("a", 65), "\r\n" + rep("a", 10)}},
		{name: "lone CR at the end", text: "á\r", enc: UCS2, units: 2, segments: 1, forced: []string{"á"}},
		{name: "surrogate pair straddling 67 moves whole", text: "á" + rep("a", 65) + "😀" + rep("a", 10), enc: UCS2, units: 78, segments: 2,
			forced: []string{"á", "😀"}, parts: []string{"á" + rep("a", 65), "😀" + rep("a", 10)}},
		{name: "straddling surrogate pair adds a segment", text: "á" + rep("a", 65) + "😀" + rep("a", 66), enc: UCS2, units: 134, segments: 3,
			forced: []string{"á", "😀"}, parts: []string{"á" + rep("a", 65), "😀" + rep("a", 65), "a"}},
		{name: "flag straddling 67 moves whole", text: "á" + rep("a", 64) + "🇺🇸" + rep("a", 10), enc: UCS2, units: 79, segments: 2,
			forced: []string{"á", "🇺🇸"}, parts: []string{"á" + rep("a", 64), "🇺🇸" + rep("a", 10)}},
		{name: "combining mark straddling 67 moves with its letter", text: "á" + rep("a", 65) + "e\u0301" + rep("a", 10), enc: UCS2, units: 78, segments: 2,
			forced: []string{"á", "e\u0301"}, parts: []string{"á" + rep("a", 65), "e\u0301" + rep("a", 10)}},
		{name: "ZWJ family straddling 67 moves whole", text: "á" + rep("a", 60) + "👨\u200d👩\u200d👧" + rep("a", 10), enc: UCS2, units: 79, segments: 2,
			forced: []string{"á", "👨\u200d👩\u200d👧"}, parts: []string{"á" + rep("a", 60), "👨\u200d👩\u200d👧" + rep("a", 10)}},
		{name: "grapheme longer than a segment is split", text: "x" + "e" + rep("\u0301", 100) + "y", enc: UCS2, units: 103, segments: 3,
			forced: []string{"e" + rep("\u0301", 100)}, parts: []string{"x", "e" + rep("\u0301", 66), rep("\u0301", 34) + "y"}},
		{name: "Chinese kept verbatim", text: "停水通知：明天上午9点至下午5点，人民路停水。　请提前储水。", replace: true, enc: UCS2, units: 30, segments: 1,
			forced: []string{"停", "水", "通", "知", "：", "明", "天", "上", "午", "点", "至", "下", "，", "人", "民", "路", "。", "请", "提", "前", "储"}},
		{name: "Russian kept verbatim", text: "Внимание — отключение воды «завтра» с 9:00 до 17:00…", replace: true, enc: UCS2, units: 52, segments: 1,
			forced: []string{"В", "н", "и", "м", "а", "е", "о", "т", "к", "л", "ю", "ч", "в", "д", "ы", "з", "р", "с"}},
		{name: "Arabic kept verbatim", text: "تنبيه: انقطاع المياه غداً من الساعة 9 حتى 17.", replace: true, enc: UCS2, units: 45, segments: 1,
			forced: []string{"ت", "ن", "ب", "ي", "ه", "ا", "ق", "ط", "ع", "ل", "م", "غ", "د", "اً", "س", "ة", "ح", "ى"}},
		{name: "Vietnamese kept verbatim", text: "Thông báo: cúp nước ngày mai từ 9 giờ đến 17 giờ.", replace: true, enc: UCS2, units: 49, segments: 1,
			forced: []string{"ô", "á", "ú", "ư", "ớ", "ừ", "ờ", "đ", "ế"}},
		{name: "spaces and dashes replaced", text: "Main\u00a0St – closed — until 5\u202fpm…", replace: true,
			wantText: sentAs("Main St - closed - until 5 pm..."), enc: GSM7, units: 32, segments: 1},
		{name: "spaces and dashes kept", text: "Main\u00a0St – closed — until 5\u202fpm…", enc: UCS2, units: 30, segments: 1,
			forced: []string{"\u00a0", "–", "—", "\u202f", "…"}},
		{name: "quotes replaced", text: "“Boil” „water‟ «now» ‘a’ ‚b‛ 5′ 6″ `c´", replace: true,
			wantText: sentAs(`"Boil" "water" "now" 'a' 'b' 5' 6" 'c'`), enc: GSM7, units: 38, segments: 1},
		{name: "other dashes replaced", text: "a‐b‑c‒d―e−f", replace: true, wantText: sentAs("a-b-c-d-e-f"), enc: GSM7, units: 11, segments: 1},
		{name: "bullets become hyphens", text: "• Boil water\n• Use bottled water", replace: true,
			wantText: sentAs("- Boil water\n- Use bottled water"), enc: GSM7, units: 32, segments: 1},
		{name: "Unicode spaces become spaces", text: "a\u2000b\u2003c\u200ad\u205fe\u3000f", replace: true,
			wantText: sentAs("a b c d e f"), enc: GSM7, units: 11, segments: 1},
		{name: "invisible characters removed", text: "\ufeffBoil\u200b water\u00ad notice", replace: true,
			wantText: sentAs("Boil water notice"), enc: GSM7, units: 17, segments: 1},
		{name: "only invisible characters leave nothing", text: "\u200b\ufeff", replace: true, wantText: sentAs(""),
			enc: GSM7, units: 0, segments: 0},
		{name: "tab forces UCS-2", text: "a\tb", replace: true, enc: UCS2, units: 3, segments: 1, forced: []string{"\t"}},
		{name: "invalid UTF-8 becomes U+FFFD", text: "ab\xffc", wantText: sentAs("ab\uFFFDc"), enc: UCS2, units: 4, segments: 1,
			forced: []string{"\uFFFD"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewSMS(tt.text, tt.replace)
			want := tt.text
			if tt.wantText != nil {
				want = *tt.wantText
			}
			if s.Text != want {
				t.Errorf("Text = %q, want %q", s.Text, want)
			}
			if s.Encoding != tt.enc || s.Units != tt.units || s.Segments != tt.segments {
				t.Errorf("got %s, %d units, %d segments; want %s, %d units, %d segments",
					s.Encoding, s.Units, s.Segments, tt.enc, tt.units, tt.segments)
			}
			if len(s.Parts) != s.Segments {
				t.Errorf("%d parts for %d segments", len(s.Parts), s.Segments)
			}
			if tt.parts != nil && !slices.Equal(s.Parts, tt.parts) {
				t.Errorf("Parts = %q, want %q", s.Parts, tt.parts)
			}
			if !slices.Equal(s.ForcedUCS2, tt.forced) {
				t.Errorf("ForcedUCS2 = %q, want %q", s.ForcedUCS2, tt.forced)
			}
		})
	}
}

func TestSMSCheck(t *testing.T) {
	rep := strings.Repeat
	tests := []struct {
		name    string
		text    string
		max     int
		wantErr []string // substrings of the error; nil: no error
	}{
		{name: "one segment", text: "Boil water notice", max: 1},
		{name: "at the limit", text: rep("a", 459), max: 3},
		{name: "default limit allows three", text: rep("a", 459), max: 0},
		{name: "default limit refuses four", text: rep("a", 460), max: 0,
			wantErr: []string{"4 segments", "more than the 3 allowed", "460 characters", "460 septets", "GSM-7", "shorten the text"}},
		{name: "GSM-7 over the limit", text: rep("a", 200), max: 1,
			wantErr: []string{"2 segments", "more than the 1 allowed", "200 characters", "200 septets", "GSM-7"}},
		{name: "UCS-2 over the limit names the characters", text: rep("Atención al día. ", 12), max: 3,
			wantErr: []string{"4 segments", "more than the 3 allowed", "204 characters", "204 UTF-16 units", "UCS-2",
				`"ó" (U+00F3), "í" (U+00ED)`, "shorten the text or remove or replace those characters"}},
		{name: "combining mark shows each code point", text: rep("Cafe\u0301 ", 50), max: 2,
			wantErr: []string{"\"e\u0301\" (U+0065 U+0301)"}},
		{name: "emoji shows its code point", text: rep("💧", 200), max: 3,
			wantErr: []string{"400 UTF-16 units", `"💧" (U+1F4A7)`}},
		{name: "long list of characters is cut", text: rep("停水通知明天上午点至下午人民路请提前储", 5), max: 1,
			wantErr: []string{`"停" (U+505C)`, "and 8 more"}},
		{name: "1600 characters is accepted", text: rep("a", 1600), max: 11},
		{name: "1601 characters is refused whatever the limit", text: rep("a", 1601), max: 100,
			wantErr: []string{"1601 characters", "1600", "Twilio", "shorten the text"}},
		{name: "1601 UCS-2 characters is refused", text: rep("д", 1601), max: 100,
			wantErr: []string{"1601 characters", "UCS-2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := NewSMS(tt.text, true).Check(tt.max)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Check(%d) = %v, want nil", tt.max, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Check(%d) = nil, want an error", tt.max)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestSMSSplitProperties checks, on generated texts mixing the hard cases,
// what must hold for any text: the parts rebuild it, each fits its segment,
// and no part boundary falls inside a grapheme cluster.
func TestSMSSplitProperties(t *testing.T) {
	pieces := []string{
		"a", "b", " ", ".", "\n", "\r", "\r\n", "`", "€", "中", "\u302a", "\u3099", "д", "\u0483", "ل", "\u064b", "{", "é", "ñ", "Δ",
		"á", "ç", "д", "中", "😀", "🇺🇸", "e\u0301", "👨\u200d👩\u200d👧", "👍🏽",
		"’", "—", "…", "\u00a0", "\u200b",
	}
	gsmOnly := []string{"a", "b", " ", ".", "\n", "\r\n", "€", "{", "é", "ñ", "Δ", "’", "—", "…", "\u00a0", "\u200b"}
	tests := []struct {
		name    string
		pieces  []string
		replace bool
	}{
		{name: "mixed, replaced", pieces: pieces, replace: true},
		{name: "mixed, verbatim", pieces: pieces},
		{name: "GSM-7 with replacements", pieces: gsmOnly, replace: true},
		{name: "GSM-7 look-alikes verbatim", pieces: gsmOnly},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			for n := range 300 {
				var b strings.Builder
				for range rng.IntN(400) {
					b.WriteString(tt.pieces[rng.IntN(len(tt.pieces))])
				}
				checkSMSSplit(t, n, b.String(), tt.replace)
			}
		})
	}
}

func checkSMSSplit(t *testing.T, n int, text string, replace bool) {
	t.Helper()
	s := NewSMS(text, replace)
	if got := strings.Join(s.Parts, ""); got != s.Text {
		t.Fatalf("text %d: parts join to %q, want %q", n, got, s.Text)
	}
	if len(s.Parts) != s.Segments {
		t.Fatalf("text %d: %d parts for %d segments", n, len(s.Parts), s.Segments)
	}
	gsm := s.Encoding == GSM7
	if gsm != smsIsGSM7(s.Text) {
		t.Fatalf("text %d: encoding %s for %q", n, s.Encoding, s.Text)
	}
	if gsm != (len(s.ForcedUCS2) == 0) {
		t.Fatalf("text %d: %s with ForcedUCS2 %q", n, s.Encoding, s.ForcedUCS2)
	}
	limit := map[bool]int{true: 153, false: 67}[gsm]
	if s.Segments == 1 {
		limit = map[bool]int{true: 160, false: 70}[gsm]
	}
	boundaries := smsGraphemeBoundaries(s.Text)
	units, offset := 0, 0
	for i, p := range s.Parts {
		u := smsTestUnits(p, gsm)
		if u == 0 || u > limit {
			t.Fatalf("text %d: part %d is %d units, limit %d", n, i, u, limit)
		}
		units += u
		offset += len(p)
		if !boundaries[offset] {
			t.Fatalf("text %d: part %d ends inside a grapheme cluster: %q", n, i, p)
		}
	}
	if units != s.Units {
		t.Fatalf("text %d: parts hold %d units, Units = %d", n, units, s.Units)
	}
}

// TestNextClusterMatchesUniseg checks the shortcut that skips uniseg below
// U+0300 against uniseg itself.
func TestNextClusterMatchesUniseg(t *testing.T) {
	pieces := []string{"a", "\r", "\n", "\r\n", "é", "ÿ", "\u00ad", "©", "\u0301", "\u200d", "🇺", "🇸", "👨", "🏽", "中", "각", "\u1100", "\u1161", "\u0915\u094d", "\u0600", "\ufe0f",
		"д", "\u0483", "ل", "\u064b", "\u302a", "\u3099", "ｶ", "\uff9e", "‼", "ệ"}
	rng := rand.New(rand.NewPCG(3, 4))
	for n := range 2000 {
		var b strings.Builder
		for range rng.IntN(30) + 1 {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		text := b.String()
		var want, got []string
		g := uniseg.NewGraphemes(text)
		for g.Next() {
			want = append(want, g.Str())
		}
		state := -1
		for i := 0; i < len(text); {
			c, _ := smsNextCluster(text[i:], &state)
			got = append(got, c)
			i += len(c)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("text %d %q: clusters %q, uniseg says %q", n, text, got, want)
		}
	}
}

// TestSMSSimple checks every character smsSimple accepts against uniseg:
// next to itself, to an ASCII letter, to an ideograph and to the first and
// last character of each range it accepts, it must stand alone.
func TestSMSSimple(t *testing.T) {
	var simple, ends []rune
	for r := rune(0); r <= 0x10ffff; r++ {
		if smsSimple(r) && utf8.ValidRune(r) {
			simple = append(simple, r)
			if !smsSimple(r-1) || !smsSimple(r+1) {
				ends = append(ends, r)
			}
		}
	}
	for _, a := range simple {
		if a == '\r' {
			continue // CR LF is the one pair that joins
		}
		for _, b := range append([]rune{a, 'a', '中', '\r'}, ends...) {
			pair := string([]rune{a, b})
			if n := uniseg.GraphemeClusterCount(pair); n != 2 {
				t.Fatalf("%q (U+%04X U+%04X) is %d grapheme clusters, want 2", pair, a, b, n)
			}
		}
	}
}

// smsIsGSM7 reports whether text is all in the GSM 03.38 default alphabet and
// its extension table. It is written apart from the code under test.
func smsIsGSM7(text string) bool {
	const alphabet = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà" + smsTestExtension
	for _, r := range text {
		if !strings.ContainsRune(alphabet, r) {
			return false
		}
	}
	return true
}

const smsTestExtension = "\f^{}\\[~]|€"

// smsTestUnits counts p in septets (gsm) or UTF-16 code units.
func smsTestUnits(p string, gsm bool) int {
	if !gsm {
		return len(utf16.Encode([]rune(p)))
	}
	n := utf8.RuneCountInString(p)
	for _, r := range p {
		if strings.ContainsRune(smsTestExtension, r) {
			n++
		}
	}
	return n
}

// smsGraphemeBoundaries returns the byte offsets where uniseg puts a grapheme
// cluster boundary, or every code point boundary inside a cluster too long
// for one segment, which must be split.
func smsGraphemeBoundaries(text string) map[int]bool {
	b := map[int]bool{0: true}
	g := uniseg.NewGraphemes(text)
	for g.Next() {
		from, to := g.Positions()
		b[to] = true
		if smsTestUnits(g.Str(), false) > 67 {
			for i := range g.Str() {
				b[from+i] = true
			}
		}
	}
	return b
}

func sentAs(s string) *string { return &s }

// FuzzNewSMS checks the properties of TestSMSSplitProperties on any text.
func FuzzNewSMS(f *testing.F) {
	for _, s := range []string{"", "Boil water", "a\r\nb€", "Atención 😀 🇺🇸 e\u0301", "停水\u3000通知", "ab\xffc"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, text string, replace bool) {
		checkSMSSplit(t, 0, text, replace)
	})
}
