// The flyer's layout: styled spans measured and broken into lines, lines placed on pages, and drawn.

package templates

import (
	"slices"
	"strings"
	"unicode"

	"github.com/yuin/goldmark/ast"
)

// pdfStyle is a gofpdf style string: "", "B", "I" or "BI".
type pdfStyle string

const (
	pdfRegular    pdfStyle = ""
	pdfBold       pdfStyle = "B"
	pdfItalic     pdfStyle = "I"
	pdfBoldItalic pdfStyle = "BI"
)

func pdfStyleOf(b, i bool) pdfStyle {
	switch {
	case b && i:
		return pdfBoldItalic
	case b:
		return pdfBold
	case i:
		return pdfItalic
	}
	return pdfRegular
}

// pdfSpan is a run of text in one style.
type pdfSpan struct {
	text  string
	style pdfStyle
	size  float64
	color pdfColor
	link  string // URI when the text is a live link
	under bool
	br    bool // a hard line break instead of text
}

// pdfFrag is a measured piece of a span on a line: part of a word, or a space.
type pdfFrag struct {
	sp   *pdfSpan
	text string
	w    float64
}

type pdfLine struct {
	frags []pdfFrag
	w     float64
	size  float64 // the largest font size on the line
}

// pdfInline is the style inline nodes inherit from their parents.
type pdfInline struct {
	size         float64
	color        pdfColor
	bold, italic int // nesting depth of strong and plain emphasis
	link         string
}

func (s pdfInline) span(text string) pdfSpan {
	sp := pdfSpan{text: pdfText(text), style: pdfStyleOf(s.bold > 0, s.italic > 0), size: s.size, color: s.color}
	if s.link != "" {
		sp.link, sp.color, sp.under = s.link, pdfColorLink, true
	}
	return sp
}

// inlines appends the spans of the inline children of n to out.
func (f *flyerDoc) inlines(n ast.Node, src []byte, st pdfInline, out []pdfSpan) []pdfSpan {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			if c.IsRaw() {
				out = append(out, st.span(string(c.Segment.Value(src))))
			} else {
				out = append(out, st.span(plainText(c, src)))
			}
			switch {
			case c.HardLineBreak():
				out = append(out, pdfSpan{br: true, size: st.size})
			case c.SoftLineBreak():
				out = append(out, st.span(" "))
			}
		case *ast.String:
			out = append(out, st.span(plainText(c, src)))
		case *ast.CodeSpan:
			// Code spans are plain text here; their backslashes are literal.
			for t := c.FirstChild(); t != nil; t = t.NextSibling() {
				if t, ok := t.(*ast.Text); ok {
					out = append(out, st.span(string(t.Segment.Value(src))))
				} else {
					out = f.inlines(t, src, st, out)
				}
			}
		case *ast.Emphasis:
			s := st
			if c.Level >= 2 {
				s.bold++
			} else {
				s.italic++
			}
			out = f.inlines(c, src, s, out)
		case *ast.Link:
			s := st
			s.link = pdfURI(linkURL(c))
			out = f.inlines(c, src, s, out)
		case *ast.AutoLink:
			u := string(c.URL(src))
			if c.AutoLinkType == ast.AutoLinkEmail && !strings.HasPrefix(strings.ToLower(u), "mailto:") {
				u = "mailto:" + u
			}
			s := st
			s.link = pdfURI(u)
			out = append(out, s.span(string(c.Label(src))))
		case *ast.RawHTML:
			// Not rendered, as in the HTML email.
		default: // images (their alt text) and kinds this walker does not know
			out = f.inlines(c, src, st, out)
		}
	}
	return out
}

// flow lays out spans in the box from x, w wide, and adds them to the body
// line by line.
func (f *flyerDoc) flow(spans []pdfSpan, x, w, lead float64) {
	f.lines(f.layout(spans, w), x, lead)
}

// lines adds laid-out lines to the body, each lead times its size high. A
// waiting list marker is printed beside the first. See keepEnds for where
// the lines may break across pages.
func (f *flyerDoc) lines(lines []pdfLine, x, lead float64) {
	start := len(f.items)
	for _, ln := range lines {
		h := ln.size * lead
		m := f.marker
		f.marker = nil
		f.add(h, true, func(top float64) {
			if m != nil {
				f.drawMarker(m, top, h, ln.size)
			}
			f.drawLine(x, top, h, ln)
		})
	}
	f.keepEnds(start)
}

