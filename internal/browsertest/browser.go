// Package browsertest drives Debian's headless Chromium from tests, with
// chromedp: named steps whose screenshots are written to a folder when the
// test fails, axe-core's WCAG 2.2 AA rules, and the checks a person makes
// with a keyboard and a tablet.
//
// A test starts a browser, opens its server's pages and acts on them,
// then holds the page it reached to the accessibility checks:
//
//	b := browsertest.New(t)
//	b.Open(srv.URL + "/console/login")
//	b.Step("sign in",
//		browsertest.Fill("#name", "ada"),
//		browsertest.Fill("#password", password),
//		browsertest.Click("button[type=submit]"),
//		browsertest.WaitText("h1", "Dashboard"))
//	b.Step("type the text", browsertest.Fill("#sms", "Boil water"),
//		browsertest.WaitText("#sms-count", "1 segment"))
//	b.CheckPage(srv.URL+"/console/", 0) // axe, focus, tablet and phone widths
//
// CheckPages does the same checks for a list of paths, with a session
// cookie when the pages need one. Every wait is bounded by StepTimeout
// and by the test's own deadline; nothing sleeps for a fixed time.
package browsertest

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/crier-notices/crier/internal/testenv"
)

// StepTimeout bounds one step: generous, for a machine whose cores the
// whole test suite shares.
const StepTimeout = 90 * time.Second

// ScreenshotsEnv names the folder the screenshots of a failed test are
// written under (in a subfolder named after the test); unset, they go
// under the system's temporary folder, crier-screenshots/.
const ScreenshotsEnv = "CRIER_SCREENSHOTS"

// Browser is one tab of a headless Chromium that lives as long as its
// test. Its methods are steps, numbered in order. A step that acts (Open,
// Step) takes a screenshot when it ends; a check (Axe, FocusVisible,
// NoSideScroll, SetViewport) takes one only when it fails, since a
// passing check shows the page its Open showed, at most at another width,
// and each screenshot waits for the browser to draw a new frame (0.2 to
// 0.5 s on a loaded 2-core machine: most of the time of the accessibility
// tests, when every check took one). The screenshots are written to a
// folder if the test fails. A Browser is for the test's goroutine only.
type Browser struct {
	t     testing.TB
	ctx   context.Context // the tab's chromedp context
	shots []shot

	mu      sync.Mutex
	console []chromedp.ConsoleMessage // what the page wrote, not yet looked at
}

// shot is the screen at the end of a step; png is nil for a check that
// passed.
type shot struct {
	name string
	png  []byte
}

// New starts a headless Chromium (testenv.Chromium) with a Desktop-sized
// window and opens a tab; both close when the test ends. It fails the
// test if the browser does not start.
func New(t testing.TB) *Browser {
	t.Helper()
	exec := testenv.Chromium(t)
	parent, cancel := testContext(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exec),
		chromedp.Flag("headless", "new"),
		chromedp.NoSandbox, // root in a container has no user namespace for the sandbox
		chromedp.DisableGPU,
		chromedp.WindowSize(Desktop.Width, Desktop.Height),
		chromedp.Flag("lang", "en-US"),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(parent, opts...)
	ctx, cancelTab := chromedp.NewContext(alloc)
	b := &Browser{t: t, ctx: ctx}
	// The first call starts the browser and binds it to ctx, which has no
	// timeout of its own (a step's would close the browser).
	if err := chromedp.Do(ctx); err != nil {
		cancelTab()
		cancelAlloc()
		cancel()
		t.Fatalf("start chromium %s: %v", exec, err)
	}
	done := b.collectConsole()
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc() // waits for the browser to exit
		cancel()
		<-done
		if t.Failed() {
			b.writeShots()
		}
	})
	return b
}

// testContext is a context that ends a little before the test's deadline,
// so that a hung browser fails a step with its name and screenshots
// instead of panicking the test binary.
func testContext(t testing.TB) (context.Context, context.CancelFunc) {
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if deadline, ok := d.Deadline(); ok {
			return context.WithDeadline(context.Background(), deadline.Add(-10*time.Second))
		}
	}
	return context.WithCancel(context.Background())
}

// collectConsole keeps what the page writes to its console, for the steps
// to look at; the returned channel closes when the tab has closed.
func (b *Browser) collectConsole() <-chan struct{} {
	messages := chromedp.Console(b.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, m)
			b.mu.Unlock()
		}
	}()
	return done
}

// Context returns the tab's chromedp context, for actions of chromedp's
// own (chromedp.Run, chromedp.Call) and for Axe. Give a call a timeout of
// its own with context.WithTimeout; never cancel the context itself.
func (b *Browser) Context() context.Context { return b.ctx }

// Step runs actions as the step called name, then takes its screenshot
// (of the viewport, or of the whole page if the step failed).
// It fails the test, naming the step, when an action fails or does not end
// within StepTimeout, or when the page threw an exception or broke its
// Content-Security-Policy during the step.
func (b *Browser) Step(name string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	err := chromedp.Do(ctx, actions...)
	b.shoot(name, err != nil)
	if err != nil {
		b.t.Fatalf("step %d %q: %v", len(b.shots), name, err)
	}
	if err := b.pageErrors(); err != nil {
		b.t.Fatalf("step %d %q: %v", len(b.shots), name, err)
	}
}

