// Letters for the post: one notice per recipient, addressed for a #10 window envelope, all in one PDF.

package templates

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/jung-kurt/gofpdf"
)

// Letter is one recipient's copy of a notice, to be posted.
type Letter struct {
	Rendering *Rendering // the notice in the recipient's language
	Name      string     // the recipient, as the address block names them; optional
	// Address is the postal address as stored: lines separated by "\n"
	// (as a CSV import keeps a quoted multi-line cell), or written on one
	// line with ", " between its parts ("12 Elm Street, Clearwater, NY 13000").
	Address string
}

// Letters writes one PDF of letters, each starting on a new page, for a
// mail house to print, fold in three and put in #10 window envelopes. It
// returns the first page (counted from 1) of each letter, for the mail
// house's manifest.
//
// A letter is US Letter, portrait. Its top third, the panel that faces the
// envelope's windows once the sheet is folded, holds the utility's name and
// address at the top left, where the upper window of a double-window
// envelope shows it; the utility's logo, if any, and the date at the top
// right; and the recipient's name and address where the address window of
// a standard #10 envelope shows it (see letterRecipientLeft). Below the
// fold comes the notice as Flyer prints it: headline, body, the QR code
// when the rendering has a URL, and on every page the footer with the
// utility's contact lines and "Page X of Y", counted within the letter.
// Each letter is in the language of its own rendering.
//
// The address is split into lines as Letter.Address says, and set in the
// largest size from 11 to 8 pt at which it fits the window with the clear
// space the Postal Service asks for, long lines wrapped. An address too long
// even so is cut to fit: each line shortened with "…", and the lines after
// the name dropped, first to last, until the rest fit, so that the delivery
// line and the city, state and ZIP code line, which the post reads, are
// kept. Nothing is ever printed outside the window's area.
//
// Text is sanitised as in Flyer (emoji dropped, other characters outside the
// Basic Multilingual Plane printed as U+FFFD), and each letter is printed in
// the font of its language; a character the font cannot print is a
// *GlyphError, whether in the notice or in the recipient's name or address. The PDF depends only on the
// letters: its dates come from the first letter's rendering. Fonts and
// images are added once to the document, whatever the number of letters;
// the pages are held in memory until the end (about 30 KB a page, measured
// with the built-in boil water advisory), so a mailing of tens of
// thousands of letters is best split into several PDFs.
//
// Letters returns an error, before writing anything, when letters is empty,
// a letter holds characters its font cannot print,
// a letter has no rendering or no postal address, a logo or QR code cannot be
// printed, or the PDF cannot be produced; it never panics. It is safe to
// call from several goroutines at once.
func Letters(w io.Writer, letters []Letter) (pages []int, err error) {
	if len(letters) == 0 {
		return nil, errors.New("letters: no letter to print")
	}
	var rs []*Rendering // for the document's metadata, each once
	seen := make(map[*Rendering]bool)
	for i, l := range letters {
		if l.Rendering == nil {
			return nil, fmt.Errorf("letters: letter %d of %d has no rendering", i+1, len(letters))
		}
		if len(postalLines(l.Address)) == 0 {
			who := collapseSpaces(pdfText(l.Name))
			if who != "" {
				who = " (" + who + ")"
			}
			return nil, fmt.Errorf("letters: letter %d of %d%s has no postal address to print", i+1, len(letters), who)
		}
		if !seen[l.Rendering] {
			seen[l.Rendering] = true
			rs = append(rs, l.Rendering)
		}
	}
	defer func() {
		if p := recover(); p != nil {
			pages = nil
			err = fmt.Errorf("letters: making the PDF of %q failed (a bug in Crier or its PDF library): %v", letters[0].Rendering.Title, p)
		}
	}()

	f := newPDFDoc("letters", rs)
	f.noDateLine = true
	pages = make([]int, len(letters))
	for i, l := range letters {
		f.kind = fmt.Sprintf("letters: letter %d of %d", i+1, len(letters))
		pages[i] = f.pdf.PageNo() + 1
		if err := f.letter(l); err != nil {
			return nil, err
		}
		if err := f.glyphError(l.Rendering); err != nil {
			return nil, err
		}
	}
	if err := f.pdf.Error(); err != nil {
		return nil, fmt.Errorf("letters: lay out %q: %w", letters[0].Rendering.Title, err)
	}
	if err := f.pdf.Output(w); err != nil {
		return nil, fmt.Errorf("letters: write PDF of %q: %w", letters[0].Rendering.Title, err)
	}
	return pages, nil
}

