package templates

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"flag"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crier-notices/crier/internal/testenv"

	"github.com/yuin/goldmark/ast"
)

var update = flag.Bool("update", false, "rewrite golden files")

// flyerOut, when set, keeps the sample flyers of TestFlyerSamples there to
// look at: go test -run TestFlyerSamples -flyer-out /tmp/flyers
var flyerOut = flag.String("flyer-out", "", "write sample flyer PDFs to this directory")

var (
	flyerUtility = Utility{
		Name:    "Clearwater County Water Board",
		Phone:   "(315) 555-0142",
		Website: "https://water.example.org",
		Email:   "notices@water.example.org",
		Address: "120 Main Street, Clearwater, NY 13000",
	}
	flyerDate = time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)
)

const flyerURL = "https://water.example.org/n/abc123"

// flyerBoilEN is a realistic boil water notice using every Markdown feature
// a template uses; the street comes from a field, escaped as Render does.
var flyerBoilEN = `Customers on **` + escapeMarkdown("Elm Street & 5th Avenue (north side)") + `** must *boil* their tap water before drinking it. This is a precaution: tests have not found bacteria, but the water main break on November 27 let pressure drop, and contamination is possible.

## What should I do?

- **Do not drink the water without boiling it first.** Bring all water to a rolling boil for one minute, and let it cool before using it.
- Use boiled or bottled water for drinking, making ice, brushing teeth, washing dishes and preparing food.
- ***Infants, older adults and people with weakened immune systems*** may be at increased risk: ask your doctor for advice.

## What happens next?

We are flushing the mains and testing the water daily. We expect the problem to be resolved by **December 1**; we will tell you when you no longer need to boil your water.

For more information, read [the boil water guidance](https://water.example.org/boil) or call us at (315) 555-0142.
`

var flyerBoilES = `Los clientes de **` + escapeMarkdown("Elm Street y Quinta Avenida") + `** deben *hervir* el agua del grifo antes de beberla. El Año Nuevo está cerca: ¡no se preocupe!

## ¿Qué debo hacer?

- **No beba el agua sin hervirla primero.** Hierva toda el agua durante un minuto y déjela enfriar.
- Use agua hervida o embotellada para beber, hacer hielo y cepillarse los dientes.

¿Preguntas? Visite [nuestro sitio](https://water.example.org/es/hervir).
`

func flyerRendering(lang, title, src string) *Rendering {
	return &Rendering{
		Template: &Template{Name: "boil-water", Lang: lang, Title: title, Category: Emergency},
		Lang:     lang,
		Title:    title,
		Subject:  title,
		Source:   []byte(src),
		Doc:      parseMarkdown([]byte(src)),
		Utility:  flyerUtility,
		Date:     flyerDate,
		URL:      flyerURL,
	}
}

func flyerBoil() *Rendering {
	return flyerRendering("en", "Boil Water Notice", flyerBoilEN)
}

func flyerBoilSpanish() *Rendering {
	r := flyerRendering("es", "Aviso de hervir el agua", flyerBoilES)
	r.URL = "https://water.example.org/es/n/abc123"
	return r
}

// needTool finds a poppler tool (pdftotext, pdfinfo, pdfimages, pdffonts).
func needTool(t testing.TB, name string) string {
	t.Helper()
	return testenv.Tool(t, name, "poppler-utils")
}

func makeFlyer(t testing.TB, rs ...*Rendering) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Flyer(&buf, rs...); err != nil {
		t.Fatalf("Flyer: %v", err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatalf("Flyer wrote %d bytes that are not a PDF", buf.Len())
	}
	return buf.Bytes()
}

