package templates

import (
	"bytes"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// markdown parses template bodies. CommonMark only: headings, paragraphs,
// emphasis, lists and links are what a notice uses. Raw HTML in a body is not
// rendered (goldmark's safe default) and dangerous link schemes are dropped.
var markdown = goldmark.New()

// parseMarkdown parses a filled body once; every renderer walks the result.
func parseMarkdown(source []byte) ast.Node {
	return markdown.Parser().Parse(text.NewReader(source))
}

// escapeMarkdown makes a field value plain text inside Markdown: every ASCII
// punctuation character is backslash-escaped (CommonMark allows that for
// all of them) and & is written as &amp;, so a value never becomes
// emphasis, a list, a link, a character reference or HTML.
// Line breaks inside a value become hard line breaks, leading spaces on a
// line are dropped (they would start a code block), and blank lines collapse
// so a multiline value stays inside the paragraph or list item it is in.
func escapeMarkdown(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	lines := strings.Split(s, "\n")
	first := true
	for _, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if !first {
			b.WriteString("\\\n")
		}
		first = false
		for i := 0; i < len(line); i++ {
			c := line[i]
			switch {
			case c == '&':
				// Not \&: the renderers resolve character references
				// after removing escapes, so "&amp;" typed in a value
				// would print as "&".
				b.WriteString("&amp;")
			case isASCIIPunct(c):
				b.WriteByte('\\')
				b.WriteByte(c)
			default:
				b.WriteByte(c)
			}
		}
	}
	return b.String()
}

func isASCIIPunct(c byte) bool {
	return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~')
}

// plainText returns the text a Text or String node stands for: backslash
// escapes removed and character references resolved, as the HTML renderer
// does before escaping.
func plainText(n ast.Node, source []byte) string {
	switch n := n.(type) {
	case *ast.Text:
		return string(util.ResolveEntityNames(util.ResolveNumericReferences(util.UnescapePunctuations(n.Segment.Value(source)))))
	case *ast.String:
		if n.IsCode() {
			return string(n.Value)
		}
		return string(util.ResolveEntityNames(util.ResolveNumericReferences(util.UnescapePunctuations(n.Value))))
	}
	return ""
}

// linkURL returns a link's destination with escapes removed.
func linkURL(l *ast.Link) string {
	return string(util.ResolveEntityNames(util.ResolveNumericReferences(util.UnescapePunctuations(l.Destination))))
}

// maxNesting is how deep lists and block quotes may sit inside one another
// in a body. Each level costs the renderers a pass over what it holds, so a
// body of 60 KB of "- - - …" would take minutes; a notice nests two or three.
const maxNesting = 16

// linesNest says whether a line of source opens more than maxNesting lists
// and quotes ("- - - …", "> > …", "1. 1. …"). Checked before parsing:
// the Markdown parser itself takes time growing with the square of such a
// line's length (6 s for a line of 60 KB).
func linesNest(source []byte) bool {
	for len(source) > 0 {
		line := source
		if i := bytes.IndexByte(source, '\n'); i >= 0 {
			line, source = source[:i], source[i+1:]
		} else {
			source = nil
		}
		if markers(line) > maxNesting {
			return true
		}
	}
	return false
}

// markers counts the list and quote markers a line opens with, stopping
// past maxNesting.
func markers(line []byte) int {
	n := 0
	for n <= maxNesting {
		line = bytes.TrimLeft(line, " \t")
		switch {
		case len(line) > 0 && line[0] == '>':
			line = line[1:]
		case len(line) > 1 && bytes.IndexByte([]byte("-*+"), line[0]) >= 0 && (line[1] == ' ' || line[1] == '\t'):
			line = line[2:]
		default:
			d := 0
			for d < len(line) && d < 9 && line[d] >= '0' && line[d] <= '9' {
				d++
			}
			if d == 0 || d+1 >= len(line) || (line[d] != '.' && line[d] != ')') || (line[d+1] != ' ' && line[d+1] != '\t') {
				return n
			}
			line = line[d+2:]
		}
		n++
	}
	return n
}

// nesting returns how deep lists and block quotes nest under n, looking no
// deeper than limit.
func nesting(n ast.Node, limit int) int {
	deepest := 0
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		d := 0
		switch c.Kind() {
		case ast.KindList, ast.KindBlockquote:
			d = 1
		}
		if d < limit {
			d += nesting(c, limit-d)
		}
		deepest = max(deepest, d)
	}
	return deepest
}