// The envelope, its windows and where the sheet puts the addresses, in
// points (1/72 in) from the top left corner of the unfolded sheet.
//
// A #10 envelope is 9 1/2 x 4 1/8 in. Its address window is 4 1/2 x 1 1/8 in,
// 7/8 in from the left edge and 1/2 in from the bottom (the industry
// standard most billing software is laid out for). A US Letter sheet folded
// in three is 8 1/2 x 3 2/3 in, so it can move 1 in sideways and 11/24 in
// (33 pt) up and down inside. The Postal Service's Domestic Mail Manual
// asks for 1/8 in of clear space between the address and every edge of the
// window, even with the insert moved to its limits.
//
// Sideways, the window always covers 7/8 in to 4 3/8 in of the sheet, so the
// address goes from 1 in to 4 1/4 in. Up and down no 4-line block fits
// every position (the window's reach on the sheet moves by 33 of its 81
// pt), so the block is placed for the sheet resting on the envelope's
// bottom, as inserters and gravity leave it: the window then spans 2 1/24
// to 3 1/6 in of the sheet, and the block 2 1/6 to 3 1/24 in (PostalMethods'
// developer guide gives the same 2.042 in). The block is set against its
// bottom, so the last lines, which the sorting machines read, stay in view
// when the sheet rides up.
//
// The return address goes where the upper window of the double-window
// envelopes mail houses use shows it: 3/4 in from the left and 1/2 in from
// the top, down to 1.29 in (PostalMethods: 0.5 in from the top, at most
// 0.792 in tall; Lob's #10 double-window envelope, a 0.875 x 3.25 in window
// 0.625 in from the left and 2.375 in from the bottom, shows 30 to 93 pt of a
// sheet resting on the bottom).
//
// Nothing else is printed above the first fold: wherever the sheet moves,
// the address window shows at most down to 261 pt, and the notice starts at
// letterBodyTop.
const (
	letterPanel = flyerPageHeight / 3 // the top third of the sheet: 264 pt

	envelopeWidth        = 684.0                          // 9 1/2 in
	envelopeHeight       = 297.0                          // 4 1/8 in
	envelopeWindowLeft   = 63.0                           // 7/8 in
	envelopeWindowBottom = 36.0                           // 1/2 in
	envelopeWindowWidth  = 324.0                          // 4 1/2 in
	envelopeWindowHeight = 81.0                           // 1 1/8 in
	envelopeSlackX       = envelopeWidth - flyerPageWidth // 72: how far the folded sheet moves sideways
	envelopeSlackY       = envelopeHeight - letterPanel   // 33: and up and down
	windowClearance      = 9.0                            // 1/8 in

	// The window on the sheet, resting on the envelope's bottom: its top
	// and bottom, and the part of its width it covers wherever the sheet
	// sits sideways.
	letterWindowTop    = letterPanel - envelopeWindowBottom - envelopeWindowHeight // 147
	letterWindowBottom = letterPanel - envelopeWindowBottom                        // 228
	letterWindowLeft   = envelopeWindowLeft                                        // 63
	letterWindowRight  = envelopeWindowLeft + envelopeWindowWidth - envelopeSlackX // 315

	// The recipient's block: 3 1/4 x 7/8 in.
	letterRecipientLeft   = letterWindowLeft + windowClearance   // 72: 1 in
	letterRecipientRight  = letterWindowRight - windowClearance  // 306: 4 1/4 in
	letterRecipientTop    = letterWindowTop + windowClearance    // 156: 2 1/6 in
	letterRecipientBottom = letterWindowBottom - windowClearance // 219: 3 1/24 in

	// The utility's return address: 2 3/4 x 0.79 in.
	letterReturnLeft   = flyerMargin // 54: 3/4 in
	letterReturnRight  = 252.0       // 3 1/2 in
	letterReturnTop    = 36.0        // 1/2 in
	letterReturnBottom = 93.0        // 1.29 in

	letterBodyTop = letterPanel + 6 // the notice starts just below the first fold

	letterLogoMaxHeight = 43.2 // 0.6 in
	letterLogoMaxWidth  = 144.0
	letterDateSize      = 11.0
	letterAddressLead   = 1.2
)

// letterRecipientSizes are tried in turn for the recipient's block: the
// Postal Service recommends 10 to 12 pt and reads 8 pt.
var letterRecipientSizes = []float64{11, 10.5, 10, 9.5, 9, 8.5, 8}