// flyerFile stores a PDF for the poppler tools, which read files.
func flyerFile(t testing.TB, pdf []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "flyer.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func popplerRun(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(needTool(t, name), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// pdftotext returns the text pdftotext extracts, of page page only when
// page > 0.
func pdftotext(t testing.TB, pdf []byte, page int) string {
	t.Helper()
	args := []string{"-enc", "UTF-8"}
	if page > 0 {
		args = append(args, "-f", strconv.Itoa(page), "-l", strconv.Itoa(page))
	}
	return popplerRun(t, "pdftotext", append(args, flyerFile(t, pdf), "-")...)
}

// pdfinfoPages returns the page count pdfinfo reports, checking the file on the way.
func pdfinfoPages(t testing.TB, pdf []byte) int {
	t.Helper()
	info := popplerRun(t, "pdfinfo", flyerFile(t, pdf))
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)$`).FindStringSubmatch(info)
	if m == nil {
		t.Fatalf("pdfinfo gives no page count:\n%s", info)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// flyerOneLine folds the line breaks of extracted text, so that a phrase is found
// wherever the layout wrapped it.
func flyerOneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func TestFlyerText(t *testing.T) {
	needTool(t, "pdftotext")
	injected := `<script>alert(1)</script> & "quotes"`
	features := flyerRendering("en", "Water Main Break – “Elm Street”", `# Heading one

## Heading two

Año nuevo: the water **está** safe again. ¿Preguntas? ¡Llámenos! It’s “fine” — costs €5.

Value: `+escapeMarkdown(injected)+`

Some **bold words**, some *italic words* and ***both at once***, and `+"`a\\*code span`"+`.
First line\
second line after a hard break,
a soft break.

3. third step
4. fourth step

- outer item
  - inner item

> A quoted remark.

Contact <notices@water.example.org> or see [the map](https://water.example.org/map).
`)
	info := flyerBoil()
	info.Template.Category = Information
	info.Title = "Hydrant Flushing"
	info.URL = ""
	info.Utility.Email = ""

	tests := []struct {
		name string
		r    *Rendering
		want []string
		not  []string
	}{
		{
			name: "boil water notice",
			r:    flyerBoil(),
			want: []string{
				"Clearwater County Water Board",
				"Boil Water Notice",
				"Issued November 28, 2026",
				"Customers on Elm Street & 5th Avenue (north side) must boil their tap water",
				"What should I do?",
				"• Do not drink the water without boiling it first.",
				"Infants, older adults and people with weakened immune systems",
				"read the boil water guidance or call us at (315) 555-0142.",
				"Scan for updates",
				flyerURL,
				"Questions? Contact Clearwater County Water Board",
				"(315) 555-0142 · https://water.example.org · notices@water.example.org",
				"120 Main Street, Clearwater, NY 13000",
				"Page 1 of 1",
			},
		},
		{
			name: "every feature",
			r:    features,
			want: []string{
				"Water Main Break – “Elm Street”",
				"Heading one", "Heading two",
				"Año nuevo: the water está safe again. ¿Preguntas? ¡Llámenos! It’s “fine” — costs €5.",
				"Value: " + injected,
				"Some bold words, some italic words and both at once, and a\\*code span.",
				"First line\nsecond line after a hard break, a soft break.",
				"3. third step", "4. fourth step",
				"• outer item", "◦ inner item",
				"A quoted remark.",
				"Contact notices@water.example.org or see the map.",
			},
		},
		{
			name: "Spanish",
			r:    flyerBoilSpanish(),
			want: []string{
				"Aviso de hervir el agua",
				"Emitido el 28 de noviembre de 2026",
				"El Año Nuevo está cerca: ¡no se preocupe!",
				"¿Qué debo hacer?",
				"Escanee para ver novedades",
				"¿Preguntas? Comuníquese con Clearwater County Water Board",
				"Página 1 de 1",
			},
		},
		{
			name: "information notice without QR code or email",
			r:    info,
			want: []string{"Hydrant Flushing", "(315) 555-0142 · https://water.example.org · 120 Main Street"},
			not:  []string{"Scan for updates", "@"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			text := pdftotext(t, makeFlyer(t, tt.r), 0)
			for _, w := range tt.want {
				// Phrases with a line break are checked as laid out;
				// the others wherever the text wrapped.
				if strings.Contains(w, "\n") {
					if !strings.Contains(text, w) {
						t.Errorf("text lacks %q", w)
					}
				} else if !strings.Contains(flyerOneLine(text), w) {
					t.Errorf("text lacks %q", w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(text, n) {
					t.Errorf("text has %q", n)
				}
			}
			if t.Failed() {
				t.Logf("pdftotext:\n%s", text)
			}
		})
	}
}

// TestFlyerFonts checks that bold and italic text is set in the bold and
// italic fonts, all embedded.
func TestFlyerFonts(t *testing.T) {
	out := popplerRun(t, "pdffonts", flyerFile(t, makeFlyer(t, flyerBoil())))
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2+4 {
		t.Fatalf("want 4 fonts (regular, bold, italic, bold italic), pdffonts says:\n%s", out)
	}
	for _, l := range lines[2:] {
		f := strings.Fields(l)
		// name type encoding emb sub uni object ID
		if len(f) < 7 || f[len(f)-5] != "yes" || f[len(f)-3] != "yes" {
			t.Errorf("font not embedded with a Unicode map: %s", l)
		}
	}
}

func TestFlyerLinks(t *testing.T) {
	pdf := makeFlyer(t, flyerRendering("en", "Links", `Read [the guidance](https://water.example.org/boil), write to <help@water.example.org>, and never follow [this](javascript:alert(1)).`))
	for _, want := range []string{
		"/URI (https://water.example.org/boil)",
		"/URI (mailto:help@water.example.org)",
		"/URI (" + flyerURL + ")",          // the QR code and the address under it
		"/URI (tel:3155550142)",            // the phone in the footer
		"/URI (https://water.example.org)", // the website in the footer
	} {
		if !bytes.Contains(pdf, []byte(want)) {
			t.Errorf("PDF has no link %s", want)
		}
	}
	if bytes.Contains(pdf, []byte("javascript")) {
		t.Error("a javascript: link is live")
	}
	text := pdftotext(t, pdf, 0)
	if !strings.Contains(flyerOneLine(text), "never follow this.") {
		t.Errorf("the text of a dropped link is missing:\n%s", text)
	}

	images := flyerImages(t, pdf)
	if len(images) != 1 || images[0].color != "gray" || images[0].width < 200 {
		t.Errorf("want one grayscale QR image of at least 200 pixels, pdfimages lists %+v", images)
	}
}

// TestFlyerAutolinks checks that CommonMark autolinks, as Render writes
// url field values and the utility's website and email, are live links
// showing the address exactly as written.
func TestFlyerAutolinks(t *testing.T) {
	needTool(t, "pdftotext")
	tests := []struct {
		name     string
		source   string
		text     string // as pdftotext shows it
		uri      string // the link target
		mailLink bool
	}{
		{"web address", "Read the report at <https://water.example.org/report>.", "Read the report at https://water.example.org/report.", "https://water.example.org/report", false},
		{"email address", "Write to <notices@clearwater.example> with questions.", "Write to notices@clearwater.example with questions.", "mailto:notices@clearwater.example", true},
		{"query with &", "See <https://water.example.org/map?zone=3&day=mon>.", "See https://water.example.org/map?zone=3&day=mon.", "https://water.example.org/map?zone=3&day=mon", false},
		{"mailto: written", "Or <mailto:help@clearwater.example>.", "Or mailto:help@clearwater.example.", "mailto:help@clearwater.example", true},
		{"in a list item", "- Website: <https://water.example.org/report>\n- Email: <notices@clearwater.example>\n", "• Website: https://water.example.org/report • Email: notices@clearwater.example", "mailto:notices@clearwater.example", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := flyerRendering("en", "Autolinks", tt.source)
			r.URL = ""
			pdf := makeFlyer(t, r)
			if !bytes.Contains(pdf, []byte("/URI ("+tt.uri+")")) {
				t.Errorf("PDF has no link to %s", tt.uri)
			}
			if bytes.Contains(pdf, []byte("mailto:mailto:")) {
				t.Error("mailto: doubled")
			}
			if text := flyerOneLine(pdftotext(t, pdf, 0)); !strings.Contains(text, tt.text) {
				t.Errorf("text lacks %q:\n%s", tt.text, text)
			}
		})
	}
}

type flyerImage struct {
	page, width, height int
	color               string
}

// flyerImages lists the images of a PDF with pdfimages -list.
func flyerImages(t testing.TB, pdf []byte) []flyerImage {
	t.Helper()
	out := popplerRun(t, "pdfimages", "-list", flyerFile(t, pdf))
	var images []flyerImage
	for _, l := range strings.Split(out, "\n")[2:] {
		f := strings.Fields(l)
		if len(f) < 6 || f[2] != "image" {
			continue // soft masks and blank lines
		}
		var im flyerImage
		im.page, _ = strconv.Atoi(f[0])
		im.width, _ = strconv.Atoi(f[3])
		im.height, _ = strconv.Atoi(f[4])
		im.color = f[5]
		images = append(images, im)
	}
	return images
}

func TestFlyerPages(t *testing.T) {
	long := &strings.Builder{}
	for i := 1; i <= 60; i++ {
		fmt.Fprintf(long, "Paragraph %d of the long notice. The water main on Elm Street is being replaced, and service may be interrupted for a few hours on weekdays.\n\n", i)
	}
	tests := []struct {
		name      string
		r         *Rendering
		wantPages func(n int) bool
	}{
		{"one-page notice", flyerBoil(), func(n int) bool { return n == 1 }},
		{"60 paragraphs", flyerRendering("en", "Main Replacement", long.String()), func(n int) bool { return n >= 2 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pdf := makeFlyer(t, tt.r)
			n := pdfinfoPages(t, pdf)
			if !tt.wantPages(n) {
				t.Fatalf("%d pages", n)
			}
			var all strings.Builder
			for p := 1; p <= n; p++ {
				text := pdftotext(t, pdf, p)
				all.WriteString(text)
				for _, w := range []string{"(315) 555-0142", "Questions? Contact Clearwater County Water Board", fmt.Sprintf("Page %d of %d", p, n)} {
					if !strings.Contains(text, w) {
						t.Errorf("page %d lacks the footer's %q", p, w)
					}
				}
			}
			// Nothing is lost at the page breaks.
			for i := 1; i <= 60 && n > 1; i++ {
				if !strings.Contains(all.String(), fmt.Sprintf("Paragraph %d of the long notice.", i)) {
					t.Errorf("paragraph %d is missing", i)
				}
			}
		})
	}
}

// flyerPlanner returns a function that builds the body of a rendering as
// Flyer does, at body size size, and places it on pages; with natural, every
// item may end a page (no widow, orphan or keep-with-next rule). It returns
// the items and the page count. The renderings must share r's utility and
// URL: the first page is set up once, for r.
func flyerPlanner(t testing.TB, r *Rendering) func(r *Rendering, size float64, natural bool) ([]pdfItem, int) {
	t.Helper()
	f := newFlyerDoc([]*Rendering{r})
	first, err := f.start(r)
	if err != nil {
		t.Fatal(err)
	}
	return func(r *Rendering, size float64, natural bool) ([]pdfItem, int) {
		items := f.body(r, r.Doc, size)
		if natural {
			for i := range items {
				items[i].keep = false
			}
		}
		return items, f.paginate(items, first)
	}
}

// TestFlyerWidowsOrphans moves a heading, a two-line paragraph under it
// and a five-line paragraph over a page break, one line at a time. Where the
// natural layout would leave one line of the long paragraph alone at the
// bottom of a page (an orphan) or at the top of the next (a widow), or the
// heading without the two lines under it, the flyer does not.
func TestFlyerWidowsOrphans(t *testing.T) {
	needTool(t, "pdftotext")
	const heading, trailer = "Keep this heading with its text", 8
	hardLines := func(b *strings.Builder, format string, n int) {
		for i := 1; i <= n; i++ {
			fmt.Fprintf(b, format, i)
			if i < n {
				b.WriteString("\\\n")
			}
		}
		b.WriteString("\n\n")
	}
	body := func(filler int) string {
		var b strings.Builder
		hardLines(&b, "Filler line %d", filler)
		b.WriteString("## " + heading + "\n\n")
		hardLines(&b, "Yankee line %d", 2)
		hardLines(&b, "Zeta line %d", 5)
		for i := 1; i <= trailer; i++ {
			fmt.Fprintf(&b, "Trailer paragraph %d.\n\n", i)
		}
		return b.String()
	}
	// Find the layouts to test, with no rule applied.
	cases := map[string]int{} // case name: filler lines
	plan := flyerPlanner(t, flyerRendering("en", "Widows and orphans", ""))
	for filler := 1; filler < 80 && len(cases) < 3; filler++ {
		items, _ := plan(flyerRendering("en", "Widows and orphans", body(filler)), flyerBodySize, true)
		zeta := items[len(items)-trailer-5 : len(items)-trailer]
		head, yankee := items[len(items)-trailer-8], items[len(items)-trailer-7]
		first := 0 // lines of the long paragraph on the page it starts on
		for _, it := range zeta {
			if it.page == zeta[0].page {
				first++
			}
		}
		switch {
		case first == 1:
			cases["orphan"] = filler
		case first == 4:
			cases["widow"] = filler
		case head.page != yankee.page:
			cases["heading alone"] = filler
		}
	}
	if len(cases) != 3 {
		t.Fatalf("found only the cases %v", cases)
	}
	zeta := regexp.MustCompile(`(?m)^Zeta line \d$`)
	yankee := regexp.MustCompile(`(?m)^Yankee line \d$`)
	for name, filler := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			pdf := makeFlyer(t, flyerRendering("en", "Widows and orphans", body(filler)))
			n := pdfinfoPages(t, pdf)
			total := 0
			for p := 1; p <= n; p++ {
				text := pdftotext(t, pdf, p)
				lines := len(zeta.FindAllString(text, -1))
				total += lines
				if lines == 1 {
					t.Errorf("page %d holds one line of the paragraph alone:\n%s", p, text)
				}
				if strings.Contains(text, heading) && len(yankee.FindAllString(text, -1)) != 2 {
					t.Errorf("page %d has the heading without the two lines under it:\n%s", p, text)
				}
			}
			if total != 5 {
				t.Errorf("%d lines of the paragraph printed, want 5", total)
			}
		})
	}
}

