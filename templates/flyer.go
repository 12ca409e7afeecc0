// Composing the flyer PDF: pages, header and logo, headline, Markdown blocks, QR block and footer.

package templates

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jung-kurt/gofpdf"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer/html"
)

// Flyer writes the flyer PDF of one or more renderings of the same notice: one
// language, or several (a bilingual flyer: English then Spanish), each language
// starting on a new page. The flyer is US Letter, portrait: the utility's logo
// and name, the headline (white on a red band for an emergency), the date
// line, the body laid out from its Markdown tree, and a QR code for the
// notice's web address when it has one. Every page ends with a footer in the
// language of its rendering: how to contact the utility and "Page X of Y",
// numbered over the whole document.
//
// Page breaks do not leave one line of a paragraph or a list alone at the
// bottom or the top of a page, nor a heading without the two lines under it
// (unless what must stay together is longer than a page). A language whose
// last page would hold at most flyerSpillLines lines is set in slightly
// smaller body text, down to 10 pt, when that saves the page.
//
// The PDF depends only on the renderings: the same renderings give the same
// bytes. Each language is printed in its font (see Utility.Fonts), the
// built-in DejaVu Sans Condensed unless the configuration gives one, embedded. Emoji are
// dropped, and other characters outside the Basic Multilingual Plane print
// as U+FFFD (see pdfText), because the PDF library cannot encode them.
//
// Flyer returns an error, before writing anything, when the text holds
// characters its font cannot print (a *GlyphError naming them: they would
// be blank boxes), the logo is not a usable PNG, the QR code cannot hold the
// URL, or the PDF cannot be produced; it never panics. It is safe to call from several goroutines at once, also
// with the same renderings.
func Flyer(w io.Writer, rs ...*Rendering) (err error) {
	if len(rs) == 0 {
		return errors.New("flyer: no rendering to print")
	}
	for i, r := range rs {
		if r == nil {
			return fmt.Errorf("flyer: rendering %d of %d is nil", i+1, len(rs))
		}
	}
	// gofpdf panics on input it cannot encode (pdfText removes what is known
	// to); a flyer must never take the program down with it.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("flyer: making the PDF of %q failed (a bug in Crier or its PDF library): %v", rs[0].Title, p)
		}
	}()

	f := newFlyerDoc(rs)
	for _, r := range rs {
		if err := f.notice(r); err != nil {
			return err
		}
		if err := f.glyphError(r); err != nil {
			return err
		}
	}
	if err := f.pdf.Error(); err != nil {
		return fmt.Errorf("flyer: lay out %q: %w", rs[0].Title, err)
	}
	if err := f.pdf.Output(w); err != nil {
		return fmt.Errorf("flyer: write PDF of %q: %w", rs[0].Title, err)
	}
	return nil
}

// Page geometry and type, in points (1/72 in).
const (
	flyerPageWidth    = 612.0 // US Letter
	flyerPageHeight   = 792.0
	flyerMargin       = 54.0 // 0.75 in on the top and sides
	flyerFooterBottom = 40.0 // the footer's last line ends this far above the paper's edge
	flyerFooterGap    = 14.0 // between the body and the footer rule

	flyerLogoMaxHeight = 57.6 // 0.8 in
	flyerLogoMaxWidth  = 180.0

	flyerNameSize     = 15.0
	flyerHeadlineLead = 1.15
	flyerDateSize     = 12.5
	flyerBodySize     = 12.0 // or one of flyerSmallerBodySizes (see fit)
	flyerBodyLead     = 1.4
	flyerHeadingLead  = 1.2
	flyerFooterSize   = 9.0
	flyerFooterLead   = 1.35

	flyerParaGap = 9.0 // after a paragraph, a list or a block quote
	flyerItemGap = 3.0 // between the items of a tight list

	flyerQRSide = 90.0 // 1.25 in: about 2.4 pt a module for a short URL, easy for a phone at arm's length
	flyerQRPad  = 10.0
)

// flyerHeadlineSizes are tried in turn; the first that sets the headline in two
// lines is used, the last in any case.
var flyerHeadlineSizes = [...]float64{28, 24, 20}

// flyerSmallerBodySizes are tried in turn for a language whose body would
// end with at most flyerSpillLines lines on a page of their own; the first
// that saves that page is used. Only the body text shrinks: headings,
// headline, spacing and footer stay as they are.
var flyerSmallerBodySizes = [...]float64{11.5, 11, 10.5, 10}

const flyerSpillLines = 8

// flyerHeadingSizes are the sizes of Markdown headings # to ###; deeper ones are
// set bold at body size.
var flyerHeadingSizes = [...]float64{20, 16, 14}