// Open loads url as the step "open URL" and returns the HTTP status of
// the page.
func (b *Browser) Open(url string) int {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(url))
	name := "open " + url
	b.shoot(name, err != nil)
	if err != nil {
		b.t.Fatalf("step %d %q: %v", len(b.shots), name, err)
	}
	if err := b.pageErrors(); err != nil {
		b.t.Fatalf("step %d %q: %v", len(b.shots), name, err)
	}
	return int(resp.Status)
}

// SetViewport sets the size of the page's viewport in CSS pixels, as a
// tablet (768x1024) or a phone (320x640) has it: a check's step, with a
// screenshot only if it fails.
func (b *Browser) SetViewport(width, height int) {
	b.t.Helper()
	name := fmt.Sprintf("viewport %dx%d", width, height)
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height)))
	b.checked(name, err != nil)
	if err != nil {
		b.t.Fatalf("step %d %q: %v", len(b.shots), name, err)
	}
	if err := b.pageErrors(); err != nil {
		b.t.Fatalf("step %d %q: %v", len(b.shots), name, err)
	}
}

// SetCookie gives the browser cookie c for the site at url (a signed-in
// session, for instance), as the server had set it.
func (b *Browser) SetCookie(url string, c *http.Cookie) {
	b.t.Helper()
	b.Step("cookie "+c.Name, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{
			Name: c.Name, Value: c.Value, URL: url, Path: c.Path,
			HTTPOnly: &c.HttpOnly, Secure: &c.Secure,
		})
		return err
	}))
}

// Text returns the text of the first element matching the CSS selector
// sel, waiting for it to be there.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("the text of %s: %v", sel, err)
	}
	return text
}

// Eval returns what the JavaScript expression js gives on the page,
// decoded from JSON into T (a promise is awaited).
func Eval[T any](b *Browser, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluate %.60q: %v", js, err)
	}
	return v
}

// pageErrors returns the exceptions and the Content-Security-Policy
// refusals the page reported since it was last asked, and logs its other
// console messages.
func (b *Browser) pageErrors() error {
	b.mu.Lock()
	msgs := b.console
	b.console = nil
	b.mu.Unlock()
	var bad []string
	for _, m := range msgs {
		switch {
		case m.IsException(), m.Source == "security", strings.Contains(m.Text, "Content Security Policy"):
			bad = append(bad, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line+1))
		case strings.HasSuffix(m.URL, "/favicon.ico"):
			// The browser asks for one by itself; no page links it.
		default:
			b.t.Logf("console: %s (%s)", m, m.URL)
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("the page reported:\n\t%s", strings.Join(bad, "\n\t"))
	}
	return nil
}

// shoot keeps a screenshot of what the viewport shows as the end of step
// name; full, when the step failed, of the whole page (slower: seconds on
// a loaded machine for a long page).
func (b *Browser) shoot(name string, full bool) {
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	capture := chromedp.CaptureScreenshot()
	if full {
		capture = chromedp.FullScreenshot(100)
	}
	png, err := chromedp.Run(ctx, capture)
	if err != nil {
		b.t.Logf("no screenshot of step %q: %v", name, err)
	}
	b.shots = append(b.shots, shot{name: name, png: png})
}

// checked ends the step of a check called name: with a screenshot of the
// whole page if it failed, with none if it passed.
func (b *Browser) checked(name string, failed bool) {
	if failed {
		b.shoot(name, true)
		return
	}
	b.shots = append(b.shots, shot{name: name})
}

// ScreenshotDir returns the folder the screenshots of t go to when it
// fails: $CRIER_SCREENSHOTS (or the temporary folder's crier-screenshots)
// and the test's name.
func ScreenshotDir(t testing.TB) string {
	root := os.Getenv(ScreenshotsEnv)
	if root == "" {
		root = filepath.Join(os.TempDir(), "crier-screenshots")
	}
	return filepath.Join(root, fileName(t.Name()))
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// fileName turns a test or step name into a file name.
func fileName(s string) string {
	s = strings.Trim(unsafeName.ReplaceAllString(s, "_"), "_")
	if len(s) > 80 {
		s = s[:80]
	}
	return s
}

// written counts the browsers that wrote screenshots into each folder in
// this test binary: the first clears a previous run's, the others (a
// second browser of one test, a run of -count) write beside it.
var written struct {
	sync.Mutex
	n map[string]int
}

// writeShots writes the screenshot of each step, numbered in order, to
// ScreenshotDir and logs where: a second browser's (of the test, or of
// its next run with -count) get the prefix b2-, and so on.
func (b *Browser) writeShots() {
	dir := ScreenshotDir(b.t)
	written.Lock()
	if written.n == nil {
		written.n = map[string]int{}
	}
	n := written.n[dir]
	written.n[dir]++
	written.Unlock()
	prefix := ""
	if n == 0 {
		if err := os.RemoveAll(dir); err != nil {
			b.t.Logf("screenshots: %v", err)
			return
		}
	} else {
		prefix = fmt.Sprintf("b%d-", n+1)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Logf("screenshots: %v", err)
		return
	}
	files := 0
	for i, s := range b.shots {
		if s.png == nil {
			continue // a check that passed, or a screenshot that failed
		}
		path := filepath.Join(dir, fmt.Sprintf("%s%02d-%s.png", prefix, i+1, fileName(s.name)))
		if err := os.WriteFile(path, s.png, 0o644); err != nil {
			b.t.Logf("screenshots: %v", err)
			return
		}
		files++
	}
	b.t.Logf("screenshots of %d of the %d steps (the checks that passed have none): %s (%s01-…)", files, len(b.shots), dir, prefix)
}