// TestFlyerSmallerBody checks that a notice a few lines too long for its
// last page is set slightly smaller to save that page, and that one with
// more than flyerSpillLines to carry over keeps its size and its pages.
func TestFlyerSmallerBody(t *testing.T) {
	needTool(t, "pdftotext")
	// n sentences in a paragraph, and a last line of its own when end is set.
	type notice struct {
		n   int
		end bool
	}
	body := func(nt notice) string {
		var b strings.Builder
		for i := 1; i <= nt.n; i++ {
			fmt.Fprintf(&b, "Sentence %d of the notice about the main on Elm Street. ", i)
		}
		if nt.end {
			b.WriteString("\n\nThe end of the notice.")
		}
		return b.String()
	}
	// The notices to test, by spill (lines on the second page at the
	// normal size): 1, 2 and 3 lines, and more than flyerSpillLines.
	const many = flyerSpillLines + 1
	cases := map[int]notice{}
	plan := flyerPlanner(t, flyerRendering("en", "Smaller body", ""))
	found := func() bool {
		for _, spill := range []int{1, 2, 3, many} {
			if _, ok := cases[spill]; !ok {
				return false
			}
		}
		return true
	}
	for n := 1; n < 300 && !found(); n++ {
		for _, end := range []bool{false, true} {
			items, pages := plan(flyerRendering("en", "Smaller body", body(notice{n, end})), flyerBodySize, false)
			if pages != 2 {
				continue
			}
			spill := min(spillLines(items), many)
			if _, ok := cases[spill]; !ok && spill != flyerSpillLines {
				cases[spill] = notice{n, end}
			}
		}
	}
	for _, spill := range []int{1, 2, 3, many} {
		nt, ok := cases[spill]
		if !ok {
			t.Errorf("no notice spills %d lines onto a second page: %v", spill, cases)
			continue
		}
		t.Run(fmt.Sprintf("spill %d", spill), func(t *testing.T) {
			t.Parallel()
			pdf := makeFlyer(t, flyerRendering("en", "Smaller body", body(nt)))
			want := 1
			if spill == many {
				want = 2
			}
			if got := pdfinfoPages(t, pdf); got != want {
				t.Errorf("%d pages, want %d", got, want)
			}
			text := flyerOneLine(pdftotext(t, pdf, 0))
			for _, w := range []string{"Sentence 1 of", fmt.Sprintf("Sentence %d of", nt.n)} {
				if !strings.Contains(text, w) {
					t.Errorf("text lacks %q", w)
				}
			}
			if nt.end && !strings.Contains(text, "The end of the notice.") {
				t.Error("text lacks its last line")
			}
		})
	}
}