type pdfColor struct{ r, g, b int }

var (
	pdfColorText     = pdfColor{0x1a, 0x1a, 0x1a}
	pdfColorMuted    = pdfColor{0x4a, 0x4a, 0x4a}
	pdfColorRule     = pdfColor{0xb0, 0xb4, 0xba}
	pdfColorBlue     = pdfColor{0x0b, 0x3c, 0x6f} // the utility's dark blue: headlines and headings
	pdfColorRed      = pdfColor{0xb3, 0x26, 0x1e} // emergency band
	pdfColorLink     = pdfColor{0x06, 0x45, 0xad}
	pdfColorWhite    = pdfColor{0xff, 0xff, 0xff}
	pdfColorQRBox    = pdfColor{0xf1, 0xf3, 0xf6}
	pdfColorQuoteBar = pdfColor{0xc5, 0xcb, 0xd3}
)

// pdfPagesAlias stands for the page count in the footer until the document is
// complete. It is unlikely to occur in a notice, where gofpdf would replace it too.
const pdfPagesAlias = "{crier:nb}"

// flyerDoc is one PDF being built: a flyer (Flyer), or the letters of a
// mailing (Letters), which print each notice as the flyer does.
type flyerDoc struct {
	pdf  *gofpdf.Fpdf
	kind string // starts the errors: "flyer", or "letters: letter 2 of 9"
	pdfFonts

	r         *Rendering // the rendering being printed: the footer speaks its language
	emergency bool
	accent    pdfColor
	footers   map[*Rendering]*pdfFooter

	// In letters, pages are numbered within each letter: the letter being
	// printed began on page pageBase and has pageCount pages. Zero in a
	// flyer, whose pages are numbered over the whole document.
	pageBase, pageCount int
	noDateLine          bool // the headline goes without its date line (a letter is dated at its top)

	left, right, top, bottom float64 // the body's box; bottom is where the footer's space begins
	limit                    float64 // where the body ends on this page: bottom, or above the QR code
	y                        float64 // top of the body on this page (below the header on a language's first)
	fresh                    bool    // nothing printed above y on this page

	// The body being built (see pdfItem).
	items    []pdfItem
	bodySize float64
	gap      float64 // vertical space owed before the next item (the largest asked for)
	keepNext int     // lines still to keep with what comes before them (after a heading)
	quotes   []*pdfQuoteBar
	marker   *pdfMarker // a list item's marker, waiting for the item's first line

	logos  []pdfLogo
	qrs    map[string]pdfQR // by URL
	widths map[int]bool     // pixel widths of the images registered (see qrPNG)
}

// pdfQR is a registered QR code image: width is side plus white columns.
type pdfQR struct {
	name        string
	side, width int
}

type pdfLogo struct {
	data   []byte
	name   string
	width  float64
	height float64
}

// pdfQuoteBar is the rule beside a block quote, drawn on each page from the
// top of the quote's first item there to the bottom of its last.
type pdfQuoteBar struct {
	x      float64
	y0, y1 float64
	on     bool // y0 and y1 are set on this page
}

type pdfMarker struct {
	text  string
	right float64 // the marker ends here
	style pdfStyle
	color pdfColor
}

// newFlyerDoc begins a flyer of renderings rs.
func newFlyerDoc(rs []*Rendering) *flyerDoc {
	f := newPDFDoc("flyer", rs)
	f.pdf.AliasNbPages(pdfPagesAlias)

	// Every page must leave the same room for the footer, whatever its
	// language: the body stops above the tallest footer.
	var fh float64
	for _, r := range rs {
		f.use(r)
		ft := f.footer(r)
		f.footers[r] = ft
		fh = max(fh, ft.height)
	}
	f.setBottom(fh)
	return f
}