var letterReturnSizes = []float64{10, 9.5, 9, 8.5, 8}

// pdfColorAddress is the recipient's address: black for the sorting machines.
var pdfColorAddress = pdfColor{0, 0, 0}

// letter prints one letter, starting on a new page.
func (f *flyerDoc) letter(l Letter) error {
	r := l.Rendering
	f.use(r)
	ft := f.footers[r]
	if ft == nil {
		ft = f.footer(r)
		f.footers[r] = ft
	}
	// The previous letter's last footer is drawn by begin, with its own
	// numbers: this letter's are set after.
	f.setBottom(ft.height)
	f.begin(r)
	f.pageBase, f.pageCount = f.pdf.PageNo(), 1
	if err := f.letterHead(r, l); err != nil {
		return err
	}
	f.y, f.fresh, f.limit = letterBodyTop, true, f.bottom
	if r.URL != "" {
		if err := f.qrBlock(r); err != nil {
			return err
		}
	}
	first := pdfPageBox{top: f.y, limit: f.limit, fresh: true}
	doc := r.Doc
	if doc == nil && len(r.Source) > 0 {
		doc = parseMarkdown(r.Source)
	}
	items := f.fit(r, doc, first)
	if n := len(items); n > 0 {
		f.pageCount = items[n-1].page + 1
	}
	f.drawItems(items)
	if err := f.pdf.Error(); err != nil {
		return fmt.Errorf("%s: lay out %q (%s): %w", f.kind, r.Title, r.Lang, err)
	}
	return nil
}

// letterHead prints the top third of a letter's first page: the return
// address, the logo and the date, and the recipient's block.
func (f *flyerDoc) letterHead(r *Rendering, l Letter) error {
	u := r.Utility
	y := letterReturnTop
	if len(u.Logo) > 0 {
		img, err := f.logo(u.Logo)
		if err != nil {
			return err
		}
		scale := min(letterLogoMaxHeight/img.height, letterLogoMaxWidth/img.width)
		lw, lh := img.width*scale, img.height*scale
		f.pdf.ImageOptions(img.name, f.right-lw, y, lw, lh, false, gofpdf.ImageOptions{}, 0, "")
		y += lh + 8
	}
	if !r.Date.IsZero() {
		d := r.Date
		if u.Location != nil {
			d = d.In(u.Location)
		}
		h := letterDateSize * flyerBodyLead
		for _, ln := range f.layout([]pdfSpan{{text: pdfText(r.longDate(d)), size: letterDateSize, color: pdfColorText}}, f.right-letterRecipientRight) {
			f.drawLine(f.right-ln.w, y, h, ln)
			y += h
		}
	}

	// The return address, set against the top of its box.
	var ret []pdfSpan
	if name := collapseSpaces(pdfText(u.Name)); name != "" {
		ret = append(ret, pdfSpan{text: name, style: pdfBold, color: pdfColorText})
	}
	for _, s := range postalLines(u.Address) {
		ret = append(ret, pdfSpan{text: s, color: pdfColorText})
	}
	if len(ret) > 0 {
		lines, lh := f.addressBlock(ret, letterReturnSizes, letterReturnRight-letterReturnLeft, letterReturnBottom-letterReturnTop)
		f.drawBlock(lines, letterReturnLeft, letterReturnTop, lh)
	}

	// The recipient, set against the bottom of the window's area.
	var to []pdfSpan
	if name := collapseSpaces(pdfText(l.Name)); name != "" {
		to = append(to, pdfSpan{text: name, color: pdfColorAddress})
	}
	for _, s := range postalLines(l.Address) {
		to = append(to, pdfSpan{text: s, color: pdfColorAddress})
	}
	lines, lh := f.addressBlock(to, letterRecipientSizes, letterRecipientRight-letterRecipientLeft, letterRecipientBottom-letterRecipientTop)
	f.drawBlock(lines, letterRecipientLeft, letterRecipientBottom-float64(len(lines))*lh, lh)
	return nil
}

// drawBlock prints lines from top down, each lh high.
func (f *flyerDoc) drawBlock(lines []pdfLine, x, top, lh float64) {
	for _, ln := range lines {
		f.drawLine(x, top, lh, ln)
		top += lh
	}
}