// keepEnds forbids the page breaks that would leave one line of the items
// added since start, a paragraph or a list, alone at the bottom of a page
// (an orphan) or at the top of the next (a widow): at least two lines stay
// together on each side of a break, and two or three lines never break.
func (f *flyerDoc) keepEnds(start int) {
	first, last, prev := -1, -1, -1
	for i := start; i < len(f.items); i++ {
		if f.items[i].line {
			if first < 0 {
				first = i
			}
			prev, last = last, i
		}
	}
	if prev >= 0 {
		f.items[first].keep = true
		f.items[prev].keep = true
	}
}

// pdfItem is one line of text or other object of a language's headline and
// body, in the order they are printed: the body is built as a list of items
// (add), placed on pages (paginate), then drawn (drawItems). Placing before
// drawing lets widows and orphans be avoided, and a body be set again in a
// smaller size when that saves a page.
type pdfItem struct {
	h      float64           // height
	gap    float64           // space above it, none at the top of a page
	keep   bool              // no page break between it and the next item
	line   bool              // a line of text (see flyerSpillLines)
	draw   func(top float64) // prints it with its top at top
	quotes []*pdfQuoteBar    // the block quotes it is in

	page int     // set by paginate: 0 for the language's first page
	top  float64 // set by paginate
}

// space asks for at least h points before the next item; spaces asked for
// in a row collapse to the largest, and none is left at the top of a page.
func (f *flyerDoc) space(h float64) { f.gap = max(f.gap, h) }

// add appends an item h high to the body being built; line tells whether it
// is a line of text.
func (f *flyerDoc) add(h float64, line bool, draw func(top float64)) {
	it := pdfItem{h: h, gap: f.gap, line: line, draw: draw}
	if len(f.quotes) > 0 {
		it.quotes = slices.Clone(f.quotes)
	}
	if f.keepNext > 0 {
		it.keep = true
		if line {
			f.keepNext--
		}
	}
	f.gap = 0
	f.items = append(f.items, it)
}

// keep forbids a page break after the last item added.
func (f *flyerDoc) keep() { f.items[len(f.items)-1].keep = true }

// pdfPageBox is the room for the body on a page.
type pdfPageBox struct {
	top, limit float64
	fresh      bool // nothing above top: the first item's gap is dropped
}

// paginate places items on pages, starting in the box first and continuing
// in the body's box of a new page, and returns the number of pages. When an
// item does not fit, the page ends before it, or before the items that must
// stay with it; a run of kept items longer than a page ends the page where
// it overflows.
func (f *flyerDoc) paginate(items []pdfItem, first pdfPageBox) int {
	box, y := first, first.top
	start, page := 0, 0 // the page's first item and number
	for i := 0; i < len(items); {
		top := y + items[i].gap
		if i == start && box.fresh {
			top = y
		} else if top+items[i].h > box.limit {
			b := i
			for b > start && items[b-1].keep {
				b--
			}
			if b == start && i > start {
				b = i
			}
			start, i, page = b, b, page+1
			box = pdfPageBox{top: f.top, limit: f.bottom, fresh: true}
			y = box.top
			continue
		}
		items[i].page, items[i].top = page, top
		y = top + items[i].h
		i++
	}
	return page + 1
}

// spillLines returns the number of lines of text on the last page of
// paginated items.
func spillLines(items []pdfItem) int {
	n := 0
	for i := len(items) - 1; i >= 0 && items[i].page == items[len(items)-1].page; i-- {
		if items[i].line {
			n++
		}
	}
	return n
}

// drawItems prints paginated items, adding the pages they need, and the
// bars beside block quotes.
func (f *flyerDoc) drawItems(items []pdfItem) {
	var bars []*pdfQuoteBar // of the quotes on this page
	page := 0
	for i := range items {
		it := &items[i]
		for page < it.page {
			f.drawQuoteBars(bars)
			bars = bars[:0]
			f.newPage()
			page++
		}
		it.draw(it.top)
		for _, q := range it.quotes {
			if !q.on {
				q.on, q.y0 = true, it.top
				bars = append(bars, q)
			}
			q.y1 = it.top + it.h
		}
	}
	f.drawQuoteBars(bars)
}

