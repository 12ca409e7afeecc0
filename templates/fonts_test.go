package templates

import (
	"bytes"
	"errors"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/crier-notices/crier/internal/testenv"
)

// flyerVietnamese is part of a hydrant flushing notice in Vietnamese: most
// of its letters are outside the Go fonts the flyer used to print in.
const flyerVietnamese = `Chúng tôi sẽ xả nước các trụ cứu hỏa trong khu vực của quý vị.

- Nước có thể bị đục hoặc có màu. Hãy để vòi chảy cho đến khi nước trong.
- **Ưu tiên**: không giặt đồ trắng khi nước còn đục. _Ơn quý vị đã thông cảm._

Mọi thắc mắc xin gọi số điện thoại dưới đây; chúng tôi rất vui được giúp đỡ.`

func chineseFont(t testing.TB) *Font {
	t.Helper()
	data, err := os.ReadFile(testenv.CJKFont(t))
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewFont("DroidSansFallbackFull.ttf", data, nil)
	if err != nil {
		t.Fatalf("NewFont: %v", err)
	}
	return f
}

// TestFlyerVietnamese checks that the built-in font prints Vietnamese: the
// text a reader copies out of the flyer has its letters.
func TestFlyerVietnamese(t *testing.T) {
	r := flyerRendering("vi", "Xả nước trụ cứu hỏa", flyerVietnamese)
	r.Template.Category = "maintenance"
	text := flyerOneLine(pdftotext(t, makeFlyer(t, r), 0))
	for _, want := range []string{
		"Xả nước trụ cứu hỏa",
		"Nước có thể bị đục hoặc có màu.",
		"Ưu tiên: không giặt đồ trắng khi nước còn đục. Ơn quý vị đã thông cảm.",
		"chúng tôi rất vui được giúp đỡ.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("pdftotext: %s", text)
	}
}

// TestFlyerMissingGlyphs checks that a character the font cannot print is
// an error naming it, its language and the template, never a blank box;
// and that a font configured for the language prints it.
func TestFlyerMissingGlyphs(t *testing.T) {
	zh := func() *Rendering {
		return flyerRendering("zh", "停水通知", "明天停水。停水期间请储水。\n\n- Water off 9–3.")
	}
	withFont := func(r *Rendering, f *Font) *Rendering {
		r.Utility.Fonts = map[string]*Font{"zh": f}
		return r
	}
	wantRunes := []rune("停水通知明天。期间请储")
	tests := []struct {
		name string
		rs   func(t *testing.T) []*Rendering
		want []string // in the text, when it renders
		lang string   // of the error, when it fails
	}{
		{name: "Chinese without a font", rs: func(t *testing.T) []*Rendering { return []*Rendering{zh()} }, lang: "zh"},
		{name: "Chinese in a bilingual flyer without a font", rs: func(t *testing.T) []*Rendering { return []*Rendering{flyerBoil(), zh()} }, lang: "zh"},
		{name: "Chinese with its font", rs: func(t *testing.T) []*Rendering { return []*Rendering{withFont(zh(), chineseFont(t))} },
			want: []string{"停水通知", "明天停水。停水期间请储水。", "Water off 9–3."}},
		{name: "bilingual: each language in its font", rs: func(t *testing.T) []*Rendering {
			f := chineseFont(t)
			return []*Rendering{withFont(flyerBoil(), f), withFont(zh(), f)}
		}, want: []string{"Boil Water Notice", "Questions? Contact", "停水通知"}},
		{name: "a font for another language does not help", rs: func(t *testing.T) []*Rendering {
			r := zh()
			r.Utility.Fonts = map[string]*Font{"ja": chineseFont(t)}
			return []*Rendering{r}
		}, lang: "zh"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Flyer(&buf, tt.rs(t)...)
			if tt.lang == "" {
				if err != nil {
					t.Fatalf("Flyer: %v", err)
				}
				text := flyerOneLine(pdftotext(t, buf.Bytes(), 0))
				for _, w := range tt.want {
					if !strings.Contains(text, w) {
						t.Errorf("text lacks %q:\n%s", w, text)
					}
				}
				return
			}
			var ge *GlyphError
			if !errors.As(err, &ge) {
				t.Fatalf("Flyer: %v, want a *GlyphError", err)
			}
			if buf.Len() > 0 {
				t.Errorf("Flyer wrote %d bytes before failing", buf.Len())
			}
			if ge.Lang != tt.lang || ge.Template != "boil-water" || !slices.Equal(ge.Runes, wantRunes) {
				t.Errorf("error for %s, template %s, runes %q; want %s, boil-water, %q", ge.Lang, ge.Template, string(ge.Runes), tt.lang, string(wantRunes))
			}
			msg := err.Error()
			for _, w := range []string{"flyer: template boil-water, language zh:", "停 (U+505C), 水 (U+6C34), 通 (U+901A)", "。 (U+3002)", "[fonts]"} {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q: %s", w, msg)
				}
			}
			if strings.Count(msg, "U+6C34") != 1 {
				t.Errorf("水 named more than once: %s", msg)
			}
		})
	}
}

