package templates

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	texttemplate "text/template"
	"text/template/parse"
)

var execErrLine = regexp.MustCompile(`^template: [a-z]+:(\d+):(?:\d+:)? ?(.*)$`)

// utilityKeys are the branding values a template can use as {{.utility.KEY}}.
var utilityKeys = map[string]bool{"name": true, "phone": true, "email": true, "website": true, "address": true}

// noticeKeys are the notice's own values a template can use as
// {{.notice.KEY}}: url, the notice's public page ("" without public_url).
var noticeKeys = map[string]bool{"url": true}

// compile parses the subject, SMS and body as Go templates and checks what
// they reference: undeclared fields are errors, choice comparisons against a
// value that is not an option are errors, and required fields the body never
// uses are warnings.
func compile(pl *problemList, t *Template) {
	used := map[string]bool{}
	parts := []struct {
		name string
		src  string
		line int
		dst  **texttemplate.Template
		uses map[string]bool
	}{
		{"subject", t.Subject, t.subjectLine, &t.subject, nil},
		{"sms", t.SMS, t.smsLine, &t.sms, nil},
		{"body", t.Body, t.bodyLine, &t.body, used},
	}
	for _, p := range parts {
		tmpl, err := texttemplate.New(p.name).Option("missingkey=error").Funcs(bodyFuncs).Parse(p.src)
		if err != nil {
			line, msg := p.line, err.Error()
			if m := execErrLine.FindStringSubmatch(msg); m != nil {
				n, _ := strconv.Atoi(m[1])
				line, msg = p.line+n-1, m[2]
			}
			pl.errorf(line, "%s: template syntax: %s", p.name, msg)
			continue
		}
		*p.dst = tmpl
		if p.name == "body" {
			linkStandaloneAddresses(t, tmpl.Tree, tmpl.Tree.Root)
		}
		w := refWalker{pl: pl, t: t, tree: tmpl.Tree, base: p.line, part: p.name, used: p.uses, guards: map[string]int{}}
		if tmpl.Tree != nil {
			w.list(tmpl.Tree.Root, true)
			if checkBounds(pl, p.name, p.line, tmpl) {
				if t.textFuncs == nil {
					t.textFuncs = map[string]bool{}
				}
				t.textFuncs[p.name] = true
			}
		}
	}
	if t.body == nil {
		return // the body did not parse: what it uses is unknown
	}
	for _, f := range t.Fields {
		if f.Required && !used[f.Name] {
			pl.warnf(f.line, "required field %q is never used in the body", f.Name)
		}
	}
}

// bodyFuncs are the functions compile adds to a body (a template may call
// them too, harmlessly), and stand-ins for the built-in functions that
// build text: a run that calls them gets budgeted ones (see execute), so a
// stand-in runs only if checkBounds missed a call, and then fails rather
// than build text without bound.
var bodyFuncs = func() texttemplate.FuncMap {
	fm := texttemplate.FuncMap{"autolink": autolink}
	for name := range textFuncNames {
		fm[name] = func(...any) (string, error) {
			return "", fmt.Errorf("%s ran without a budget (a bug in Crier's template check)", name)
		}
	}
	return fm
}()

// linkStandaloneAddresses turns {{.report_url}}, {{.utility.website}} and
// {{.utility.email}} into {{autolink ...}} where the address stands alone in
// the text: after a space or a line start, and before a space, a line end
// or closing punctuation. There it becomes a live link in every output.
// Elsewhere (inside [text](...), before "/agenda", after "mailto:") it
// stays text, so the template's own Markdown decides.
func linkStandaloneAddresses(t *Template, tree *parse.Tree, l *parse.ListNode) {
	if l == nil {
		return
	}
	for i, n := range l.Nodes {
		switch n := n.(type) {
		case *parse.IfNode:
			linkStandaloneAddresses(t, tree, n.List)
			linkStandaloneAddresses(t, tree, n.ElseList)
		case *parse.WithNode:
			linkStandaloneAddresses(t, tree, n.List)
			linkStandaloneAddresses(t, tree, n.ElseList)
		case *parse.RangeNode:
			linkStandaloneAddresses(t, tree, n.List)
			linkStandaloneAddresses(t, tree, n.ElseList)
		case *parse.ActionNode:
			if !isAddressRef(t, n) {
				continue
			}
			var before, after []byte
			if i > 0 {
				before = []byte("x") // another action: not a boundary
				if tn, ok := l.Nodes[i-1].(*parse.TextNode); ok {
					before = tn.Text
				}
			}
			if i+1 < len(l.Nodes) {
				after = []byte("x")
				if tn, ok := l.Nodes[i+1].(*parse.TextNode); ok {
					after = tn.Text
				}
			}
			if standsAlone(before, after) {
				cmd := n.Pipe.Cmds[0]
				id := parse.NewIdentifier("autolink").SetTree(tree).SetPos(cmd.Position())
				cmd.Args = append([]parse.Node{id}, cmd.Args...)
			}
		}
	}
}

