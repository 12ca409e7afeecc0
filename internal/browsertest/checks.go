package browsertest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The sizes CheckPage looks at a page in.
var (
	// Desktop is the window New opens.
	Desktop = Viewport{1280, 1024}
	// Tablet is a tablet held upright: axe-core runs again, and nothing
	// may scroll sideways.
	Tablet = Viewport{768, 1024}
	// Phone is as narrow as WCAG 2.2's reflow criterion (1.4.10) asks a
	// page to read without scrolling sideways.
	Phone = Viewport{320, 640}
)

// Viewport is a page's visible area in CSS pixels.
type Viewport struct{ Width, Height int }

// Page is a page for CheckPages: its path (with its query) on the base
// address, and the HTTP status it answers with (0: 200).
type Page struct {
	Path   string
	Status int
}

// CheckPages holds each page of a server to the checks a machine can make
// of WCAG 2.2 AA, in one headless Chromium:
//
//   - the page answers with its status (200 unless Page.Status says);
//   - axe-core (Axe) finds no violation of the WCAG 2.2 AA rules, at a
//     desktop's width and at a tablet's;
//   - at a tablet's width (768x1024) and at a phone's (320x640), nothing
//     scrolls sideways (NoSideScroll);
//   - tabbing through the page, every element that takes the keyboard's
//     focus shows it (FocusVisible).
//
// base is the server's address, such as httptest.Server.URL; cookie, when
// not nil, is sent with every request (a signed-in console session: the
// cookie the sign-in answered with). Each page's failures are reported
// with Errorf and the next page is checked; a page that does not load
// stops the test. When the test fails, a screenshot of each page as it
// opened and of each check that failed is written to ScreenshotDir.
// For example, for the console:
//
//	browsertest.CheckPages(t, srv.URL, session,
//		browsertest.Page{Path: "/console/"},
//		browsertest.Page{Path: "/console/notices"},
//		browsertest.Page{Path: "/console/nowhere", Status: 404})
func CheckPages(t testing.TB, base string, cookie *http.Cookie, pages ...Page) {
	t.Helper()
	b := New(t)
	if cookie != nil {
		b.SetCookie(base, cookie)
	}
	for _, p := range pages {
		b.CheckPage(base+p.Path, p.Status)
	}
}

// CheckPage opens url and makes CheckPages' checks of it; want is the
// HTTP status it must answer with (0: 200). It leaves the viewport at
// the desktop's size.
func (b *Browser) CheckPage(url string, want int) {
	b.t.Helper()
	if want == 0 {
		want = http.StatusOK
	}
	if got := b.Open(url); got != want {
		b.t.Errorf("GET %s: %d; want %d", url, got, want)
	}
	b.Axe()
	b.FocusVisible()
	for _, v := range []Viewport{Tablet, Phone} {
		b.SetViewport(v.Width, v.Height)
		b.NoSideScroll()
		if v == Tablet {
			b.Axe()
		}
	}
	b.SetViewport(Desktop.Width, Desktop.Height)
}

// NoSideScroll fails the test if the page open is wider than its viewport
// (a person would have to scroll sideways to read it), naming the
// elements that stick out.
func (b *Browser) NoSideScroll() {
	b.t.Helper()
	o := Eval[overflow](b, overflowJS)
	if o.ScrollWidth > o.ClientWidth {
		b.checked(fmt.Sprintf("scrolls sideways at %d", o.ClientWidth), true)
		b.t.Errorf("%s is %d CSS pixels wide in a viewport of %d: it scrolls sideways; the widest elements: %s",
			o.URL, o.ScrollWidth, o.ClientWidth, strings.Join(o.Widest, ", "))
	}
}

// overflow is how wide the page is and what makes it so.
type overflow struct {
	URL                      string
	ScrollWidth, ClientWidth int
	Widest                   []string // selector and right edge of elements past the viewport
}

const overflowJS = `(() => {
	const root = document.documentElement, w = root.clientWidth;
	const name = ` + cssPathJS + `;
	const widest = [...document.body.querySelectorAll("*")]
		.map(e => [e, e.getBoundingClientRect().right])
		.filter(([e, r]) => r > w + 0.5)
		.sort((a, b) => b[1] - a[1]).slice(0, 5)
		.map(([e, r]) => name(e) + " to " + Math.round(r) + "px");
	return {URL: location.href, ScrollWidth: root.scrollWidth, ClientWidth: w, Widest: widest};
})()`

// FocusVisible moves the keyboard's focus through the page open with the
// Tab key, as a person who uses no mouse does, and fails the test for
// every element that takes the focus without showing it: an outline of
// at least 2 CSS pixels (the browser's own ring is thinner) or a shadow.
func (b *Browser) FocusVisible() {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	url := pageURL(ctx)
	seen := map[string]bool{}
	var hidden []string
	for range maxTabs {
		err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab))
		var f *focused
		if err == nil {
			f, err = chromedp.Run(ctx, chromedp.Evaluate[*focused](focusedJS))
		}
		if err != nil {
			b.t.Fatalf("tab through %s: %v", url, err)
		}
		if f == nil || seen[f.Path] {
			break // past the last element, or round to the first again
		}
		seen[f.Path] = true
		if !f.Shown {
			hidden = append(hidden, fmt.Sprintf("%s (outline %s %s, box-shadow %s)", f.Path, f.OutlineStyle, f.OutlineWidth, f.BoxShadow))
		}
	}
	b.checked("tab through "+url, len(hidden) > 0)
	if len(hidden) > 0 {
		b.t.Errorf("tabbing through %s, the focus is not shown on:\n\t%s", url, strings.Join(hidden, "\n\t"))
	}
}

// maxTabs bounds the Tab presses on one page.
const maxTabs = 300

// focused is the element that has the keyboard's focus and how it shows.
type focused struct {
	Path                                  string // a selector of the element
	Shown                                 bool
	OutlineStyle, OutlineWidth, BoxShadow string
}

const focusedJS = `(() => {
	const e = document.activeElement;
	if (!e || e === document.body || e === document.documentElement) return null;
	const path = (` + cssPathJS + `)(e);
	const st = getComputedStyle(e);
	const outline = st.outlineStyle !== "none" && parseFloat(st.outlineWidth) >= 2;
	const shadow = st.boxShadow !== "" && st.boxShadow !== "none";
	return {Path: path, Shown: outline || shadow, OutlineStyle: st.outlineStyle, OutlineWidth: st.outlineWidth, BoxShadow: st.boxShadow};
})()`

// cssPathJS is a JavaScript function that gives a CSS selector of an
// element: its tags from the nearest ancestor with an id, told apart from
// their siblings by :nth-of-type.
const cssPathJS = `(e => {
	const path = [];
	for (let n = e; n && n !== document.documentElement; n = n.parentElement) {
		let s = n.tagName.toLowerCase();
		if (n.id) { path.unshift(s + "#" + n.id); break; }
		const same = n.parentElement ? [...n.parentElement.children].filter(c => c.tagName === n.tagName) : [];
		if (same.length > 1) s += ":nth-of-type(" + (same.indexOf(n) + 1) + ")";
		path.unshift(s);
	}
	return path.join(" > ");
})`