func TestFlyerBilingual(t *testing.T) {
	pdf := makeFlyer(t, flyerBoil(), flyerBoilSpanish())
	if n := pdfinfoPages(t, pdf); n != 2 {
		t.Fatalf("%d pages, want 2 (one per language)", n)
	}
	en, es := pdftotext(t, pdf, 1), pdftotext(t, pdf, 2)
	for _, tt := range []struct {
		page, text string
		want, not  []string
	}{
		{"1", en, []string{"Boil Water Notice", "Questions? Contact", "Page 1 of 2", "Scan for updates"}, []string{"Aviso de hervir el agua", "Comuníquese", "Página"}},
		{"2", es, []string{"Aviso de hervir el agua", "¿Preguntas? Comuníquese con", "Página 2 de 2", "Escanee para ver novedades", "https://water.example.org/es/n/abc123"}, []string{"Boil Water Notice", "Questions? Contact", "Page 2"}},
	} {
		for _, w := range tt.want {
			if !strings.Contains(flyerOneLine(tt.text), w) {
				t.Errorf("page %s lacks %q", tt.page, w)
			}
		}
		for _, n := range tt.not {
			if strings.Contains(tt.text, n) {
				t.Errorf("page %s has %q", tt.page, n)
			}
		}
	}
	if t.Failed() {
		t.Logf("page 1:\n%s\npage 2:\n%s", en, es)
	}
}

func TestFlyerDeterministic(t *testing.T) {
	r := flyerBoil()
	r.Utility.Logo = flyerTestLogo(t, 240, 80)
	first := makeFlyer(t, r, flyerBoilSpanish())
	// Several runs: gofpdf iterates over maps, so a difference may show
	// only now and then.
	for i := 2; i <= 5; i++ {
		if again := makeFlyer(t, r, flyerBoilSpanish()); !bytes.Equal(first, again) {
			t.Fatalf("run %d differs from the first (%d and %d bytes)", i, len(again), len(first))
		}
	}
	for _, want := range []string{"/CreationDate (D:20261128180000)", "/ModDate (D:20261128180000)"} {
		if !bytes.Contains(first, []byte(want)) {
			t.Errorf("PDF lacks %s: dates must come from the notice", want)
		}
	}

	// The text of a fixed notice, as pdftotext lays it out, is kept in a
	// golden file: a change in it is a change a reader would see.
	text := pdftotext(t, makeFlyer(t, flyerBoil()), 0)
	golden(t, filepath.Join("testdata", "flyer", "boil.txt"), []byte(text))
}