// newPDFDoc begins a US Letter PDF that prints renderings rs, for a kind
// of document ("flyer", "letters"): its metadata come from them, its dates
// from the first, so that the same renderings give the same bytes. The
// footer and the bottom of the body are the caller's to set (setBottom).
func newPDFDoc(kind string, rs []*Rendering) *flyerDoc {
	pdf := gofpdf.NewCustom(&gofpdf.InitType{
		OrientationStr: "P",
		UnitStr:        "pt",
		SizeStr:        "Letter",
	})
	f := &flyerDoc{
		pdf:     pdf,
		kind:    kind,
		footers: make(map[*Rendering]*pdfFooter, len(rs)),
		qrs:     make(map[string]pdfQR, 1),
		widths:  make(map[int]bool, 4),
		left:    flyerMargin,
		right:   flyerPageWidth - flyerMargin,
		top:     flyerMargin,
	}
	first := rs[0]
	d := first.Date.UTC()
	if first.Date.IsZero() {
		// gofpdf would stamp the current time; a fixed one keeps the bytes stable.
		d = time.Unix(0, 0).UTC()
	}
	pdf.SetCreationDate(d)
	pdf.SetModificationDate(d)
	pdf.SetCatalogSort(true)
	pdf.SetCompression(true)
	pdf.SetMargins(flyerMargin, flyerMargin, flyerMargin)

	var titles []string
	for _, r := range rs {
		t := strings.TrimSpace(pdfText(r.Title))
		if t != "" && !slices.Contains(titles, t) {
			titles = append(titles, t)
		}
	}
	pdf.SetTitle(strings.Join(titles, " / "), true)
	pdf.SetAuthor(strings.TrimSpace(pdfText(first.Utility.Name)), true)
	subject := first.Subject
	if subject == "" {
		subject = first.Title
	}
	pdf.SetSubject(strings.TrimSpace(pdfText(subject)), true)
	pdf.SetCreator("Crier", false)

	f.use(first)
	pdf.SetFooterFunc(f.drawFooter)
	return f
}

// setBottom ends the body of the pages to come above a footer fh high.
func (f *flyerDoc) setBottom(fh float64) {
	f.bottom = flyerPageHeight - flyerFooterBottom - fh - flyerFooterGap
	f.pdf.SetAutoPageBreak(true, flyerFooterBottom+fh+flyerFooterGap)
}

// notice prints one rendering, starting on a new page.
func (f *flyerDoc) notice(r *Rendering) error {
	first, err := f.start(r)
	if err != nil {
		return err
	}
	doc := r.Doc
	if doc == nil && len(r.Source) > 0 {
		doc = parseMarkdown(r.Source)
	}
	f.drawItems(f.fit(r, doc, first))
	if err := f.pdf.Error(); err != nil {
		return fmt.Errorf("%s: lay out %q (%s): %w", f.kind, r.Title, r.Lang, err)
	}
	return nil
}

// start begins the first page of a rendering: the header, and the QR block
// when it has a URL. It returns the room left for the body on that page.
func (f *flyerDoc) start(r *Rendering) (pdfPageBox, error) {
	f.begin(r)
	if err := f.header(r); err != nil {
		return pdfPageBox{}, err
	}
	if r.URL != "" {
		if err := f.qrBlock(r); err != nil {
			return pdfPageBox{}, err
		}
	}
	return pdfPageBox{top: f.y, limit: f.limit, fresh: f.fresh}, nil
}

// begin starts a new page for printing r: its footer, accent colour and
// emergency band from then on are r's.
func (f *flyerDoc) begin(r *Rendering) {
	f.newPage() // draws the footer of the previous rendering's last page first
	f.r = r
	f.use(r)
	f.emergency = r.Template != nil && r.Template.Category == Emergency
	f.accent = pdfColorBlue
	if f.emergency {
		f.accent = pdfColorRed
	}
}

// fit builds the headline and body of a rendering and places them on pages,
// starting in first. When the last page would hold no more than
// flyerSpillLines lines, the body is built again in the smaller sizes of
// flyerSmallerBodySizes, and the first that saves a page is kept.
func (f *flyerDoc) fit(r *Rendering, doc ast.Node, first pdfPageBox) []pdfItem {
	items := f.body(r, doc, flyerBodySize)
	pages := f.paginate(items, first)
	if pages == 1 || spillLines(items) > flyerSpillLines {
		return items
	}
	for _, size := range flyerSmallerBodySizes {
		smaller := f.body(r, doc, size)
		if f.paginate(smaller, first) < pages {
			return smaller
		}
	}
	return items
}

// body builds the items of a rendering's headline, date line and body
// (doc, which may be nil), with body text of size bodySize.
func (f *flyerDoc) body(r *Rendering, doc ast.Node, bodySize float64) []pdfItem {
	f.items, f.bodySize, f.gap, f.keepNext, f.quotes, f.marker = nil, bodySize, 0, 0, nil, nil
	f.headline(r)
	if doc != nil {
		f.blocks(doc, r.Source, f.left, f.right-f.left, 0)
	}
	items := f.items
	f.items = nil
	return items
}

func (f *flyerDoc) newPage() {
	f.pdf.AddPage()
	// AddPage restores the font that was selected before the footer ran.
	f.sel = nil
	f.y, f.fresh = f.top, true
	f.limit = f.bottom
}

