// Fonts for the flyer and letters: the built-in DejaVu Sans Condensed, fonts a configuration adds for a language, and which characters each can draw.

package templates

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/jung-kurt/gofpdf"
	"golang.org/x/image/font/sfnt"
)

// builtinFontFiles holds DejaVu Sans Condensed 2.37 (Bitstream Vera licence,
// DejaVu's changes in the public domain: see fonts/LICENSE.txt), from
// Debian's fonts-dejavu-extra. Its metrics and width are close to the Go
// fonts' it replaced, which lack Vietnamese; Noto Sans, the other
// candidate, is wider, has a taller line box and lacks ◦, ▪ and ⚠.
//
// The files are subset, since the PDF library parses the whole font for
// every document (the full faces, 680 KB each, made a flyer about twice
// as slow):
//
//	pyftsubset DejaVuSansCondensed.ttf --no-hinting --layout-features='' \
//	  --unicodes='U+0020-007E,U+00A0-024F,U+02B0-02FF,U+0300-036F,U+0370-03FF,U+0400-052F,U+1E00-1EFF,U+2000-206F,U+2070-209F,U+20A0-20CF,U+2100-214F,U+2150-218F,U+2190-21FF,U+2212,U+2215,U+2219,U+221A,U+221E,U+2248,U+2260,U+2264,U+2265,U+25A0-25FF,U+2600-26FF,U+2700-27BF,U+FB00-FB06,U+FFFD'
//
// that is Latin with Vietnamese, Greek, Cyrillic, punctuation, currency,
// letterlike signs, arrows, a few math signs, geometric shapes, symbols and
// dingbats; the rest of DejaVu (IPA, box drawing, Armenian, Hebrew …) is
// for a configured font.
//
//go:embed fonts/DejaVuSansCondensed.ttf fonts/DejaVuSansCondensed-Bold.ttf fonts/DejaVuSansCondensed-Oblique.ttf fonts/DejaVuSansCondensed-BoldOblique.ttf
var builtinFontFiles embed.FS

// A Font is a family of TrueType fonts that prints the flyer and letters of
// one or more languages. The built-in one is DejaVu Sans Condensed
// (BuiltinFont); a configuration adds others for the scripts it lacks (see
// Utility.Fonts).
// A Font is immutable and safe for use by several goroutines at once.
type Font struct {
	name  string       // for messages: the file, or "DejaVu Sans Condensed (built in)"
	faces [4]*fontFace // by pdfStyles' order; a style the family lacks is nil
}

// fontFace is one style of a family.
type fontFace struct {
	ttf   []byte
	cover *[0x10000 / 64]uint64 // the runes of the Basic Multilingual Plane it has a glyph for
}

// pdfStyles are the styles of a family in the order of Font.faces.
var pdfStyles = [4]pdfStyle{pdfRegular, pdfBold, pdfItalic, pdfBoldItalic}

// Name says which font this is in messages: the file it was read from,
// or "DejaVu Sans Condensed (built in)".
func (f *Font) Name() string { return f.name }

// face returns the face that prints style s: the family's own, else bold
// italic falls back to bold, and every style to regular (no slant or
// weight is faked).
func (f *Font) face(s pdfStyle) (*fontFace, pdfStyle) {
	i := pdfStyleIndex(s)
	if f.faces[i] != nil {
		return f.faces[i], s
	}
	if s == pdfBoldItalic && f.faces[1] != nil {
		return f.faces[1], pdfBold
	}
	return f.faces[0], pdfRegular
}

func pdfStyleIndex(s pdfStyle) int {
	for i, st := range pdfStyles {
		if st == s {
			return i
		}
	}
	return 0
}

// has reports whether the face has a glyph for c. Only runes of the Basic
// Multilingual Plane reach the PDF (see pdfText).
func (ff *fontFace) has(c rune) bool {
	if c < 0 || c >= 0x10000 {
		return false
	}
	return ff.cover[c>>6]&(1<<(uint(c)&63)) != 0
}