func TestFlyerUnusualText(t *testing.T) {
	needTool(t, "pdftotext")
	tests := []struct {
		name  string
		title string
		body  string
		want  []string
		not   []string
	}{
		{
			name:  "emoji",
			title: "💧 Boil Water Notice 🚱",
			body:  "Boil your water 🔥 now 👍🏽. Family: 👨‍👩‍👧 Flag: 🇺🇸 done. Warning ⚠️ here.\n\n- 💧 bullet with emoji\n",
			want:  []string{"Boil Water Notice", "Boil your water now . Family: Flag: done. Warning here.", "• bullet with emoji"},
			not:   []string{"\uFE0F", "⚠"},
		},
		{
			name:  "symbols written as text",
			title: "Boil Water Notice ⚠",
			body:  "Call ☎ (315) 555-0142 ✔ and boil ➜ drink.",
			want:  []string{"Boil Water Notice ⚠", "Call ☎ (315) 555-0142 ✔ and boil ➜ drink."},
		},
		{
			name:  "outside the BMP, not emoji",
			title: "Notice 𝐀",
			body:  "Math 𝐀𝐁 and rare 𠀀 characters.",
			want:  []string{"Notice \uFFFD", "Math \uFFFD\uFFFD and rare \uFFFD characters."},
		},
		{
			name:  "control characters and invalid UTF-8",
			title: "Tab\there\x00",
			body:  "Bell\a and bad \xff byte.",
			want:  []string{"Tab here", "Bell and bad \uFFFD byte."},
		},
		{
			name:  "a URL longer than a line",
			title: "Long link",
			body:  "See https://water.example.org/" + strings.Repeat("very-long-path-segment/", 12) + "end for details.",
			want:  []string{"See", "end for details."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := flyerRendering("en", tt.title, tt.body)
			r.URL = flyerURL + "?" + flyerQuery(tt.title)
			pdf := makeFlyer(t, r)
			if n := pdfinfoPages(t, pdf); n != 1 {
				t.Errorf("%d pages", n)
			}
			text := flyerOneLine(pdftotext(t, pdf, 0))
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("text lacks %q", w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(text, n) {
					t.Errorf("text has %q", n)
				}
			}
			if t.Failed() {
				t.Logf("pdftotext: %s", text)
			}
		})
	}
}

// flyerQuery keeps a title usable in a query for the QR code of TestFlyerUnusualText.
func flyerQuery(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 && r > ' ' {
			return r
		}
		return -1
	}, s)
}

func TestPDFText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "Año “nuevo” €5 ¿sí?", "Año “nuevo” €5 ¿sí?"},
		{"emoji dropped", "Boil 💧 now", "Boil  now"},
		{"ZWJ sequence dropped whole", "a👨‍👩‍👧b", "ab"},
		{"flag dropped whole", "🇺🇸US", "US"},
		{"tag flag dropped whole", "🏴󠁧󠁢󠁳󠁣󠁴󠁿Scotland", "Scotland"},
		{"symbol with the emoji selector dropped", "a⚠️b", "ab"},
		{"symbol as text kept", "a⚠b", "a⚠b"},
		{"copyright sign with the emoji selector kept", "©️", "©"},
		{"keycap", "1️⃣", "1"},
		{"skin tone", "👍🏽ok", "ok"},
		{"other non-BMP replaced", "𝐀𠀀", "\uFFFD\uFFFD"},
		{"controls", "a\tb\nc\x00d\x7fe\u0085f", "a b cdef"},
		{"invalid UTF-8", "a\xffb", "a\uFFFDb"},
		{"replacement char kept", "a\uFFFDb", "a\uFFFDb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pdfText(tt.in); got != tt.want {
				t.Errorf("pdfText(%q) = %q, want %q", tt.in, got, tt.want)
			}
			for _, r := range pdfText(tt.in) {
				if r > 0xffff {
					t.Errorf("rune %U outside the BMP left in", r)
				}
			}
		})
	}
}