// header draws the logo and the utility's name beside it, and a rule under them.
func (f *flyerDoc) header(r *Rendering) error {
	top := f.y
	var lw, lh float64
	if len(r.Utility.Logo) > 0 {
		img, err := f.logo(r.Utility.Logo)
		if err != nil {
			return err
		}
		scale := min(flyerLogoMaxHeight/img.height, flyerLogoMaxWidth/img.width)
		lw, lh = img.width*scale, img.height*scale
		f.pdf.ImageOptions(img.name, f.left, top, lw, lh, false, gofpdf.ImageOptions{}, 0, "")
	}
	name := strings.TrimSpace(pdfText(r.Utility.Name))
	if lh == 0 && name == "" {
		f.fresh = true
		return nil
	}
	x := f.left
	if lw > 0 {
		x += lw + 12
	}
	var lines []pdfLine
	var nh float64
	if name != "" {
		lines = f.layout([]pdfSpan{{text: name, style: pdfBold, size: flyerNameSize, color: pdfColorText}}, f.right-x)
		for _, ln := range lines {
			nh += ln.size * flyerHeadingLead
		}
	}
	h := max(lh, nh)
	y := top + (h-nh)/2
	for _, ln := range lines {
		lh := ln.size * flyerHeadingLead
		f.drawLine(x, y, lh, ln)
		y += lh
	}
	f.y = top + h + 10
	f.pdf.SetDrawColor(f.accent.r, f.accent.g, f.accent.b)
	f.pdf.SetLineWidth(2)
	f.pdf.Line(f.left, f.y, f.right, f.y)
	f.y += 18
	f.fresh = false
	return nil
}

// logo registers a utility's logo once per document. The logo is decoded
// first, which refuses a damaged or truncated file (image/png checks every
// chunk's CRC and the compressed data), and redrawn as an 8-bit image when
// gofpdf would not print it as it is (see gofpdfReadsAsIs) or its width is
// taken (see qrPNG).
func (f *flyerDoc) logo(data []byte) (pdfLogo, error) {
	for _, l := range f.logos {
		if bytes.Equal(l.data, data) {
			return l, nil
		}
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return pdfLogo{}, fmt.Errorf("%s: the utility logo is not a valid PNG image: %w", f.kind, err)
	}
	b := img.Bounds() // never empty: image/png refuses a size of 0
	width := b.Dx()
	for f.widths[width] {
		width++
	}
	pngData := data
	if width != b.Dx() || !gofpdfReadsAsIs(data, img) {
		// 8 bits a channel, with transparent columns on the right to make up the width.
		dst := image.NewNRGBA(image.Rect(0, 0, width, b.Dy()))
		draw.Draw(dst, b.Sub(b.Min), img, b.Min, draw.Src)
		var buf bytes.Buffer
		if err := png.Encode(&buf, dst); err != nil {
			return pdfLogo{}, fmt.Errorf("%s: convert the utility logo: %w", f.kind, err)
		}
		pngData = buf.Bytes()
	}
	name := "logo" + strconv.Itoa(len(f.logos))
	f.pdf.RegisterImageOptionsReader(name, gofpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(pngData))
	if err := f.pdf.Error(); err != nil {
		return pdfLogo{}, fmt.Errorf("%s: the utility logo cannot be used (a PNG of 8 bits a channel is safest): %w", f.kind, err)
	}
	f.widths[width] = true
	// Sizes in points at 72 pixels an inch; only the proportions matter.
	l := pdfLogo{data: data, name: name, width: float64(width), height: float64(b.Dy())}
	f.logos = append(f.logos, l)
	return l, nil
}

// gofpdfReadsAsIs reports whether gofpdf, which embeds a PNG's data as it
// is, prints data as image/png decoded it (img). Its reader is simpler than
// Go's decoder, and these files, which Go's decoder accepts, it refuses or
// prints wrong:
//   - 16-bit or interlaced images: refused;
//   - a palette with semi-transparent colours, or several transparent ones:
//     it keeps only the first fully transparent colour, so the soft edges of
//     a logo print opaque;
//   - pixels whose index is past the end of the palette: they print in its
//     last colour, where Go's decoder (and browsers) make them black;
//   - an empty chunk before the end: gofpdf stops reading there, and the
//     logo prints blank, or is refused for want of a palette, without a
//     word about why;
//   - a pHYs chunk of another size than 9 bytes, which gofpdf reads as if
//     it were.
//
// Only the chunk lengths and types are looked at here: image/png has
// checked the structure and the CRCs.
func gofpdfReadsAsIs(data []byte, img image.Image) bool {
	// IHDR, which image/png requires first: bit depth at byte 24,
	// interlace method at byte 28.
	if data[24] > 8 || data[28] != 0 {
		return false
	}
	paletteLen := 0
	for rest := data[8:]; len(rest) >= 12; {
		n := binary.BigEndian.Uint32(rest)
		typ := string(rest[4:8])
		if typ == "IEND" {
			break
		}
		if n == 0 || (typ == "pHYs" && n != 9) || uint64(n) > uint64(len(rest)-12) {
			return false
		}
		if typ == "PLTE" {
			paletteLen = int(n / 3)
		}
		rest = rest[12+n:]
	}
	if p, ok := img.(*image.Paletted); ok {
		if len(p.Palette) > paletteLen {
			return false // image/png added black entries for indexes past the palette
		}
		transparent := 0
		for _, c := range p.Palette {
			switch _, _, _, a := c.RGBA(); a {
			case 0xffff:
			case 0:
				transparent++
			default:
				return false
			}
		}
		if transparent > 1 {
			return false
		}
	}
	return true
}