func (f *flyerDoc) drawQuoteBars(bars []*pdfQuoteBar) {
	for _, q := range bars {
		if q.y1 > q.y0 {
			f.pdf.SetFillColor(pdfColorQuoteBar.r, pdfColorQuoteBar.g, pdfColorQuoteBar.b)
			f.pdf.Rect(q.x, q.y0, 2.5, q.y1-q.y0, "F")
		}
		q.on = false
	}
}

// baseline returns the baseline of text of a size centred in a line of height h.
func (f *flyerDoc) baseline(top, h, size float64) float64 {
	return top + (h-(f.asc+f.desc)*size)/2 + f.asc*size
}

// drawLine prints a laid-out line with its top at top.
func (f *flyerDoc) drawLine(x, top, h float64, ln pdfLine) {
	base := f.baseline(top, h, ln.size)
	var sb strings.Builder
	for i := 0; i < len(ln.frags); {
		sp := ln.frags[i].sp
		sb.Reset()
		w := 0.0
		j := i
		for ; j < len(ln.frags) && ln.frags[j].sp == sp; j++ {
			sb.WriteString(ln.frags[j].text)
			w += ln.frags[j].w
		}
		i = j
		text := sb.String()
		if strings.TrimSpace(text) != "" {
			f.pdf.SetTextColor(sp.color.r, sp.color.g, sp.color.b)
			f.text(x, base, sp.style, sp.size, text)
		}
		if sp.link != "" {
			f.pdf.LinkString(x, top, w, h, sp.link)
		}
		if sp.under {
			f.pdf.SetDrawColor(sp.color.r, sp.color.g, sp.color.b)
			f.pdf.SetLineWidth(max(0.5, sp.size/18))
			uy := base + sp.size*0.12
			f.pdf.Line(x, uy, x+w, uy)
		}
		x += w
	}
}

// layout breaks spans into lines at most width wide: at spaces, at hard
// breaks, and inside a word only when the word alone is wider than a line
// (a long URL). Runs of spaces collapse to one, and none begins or ends a line.
func (f *flyerDoc) layout(spans []pdfSpan, width float64) []pdfLine {
	var (
		lines []pdfLine
		cur   pdfLine
		word  []pdfFrag
		wordW float64
		sp    *pdfFrag // the space before word
	)
	add := func(fr pdfFrag) {
		cur.frags = append(cur.frags, fr)
		cur.w += fr.w
		cur.size = max(cur.size, fr.sp.size)
	}
	endLine := func() {
		lines = append(lines, cur)
		cur = pdfLine{}
	}
	flushWord := func() {
		if len(word) == 0 {
			return
		}
		if len(cur.frags) > 0 {
			var spW float64
			if sp != nil {
				spW = sp.w
			}
			if cur.w+spW+wordW <= width {
				if sp != nil {
					add(*sp)
				}
				for _, fr := range word {
					add(fr)
				}
				word, wordW, sp = word[:0], 0, nil
				return
			}
			endLine()
		}
		if wordW <= width {
			for _, fr := range word {
				add(fr)
			}
		} else {
			f.splitWord(word, width, &cur, add, endLine)
		}
		word, wordW, sp = word[:0], 0, nil
	}
	for i := range spans {
		s := &spans[i]
		if s.br {
			flushWord()
			sp = nil
			if len(cur.frags) == 0 {
				cur.size = s.size
			}
			endLine()
			continue
		}
		text := s.text
		for text != "" {
			j := strings.IndexByte(text, ' ')
			piece := text
			if j >= 0 {
				piece = text[:j]
			}
			for piece != "" {
				// Chinese and Japanese break between characters, with no space.
				k := cjkBreak(piece)
				fr := pdfFrag{sp: s, text: piece[:k], w: f.measure(s.style, s.size, piece[:k])}
				word = append(word, fr)
				wordW += fr.w
				if piece = piece[k:]; piece != "" {
					flushWord()
				}
			}
			if j < 0 {
				break
			}
			flushWord()
			if sp == nil && len(cur.frags) > 0 {
				sp = &pdfFrag{sp: s, text: " ", w: f.measure(s.style, s.size, " ")}
			}
			text = text[j+1:]
		}
	}
	flushWord()
	if len(cur.frags) > 0 {
		endLine()
	}
	return lines
}

