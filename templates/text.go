package templates

import (
	"strconv"
	"strings"

	"github.com/yuin/goldmark/ast"
)

// Text returns the body as plain text for the email's text part: headings
// underlined, lists with - or numbers, links as "text (address)". Lines are
// not wrapped, so no value is ever broken across lines; mail clients wrap.
func (r *Rendering) Text() string {
	var w textWriter
	w.source = r.Source
	w.blocks(r.Doc, 0)
	return strings.TrimRight(w.b.String(), "\n") + "\n"
}

type textWriter struct {
	b      strings.Builder
	source []byte
}

func (w *textWriter) blocks(n ast.Node, indent int) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		w.block(c, indent)
	}
}

func (w *textWriter) block(n ast.Node, indent int) {
	pad := strings.Repeat(" ", indent)
	switch n := n.(type) {
	case *ast.Heading:
		line := w.inline(n)
		w.b.WriteString(pad + line + "\n")
		under := "-"
		if n.Level == 1 {
			under = "="
		}
		w.b.WriteString(pad + strings.Repeat(under, len([]rune(line))) + "\n\n")
	case *ast.Paragraph, *ast.TextBlock:
		w.b.WriteString(pad + strings.ReplaceAll(w.inline(n), "\n", "\n"+pad) + "\n")
		if _, tight := n.(*ast.TextBlock); !tight {
			w.b.WriteString("\n")
		}
	case *ast.List:
		num := n.Start
		for item := n.FirstChild(); item != nil; item = item.NextSibling() {
			marker := "- "
			if n.IsOrdered() {
				marker = strconv.Itoa(num) + ". "
				num++
			}
			w.b.WriteString(pad + marker)
			// The first line of the item follows the marker; the rest is
			// indented under the item's text.
			var sub textWriter
			sub.source = w.source
			sub.blocks(item, 0)
			text := strings.TrimRight(sub.b.String(), "\n")
			cont := "\n" + pad + strings.Repeat(" ", len(marker))
			text = strings.ReplaceAll(text, "\n", cont)
			text = strings.ReplaceAll(text, cont+"\n", "\n\n") // no trailing spaces on blank lines
			w.b.WriteString(text + "\n")
		}
		w.b.WriteString("\n")
	case *ast.Blockquote:
		var sub textWriter
		sub.source = w.source
		sub.blocks(n, 0)
		for _, l := range strings.Split(strings.TrimRight(sub.b.String(), "\n"), "\n") {
			w.b.WriteString(pad + strings.TrimRight("> "+l, " ") + "\n")
		}
		w.b.WriteString("\n")
	case *ast.ThematicBreak:
		w.b.WriteString(pad + strings.Repeat("-", 40) + "\n\n")
	case *ast.FencedCodeBlock, *ast.CodeBlock:
		lines := n.Lines()
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			w.b.WriteString(pad + "    " + strings.TrimRight(string(seg.Value(w.source)), "\n") + "\n")
		}
		w.b.WriteString("\n")
	case *ast.HTMLBlock:
		// Raw HTML is not rendered in any output (see markdown).
	default:
		if n.HasChildren() {
			w.blocks(n, indent)
		}
	}
}

// inline returns the text of a block's inline children.
func (w *textWriter) inline(n ast.Node) string {
	var b strings.Builder
	w.inlines(&b, n)
	return b.String()
}

func (w *textWriter) inlines(b *strings.Builder, n ast.Node) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			b.WriteString(plainText(c, w.source))
			switch {
			case c.HardLineBreak():
				b.WriteString("\n")
			case c.SoftLineBreak():
				b.WriteString(" ")
			}
		case *ast.String:
			b.WriteString(plainText(c, w.source))
		case *ast.CodeSpan:
			for t := c.FirstChild(); t != nil; t = t.NextSibling() {
				if tn, ok := t.(*ast.Text); ok {
					b.Write(tn.Segment.Value(w.source))
				}
			}
		case *ast.Link:
			label := w.inline(c)
			dest := linkURL(c)
			b.WriteString(label)
			if dest != "" && dest != label {
				b.WriteString(" (" + dest + ")")
			}
		case *ast.AutoLink:
			b.Write(c.URL(w.source))
		case *ast.RawHTML:
			// not rendered
		default:
			w.inlines(b, c)
		}
	}
}