func TestPDFURI(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://water.example.org/a b", "https://water.example.org/a%20b"},
		{"https://water.example.org/año", "https://water.example.org/a%C3%B1o"},
		{"javascript:alert(1)", ""},
		{"JavaScript:alert(1)", ""},
		{"data:image/png;base64,AAAA", ""},
		{"  mailto:a@b.example ", "mailto:a@b.example"},
	}
	for _, tt := range tests {
		if got := pdfURI(tt.in); got != tt.want {
			t.Errorf("pdfURI(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// flyerTestLogo returns a PNG of a blue disc on white, w×h pixels.
func flyerTestLogo(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.NRGBA{0xff, 0xff, 0xff, 0xff}
			dx, dy := x-h/2, y-h/2
			if dx*dx+dy*dy < h*h/5 {
				c = color.NRGBA{0x0b, 0x3c, 0x6f, 0xff}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pngChunk returns a PNG chunk with its length and CRC.
func pngChunk(typ string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(append(b, typ...), data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

// flyerPalettePNG writes by hand a w×h 8-bit palette PNG of one colour,
// index idx, with the palette plte (RGB triples), a tRNS chunk when trns is
// not nil, and the chunks extra between IHDR and PLTE: files Go's encoder
// does not write.
func flyerPalettePNG(w, h int, plte, trns []byte, idx byte, extra []byte) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, 8, 3, 0, 0, 0) // 8 bits, palette, deflate, no filter, no interlace
	var raw bytes.Buffer
	for range h {
		raw.WriteByte(0) // filter type None
		raw.Write(bytes.Repeat([]byte{idx}, w))
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(raw.Bytes())
	zw.Close()
	out := append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr)...)
	out = append(append(out, extra...), pngChunk("PLTE", plte)...)
	if trns != nil {
		out = append(out, pngChunk("tRNS", trns)...)
	}
	out = append(out, pngChunk("IDAT", z.Bytes())...)
	return append(out, pngChunk("IEND", nil)...)
}

// flyerPixel returns the colour of the pixel at x, y (points from the top
// left) of page 1, as pdftoppm renders it at 72 dpi.
func flyerPixel(t testing.TB, pdf []byte, x, y int) color.RGBA {
	t.Helper()
	out, err := exec.Command(needTool(t, "pdftoppm"), "-png", "-r", "72", "-f", "1", "-l", "1",
		"-x", strconv.Itoa(x), "-y", strconv.Itoa(y), "-W", "1", "-H", "1", flyerFile(t, pdf)).Output()
	if err != nil {
		t.Fatalf("pdftoppm: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("pdftoppm output: %v", err)
	}
	return color.RGBAModel.Convert(img.At(0, 0)).(color.RGBA)
}

func TestFlyerLogo(t *testing.T) {
	gray16 := image.NewGray16(image.Rect(0, 0, 60, 30))
	for i := range gray16.Pix {
		gray16.Pix[i] = byte(i)
	}
	var deep bytes.Buffer
	if err := png.Encode(&deep, gray16); err != nil {
		t.Fatal(err)
	}
	alpha := image.NewNRGBA(image.Rect(0, 0, 50, 50))
	alpha.Set(10, 10, color.NRGBA{0xff, 0, 0, 0x80})
	var transparent bytes.Buffer
	if err := png.Encode(&transparent, alpha); err != nil {
		t.Fatal(err)
	}
	green := image.NewNRGBA(image.Rect(0, 0, 60, 30))
	draw.Draw(green, green.Bounds(), image.NewUniform(color.NRGBA{0, 0x80, 0, 0xff}), image.Point{}, draw.Src)
	var greenPNG bytes.Buffer
	if err := png.Encode(&greenPNG, green); err != nil {
		t.Fatal(err)
	}
	// An empty private chunk after IHDR (8 + 25 bytes): valid, and gofpdf
	// stops reading at it.
	emptyChunk := slices.Concat(greenPNG.Bytes()[:33], pngChunk("prVt", nil), greenPNG.Bytes()[33:])
	// A pHYs chunk (pixel size) of 10 bytes instead of 9: gofpdf reads 9.
	longPHYs := slices.Concat(greenPNG.Bytes()[:33], pngChunk("pHYs", make([]byte, 10)), greenPNG.Bytes()[33:])
	damaged := flyerTestLogo(t, 240, 80)
	damaged[bytes.Index(damaged, []byte("IDAT"))+10] ^= 0xff

	whiteRed := []byte{0xff, 0xff, 0xff, 0xff, 0, 0}
	tests := []struct {
		name    string
		logo    []byte
		wantW   int         // width in pixels of the logo image in the PDF
		want    *color.RGBA // the colour of the logo's left part, printed on white
		wantErr string
	}{
		{name: "PNG", logo: flyerTestLogo(t, 240, 80), wantW: 240},
		{name: "16-bit PNG", logo: deep.Bytes(), wantW: 60},
		{name: "PNG with transparency", logo: transparent.Bytes(), wantW: 50},
		{name: "palette", logo: flyerPalettePNG(60, 30, whiteRed, nil, 1, nil), wantW: 60, want: &color.RGBA{0xff, 0, 0, 0xff}},
		{name: "palette with a semi-transparent colour", logo: flyerPalettePNG(60, 30, whiteRed, []byte{0xff, 0x80}, 1, nil), wantW: 60, want: &color.RGBA{0xff, 0x7f, 0x7f, 0xff}},
		{name: "palette with one transparent colour", logo: flyerPalettePNG(60, 30, whiteRed, []byte{0xff, 0}, 1, nil), wantW: 60, want: &color.RGBA{0xff, 0xff, 0xff, 0xff}},
		{name: "palette index past the palette", logo: flyerPalettePNG(60, 30, whiteRed, nil, 5, nil), wantW: 60, want: &color.RGBA{0, 0, 0, 0xff}},
		{name: "palette after an empty chunk", logo: flyerPalettePNG(60, 30, whiteRed, nil, 1, pngChunk("prVt", nil)), wantW: 60, want: &color.RGBA{0xff, 0, 0, 0xff}},
		{name: "empty chunk before the image data", logo: emptyChunk, wantW: 60, want: &color.RGBA{0, 0x80, 0, 0xff}},
		{name: "pHYs chunk of the wrong size", logo: longPHYs, wantW: 60, want: &color.RGBA{0, 0x80, 0, 0xff}},
		{name: "JPEG bytes", logo: []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), wantErr: "logo"},
		{name: "truncated PNG", logo: flyerTestLogo(t, 240, 80)[:60], wantErr: "logo"},
		{name: "truncated after the image data", logo: bytes.TrimSuffix(flyerTestLogo(t, 240, 80), pngChunk("IEND", nil)), wantErr: "logo"},
		{name: "damaged image data", logo: damaged, wantErr: "logo"},
		{name: "text", logo: []byte("not an image"), wantErr: "logo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := flyerBoil()
			r.Utility.Logo = tt.logo
			var buf bytes.Buffer
			err := Flyer(&buf, r)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one about the %s", err, tt.wantErr)
				}
				if buf.Len() != 0 {
					t.Errorf("%d bytes written despite the error", buf.Len())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, im := range flyerImages(t, buf.Bytes()) {
				if im.page == 1 && im.width == tt.wantW {
					found = true
				}
			}
			if !found {
				t.Errorf("no %d-pixel-wide logo image in the PDF: %+v", tt.wantW, flyerImages(t, buf.Bytes()))
			}
			if tt.want != nil {
				// The logo's top left corner is at the margin, 54 pt.
				got := flyerPixel(t, buf.Bytes(), 70, 80)
				near := func(a, b uint8) bool { return max(a, b)-min(a, b) < 4 }
				if !near(got.R, tt.want.R) || !near(got.G, tt.want.G) || !near(got.B, tt.want.B) {
					t.Errorf("the logo prints %v, want %v", got, *tt.want)
				}
			}
		})
	}
}

func TestFlyerErrors(t *testing.T) {
	long := flyerBoil()
	long.URL = "https://water.example.org/" + strings.Repeat("x", 5000) // more than a QR code holds
	tests := []struct {
		name string
		rs   []*Rendering
		want string
	}{
		{"no rendering", nil, "no rendering"},
		{"nil rendering", []*Rendering{flyerBoil(), nil}, "rendering 2 of 2 is nil"},
		{"URL too long for a QR code", []*Rendering{long}, "QR code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Flyer(&bytes.Buffer{}, tt.rs...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one with %q", err, tt.want)
			}
		})
	}
}