// isAddressRef says whether an action only prints a url field, the
// utility's website or email, or the notice's page ({{.notice.url}}).
func isAddressRef(t *Template, n *parse.ActionNode) bool {
	if len(n.Pipe.Decl) > 0 || len(n.Pipe.Cmds) != 1 || len(n.Pipe.Cmds[0].Args) != 1 {
		return false
	}
	fn, ok := n.Pipe.Cmds[0].Args[0].(*parse.FieldNode)
	if !ok {
		return false
	}
	switch {
	case len(fn.Ident) == 2 && fn.Ident[0] == "utility":
		return fn.Ident[1] == "website" || fn.Ident[1] == "email"
	case len(fn.Ident) == 2 && fn.Ident[0] == "notice":
		return fn.Ident[1] == "url"
	case len(fn.Ident) == 1:
		f, ok := t.Field(fn.Ident[0])
		return ok && f.Type == TypeURL
	}
	return false
}

func standsAlone(before, after []byte) bool {
	if len(before) > 0 {
		if c := before[len(before)-1]; c != ' ' && c != '\n' && c != '\t' {
			return false
		}
	}
	if len(after) == 0 {
		return true
	}
	switch after[0] {
	case ' ', '\n', '\t':
		return true
	case '.', ',', ';', ':', '!', '?', ')':
		return len(after) == 1 || after[1] == ' ' || after[1] == '\n' || after[1] == '\t'
	}
	return false
}

// refWalker walks a template's parse tree for field references. Inside
// {{with}} and {{range}} the dot is no longer the notice, so only $-rooted
// references are checked there.
type refWalker struct {
	pl   *problemList
	t    *Template
	tree *parse.Tree
	base int
	part string
	used map[string]bool

	// printing is set while walking an action that prints ({{.x}}), not
	// a condition; guards counts the utility values the enclosing {{if}}s
	// prove set. A utility value printed unguarded is one the notice
	// shows whatever the configuration says.
	printing bool
	guards   map[string]int
}

func (w *refWalker) line(n parse.Node) int {
	loc, _ := w.tree.ErrorContext(n)
	// loc is "name:line:col"
	parts := strings.Split(loc, ":")
	if len(parts) >= 2 {
		if l, err := strconv.Atoi(parts[1]); err == nil {
			return w.base + l - 1
		}
	}
	return w.base
}

func (w *refWalker) list(l *parse.ListNode, rootDot bool) {
	if l == nil {
		return
	}
	for _, n := range l.Nodes {
		w.node(n, rootDot)
	}
}

func (w *refWalker) node(n parse.Node, rootDot bool) {
	switch n := n.(type) {
	case *parse.ActionNode:
		w.printing = len(n.Pipe.Decl) == 0
		w.pipe(n.Pipe, rootDot)
		w.printing = false
	case *parse.IfNode:
		w.pipe(n.Pipe, rootDot)
		whenTrue, whenFalse := utilityKeysTested(n.Pipe)
		w.guarded(whenTrue, func() { w.list(n.List, rootDot) })
		w.guarded(whenFalse, func() { w.list(n.ElseList, rootDot) })
	case *parse.WithNode:
		w.pipe(n.Pipe, rootDot)
		w.list(n.List, false)
		w.list(n.ElseList, rootDot)
	case *parse.RangeNode:
		w.pipe(n.Pipe, rootDot)
		w.list(n.List, false)
		w.list(n.ElseList, rootDot)
	case *parse.ListNode:
		w.list(n, rootDot)
	case *parse.TemplateNode:
		w.pl.errorf(w.line(n), "%s: {{template}} and {{block}} are not supported in notice templates (a template that calls itself never ends); write the text where it is shown", w.part)
	}
}

func (w *refWalker) pipe(p *parse.PipeNode, rootDot bool) {
	if p == nil {
		return
	}
	for _, c := range p.Cmds {
		w.command(c, rootDot)
	}
}

func (w *refWalker) command(c *parse.CommandNode, rootDot bool) {
	for _, a := range c.Args {
		switch a := a.(type) {
		case *parse.FieldNode:
			if rootDot {
				w.ref(a, a.Ident)
			}
		case *parse.VariableNode:
			if len(a.Ident) > 1 && a.Ident[0] == "$" {
				w.ref(a, a.Ident[1:])
			}
		case *parse.ChainNode:
			if p, ok := a.Node.(*parse.PipeNode); ok {
				w.pipe(p, rootDot)
			}
		case *parse.PipeNode:
			w.pipe(a, rootDot)
		}
	}
	w.choiceComparison(c, rootDot)
}

