package templates

import (
	"fmt"
	"math"
	texttemplate "text/template"
	"text/template/parse"
)

// checkBounds refuses, with the line, what could run for ever or without
// bound when a part (subject, sms or body) runs. text/template cannot be
// stopped from outside, and a loop that writes nothing never meets the
// limited writer (see execute), so what it can loop over is bounded here:
//   - {{define}}, {{block}} and {{template}}: a template that calls
//     itself, directly or through another, never ends;
//   - {{range}} over anything but a whole number written in the template or
//     .utility, whose size the check cannot know;
//   - more than maxSteps steps in all, each turn of a {{range}} counting
//     again, so nested ranges count as the product of their counts;
//   - printf with a format that is not written in the template, or with a
//     width or precision over maxFormatWidth: fmt builds the whole text in
//     memory before it is written, a million bytes for each %999999d.
//
// It returns whether the part calls a function that builds text, which
// then runs on a budget (see runLimits.funcs).
func checkBounds(pl *problemList, part string, base int, tmpl *texttemplate.Template) (textFuncs bool) {
	w := boundsWalker{pl: pl, tree: tmpl.Tree, base: base, part: part, calls: map[string]bool{}}
	total := w.list(tmpl.Tree.Root)
	if total > maxSteps && !w.reported {
		pl.errorf(base, "%s: runs more than the %s steps a notice template may take (each text, {{...}} and function call is a step, once for each turn of a {{range}}); write less, or fewer repeats",
			part, count(maxSteps))
	}
	for _, d := range tmpl.Templates() {
		if d == tmpl || d.Tree == nil || w.calls[d.Name()] {
			continue // a {{block}} was reported as the call it makes
		}
		dw := refWalker{tree: d.Tree, base: base}
		pl.errorf(dw.line(d.Tree.Root), "%s: {{define %q}} is not supported in notice templates; write the text where it is shown", part, d.Name())
	}
	return w.textFuncs
}

// maxSteps is the most steps (texts, actions, conditions, function calls)
// one run of a part may take, counting each turn of a {{range}}. The
// largest built-in template takes a few hundred.
const maxSteps = 10_000

// maxFormatWidth is the widest printf width or precision a template may ask for.
const maxFormatWidth = 100

// textFuncNames are the functions that build text, run on a budget.
var textFuncNames = map[string]bool{"print": true, "printf": true, "println": true, "html": true, "js": true, "urlquery": true}

// utilityRange is the number of values {{range .utility}} goes through.
var utilityRange = len(utilityKeys)

type boundsWalker struct {
	pl        *problemList
	tree      *parse.Tree
	base      int
	part      string
	calls     map[string]bool // names of {{template}} calls
	reported  bool            // a range over the limit was reported: the total is not reported again
	textFuncs bool            // print, printf … are called
}

func (w *boundsWalker) line(n parse.Node) int {
	r := refWalker{tree: w.tree, base: w.base}
	return r.line(n)
}

// list returns the steps l takes at most, saturating past maxSteps.
func (w *boundsWalker) list(l *parse.ListNode) int {
	if l == nil {
		return 0
	}
	n := 0
	for _, node := range l.Nodes {
		n = addSteps(n, w.node(node))
	}
	return n
}

func (w *boundsWalker) node(n parse.Node) int {
	switch n := n.(type) {
	case *parse.ActionNode:
		return addSteps(1, w.pipe(n.Pipe))
	case *parse.IfNode:
		return addSteps(1, w.pipe(n.Pipe), w.list(n.List), w.list(n.ElseList))
	case *parse.WithNode:
		return addSteps(1, w.pipe(n.Pipe), w.list(n.List), w.list(n.ElseList))
	case *parse.RangeNode:
		return w.rangeSteps(n)
	case *parse.TemplateNode:
		w.calls[n.Name] = true // refused by refWalker
		return addSteps(1, w.pipe(n.Pipe))
	case *parse.ListNode:
		return w.list(n)
	}
	return 1
}

// rangeSteps counts a {{range}}: its content as many times as it turns.
func (w *boundsWalker) rangeSteps(n *parse.RangeNode) int {
	times, ok := w.rangeCount(n)
	content := addSteps(1, w.list(n.List)) // a turn that does nothing still takes time
	total := addSteps(1, w.pipe(n.Pipe), mulSteps(times, content), w.list(n.ElseList))
	if ok && total > maxSteps && !w.reported {
		w.reported = true
		w.pl.errorf(w.line(n), "%s: this {{range}} repeats its content %s times, more than the %s steps a notice template may take (nested ranges multiply); repeat less",
			w.part, count(times), count(maxSteps))
	}
	return total
}