// headline adds the title, white on a red band for an emergency, in the
// accent colour otherwise, and the date line under it.
func (f *flyerDoc) headline(r *Rendering) {
	emergency := f.emergency
	title := strings.TrimSpace(pdfText(r.Title))
	if title != "" {
		const bandPadX, bandPadY = 14.0, 12.0
		width := f.right - f.left
		x := f.left
		color := f.accent
		if emergency {
			width -= 2 * bandPadX
			x += bandPadX
			color = pdfColorWhite
		}
		var lines []pdfLine
		for _, size := range flyerHeadlineSizes {
			lines = f.layout([]pdfSpan{{text: title, style: pdfBold, size: size, color: color}}, width)
			if len(lines) <= 2 {
				break
			}
		}
		// The band is drawn behind each line, so that even an absurdly long
		// headline breaks across pages cleanly.
		band := func(top, h float64) {
			if emergency {
				f.pdf.SetFillColor(pdfColorRed.r, pdfColorRed.g, pdfColorRed.b)
				f.pdf.Rect(f.left, top, f.right-f.left, h+0.5, "F") // overlap hides seams between lines
			}
		}
		// The headline is kept with the date line; a break comes only
		// when it is longer than a page.
		if emergency {
			f.add(bandPadY, false, func(top float64) { band(top, bandPadY) })
			f.keep()
		}
		for _, ln := range lines {
			h := ln.size * flyerHeadlineLead
			f.add(h, true, func(top float64) {
				band(top, h)
				f.drawLine(x, top, h, ln)
			})
			f.keep()
		}
		if emergency {
			f.add(bandPadY, false, func(top float64) { band(top, bandPadY-0.5) })
			f.keep()
		}
		f.space(8)
	}
	if !r.Date.IsZero() && !f.noDateLine {
		f.flow([]pdfSpan{{text: pdfText(r.dateLine()), size: flyerDateSize, color: pdfColorMuted}}, f.left, f.right-f.left, flyerBodyLead)
	}
	f.space(18)
}

// blocks adds the block children of parent in the box from x, w wide.
// depth counts the lists parent is in.
func (f *flyerDoc) blocks(parent ast.Node, src []byte, x, w float64, depth int) {
	for n := parent.FirstChild(); n != nil; n = n.NextSibling() {
		switch n := n.(type) {
		case *ast.Paragraph:
			f.flow(f.inlines(n, src, f.bodyStyle(), nil), x, w, flyerBodyLead)
			f.space(flyerParaGap)
		case *ast.TextBlock: // a paragraph in a tight list
			f.flow(f.inlines(n, src, f.bodyStyle(), nil), x, w, flyerBodyLead)
			f.space(flyerItemGap)
		case *ast.Heading:
			f.heading(n, src, x, w)
		case *ast.List:
			f.list(n, src, x, w, depth)
			if depth > 0 { // a nested list: its item's list sets the spacing
				f.space(flyerItemGap)
			} else {
				f.space(flyerParaGap)
			}
		case *ast.Blockquote:
			f.space(flyerParaGap)
			f.quotes = append(f.quotes, &pdfQuoteBar{x: x + 2})
			f.blocks(n, src, x+16, w-16, depth)
			f.quotes = f.quotes[:len(f.quotes)-1]
			f.space(flyerParaGap)
		case *ast.ThematicBreak:
			f.space(10)
			f.add(1, false, func(top float64) {
				f.pdf.SetDrawColor(pdfColorRule.r, pdfColorRule.g, pdfColorRule.b)
				f.pdf.SetLineWidth(0.75)
				f.pdf.Line(x, top+0.5, x+w, top+0.5)
			})
			f.space(10)
		case *ast.CodeBlock, *ast.FencedCodeBlock:
			f.flow(f.rawLines(n, src), x, w, flyerBodyLead)
			f.space(flyerParaGap)
		case *ast.HTMLBlock:
			// Raw HTML is not rendered, as in the HTML email (goldmark's safe
			// default): a template shows it nowhere.
		default:
			// A kind this walker does not know: print its text rather than
			// drop what someone wrote.
			switch {
			case n.FirstChild() != nil && n.FirstChild().Type() == ast.TypeInline:
				f.flow(f.inlines(n, src, f.bodyStyle(), nil), x, w, flyerBodyLead)
				f.space(flyerParaGap)
			case n.HasChildren():
				f.blocks(n, src, x, w, depth)
			case n.Type() == ast.TypeBlock && n.Lines().Len() > 0:
				f.flow(f.rawLines(n, src), x, w, flyerBodyLead)
				f.space(flyerParaGap)
			}
		}
	}
}

