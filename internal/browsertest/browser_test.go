package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/crier-notices/crier/internal/testenv"
)

// pages are small pages that pass or break the checks, by path.
var pages = map[string]string{
	"/good": `<!DOCTYPE html><html lang="en"><head><title>Good</title><style>
		:focus-visible { outline: 3px solid #b35900; }</style></head>
		<body><main><h1>Good</h1><p><a href="/bad">A link</a></p>
		<form><label>Name <input name="name" id="name"></label>
		<p id="echo" aria-live="polite"></p>
		<button type="button" onclick="document.getElementById('echo').textContent = 'Hello, ' + document.getElementById('name').value">Greet</button></form>
		</main></body></html>`,
	"/bad": `<!DOCTYPE html><html><head><title>Bad</title><style>
		a:focus { outline: none; }</style></head>
		<body><main><h1>Bad</h1>
		<p style="color: #aaa; background: #fff">Pale grey on white.</p>
		<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
		<input name="nameless">
		<p><a href="/good">No ring</a></p>
		<div style="width: 600px">Six hundred pixels wide.</div>
		</main></body></html>`,
}

// notFound is the page of any other path.
const notFound = `<!DOCTYPE html><html lang="en"><head><title>Not found</title><style>
	:focus-visible { outline: 2px solid #000; }</style></head>
	<body><main><h1>Not found</h1><p><a href="/good">Go to a good page</a></p></main></body></html>`

// pageServer serves pages on loopback until the test ends.
func pageServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		page, ok := pages[r.URL.Path]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			page = notFound
		}
		fmt.Fprint(w, page)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// fakeT records what the harness reports instead of failing the real
// test, so that a test can check the harness fails what it must.
type fakeT struct {
	testing.TB // the real test: Name, Logf, Helper, TempDir

	mu       sync.Mutex
	errors   []string
	cleanups []func()
}

func (f *fakeT) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

func (f *fakeT) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	runtime.Goexit()
}

func (f *fakeT) Failed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.errors) > 0
}

func (f *fakeT) Cleanup(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cleanups = append(f.cleanups, fn)
}

// run runs body as a test of its own (a Fatalf ends only body), then the
// cleanups it registered, and returns what it reported.
func (f *fakeT) run(body func(t testing.TB)) string {
	done := make(chan struct{})
	go func() {
		defer close(done)
		body(f)
	}()
	<-done
	for _, fn := range slices.Backward(f.cleanups) {
		fn()
	}
	return strings.Join(f.errors, "\n")
}

func TestAxeFindsViolations(t *testing.T) {
	testenv.Chromium(t)
	script := testenv.AxeScript(t)
	srv := pageServer(t)
	b := New(t)
	tests := []struct {
		name, path string
		want       []string // rule ids
	}{
		{"a clean page", "/good", nil},
		{"a page breaking four rules", "/bad", []string{"color-contrast", "html-has-lang", "image-alt", "label"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b.Open(srv.URL + tt.path)
			vs, err := AxeViolations(b.Context(), script, WCAG22AA...)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range vs {
				got = append(got, v.ID)
				if len(v.Nodes) == 0 || v.Nodes[0].Target == "" || v.Help == "" || v.Impact == "" {
					t.Errorf("violation %s says too little: %+v", v.ID, v)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("violations %v; want %v", got, tt.want)
			}
		})
	}
}

// TestChecksFailABadPage: CheckPages passes a clean page and fails a bad
// one for each thing wrong with it, naming the elements at fault, and
// writes to the test's folder a screenshot of the page as it opened and
// of each check that failed, numbered as the steps go (a second
// browser's beside the first's).
func TestChecksFailABadPage(t *testing.T) {
	testenv.Chromium(t)
	testenv.AxeScript(t)
	srv := pageServer(t)
	t.Setenv(ScreenshotsEnv, t.TempDir())

	good := &fakeT{TB: t}
	if report := good.run(func(t testing.TB) {
		CheckPages(t, srv.URL, nil, Page{Path: "/good"}, Page{Path: "/missing", Status: 404})
	}); report != "" {
		t.Errorf("a clean page fails:\n%s", report)
	}
	if shots, _ := os.ReadDir(ScreenshotDir(t)); len(shots) > 0 {
		t.Errorf("a passing test wrote %d screenshots", len(shots))
	}

	bad := &fakeT{TB: t}
	report := bad.run(func(t testing.TB) { CheckPages(t, srv.URL, nil, Page{Path: "/bad", Status: 200}) })
	for _, want := range []string{
		"color-contrast (serious)", "image-alt (critical)", "label (critical)", "html-has-lang (serious)", // axe-core, at both widths
		"scrolls sideways; the widest elements: body > main > div to 608px", // 600px in 320
		"the focus is not shown on:\n\tbody > main > input (outline auto 1px", "body > main > p:nth-of-type(2) > a (outline none",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("the report lacks %q:\n%s", want, report)
		}
	}
	if strings.Count(report, "scrolls sideways") != 1 {
		t.Errorf("want the page to scroll sideways at a phone's width only:\n%s", report)
	}
	// A second browser of the same test writes beside the first.
	again := &fakeT{TB: t}
	again.run(func(t testing.TB) { CheckPages(t, srv.URL, nil, Page{Path: "/bad"}) })
	if b2, _ := filepath.Glob(filepath.Join(ScreenshotDir(t), "b2-*.png")); len(b2) != 5 {
		t.Errorf("the second browser wrote %d screenshots; want 5", len(b2))
	}
	shots, _ := filepath.Glob(filepath.Join(ScreenshotDir(t), "[0-9]*.png"))
	for i := range shots {
		shots[i] = filepath.Base(shots[i])
	}
	page := fileName(srv.URL + "/bad")
	// The viewport's changes (steps 4, 6 and 8) pass: no screenshot.
	if want := []string{"01-open_" + page + ".png", "02-axe_" + page + ".png", "03-tab_through_" + page + ".png",
		"05-axe_" + page + ".png", "07-scrolls_sideways_at_320.png"}; !slices.Equal(shots, want) {
		t.Errorf("screenshots %v; want %v", shots, want)
	}
}

// TestStepsActLikeAPerson: typing into a field fires the page's input
// events, a click runs the page's script, and WaitText sees the result.
func TestStepsActLikeAPerson(t *testing.T) {
	srv := pageServer(t)
	b := New(t)
	b.Open(srv.URL + "/good")
	b.Step("greet", Fill("#name", "Ada"), Click("button"), WaitText("#echo", "Hello, Ada"))
	b.Step("greet again", Fill("#name", "Grace"), Click("button"), WaitText("#echo", "Hello, Grace"))
	if got := b.Text("#echo"); got != "Hello, Grace" {
		t.Errorf("the page says %q", got)
	}
	if got := b.Open(srv.URL + "/missing"); got != http.StatusNotFound {
		t.Errorf("a missing page: %d", got)
	}
}