// TestLettersMissingGlyphs checks that a recipient's name the font cannot
// print stops the letters, naming the letter.
func TestLettersMissingGlyphs(t *testing.T) {
	_, err := Letters(&bytes.Buffer{}, []Letter{
		{Rendering: flyerBoil(), Name: "Ana Ortiz", Address: "12 Elm St\nClearwater, NY 13000"},
		{Rendering: flyerBoil(), Name: "王芳", Address: "14 Elm St\nClearwater, NY 13000"},
	})
	var ge *GlyphError
	if !errors.As(err, &ge) {
		t.Fatalf("Letters: %v, want a *GlyphError", err)
	}
	if ge.Doc != "letters: letter 2 of 2" || string(ge.Runes) != "王芳" || ge.Lang != "en" {
		t.Errorf("error %q: doc %q, runes %q, language %q", err, ge.Doc, string(ge.Runes), ge.Lang)
	}
}

func TestNewFont(t *testing.T) {
	builtin, err := builtinFontFiles.ReadFile("fonts/DejaVuSansCondensed.ttf")
	if err != nil {
		t.Fatal(err)
	}
	otf, err := os.ReadFile(filepath.Join("testdata", "fonts", "CFFTest.otf"))
	if err != nil {
		t.Fatal(err)
	}
	ttc := append([]byte("ttcf\x00\x01\x00\x00"), make([]byte, 64)...)
	tests := []struct {
		name          string
		regular, bold []byte
		want          string // in the error; "" for none
	}{
		{name: "TrueType", regular: builtin},
		{name: "TrueType, bold too", regular: builtin, bold: builtin},
		{name: "CFF outlines (.otf)", regular: otf, want: "CFF outlines are not supported: use a TTF"},
		{name: "CFF bold", regular: builtin, bold: otf, want: "CFF outlines are not supported: use a TTF"},
		{name: "collection", regular: ttc, want: "font collection (.ttc) is not supported"},
		{name: "a PNG", regular: flyerTestLogo(t, 4, 4), want: "not a TrueType font"},
		{name: "empty", regular: nil, want: "not a TrueType font"},
		{name: "truncated", regular: builtin[:2000], want: "TrueType font"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := NewFont("x.ttf", tt.regular, tt.bold)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("NewFont: %v", err)
				}
				if ff, _ := f.face(pdfBold); !ff.has('ợ') || ff.has('停') {
					t.Errorf("bold face: has ợ %t, has 停 %t", ff.has('ợ'), ff.has('停'))
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewFont: %v, want an error with %q", err, tt.want)
			}
		})
	}
}