func (f *flyerDoc) bodyStyle() pdfInline {
	return pdfInline{size: f.bodySize, color: pdfColorText}
}

// rawLines returns the lines of a code block as spans, one per line.
func (f *flyerDoc) rawLines(n ast.Node, src []byte) []pdfSpan {
	var spans []pdfSpan
	lines := n.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		text := strings.TrimRight(string(seg.Value(src)), "\r\n")
		if i > 0 {
			spans = append(spans, pdfSpan{br: true, size: f.bodySize})
		}
		spans = append(spans, pdfSpan{text: pdfText(text), size: f.bodySize, color: pdfColorText})
	}
	return spans
}

func (f *flyerDoc) heading(n *ast.Heading, src []byte, x, w float64) {
	size := f.bodySize
	before := 12.0
	if n.Level <= len(flyerHeadingSizes) {
		size = flyerHeadingSizes[n.Level-1]
		before = 16 - 2*float64(n.Level-1)
	}
	st := pdfInline{size: size, color: f.accent, bold: 1}
	lines := f.layout(f.inlines(n, src, st, nil), w)
	f.space(before)
	f.lines(lines, x, flyerHeadingLead)
	// Keep the heading whole and with the first two lines under it: no page
	// break after it, nor after the first line that follows (which matters
	// when that line is a paragraph of its own).
	for i := len(f.items) - len(lines); i < len(f.items); i++ {
		f.items[i].keep = true
	}
	f.keepNext = 1
	f.space(5)
}

// list adds a bullet or numbered list; depth is the number of lists it is in.
func (f *flyerDoc) list(l *ast.List, src []byte, x, w float64, depth int) {
	ordered := l.IsOrdered()
	indent := 18.0
	if ordered {
		last := l.Start + l.ChildCount() - 1
		indent = max(indent, f.measure(pdfRegular, f.bodySize, strconv.Itoa(last)+string(l.Marker))+7)
	}
	bullets := [...]string{"•", "◦", "▪"}
	n := l.Start
	start := len(f.items)
	for item := l.FirstChild(); item != nil; item = item.NextSibling() {
		m := &pdfMarker{right: x + indent - 6, style: pdfRegular, color: pdfColorText}
		if ordered {
			m.text = strconv.Itoa(n) + string(l.Marker)
		} else {
			m.text = bullets[min(depth, len(bullets)-1)]
			m.color = f.accent
		}
		f.marker = m
		f.blocks(item, src, x+indent, w-indent, depth+1)
		if m := f.marker; m != nil { // an empty item still shows its marker
			f.marker = nil
			h, size := f.bodySize*flyerBodyLead, f.bodySize
			f.add(h, true, func(top float64) { f.drawMarker(m, top, h, size) })
		}
		if l.IsTight {
			f.space(flyerItemGap)
		} else {
			f.space(flyerParaGap)
		}
		n++
	}
	// No item is left alone at the bottom or top of a page.
	f.keepEnds(start)
}

func (f *flyerDoc) drawMarker(m *pdfMarker, top, h, size float64) {
	w := f.measure(m.style, size, m.text)
	f.pdf.SetTextColor(m.color.r, m.color.g, m.color.b)
	f.text(m.right-w, f.baseline(top, h, size), m.style, size, m.text)
}