// BuiltinFont returns DejaVu Sans Condensed, the font of every language the
// configuration gives no font for.
var BuiltinFont = sync.OnceValue(func() *Font {
	f := &Font{name: "DejaVu Sans Condensed (built in)"}
	for i, file := range []string{"DejaVuSansCondensed.ttf", "DejaVuSansCondensed-Bold.ttf", "DejaVuSansCondensed-Oblique.ttf", "DejaVuSansCondensed-BoldOblique.ttf"} {
		data, err := builtinFontFiles.ReadFile("fonts/" + file)
		if err != nil {
			panic(err) // embedded: cannot happen
		}
		ff, err := parseFace(data)
		if err != nil {
			panic(fmt.Sprintf("built-in font %s: %v", file, err))
		}
		f.faces[i] = ff
	}
	return f
})

// NewFont makes a Font of TrueType files: regular, and optionally bold
// (nil when the family has none: bold text is then printed in the regular
// face). name says where the files came from in messages. It returns an
// error, starting with "regular: " or "bold: ", when a file is not a single
// TrueType font with TrueType outlines (the PDF library reads no CFF
// outlines, as most .otf files have, no collections (.ttc) and no WOFF), or
// when the PDF library cannot read it.
func NewFont(name string, regular, bold []byte) (*Font, error) {
	f := &Font{name: name}
	for i, data := range [][]byte{regular, bold} {
		if i > 0 && data == nil {
			continue
		}
		ff, err := parseFace(data)
		if err == nil {
			err = tryFace(ff.ttf)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", [...]string{"regular", "bold"}[i], err)
		}
		f.faces[i] = ff
	}
	return f, nil
}

// parseFace checks that data is a TrueType font and reads which characters it has.
func parseFace(data []byte) (*fontFace, error) {
	if len(data) < 4 {
		return nil, fmt.Errorf("not a TrueType font (%d bytes)", len(data))
	}
	switch string(data[:4]) {
	case "\x00\x01\x00\x00", "true":
	case "OTTO":
		return nil, fmt.Errorf("CFF outlines are not supported: use a TTF (a font with TrueType outlines, such as the .ttf files of Noto)")
	case "ttcf":
		return nil, fmt.Errorf("a font collection (.ttc) is not supported: use a single TTF font")
	case "wOFF", "wOF2":
		return nil, fmt.Errorf("a web font (WOFF) is not supported: use a TTF")
	default:
		return nil, fmt.Errorf("not a TrueType font")
	}
	sf, err := sfnt.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("not a usable TrueType font: %w", err)
	}
	ff := &fontFace{ttf: data, cover: new([0x10000 / 64]uint64)}
	var buf sfnt.Buffer
	for c := rune(0); c < 0x10000; c++ {
		if i, err := sf.GlyphIndex(&buf, c); err == nil && i != 0 {
			ff.cover[c>>6] |= 1 << (uint(c) & 63)
		}
	}
	return ff, nil
}

// tryFace loads a font into a throwaway PDF, so that a font the PDF library
// cannot read is refused when it is configured, not when a notice is printed.
func tryFace(ttf []byte) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the PDF library cannot read this font: %v", p)
		}
	}()
	pdf := gofpdf.New("P", "pt", "Letter", "")
	pdf.AddUTF8FontFromBytes("try", "", bytes.Clone(ttf))
	pdf.AddPage()
	pdf.SetFont("try", "", 12)
	pdf.GetStringWidth("a")
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("the PDF library cannot read this font: %w", err)
	}
	return nil
}