// TestFlyerQRPlacement checks that no text overlaps the QR code, that the
// body stops above it, and that each language has one, on its first page.
func TestFlyerQRPlacement(t *testing.T) {
	needTool(t, "pdftotext")
	long := &strings.Builder{}
	for i := 1; i <= 60; i++ {
		fmt.Fprintf(long, "Paragraph %d of the long notice, which runs over several pages.\n\n", i)
	}
	tests := []struct {
		name string
		rs   []*Rendering
	}{
		{"one page", []*Rendering{flyerBoil()}},
		{"long", []*Rendering{flyerRendering("en", "Main Replacement", long.String())}},
		{"bilingual", []*Rendering{flyerBoil(), flyerBoilSpanish()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pdf := makeFlyer(t, tt.rs...)
			var pages []int
			for _, im := range flyerImages(t, pdf) {
				if im.color == "gray" {
					pages = append(pages, im.page)
				}
			}
			if len(pages) != len(tt.rs) {
				t.Fatalf("QR codes on pages %v, want one for each of %d languages", pages, len(tt.rs))
			}
			for i, page := range pages {
				qr := flyerQRRect(t, pdf, tt.rs[i].URL)
				for _, w := range flyerWords(t, pdf, page) {
					if w.x1 > qr.x0 && w.x0 < qr.x1 && w.y1 > qr.y0 && w.y0 < qr.y1 {
						t.Errorf("page %d: %q at %+v overlaps the QR code at %+v", page, w.text, w, qr)
					}
					if w.text == "Paragraph" && w.y1 > qr.y0 {
						t.Errorf("page %d: body text at %+v runs below the top of the QR code at %+v", page, w, qr)
					}
				}
			}
		})
	}
}

type flyerBox struct {
	x0, y0, x1, y1 float64 // points from the top left of the page
	text           string
}

// flyerQRRect finds the QR code image by its link: the square link to uri.
func flyerQRRect(t testing.TB, pdf []byte, uri string) flyerBox {
	t.Helper()
	re := regexp.MustCompile(`/Rect \[([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)\] /Border \[0 0 0\] /A <</S /URI /URI \(` + regexp.QuoteMeta(uri) + `\)>>`)
	for _, m := range re.FindAllSubmatch(pdf, -1) {
		var v [4]float64
		for i := range v {
			v[i], _ = strconv.ParseFloat(string(m[i+1]), 64)
		}
		if w, h := v[2]-v[0], v[1]-v[3]; w > 50 && w-h < 5 && h-w < 5 {
			return flyerBox{x0: v[0], y0: 792 - v[1], x1: v[2], y1: 792 - v[3]}
		}
	}
	t.Fatalf("no square link to %s: no QR code", uri)
	return flyerBox{}
}

// flyerWords returns the words of a page with their boxes (pdftotext -bbox).
func flyerWords(t testing.TB, pdf []byte, page int) []flyerBox {
	t.Helper()
	out := popplerRun(t, "pdftotext", "-bbox", "-f", strconv.Itoa(page), "-l", strconv.Itoa(page), flyerFile(t, pdf), "-")
	re := regexp.MustCompile(`<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>`)
	var words []flyerBox
	for _, m := range re.FindAllStringSubmatch(out, -1) {
		var w flyerBox
		w.x0, _ = strconv.ParseFloat(m[1], 64)
		w.y0, _ = strconv.ParseFloat(m[2], 64)
		w.x1, _ = strconv.ParseFloat(m[3], 64)
		w.y1, _ = strconv.ParseFloat(m[4], 64)
		w.text = m[5]
		words = append(words, w)
	}
	if len(words) == 0 {
		t.Fatalf("pdftotext -bbox finds no words on page %d", page)
	}
	return words
}

// flyerCustomBlock and flyerCustomInline are node kinds the flyer does not
// know, as an extension would add.
type flyerCustomBlock struct{ ast.BaseBlock }

var kindFlyerCustomBlock = ast.NewNodeKind("FlyerCustomBlock")

func (n *flyerCustomBlock) Kind() ast.NodeKind            { return kindFlyerCustomBlock }
func (n *flyerCustomBlock) Dump(source []byte, level int) { ast.DumpHelper(n, source, level, nil, nil) }

type flyerCustomInline struct{ ast.BaseInline }

var kindFlyerCustomInline = ast.NewNodeKind("FlyerCustomInline")

func (n *flyerCustomInline) Kind() ast.NodeKind { return kindFlyerCustomInline }
func (n *flyerCustomInline) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, nil, nil)
}

// TestFlyerUnknownNodes checks that text under node kinds the flyer does
// not know is printed, not dropped.
func TestFlyerUnknownNodes(t *testing.T) {
	r := flyerRendering("en", "Extensions", "A paragraph.\n")
	block := &flyerCustomBlock{}
	block.AppendChild(block, ast.NewString([]byte("Text in an unknown block.")))
	r.Doc.AppendChild(r.Doc, block)
	inline := &flyerCustomInline{}
	inline.AppendChild(inline, ast.NewString([]byte("text in an unknown inline")))
	para := r.Doc.FirstChild()
	para.AppendChild(para, ast.NewString([]byte(" With ")))
	para.AppendChild(para, inline)
	text := flyerOneLine(pdftotext(t, makeFlyer(t, r), 0))
	for _, w := range []string{"A paragraph. With text in an unknown inline", "Text in an unknown block."} {
		if !strings.Contains(text, w) {
			t.Errorf("text lacks %q: %s", w, text)
		}
	}
}