// addressBlock lays out the lines of an address (one span each, sizes
// unset) in a box w wide and h high, at the first of sizes at which they
// fit with long lines wrapped, and returns them with the height of a line.
// When none does, each line is cut to the width at the last size, and the
// lines after the first are dropped, first to last, until the rest fit.
func (f *flyerDoc) addressBlock(spans []pdfSpan, sizes []float64, w, h float64) ([]pdfLine, float64) {
	const room = 0.01 // rounding
	for _, size := range sizes {
		var out []pdfLine
		for _, sp := range spans {
			sp.size = size
			out = append(out, f.layout([]pdfSpan{sp}, w)...)
			if float64(len(out))*size*letterAddressLead > h+room {
				break
			}
		}
		if float64(len(out))*size*letterAddressLead <= h+room {
			return out, size * letterAddressLead
		}
	}
	size := sizes[len(sizes)-1]
	lh := size * letterAddressLead
	fit := max(1, int((h+room)/lh))
	if len(spans) > fit {
		spans = append(spans[:1:1], spans[len(spans)-(fit-1):]...)
	}
	out := make([]pdfLine, 0, len(spans))
	for _, sp := range spans {
		sp.size = size
		sp.text = f.cut(sp.style, size, sp.text, w)
		if ls := f.layout([]pdfSpan{sp}, w); len(ls) > 0 {
			out = append(out, ls[0])
		}
	}
	return out, lh
}

// cut shortens text with "…" to at most w wide at a style and size.
func (f *flyerDoc) cut(s pdfStyle, size float64, text string, w float64) string {
	if f.measure(s, size, text) <= w {
		return text
	}
	runes := []rune(text)
	lo, hi := 0, len(runes) // the longest prefix that fits is in [lo, hi)
	for lo+1 < hi {
		mid := (lo + hi) / 2
		if f.measure(s, size, strings.TrimRight(string(runes[:mid]), " ")+"…") <= w {
			lo = mid
		} else {
			hi = mid
		}
	}
	return strings.TrimRight(string(runes[:lo]), " ") + "…"
}

// postalMaxLines and postalMaxRunes bound the work spent on an address: no
// more fits in a window.
const (
	postalMaxLines = 20
	postalMaxRunes = 200
)

// postalTail is the end of the last line of a US address written on one
// line, which the part before it keeps on its line: a state ("NY"), a
// state and ZIP code ("NY 13000"), or a ZIP code.
var postalTail = regexp.MustCompile(`^(?:[A-Za-z]{2}(?: +\d{5}(?:-\d{4})?)?|\d{5}(?:-\d{4})?)$`)

// postalLines splits a postal address as contacts store it into the lines
// of an address block, made fit for the PDF (pdfText, runs of spaces
// collapsed, blank lines dropped). An address with line breaks keeps its
// lines as written ("PO Box 5\nClearwater, NY 13000"). One on a single line
// is split at its commas, but the city stays with its state and ZIP code:
// "12 Elm Street, Clearwater, NY 13000" is "12 Elm Street" and
// "Clearwater, NY 13000". At most postalMaxLines lines (the first and the
// last ones) of postalMaxRunes characters are kept.
func postalLines(address string) []string {
	address = strings.ReplaceAll(address, "\r\n", "\n")
	address = strings.ReplaceAll(address, "\r", "\n")
	var parts []string
	if strings.Contains(address, "\n") {
		parts = strings.Split(address, "\n")
	} else {
		for _, p := range strings.Split(address, ",") {
			if p = collapseSpaces(p); p != "" {
				parts = append(parts, p)
			}
		}
		for len(parts) > 2 && postalTail.MatchString(parts[len(parts)-1]) {
			n := len(parts)
			sep := ", "
			if c := parts[n-1][0]; c >= '0' && c <= '9' {
				sep = " " // a ZIP code follows its state without a comma
			}
			parts = append(parts[:n-2], parts[n-2]+sep+parts[n-1])
		}
	}
	lines := make([]string, 0, len(parts))
	for _, p := range parts {
		if p = collapseSpaces(pdfText(p)); p != "" {
			if utf8.RuneCountInString(p) > postalMaxRunes {
				p = string([]rune(p)[:postalMaxRunes])
			}
			lines = append(lines, p)
		}
	}
	if len(lines) > postalMaxLines {
		lines = slices.Concat(lines[:1], lines[len(lines)-postalMaxLines+1:])
	}
	return lines
}

// collapseSpaces trims s and makes each run of white space in it one space.
func collapseSpaces(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