// qrBlock prints a box in the bottom-right corner of the page, above the
// footer: a QR code that opens the notice's web address, with the caption and
// the address as a live link beside it. The body on this page stops above the
// box. The corner keeps the code on the page that gets posted, whatever the
// length of the body, and a long body never leaves it alone on a last page.
func (f *flyerDoc) qrBlock(r *Rendering) error {
	uri := pdfURI(r.URL)
	if uri == "" {
		return nil
	}
	code, ok := f.qrs[r.URL]
	if !ok {
		data, side, width, err := qrPNG(r.URL, func(w int) bool { return f.widths[w] })
		if err != nil {
			return fmt.Errorf("%s: QR code for %q: %w", f.kind, r.URL, err)
		}
		code = pdfQR{name: "qr" + strconv.Itoa(len(f.qrs)), side: side, width: width}
		f.pdf.RegisterImageOptionsReader(code.name, gofpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(data))
		if err := f.pdf.Error(); err != nil {
			return fmt.Errorf("%s: QR code for %q: %w", f.kind, r.URL, err)
		}
		f.widths[width] = true
		f.qrs[r.URL] = code
	}
	const gutter = 16.0
	caption := []pdfSpan{{text: strings.TrimSpace(pdfText(r.phrase("scan"))), style: pdfBold, size: 14, color: pdfColorText}}
	address := []pdfSpan{{text: strings.TrimSpace(pdfText(r.URL)), size: 11, color: pdfColorLink, link: uri, under: true}}
	textW := max(f.measure(pdfBold, 14, caption[0].text), f.measure(pdfRegular, 11, address[0].text))
	textW = min(textW+1, f.right-f.left-2*flyerQRPad-flyerQRSide-gutter)
	capLines, addrLines := f.layout(caption, textW), f.layout(address, textW)
	var th float64
	for _, ln := range capLines {
		th += ln.size * flyerHeadingLead
	}
	th += 3
	for _, ln := range addrLines {
		th += ln.size * flyerBodyLead
	}
	boxW := flyerQRPad + textW + gutter + flyerQRSide + flyerQRPad
	boxH := max(flyerQRSide, th) + 2*flyerQRPad
	x := f.right - boxW
	top := f.bottom - boxH
	f.limit = top - 16

	f.pdf.SetFillColor(pdfColorQRBox.r, pdfColorQRBox.g, pdfColorQRBox.b)
	f.pdf.RoundedRect(x, top, boxW, boxH, 6, "1234", "F")
	imgW := flyerQRSide * float64(code.width) / float64(code.side) // the white columns sit in the padding
	f.pdf.ImageOptions(code.name, f.right-flyerQRPad-flyerQRSide, top+(boxH-flyerQRSide)/2, imgW, flyerQRSide, false, gofpdf.ImageOptions{}, 0, uri)
	y := top + (boxH-th)/2
	for _, ln := range capLines {
		h := ln.size * flyerHeadingLead
		f.drawLine(x+flyerQRPad, y, h, ln)
		y += h
	}
	y += 3
	for _, ln := range addrLines {
		h := ln.size * flyerBodyLead
		f.drawLine(x+flyerQRPad, y, h, ln)
		y += h
	}
	return nil
}

// pdfFooter is a language's contact footer, laid out once.
type pdfFooter struct {
	lines  []pdfLine
	height float64
	page   string // the "Page %d of %d" format
}

// footer lays out the contact lines of a rendering: "Questions? Contact"
// and the utility's name, then its phone, website, email and address,
// whichever it has, kept whole on a line where they fit.
func (f *flyerDoc) footer(r *Rendering) *pdfFooter {
	ft := &pdfFooter{page: r.phrase("page")}
	labelW := f.measure(pdfRegular, flyerFooterSize, f.pageLabel(ft.page, 999, 999))
	width := f.right - f.left - labelW - 16
	u := r.Utility
	clean := func(s string) string { return strings.TrimSpace(pdfText(s)) }
	item := func(text, link string) []pdfSpan {
		return []pdfSpan{{text: text, size: flyerFooterSize, color: pdfColorMuted, link: link}}
	}
	var items [][]pdfSpan
	if s := clean(u.Phone); s != "" {
		items = append(items, []pdfSpan{{text: s, style: pdfBold, size: flyerFooterSize, color: pdfColorText, link: telURI(u.Phone)}})
	}
	if s := clean(u.Website); s != "" {
		items = append(items, item(s, pdfURI(pdfWebURI(u.Website))))
	}
	if s := clean(u.Email); s != "" {
		items = append(items, item(s, pdfURI("mailto:"+strings.TrimSpace(u.Email))))
	}
	if s := clean(u.Address); s != "" {
		items = append(items, item(s, ""))
	}
	if name := clean(u.Name); name != "" || len(items) > 0 {
		head := strings.TrimSpace(pdfText(r.phrase("contact")) + " " + name)
		ft.lines = append(ft.lines, f.layout([]pdfSpan{{text: head, style: pdfBold, size: flyerFooterSize + 0.5, color: pdfColorText}}, width)...)
	}
	sep := pdfSpan{text: "  ·  ", style: pdfBold, size: flyerFooterSize, color: pdfColorMuted}
	sepW := f.measure(pdfBold, flyerFooterSize, "·") + 2*f.measure(pdfBold, flyerFooterSize, " ")
	var group []pdfSpan
	var gw float64
	flush := func() {
		if len(group) > 0 {
			ft.lines = append(ft.lines, f.layout(group, width)...)
		}
		group, gw = nil, 0
	}
	for _, it := range items {
		w := f.measure(it[0].style, it[0].size, it[0].text)
		if len(group) > 0 && gw+sepW+w > width {
			flush()
		}
		if len(group) > 0 {
			group = append(group, sep)
			gw += sepW
		}
		group = append(group, it...)
		gw += w
	}
	flush()
	if len(ft.lines) == 0 { // only the page number
		ft.lines = []pdfLine{{size: flyerFooterSize}}
	}
	for _, ln := range ft.lines {
		ft.height += ln.size * flyerFooterLead
	}
	return ft
}