// cjkBreak returns the length of the first part of s that a line may not
// break inside: all of s, unless s has Chinese or Japanese characters, where
// a line may break before or after each one, except before closing
// punctuation (。，」) and after opening punctuation (「（).
func cjkBreak(s string) int {
	prev := rune(-1)
	for i, c := range s {
		if prev >= 0 && (isCJK(prev) || isCJK(c)) && !strings.ContainsRune(cjkNoStart, c) && !strings.ContainsRune(cjkNoEnd, prev) {
			return i
		}
		prev = c
	}
	return len(s)
}

// isCJK reports whether c is a Chinese or Japanese character, or their
// punctuation, between which lines break without a space.
func isCJK(c rune) bool {
	return c >= 0x2e80 && (unicode.In(c, unicode.Han, unicode.Hiragana, unicode.Katakana) ||
		c >= 0x3000 && c <= 0x303f || c >= 0xff00 && c <= 0xffef)
}

const (
	cjkNoStart = "、。，．：；！？）」』】〕〉》〗〙｝］｠’”ー々ゝゞヽヾぁぃぅぇぉっゃゅょァィゥェォッャュョ・…‥"
	cjkNoEnd   = "（「『【〔〈《〖〘｛［｟‘“"
)

// splitWord puts a word wider than a line on as many lines as it needs,
// breaking between characters.
func (f *flyerDoc) splitWord(word []pdfFrag, width float64, cur *pdfLine, add func(pdfFrag), endLine func()) {
	for _, fr := range word {
		start := 0
		w := 0.0
		for i, c := range fr.text {
			cw := f.measure(fr.sp.style, fr.sp.size, string(c))
			if cur.w+w+cw > width && (len(cur.frags) > 0 || i > start) {
				if i > start {
					add(pdfFrag{sp: fr.sp, text: fr.text[start:i], w: w})
				}
				endLine()
				start, w = i, 0
			}
			w += cw
		}
		if start < len(fr.text) {
			add(pdfFrag{sp: fr.sp, text: fr.text[start:], w: w})
		}
	}
}

// pdfText prepares text for gofpdf, which panics on any rune outside the
// Basic Multilingual Plane:
//   - emoji (U+1F000–U+1FAFF, with flags, skin tones and the tag characters
//     U+E0000–U+E007F, and a symbol written with the emoji selector U+FE0F,
//     such as ⚠️) are dropped: the fonts have no pictographs, and a missing
//     emoji reads better than an error for a decoration (a symbol written
//     without the selector, such as ⚠, is text: the font must have it);
//   - every other rune outside the BMP (rare CJK, mathematical letters)
//     becomes U+FFFD, so a reader sees something is missing;
//   - invisible joiners (U+200D), variation selectors (U+FE00–U+FE0F) and the
//     combining keycap (U+20E3), which the fonts lack and would print as
//     boxes, are dropped;
//   - tabs and line breaks become spaces, other control characters are
//     dropped, and invalid UTF-8 becomes U+FFFD.
func pdfText(s string) string {
	clean := true
	for _, c := range s {
		if c >= 0x10000 || c < 0x20 || c >= 0x7f && c < 0xa0 || c == 0x200d || c >= 0xfe00 && c <= 0xfe0f || c == 0x20e3 || c == 0xfffd {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	out := make([]rune, 0, len(s))
	for _, c := range s {
		switch {
		case c >= 0x1f000 && c <= 0x1faff, c >= 0xe0000 && c <= 0xe007f:
		case c == 0xfe0f:
			if n := len(out); n > 0 && out[n-1] >= 0x2000 {
				out = out[:n-1] // a symbol shown as an emoji (not a keycap digit, ©, ®)
			}
		case c == 0x200d, c >= 0xfe00 && c <= 0xfe0e, c == 0x20e3:
		case c >= 0x10000:
			out = append(out, 0xfffd)
		case c == '\t', c == '\n', c == '\r', c == '\v', c == '\f':
			out = append(out, ' ')
		case c < 0x20, c >= 0x7f && c < 0xa0:
		default:
			out = append(out, c)
		}
	}
	return string(out)
}