// rangeCount is how many times a {{range}} can turn, when the check can
// know it; otherwise it reports the range and returns false.
func (w *boundsWalker) rangeCount(n *parse.RangeNode) (int, bool) {
	p := n.Pipe
	if len(p.Cmds) == 1 && len(p.Cmds[0].Args) == 1 {
		switch a := p.Cmds[0].Args[0].(type) {
		case *parse.NumberNode:
			switch {
			case a.IsInt:
				return int(max(a.Int64, 0)), true
			case a.IsUint:
				return int(min(a.Uint64, math.MaxInt64)), true
			}
			return 0, true // not a whole number: it fails when run, without turning
		case *parse.FieldNode:
			if len(a.Ident) == 1 && a.Ident[0] == "utility" {
				return utilityRange, true
			}
		case *parse.VariableNode:
			if len(a.Ident) == 2 && a.Ident[0] == "$" && a.Ident[1] == "utility" {
				return utilityRange, true
			}
		}
	}
	w.pl.errorf(w.line(n), "%s: {{range %s}}: a notice template can only range over a whole number written in it (such as {{range 3}}) or over .utility, so that the check knows how long it runs",
		w.part, shorten(p.String(), 40))
	return 0, false
}

// pipe counts a pipeline's commands, and those of pipelines inside it, and
// checks its printf calls.
func (w *boundsWalker) pipe(p *parse.PipeNode) int {
	if p == nil {
		return 0
	}
	n := 0
	for _, c := range p.Cmds {
		n = addSteps(n, 1)
		w.printf(c)
		for _, a := range c.Args {
			switch a := a.(type) {
			case *parse.IdentifierNode:
				w.textFuncs = w.textFuncs || textFuncNames[a.Ident]
			case *parse.PipeNode:
				n = addSteps(n, w.pipe(a))
			case *parse.ChainNode:
				if sub, ok := a.Node.(*parse.PipeNode); ok {
					n = addSteps(n, w.pipe(sub))
				}
			}
		}
	}
	return n
}

// printf checks that a printf's format is written in the template and asks
// for no width or precision over maxFormatWidth.
func (w *boundsWalker) printf(c *parse.CommandNode) {
	id, ok := c.Args[0].(*parse.IdentifierNode)
	if !ok || id.Ident != "printf" {
		return
	}
	if len(c.Args) < 2 {
		w.pl.errorf(w.line(c), "%s: printf needs its format written after it, as in printf \"%%s\" .area", w.part)
		return
	}
	s, ok := c.Args[1].(*parse.StringNode)
	if !ok {
		w.pl.errorf(w.line(c), "%s: printf %s: write the format in the template as a quoted text, as in printf \"%%s\" .area", w.part, shorten(c.Args[1].String(), 40))
		return
	}
	if err := checkFormat(s.Text); err != nil {
		w.pl.errorf(w.line(c), "%s: printf %s: %v", w.part, shorten(s.Quoted, 40), err)
	}
}

// checkFormat says why a printf format could make more than its own length
// times maxFormatWidth, or nil.
func checkFormat(format string) error {
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		num := 0
	verb:
		for i++; i < len(format); i++ {
			switch c := format[i]; {
			case c == '*':
				return fmt.Errorf("a width or precision given as * is not supported; write the number (at most %d)", maxFormatWidth)
			case c >= '0' && c <= '9':
				num = num*10 + int(c-'0')
				if num > maxFormatWidth {
					return fmt.Errorf("a width or precision over %d is not supported", maxFormatWidth)
				}
			case c == '.' || c == '[' || c == ']' || c == '+' || c == '-' || c == '#' || c == ' ':
				num = 0
			default:
				break verb
			}
		}
	}
	return nil
}

// addSteps adds step counts, saturating just past maxSteps.
func addSteps(ns ...int) int {
	sum := 0
	for _, n := range ns {
		sum += n
		if sum > maxSteps {
			return maxSteps + 1
		}
	}
	return sum
}

// mulSteps multiplies a count of turns by the steps of each, saturating
// just past maxSteps.
func mulSteps(times, steps int) int {
	if times == 0 || steps == 0 {
		return 0
	}
	if times > maxSteps || steps > maxSteps || times*steps > maxSteps {
		return maxSteps + 1
	}
	return times * steps
}

// count writes a number with thousands separators.
func count(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// shorten cuts s to about n characters, with … where it was cut.
func shorten(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i] + "…"
		}
		n--
	}
	return s
}