// drawFooter is the footer function: it prints the current language's
// footer and the page number at the bottom of the page being finished.
func (f *flyerDoc) drawFooter() {
	ft := f.footers[f.r]
	if ft == nil {
		return
	}
	// The footer is the language's of the page being finished, which may
	// not be the font in use: a letter's footer is laid out before the
	// previous letter's last page ends.
	defer f.use(f.fr)
	f.use(f.r)
	y := flyerPageHeight - flyerFooterBottom - ft.height
	f.pdf.SetDrawColor(pdfColorRule.r, pdfColorRule.g, pdfColorRule.b)
	f.pdf.SetLineWidth(0.5)
	f.pdf.Line(f.left, y-6, f.right, y-6)
	for i, ln := range ft.lines {
		h := ln.size * flyerFooterLead
		f.drawLine(f.left, y, h, ln)
		if i == 0 && f.pageCount > 0 { // a letter: its pages are known
			label := f.pageLabel(ft.page, f.pdf.PageNo()-f.pageBase+1, f.pageCount)
			f.pdf.SetTextColor(pdfColorMuted.r, pdfColorMuted.g, pdfColorMuted.b)
			f.text(f.right-f.measure(pdfRegular, flyerFooterSize, label), f.baseline(y, h, ln.size), pdfRegular, flyerFooterSize, label)
		} else if i == 0 {
			n := f.pdf.PageNo()
			// The page count is known only at the end: gofpdf replaces the
			// alias then. The label is right-aligned as if the count had as
			// many digits as this page's number (true on the last page).
			w := f.measure(pdfRegular, flyerFooterSize, f.pageLabel(ft.page, n, n))
			f.pdf.SetTextColor(pdfColorMuted.r, pdfColorMuted.g, pdfColorMuted.b)
			f.text(f.right-w, f.baseline(y, h, ln.size), pdfRegular, flyerFooterSize, f.pageLabelAlias(ft.page, n))
		}
		y += h
	}
}

func (f *flyerDoc) pageLabel(format string, page, pages int) string {
	return pdfText(fmt.Sprintf(format, page, pages))
}

// pageLabelAlias formats "Page %d of %d" with the page-count alias for the
// second number.
func (f *flyerDoc) pageLabelAlias(format string, page int) string {
	const sentinel = 918273645
	s := fmt.Sprintf(format, page, sentinel)
	return pdfText(strings.Replace(s, strconv.Itoa(sentinel), pdfPagesAlias, 1))
}

// pdfURI returns a link target fit for a PDF annotation, or "" for a link
// that must not be live: the schemes the HTML email drops (javascript:,
// vbscript:, file:, data:). A PDF URI is 7-bit ASCII, so other bytes and
// spaces are percent-encoded.
func pdfURI(u string) string {
	u = strings.TrimSpace(u)
	if u == "" || html.IsDangerousURL([]byte(u)) || strings.HasPrefix(strings.ToLower(u), "data:") {
		return ""
	}
	var b strings.Builder
	for i := 0; i < len(u); i++ {
		c := u[i]
		if c <= ' ' || c >= 0x7f {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// pdfWebURI makes a website written without a scheme ("water.example.org") a URL.
func pdfWebURI(s string) string {
	s = strings.TrimSpace(s)
	if s != "" && !strings.Contains(s, "://") {
		return "https://" + s
	}
	return s
}

// telURI returns a tel: link for a phone number written for people, or "" when
// it has no digits. The flyer and the email link the utility's phone with it.
func telURI(phone string) string {
	var b strings.Builder
	for _, c := range phone {
		if c >= '0' && c <= '9' || c == '+' && b.Len() == 0 {
			b.WriteRune(c)
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return "tel:" + b.String()
}