// TestFlyerDrawsVietnamese checks that the Vietnamese letters are drawn,
// not only named: pdftotext reads a letter the font lacks as well as one
// it has (the PDF maps each to its character either way), but a font
// lacking them prints each as the same missing-glyph box. Each letter here
// must look different from every other.
func TestFlyerDrawsVietnamese(t *testing.T) {
	letters := strings.Fields("ơ ư ợ ụ ủ ứ ạ ả ế ỗ Ơ Ư Ợ Ử Đ")
	pdf := makeFlyer(t, flyerRendering("vi", "Chữ", strings.Join(letters, " ")))
	file := flyerFile(t, pdf)
	seen := map[string]string{} // ink of a letter -> the letter
	for _, w := range flyerWords(t, pdf, 1) {
		if !slices.Contains(letters, w.text) {
			continue
		}
		const scale = 4 // pixels a point
		out, err := exec.Command(needTool(t, "pdftoppm"), "-png", "-gray", "-r", strconv.Itoa(72*scale), "-f", "1", "-l", "1",
			"-x", strconv.Itoa(int(w.x0*scale)), "-y", strconv.Itoa(int(w.y0*scale)),
			"-W", strconv.Itoa(int((w.x1-w.x0)*scale)+1), "-H", strconv.Itoa(int((w.y1-w.y0)*scale)+1), file).Output()
		if err != nil {
			t.Fatalf("pdftoppm: %v", err)
		}
		img, err := png.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		var ink strings.Builder
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				if g := color.GrayModel.Convert(img.At(x, y)).(color.Gray); g.Y < 128 {
					ink.WriteByte('#')
				} else {
					ink.WriteByte('.')
				}
			}
			ink.WriteByte('\n')
		}
		if !strings.Contains(ink.String(), "#") {
			t.Errorf("%s prints blank", w.text)
		}
		if other, ok := seen[ink.String()]; ok {
			t.Errorf("%s prints as %s does: the font lacks them\n%s", w.text, other, ink.String())
		}
		seen[ink.String()] = w.text
	}
	if len(seen) != len(letters) {
		t.Errorf("found %d of the %d letters on the page", len(seen), len(letters))
	}
}

func TestCJKBreak(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string // the parts a line may break between
	}{
		{"Latin", "water-main", []string{"water-main"}},
		{"Vietnamese", "nước", []string{"nước"}},
		{"Chinese", "停水通知", []string{"停", "水", "通", "知"}},
		{"closing punctuation stays with its character", "停水。明天", []string{"停", "水。", "明", "天"}},
		{"opening punctuation stays with the next", "请「储水」", []string{"请", "「储", "水」"}},
		{"digits beside Chinese", "3点30分", []string{"3", "点", "30", "分"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for s := tt.in; s != ""; {
				k := cjkBreak(s)
				got = append(got, s[:k])
				s = s[k:]
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("cjkBreak parts of %q: %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestFlyerChineseLines checks that Chinese text, which has no spaces,
// breaks between characters but never puts closing punctuation at the
// start of a line.
func TestFlyerChineseLines(t *testing.T) {
	para := strings.Repeat("水可能会变浑浊或呈黄色、棕色几个小时。变色的水对健康无害，但请等水变清后再饮用或做饭。", 4)
	r := flyerRendering("zh", "消防栓冲洗", para)
	r.Utility.Fonts = map[string]*Font{"zh": chineseFont(t)}
	text := pdftotext(t, makeFlyer(t, r), 0)
	var body []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "水可能") || len(body) > 0 && l != "" && !strings.HasPrefix(l, "Scan") {
			body = append(body, l)
		}
		if len(body) > 0 && l == "" {
			break
		}
	}
	if len(body) < 4 {
		t.Fatalf("the paragraph is on %d lines, want at least 4:\n%s", len(body), text)
	}
	for _, l := range body {
		if c, _ := utf8.DecodeRuneInString(l); strings.ContainsRune(cjkNoStart, c) {
			t.Errorf("a line starts with %c: %q", c, l)
		}
	}
	if got := strings.Join(body, ""); got != para {
		t.Errorf("the paragraph reads %q, want %q", got, para)
	}
}

// TestGlyphErrorNamesTheConfigurationFile: the error says where to add a
// font, the file the utility's configuration came from, or the
// configuration file when that is not known; never a file name guessed.
func TestGlyphErrorNamesTheConfigurationFile(t *testing.T) {
	tests := []struct{ name, config, want string }{
		{"known", "/etc/crier/millbrook.toml", "([fonts] in /etc/crier/millbrook.toml)"},
		{"not known", "", "([fonts] in the configuration file)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := &GlyphError{Doc: "flyer", Lang: "zh", Font: "Go", Runes: []rune("清"), Config: tc.config}
			if got := e.Error(); !strings.Contains(got, tc.want) {
				t.Errorf("%s; want %q", got, tc.want)
			}
		})
	}
}