// TestFlyerMinimal makes a flyer of a rendering with nothing set: no
// template, utility, date, body or URL, in a language without phrases.
func TestFlyerMinimal(t *testing.T) {
	r := &Rendering{Lang: "fr", Title: "Avis"}
	pdf := makeFlyer(t, r)
	if !bytes.Equal(pdf, makeFlyer(t, r)) {
		t.Error("two runs differ without a date")
	}
	if n := pdfinfoPages(t, pdf); n != 1 {
		t.Errorf("%d pages", n)
	}
	text := flyerOneLine(pdftotext(t, pdf, 0))
	if text != "Avis Page 1 of 1" {
		t.Errorf("text %q, want the title and the page number in English", text)
	}
}

// TestFlyerParallel makes flyers from the same renderings on several
// goroutines; run with -race. Each must equal the one made alone.
func TestFlyerParallel(t *testing.T) {
	r := flyerBoil()
	r.Utility.Logo = flyerTestLogo(t, 120, 40)
	es := flyerBoilSpanish()
	want := makeFlyer(t, r, es)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			if err := Flyer(&buf, r, es); err != nil {
				errs <- err
				return
			}
			if !bytes.Equal(buf.Bytes(), want) {
				errs <- fmt.Errorf("a flyer made in parallel differs")
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestFlyerSamples writes flyers to look at with -flyer-out.
func TestFlyerSamples(t *testing.T) {
	if *flyerOut == "" {
		t.Skip("no -flyer-out directory")
	}
	withLogo := flyerBoil()
	withLogo.Utility.Logo = flyerTestLogo(t, 240, 80)
	info := flyerRendering("en", "Hydrant Flushing in the North Hill Zone", "Crews will flush hydrants **Monday to Friday, 8 am to 4 pm**.\n\n# What to expect\n\nDiscoloured water for a few hours. Run the cold tap for *five minutes*.\n\n1. Check the water.\n2. Wait.\n   - nested bullet\n   - another one\n3. Run the tap.\n\n> A quote from the manager, who says the work is necessary.\n\n---\n\nThanks.")
	info.Template.Category = Information
	long := &strings.Builder{}
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(long, "Paragraph %d of the long notice. The water main on Elm Street is being replaced, and service may be interrupted for a few hours on weekdays.\n\n", i)
	}
	features := flyerRendering("en", "Water Main Break – “Elm Street”", "# Heading one\n\n## Heading two\n\nAño nuevo: the water **está** safe again. ¿Preguntas? ¡Llámenos! It’s “fine” — costs €5.\n\nValue: "+escapeMarkdown(`<script>alert(1)</script> & "quotes"`)+"\n\nSome **bold words**, some *italic words* and ***both at once***, and `a\\*code span`.\nFirst line\\\nsecond line after a hard break,\na soft break.\n\n3. third step\n4. fourth step\n\n- outer item\n  - inner item\n    - innermost\n\n> A quoted remark that is long enough to wrap onto a second line of the quote, so the bar shows.\n>\n> Second paragraph of the quote.\n\nContact <notices@water.example.org> or see [the map](https://water.example.org/map).\n\n### Heading three\n\n    code block line\n\nEnd.")
	samples := map[string][]*Rendering{
		"features.pdf":  {features},
		"boil.pdf":      {withLogo},
		"bilingual.pdf": {withLogo, flyerBoilSpanish()},
		"info.pdf":      {info},
		"long.pdf":      {flyerRendering("en", "Main Replacement", long.String())},
	}
	for name, rs := range samples {
		if err := os.WriteFile(filepath.Join(*flyerOut, name), makeFlyer(t, rs...), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// flyerAdvisory renders the built-in boil water advisory in lang with its
// example values, a full utility and a web address for the QR code.
func flyerAdvisory(t testing.TB, lang string) *Rendering {
	t.Helper()
	lib, _ := Builtin()
	fam, err := lib.Family("boil-water-advisory")
	if err != nil {
		t.Fatal(err)
	}
	tmpl := fam.ByLang[lang]
	if tmpl == nil {
		t.Fatalf("no %s boil-water-advisory", lang)
	}
	r, err := Render(tmpl, fam.Examples(), flyerUtility, Options{Date: flyerDate, URL: "https://water.clearwater.example/n/42"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestFlyerBuiltinAdvisory prints the built-in boil water advisory with a
// QR code in each of its languages: every page after the first holds at
// least two lines of the body, and none ends with a heading.
func TestFlyerBuiltinAdvisory(t *testing.T) {
	needTool(t, "pdftotext")
	for _, lang := range []string{"en", "es"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			r := flyerAdvisory(t, lang)
			var headings []string
			for _, l := range strings.Split(string(r.Source), "\n") {
				if h, ok := strings.CutPrefix(l, "## "); ok {
					headings = append(headings, h)
				}
			}
			pdf := makeFlyer(t, r)
			n := pdfinfoPages(t, pdf)
			t.Logf("%d pages", n)
			for p := 1; p <= n; p++ {
				text := pdftotext(t, pdf, p)
				body, _, ok := strings.Cut(text, r.phrase("contact"))
				if !ok {
					t.Fatalf("page %d has no footer:\n%s", p, text)
				}
				body, _, _ = strings.Cut(body, r.phrase("scan")) // the QR block, on page 1
				lines := strings.Fields(strings.ReplaceAll(strings.TrimSpace(body), " ", "\u00a0"))
				if p > 1 && len(lines) < 2 {
					t.Errorf("page %d holds %d lines of the body:\n%s", p, len(lines), text)
				}
				if len(lines) > 0 && slices.Contains(headings, strings.ReplaceAll(lines[len(lines)-1], "\u00a0", " ")) {
					t.Errorf("page %d ends with the heading %q", p, lines[len(lines)-1])
				}
			}
		})
	}
}
