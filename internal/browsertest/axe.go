package browsertest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/crier-notices/crier/internal/testenv"
)

// WCAG22AA are axe-core's tags for the rules of WCAG 2.0, 2.1 and 2.2 at
// levels A and AA: the level Crier's pages are held to.
var WCAG22AA = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

// Violation is one axe-core rule a page breaks, with the elements that
// break it.
type Violation struct {
	ID     string // the rule, such as "color-contrast"
	Impact string // minor, moderate, serious or critical
	Help   string // what the rule asks, in a sentence
	URL    string // axe-core's page on the rule
	Nodes  []ViolationNode
}

// ViolationNode is one element that breaks a rule.
type ViolationNode struct {
	Target  string // a CSS selector of the element
	HTML    string // the element's opening tag, shortened
	Summary string // axe-core's "Fix any of the following: ..."
}

// String gives the rule, its impact and help, and each element with what
// to fix, one a line.
func (v Violation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s [%s]", v.ID, v.Impact, v.Help, v.URL)
	for _, n := range v.Nodes {
		fmt.Fprintf(&b, "\n\t\t%s %s\n\t\t\t%s", n.Target, n.HTML, strings.ReplaceAll(n.Summary, "\n", "\n\t\t\t"))
	}
	return b.String()
}

// Axe runs axe-core (testenv.AxeScript) with the WCAG 2.2 AA rules on the
// page open in the tab of ctx (Browser.Context), and fails the test with
// every violation: its rule id, impact and help, and the selector of each
// element at fault with what to fix.
func Axe(t testing.TB, ctx context.Context) {
	t.Helper()
	vs, err := AxeViolations(ctx, testenv.AxeScript(t), WCAG22AA...)
	if err != nil {
		t.Fatalf("axe-core: %v", err)
	}
	reportViolations(t, pageURL(ctx), vs)
}

// reportViolations fails the test with the violations found on the page
// at url, if any.
func reportViolations(t testing.TB, url string, vs []Violation) {
	t.Helper()
	if len(vs) == 0 {
		return
	}
	lines := make([]string, len(vs))
	for i, v := range vs {
		lines[i] = v.String()
	}
	t.Errorf("axe-core finds %d WCAG 2.2 AA violations on %s:\n\t%s", len(vs), url, strings.Join(lines, "\n\t"))
}

// pageURL is the address of the page in the tab of ctx, or "the page".
func pageURL(ctx context.Context) string {
	if u, err := chromedp.Run(ctx, chromedp.Location()); err == nil {
		return u
	}
	return "the page"
}

// AxeViolations injects script (axe.min.js) into the page open in the tab
// of ctx unless it is there already, runs the rules with the given tags on
// the whole document and returns the violations.
func AxeViolations(ctx context.Context, script string, tags ...string) ([]Violation, error) {
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if err != nil {
		return nil, err
	}
	if !loaded {
		if err := chromedp.Do(ctx, evalVoid(script)); err != nil {
			return nil, fmt.Errorf("inject axe-core: %w", err)
		}
	}
	js := fmt.Sprintf(axeRun, jsStrings(tags))
	return chromedp.Run(ctx, chromedp.Evaluate[[]Violation](js, chromedp.EvalAwaitPromise))
}

// axeRun runs axe-core with the rules of the tags %s (a JavaScript array)
// and gives its violations in the shape of Violation.
const axeRun = `axe.run(document, {runOnly: {type: "tag", values: %s}, resultTypes: ["violations"]}).then(r =>
	r.violations.map(v => ({
		ID: v.id, Impact: v.impact || "", Help: v.help, URL: v.helpUrl,
		Nodes: v.nodes.map(n => ({
			Target: n.target.flat(Infinity).join(" "),
			HTML: n.html.length > 200 ? n.html.slice(0, 200) + "…" : n.html,
			Summary: n.failureSummary || "",
		})),
	})))`

// jsStrings is ss as a JavaScript array of strings.
func jsStrings(ss []string) string {
	quoted := make([]string, len(ss))
	for i, s := range ss {
		quoted[i] = jsString(s)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// Axe runs Axe on the page open, as the check "axe URL".
func (b *Browser) Axe() {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	url := pageURL(ctx)
	vs, err := AxeViolations(ctx, testenv.AxeScript(b.t), WCAG22AA...)
	b.checked("axe "+url, err != nil || len(vs) > 0)
	if err != nil {
		b.t.Fatalf("step %d %q: %v", len(b.shots), "axe "+url, err)
	}
	reportViolations(b.t, url, vs)
}