func (w *refWalker) ref(n parse.Node, ident []string) {
	name := ident[0]
	if name == "utility" {
		if len(ident) > 1 && !utilityKeys[ident[1]] {
			w.pl.errorf(w.line(n), "%s: {{.utility.%s}} is not a utility value (use name, phone, email, website or address)", w.part, ident[1])
		} else if len(ident) > 1 && w.printing && w.guards[ident[1]] == 0 {
			if w.t.utilityUses == nil {
				w.t.utilityUses = map[string]bool{}
			}
			w.t.utilityUses[ident[1]] = true
		}
		return
	}
	if name == "notice" {
		if len(ident) == 1 || !noticeKeys[ident[1]] || len(ident) > 2 {
			w.pl.errorf(w.line(n), "%s: {{.%s}} is not a notice value (use {{.notice.url}}, the notice's public page)", w.part, strings.Join(ident, "."))
		}
		return
	}
	if _, ok := w.t.Field(name); !ok {
		w.pl.errorf(w.line(n), "%s: {{.%s}} refers to a field that is not declared in fields%s", w.part, name, suggest(name, w.t, "."))
		return
	}
	if len(ident) > 1 {
		w.pl.errorf(w.line(n), "%s: {{.%s}} is a field value; it has no .%s", w.part, name, strings.Join(ident[1:], "."))
	}
	if w.used != nil {
		w.used[name] = true
	}
}

// guarded walks with the utility values keys known to be set.
func (w *refWalker) guarded(keys []string, walk func()) {
	for _, k := range keys {
		w.guards[k]++
	}
	walk()
	for _, k := range keys {
		w.guards[k]--
	}
}

// utilityKeysTested returns the utility values an {{if}} condition proves
// set in its branch ({{if .utility.website}}, {{if and .utility.phone .x}})
// and in its else branch ({{if not .utility.website}}). An "or" proves
// nothing about any one of its values.
func utilityKeysTested(p *parse.PipeNode) (whenTrue, whenFalse []string) {
	if len(p.Decl) > 0 || len(p.Cmds) != 1 {
		return nil, nil
	}
	utilityKey := func(n parse.Node) (string, bool) {
		f, ok := n.(*parse.FieldNode)
		if ok && len(f.Ident) == 2 && f.Ident[0] == "utility" {
			return f.Ident[1], true
		}
		return "", false
	}
	args := p.Cmds[0].Args
	if k, ok := utilityKey(args[0]); ok && len(args) == 1 {
		return []string{k}, nil
	}
	id, ok := args[0].(*parse.IdentifierNode)
	if !ok {
		return nil, nil
	}
	switch {
	case id.Ident == "and":
		for _, a := range args[1:] {
			if k, ok := utilityKey(a); ok {
				whenTrue = append(whenTrue, k)
			}
		}
	case id.Ident == "not" && len(args) == 2:
		if k, ok := utilityKey(args[1]); ok {
			whenFalse = append(whenFalse, k)
		}
	}
	return whenTrue, whenFalse
}

// choiceComparison checks {{if eq .cause "main-break"}}: a value that is not
// one of the choice's options would silently never match.
func (w *refWalker) choiceComparison(c *parse.CommandNode, rootDot bool) {
	if len(c.Args) < 3 {
		return
	}
	id, ok := c.Args[0].(*parse.IdentifierNode)
	if !ok || (id.Ident != "eq" && id.Ident != "ne") {
		return
	}
	fn, ok := c.Args[1].(*parse.FieldNode)
	if !ok || !rootDot || len(fn.Ident) != 1 {
		return
	}
	f, ok := w.t.Field(fn.Ident[0])
	if !ok || f.Type != TypeChoice {
		return
	}
	for _, a := range c.Args[2:] {
		s, ok := a.(*parse.StringNode)
		if !ok {
			continue
		}
		found := false
		for _, o := range f.Options {
			if o == s.Text {
				found = true
			}
		}
		if !found {
			w.pl.errorf(w.line(a), "%s: %q is not an option of field %q (options: %s)", w.part, s.Text, f.Name, strings.Join(f.Options, ", "))
		}
	}
}

// suggest proposes a declared field whose name is close to a misspelt one.
func suggest(name string, t *Template, prefix string) string {
	names := make([]string, len(t.Fields))
	for i, f := range t.Fields {
		names[i] = f.Name
	}
	if best := closest(name, names); best != "" {
		return " (did you mean " + prefix + best + "?)"
	}
	return ""
}

// closest is the name of names nearest to a misspelt one (fewer than 3
// edits away), or "": the one rule for "did you mean" of fields and
// templates.
func closest(name string, names []string) string {
	if len(name) > 64 {
		return "" // no name is that long, and the distance costs its length
	}
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(name, n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