// fontFor returns the font that prints r: the one configured for its
// language, else the built-in one.
func fontFor(r *Rendering) *Font {
	if f := r.Utility.Fonts[r.Lang]; f != nil {
		return f
	}
	// A font given for zh serves zh-Hans and zh-CN too, by the rule that
	// picks a customer's translation.
	langs := make([]string, 0, len(r.Utility.Fonts))
	for l := range r.Utility.Fonts {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	if l, ok := MatchLanguage(r.Lang, langs); ok {
		return r.Utility.Fonts[l]
	}
	return BuiltinFont()
}

// GlyphError says that the text of a flyer or letter holds characters its
// font has no glyph for: printed, they would be blank boxes.
type GlyphError struct {
	Doc      string // "flyer", or "letters: letter 2 of 9"
	Template string // the template's name
	Lang     string
	Font     string // the font's Name
	Runes    []rune // each once, in the order they were met
	Config   string // the configuration file fonts are given in; "" when not known
}

// glyphErrorMax is how many characters a GlyphError lists: enough for any
// text a font lacks a few letters of; the rest of a text in a script it
// lacks whole is counted.
const glyphErrorMax = 100

func (e *GlyphError) Error() string {
	var b strings.Builder
	for i, c := range e.Runes {
		if i == glyphErrorMax {
			fmt.Fprintf(&b, " and %d more", len(e.Runes)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%c (U+%04X)", c, c)
	}
	tmpl := ""
	if e.Template != "" {
		tmpl = "template " + e.Template + ", "
	}
	config := e.Config
	if config == "" {
		config = "the configuration file"
	}
	return fmt.Sprintf("%s: %slanguage %s: the font %s cannot print %s; give a font for %q that has them ([fonts] in %s) or remove them",
		e.Doc, tmpl, e.Lang, e.Font, b.String(), e.Lang, config)
}

// pdfFonts is the font state of a flyerDoc: the fonts added to the PDF,
// the one of the language being printed and the one selected, and the
// characters met that the fonts lack, by rendering.
type pdfFonts struct {
	fonts   map[*Font]*pdfFontInPDF
	cur     *pdfFontInPDF // the font of fr's language
	fr      *Rendering    // the rendering whose text is being measured or drawn
	sel     *pdfFontInPDF // the font selected, nil when unknown
	font    pdfStyle      // its style as asked for
	size    float64       // and size
	asc     float64       // ascent and descent of cur per point of size
	desc    float64
	missing map[*Rendering][]rune
}

// pdfFontInPDF is a Font added to one PDF: its family name there, the
// styles added so far and its metrics.
type pdfFontInPDF struct {
	font      *Font
	family    string
	loaded    [4]bool
	asc, desc float64
}

// use makes the font of rendering r's language the one that prints what
// is measured and drawn next.
func (f *flyerDoc) use(r *Rendering) {
	f.fr = r
	in := f.fontIn(fontFor(r))
	f.cur, f.asc, f.desc = in, in.asc, in.desc
}

// fontIn returns font fo as added to the document, adding it on first use.
func (f *flyerDoc) fontIn(fo *Font) *pdfFontInPDF {
	if in := f.fonts[fo]; in != nil {
		return in
	}
	if f.fonts == nil {
		f.fonts = make(map[*Font]*pdfFontInPDF, 2)
	}
	in := &pdfFontInPDF{font: fo, family: fmt.Sprintf("font%d", len(f.fonts))}
	f.fonts[fo] = in
	f.selectFont(in, pdfRegular, flyerBodySize)
	d := f.pdf.GetFontDesc(in.family, "")
	in.asc, in.desc = float64(d.Ascent)/1000, -float64(d.Descent)/1000
	return in
}

// selectFont selects a style and size of a font, adding the face to the
// document on first use. Each document gets its own copy of the font
// bytes: gofpdf writes into them.
func (f *flyerDoc) selectFont(in *pdfFontInPDF, s pdfStyle, size float64) {
	if f.sel == in && f.font == s && f.size == size {
		return
	}
	ff, st := in.font.face(s)
	if i := pdfStyleIndex(st); !in.loaded[i] {
		f.pdf.AddUTF8FontFromBytes(in.family, string(st), bytes.Clone(ff.ttf))
		in.loaded[i] = true
	}
	f.pdf.SetFont(in.family, string(st), size)
	f.sel, f.font, f.size = in, s, size
}

// measure returns the width of text in a style and size of the language's
// font (see eachRun). Every text printed is measured first, which notes
// the characters the fonts cannot print (see glyphError).
func (f *flyerDoc) measure(s pdfStyle, size float64, text string) float64 {
	w := 0.0
	f.eachRun(s, text, func(in *pdfFontInPDF, part string) {
		f.selectFont(in, s, size)
		w += f.pdf.GetStringWidth(part)
	})
	return w
}

// text prints text with its baseline starting at x, y, as measure measured it.
func (f *flyerDoc) text(x, y float64, s pdfStyle, size float64, text string) {
	f.eachRun(s, text, func(in *pdfFontInPDF, part string) {
		f.selectFont(in, s, size)
		f.pdf.Text(x, y, part)
		x += f.pdf.GetStringWidth(part)
	})
}

// eachRun calls fn with the runs of text and the font that prints each:
// the language's font, and for the characters a configured font lacks
// and the built-in one has (the digits and Latin letters of a Chinese
// notice, in a font with Chinese only), the built-in font. A character
// neither has is noted (see glyphError).
func (f *flyerDoc) eachRun(s pdfStyle, text string, fn func(in *pdfFontInPDF, part string)) {
	if text == "" {
		return
	}
	main := f.cur
	face, _ := main.font.face(s)
	builtin := BuiltinFont()
	if main.font == builtin {
		for _, c := range text {
			if !face.has(c) {
				f.miss(c)
			}
		}
		fn(main, text)
		return
	}
	bface, _ := builtin.face(s)
	var in *pdfFontInPDF
	start := 0
	for i, c := range text {
		want := main
		if !face.has(c) {
			if bface.has(c) {
				want = f.fontIn(builtin)
			} else {
				f.miss(c)
			}
		}
		if in != nil && want != in {
			fn(in, text[start:i])
			start = i
		}
		in = want
	}
	fn(in, text[start:])
}

func (f *flyerDoc) miss(c rune) {
	if f.missing == nil {
		f.missing = make(map[*Rendering][]rune, 1)
	}
	if !slices.Contains(f.missing[f.fr], c) {
		f.missing[f.fr] = append(f.missing[f.fr], c)
	}
}

// glyphError returns a *GlyphError when text of r was met that its font
// cannot print.
func (f *flyerDoc) glyphError(r *Rendering) error {
	runes := f.missing[r]
	if len(runes) == 0 {
		return nil
	}
	delete(f.missing, r)
	e := &GlyphError{Doc: f.kind, Lang: r.Lang, Font: fontFor(r).Name(), Runes: runes, Config: r.Utility.ConfigFile}
	if r.Template != nil {
		e.Template = r.Template.Name
	}
	return e
}

// CheckGlyphs returns a *GlyphError when the flyer of r would hold
// characters its font cannot print, and nil otherwise: other problems of
// the flyer are Flyer's to report. It makes the flyer only when r's text
// has characters the fonts lack, which is rare: it is cheap enough for
// every template of a library.
func CheckGlyphs(r *Rendering) error {
	if fontsCover(r) {
		return nil
	}
	var ge *GlyphError
	if err := Flyer(io.Discard, r); errors.As(err, &ge) {
		return err
	}
	return nil
}

// fontsCover reports whether r's font, or the built-in font, has every
// character of the texts r's flyer is made of (and of some it is not, such
// as a link's address, which can only make it say false).
func fontsCover(r *Rendering) bool {
	main, _ := fontFor(r).face(pdfRegular)
	builtin, _ := BuiltinFont().face(pdfRegular)
	u := r.Utility
	for _, s := range []string{r.Title, string(r.Source), u.Name, u.Phone, u.Email, u.Website, u.Address, r.URL, r.dateLine(),
		r.phrase("scan"), r.phrase("contact"), r.phrase("page")} {
		for _, c := range pdfText(s) {
			if !main.has(c) && !builtin.has(c) {
				return false
			}
		}
	}
	return true
}
