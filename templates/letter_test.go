package templates

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// letterOut, when set, keeps the sample letters of TestLetterSamples there
// to look at: go test -run TestLetterSamples -letter-out /tmp/letters
var letterOut = flag.String("letter-out", "", "write sample letter PDFs to this directory")

// threeLetters is a small mailing: English, Spanish, English.
func threeLetters() []Letter {
	en := flyerBoil()
	return []Letter{
		{Rendering: en, Name: "Ana Ortiz", Address: "12 Elm Street\nClearwater, NY 13000"},
		{Rendering: flyerBoilSpanish(), Name: "José Núñez", Address: "14 Elm Street, Apt 2, Clearwater, NY 13000"},
		{Rendering: en, Name: "Li Wei", Address: "PO Box 7\r\nClearwater, NY 13001-1234"},
	}
}

func makeLetters(t testing.TB, letters []Letter) ([]byte, []int) {
	t.Helper()
	var buf bytes.Buffer
	pages, err := Letters(&buf, letters)
	if err != nil {
		t.Fatalf("Letters: %v", err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatalf("Letters wrote %d bytes that are not a PDF", buf.Len())
	}
	if len(pages) != len(letters) {
		t.Fatalf("%d first pages for %d letters", len(pages), len(letters))
	}
	return buf.Bytes(), pages
}

// letterRect is a rectangle of a page in points from its top left corner.
type letterRect struct{ x, y, w, h float64 }

// Where the windows of the envelope are on the sheet (see letter.go): the
// address window with the folded sheet resting on the envelope's bottom,
// across the width it covers wherever the sheet sits sideways; and the
// return window of a double-window envelope.
var (
	addressWindow = letterRect{letterWindowLeft, letterWindowTop, letterWindowRight - letterWindowLeft, letterWindowBottom - letterWindowTop}
	returnWindow  = letterRect{letterReturnLeft, letterReturnTop, letterReturnRight - letterReturnLeft, letterReturnBottom - letterReturnTop}
)

// cropText returns the text pdftotext finds in a rectangle of a page.
func cropText(t testing.TB, file string, page int, r letterRect) string {
	t.Helper()
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	p := strconv.Itoa(page)
	return popplerRun(t, "pdftotext", "-enc", "UTF-8", "-f", p, "-l", p,
		"-x", num(r.x), "-y", num(r.y), "-W", num(r.w), "-H", num(r.h), file, "-")
}

// lines returns the non-blank lines of extracted text, spaces collapsed.
func lines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func TestLetters(t *testing.T) {
	needTool(t, "pdftotext")
	letters := threeLetters()
	pdf, pages := makeLetters(t, letters)
	file := flyerFile(t, pdf)
	total := pdfinfoPages(t, pdf)
	// The boil water notice below a letter's address panel takes two pages;
	// the shorter Spanish one, one.
	if want := []int{1, 3, 4}; !slices.Equal(pages, want) || total != 5 {
		t.Fatalf("letters start on pages %v of %d, want %v of 5", pages, total, want)
	}

	tests := []struct {
		name          string
		title, date   string
		page          string // the page label format
		recipient     []string
		not           []string // text of the other language
		pagesOfLetter int
	}{
		{"English", "Boil Water Notice", "November 28, 2026", "Page %d of %d",
			[]string{"Ana Ortiz", "12 Elm Street", "Clearwater, NY 13000"}, []string{"Aviso", "Página"}, 2},
		{"Spanish", "Aviso de hervir el agua", "28 de noviembre de 2026", "Página %d de %d",
			[]string{"José Núñez", "14 Elm Street", "Apt 2", "Clearwater, NY 13000"}, []string{"Boil Water Notice", "Page "}, 1},
		{"English again, the same rendering", "Boil Water Notice", "November 28, 2026", "Page %d of %d",
			[]string{"Li Wei", "PO Box 7", "Clearwater, NY 13001-1234"}, []string{"Aviso", "Página"}, 2},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first := pages[i]
			last := total
			if i+1 < len(pages) {
				last = pages[i+1] - 1
			}
			if n := last - first + 1; n != tt.pagesOfLetter {
				t.Errorf("%d pages, want %d", n, tt.pagesOfLetter)
			}
			text := pdftotext(t, pdf, first)
			for _, w := range append([]string{tt.title, tt.date, "Clearwater County Water Board", "120 Main Street"}, tt.recipient...) {
				if !strings.Contains(flyerOneLine(text), w) {
					t.Errorf("page %d lacks %q", first, w)
				}
			}
			// The letter's own date is at its top: the headline has no
			// "Issued" line under it.
			if strings.Contains(text, strings.TrimSpace(strings.Split(letters[i].Rendering.table().Phrases["issued"], "{date}")[0])) {
				t.Errorf("page %d has the flyer's date line", first)
			}
			for p := first; p <= last; p++ {
				pt := pdftotext(t, pdf, p)
				if label := fmt.Sprintf(tt.page, p-first+1, tt.pagesOfLetter); !strings.Contains(pt, label) {
					t.Errorf("page %d lacks %q: pages are numbered within each letter", p, label)
				}
				for _, n := range tt.not {
					if strings.Contains(pt, n) {
						t.Errorf("page %d has %q, of another language", p, n)
					}
				}
			}

			// The window shows the recipient's block, line for line, and
			// nothing else; the return window, the utility's address.
			if got := lines(cropText(t, file, first, addressWindow)); !slices.Equal(got, tt.recipient) {
				t.Errorf("the address window shows %q, want %q", got, tt.recipient)
			}
			ret := lines(cropText(t, file, first, returnWindow))
			if want := []string{"Clearwater County Water Board", "120 Main Street", "Clearwater, NY 13000"}; !slices.Equal(ret, want) {
				t.Errorf("the return window shows %q, want %q", ret, want)
			}
		})
	}

	// The text of the mailing as pdftotext lays it out is kept in a golden
	// file: a change in it is a change a recipient would see.
	golden(t, filepath.Join("testdata", "letters", "three.txt"), []byte(pdftotext(t, pdf, 0)))
}

// TestLettersWindow checks the recipient's block against the window
// wherever the folded sheet moves in the envelope: sideways by up to 1 in,
// and up by up to envelopeSlackY. Resting on the bottom, the whole block
// shows with 1/8 in clear on every side; the last line, which the sorting
// machines read, shows in every position; and no other text ever shows.
func TestLettersWindow(t *testing.T) {
	needTool(t, "pdftotext")
	letters := threeLetters()
	letters[0].Rendering.Utility.Logo = flyerTestLogo(t, 240, 80)
	pdf, pages := makeLetters(t, letters)
	for i, first := range pages {
		words := flyerWords(t, pdf, first)
		var block, last []flyerBox // the recipient's words, and those of the last line
		for _, w := range words {
			if w.y0 >= letterWindowTop && w.y1 <= letterWindowBottom && w.x0 < letterWindowRight {
				block = append(block, w)
			}
		}
		if len(block) == 0 {
			t.Fatalf("letter %d: no text in the window", i+1)
		}
		for _, w := range block {
			if len(last) == 0 || w.y0 > last[0].y0+1 {
				last = []flyerBox{w}
			} else if w.y0 > last[0].y0-1 {
				last = append(last, w)
			}
		}
		for _, down := range []float64{0, envelopeSlackY / 2, envelopeSlackY} {
			for _, side := range []float64{0, envelopeSlackX / 2, envelopeSlackX} {
				// The window on the sheet when the sheet has moved up by
				// down and sits side from the envelope's left edge.
				win := flyerBox{x0: envelopeWindowLeft - side, y0: letterWindowTop + down}
				win.x1, win.y1 = win.x0+envelopeWindowWidth, win.y0+envelopeWindowHeight
				clear := flyerBox{x0: win.x0 + windowClearance, y0: win.y0 + windowClearance, x1: win.x1 - windowClearance, y1: win.y1 - windowClearance}
				must := last
				if down == 0 {
					must = block
				}
				for _, w := range must {
					if w.x0 < clear.x0 || w.x1 > clear.x1 || w.y0 < clear.y0 || w.y1 > clear.y1 {
						t.Errorf("letter %d, sheet up %v pt and at %v pt: %q at %+v is not 1/8 in inside the window %+v", i+1, down, side, w.text, w, win)
					}
				}
				for _, w := range words {
					if w.x1 > win.x0 && w.x0 < win.x1 && w.y1 > win.y0 && w.y0 < win.y1 && !slices.Contains(block, w) {
						t.Errorf("letter %d, sheet up %v pt and at %v pt: %q at %+v shows through the window", i+1, down, side, w.text, w)
					}
				}
			}
		}
		// The utility's address is printed once, in the return window
		// (the footer's contact lines are far below).
		for _, w := range words {
			if w.text == "Board" && w.y1 < letterPanel && (w.y0 < letterReturnTop || w.y1 > letterReturnBottom || w.x0 < letterReturnLeft || w.x1 > letterReturnRight) {
				t.Errorf("letter %d: the return address at %+v is outside the return window", i+1, w)
			}
		}
	}
}

// TestLettersAddressFits gives names and addresses too long for the window:
// they are set smaller, wrapped or cut, never outside the window's area, and
// the city line is kept.
func TestLettersAddressFits(t *testing.T) {
	needTool(t, "pdftotext")
	var tenLines []string
	for i := 1; i <= 9; i++ {
		tenLines = append(tenLines, fmt.Sprintf("Care of department %d", i))
	}
	tenLines = append(tenLines, "Clearwater, NY 13000")
	tests := []struct {
		name, who, address string
		want               []string // lines of the block, in order (a subset when cut)
		size               float64  // the size the block is set in, when it says
	}{
		{name: "short", who: "Ana Ortiz", address: "12 Elm Street\nClearwater, NY 13000",
			want: []string{"Ana Ortiz", "12 Elm Street", "Clearwater, NY 13000"}, size: 11},
		{name: "five lines at a smaller size", who: "Ana Ortiz", address: "Building 4\nFloor 2\n12 Elm Street\nClearwater, NY 13000",
			want: []string{"Ana Ortiz", "Building 4", "Floor 2", "12 Elm Street", "Clearwater, NY 13000"}, size: 10.5},
		{name: "long name wraps", who: strings.Repeat("Wolfeschlegelsteinhausenbergerdorff ", 3) + "Senior",
			address: "12 Elm Street\nClearwater, NY 13000", want: []string{"12 Elm Street", "Clearwater, NY 13000"}},
		{name: "ten lines are cut to the name and the last ones", who: "Ana Ortiz", address: strings.Join(tenLines, "\n"),
			want: []string{"Ana Ortiz", "Care of department 6", "Care of department 9", "Clearwater, NY 13000"}, size: 8},
		{name: "a word longer than the window", who: "Ana Ortiz", address: strings.Repeat("X", 300) + "\nClearwater, NY 13000",
			want: []string{"Ana Ortiz", "Clearwater, NY 13000"}},
		{name: "one line with commas", who: "Ana Ortiz", address: "12 Elm Street, Apt 4, Clearwater, NY 13000",
			want: []string{"Ana Ortiz", "12 Elm Street", "Apt 4", "Clearwater, NY 13000"}, size: 11},
		{name: "emoji, joiners and tabs", who: "Ana 😀 Ortiz\u200d", address: "12 Elm St 🏠\n\tClearwater,  NY 13000  \n\n",
			want: []string{"Ana Ortiz", "12 Elm St", "Clearwater, NY 13000"}, size: 11},
		{name: "no name", address: "12 Elm Street\nClearwater, NY 13000",
			want: []string{"12 Elm Street", "Clearwater, NY 13000"}, size: 11},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := flyerBoil()
			pdf, _ := makeLetters(t, []Letter{{Rendering: r, Name: tt.who, Address: tt.address}})
			got := lines(cropText(t, flyerFile(t, pdf), 1, addressWindow))
			if i := 0; true {
				for _, w := range got {
					if i < len(tt.want) && w == tt.want[i] {
						i++
					}
				}
				if i < len(tt.want) {
					t.Errorf("the window shows %q, want these lines in order: %q", got, tt.want)
				}
			}
			if tt.want[len(tt.want)-1] != got[len(got)-1] {
				t.Errorf("the window ends with %q, want %q", got[len(got)-1], tt.want[len(tt.want)-1])
			}
			// Every word above the fold, left of the logo and the date, is
			// the return address or inside the recipient's block.
			for _, w := range flyerWords(t, pdf, 1) {
				if w.y0 > letterReturnBottom && w.y1 < letterPanel && w.x0 < letterRecipientRight+40 {
					if w.x0 < letterRecipientLeft-0.01 || w.x1 > letterRecipientRight+0.01 || w.y0 < letterRecipientTop-0.01 || w.y1 > letterRecipientBottom+0.01 {
						t.Errorf("%q at %+v is outside the recipient's block", w.text, w)
					}
					if tt.size > 0 {
						// pdftotext's box is the font's ascent and descent:
						// 1.164 times the size for DejaVu Sans Condensed.
						if size := (w.y1 - w.y0) / 1.164; size < tt.size-0.1 || size > tt.size+0.1 {
							t.Errorf("%q set at about %.1f pt, want %v", w.text, size, tt.size)
						}
					}
				}
			}
			if t.Failed() {
				t.Logf("the window shows:\n%s", strings.Join(got, "\n"))
			}
		})
	}
}

func TestPostalLines(t *testing.T) {
	tests := []struct {
		name, address string
		want          []string
	}{
		{"lines as stored by the import", "PO Box 5\nClearwater, NY 13000", []string{"PO Box 5", "Clearwater, NY 13000"}},
		{"Windows line ends and blank lines", "PO Box 5\r\n\r\n  Clearwater,   NY 13000 \r\n", []string{"PO Box 5", "Clearwater, NY 13000"}},
		{"one line: street and city", "1 Elm Street, Clearwater", []string{"1 Elm Street", "Clearwater"}},
		{"one line: city, state and ZIP stay together", "12 Elm Street, Clearwater, NY 13000", []string{"12 Elm Street", "Clearwater, NY 13000"}},
		{"one line: ZIP+4 and an apartment", "12 Elm Street, Apt 4, Clearwater, NY 13000-1234", []string{"12 Elm Street", "Apt 4", "Clearwater, NY 13000-1234"}},
		{"one line: state and ZIP after commas", "12 Elm Street, Clearwater, NY, 13000", []string{"12 Elm Street", "Clearwater, NY 13000"}},
		{"one line: state without ZIP", "12 Elm Street, Clearwater, NY", []string{"12 Elm Street", "Clearwater, NY"}},
		{"two parts are two lines", "PO Box 5, NY 13000", []string{"PO Box 5", "NY 13000"}},
		{"empty", "  \n ", nil},
		{"emoji only", "🏠", nil},
		{"tabs and control characters", "12\tElm\x07 Street\nClearwater", []string{"12 Elm Street", "Clearwater"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := postalLines(tt.address); !slices.Equal(got, tt.want) {
				t.Errorf("postalLines(%q) = %q, want %q", tt.address, got, tt.want)
			}
		})
	}
	// A huge address is bounded: the first line and the last ones.
	var b strings.Builder
	for i := range 100 {
		fmt.Fprintf(&b, "line %d %s\n", i, strings.Repeat("y", 1000))
	}
	got := postalLines(b.String())
	if len(got) != postalMaxLines || !strings.HasPrefix(got[0], "line 0 ") || !strings.HasPrefix(got[len(got)-1], "line 99 ") || len(got[1]) != postalMaxRunes {
		t.Errorf("%d lines, first %.10q, last %.10q, %d characters", len(got), got[0], got[len(got)-1], len(got[1]))
	}
}

func TestLettersErrors(t *testing.T) {
	badLogo := flyerBoil()
	badLogo.Utility.Logo = []byte("not a PNG")
	longURL := flyerBoil()
	longURL.URL = "https://water.example.org/" + strings.Repeat("x", 5000)
	ok := Letter{Rendering: flyerBoil(), Name: "Ana", Address: "12 Elm Street"}
	tests := []struct {
		name    string
		letters []Letter
		want    string
	}{
		{"no letters", nil, "no letter to print"},
		{"no rendering", []Letter{ok, {Name: "Ana", Address: "12 Elm Street"}}, "letter 2 of 2 has no rendering"},
		{"no address", []Letter{ok, {Rendering: flyerBoil(), Name: "Bo", Address: " \n "}}, "letter 2 of 2 (Bo) has no postal address"},
		{"an address of emoji only", []Letter{{Rendering: flyerBoil(), Address: "🏠"}}, "letter 1 of 1 has no postal address"},
		{"bad logo", []Letter{ok, {Rendering: badLogo, Address: "12 Elm Street"}}, "letters: letter 2 of 2: the utility logo is not a valid PNG image"},
		{"URL too long for a QR code", []Letter{{Rendering: longURL, Address: "12 Elm Street"}}, "letters: letter 1 of 1: QR code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			pages, err := Letters(&buf, tt.letters)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one with %q", err, tt.want)
			}
			if pages != nil || buf.Len() != 0 {
				t.Errorf("pages %v and %d bytes written with an error", pages, buf.Len())
			}
		})
	}
}

// TestLettersDocument checks what a mail house's software reads of the file:
// the same letters give the same bytes, dated by the notice; the fonts and
// the logo are in the file once, whatever the number of letters.
func TestLettersDocument(t *testing.T) {
	needTool(t, "pdffonts")
	letters := threeLetters()
	logo := flyerTestLogo(t, 240, 80)
	letters[0].Rendering.Utility.Logo = logo
	letters[1].Rendering.Utility.Logo = logo
	first, _ := makeLetters(t, letters)
	for i := 2; i <= 4; i++ {
		if again, _ := makeLetters(t, letters); !bytes.Equal(first, again) {
			t.Fatalf("run %d differs from the first (%d and %d bytes)", i, len(again), len(first))
		}
	}
	for _, want := range []string{"/CreationDate (D:20261128180000)", "/ModDate (D:20261128180000)"} {
		if !bytes.Contains(first, []byte(want)) {
			t.Errorf("PDF lacks %s: dates must come from the notice", want)
		}
	}

	fonts := strings.Split(strings.TrimSpace(popplerRun(t, "pdffonts", flyerFile(t, first))), "\n")[2:]
	if len(fonts) != 4 {
		t.Errorf("%d fonts, want each of the 4 styles once:\n%s", len(fonts), strings.Join(fonts, "\n"))
	}
	// pdfimages -list: page num type width height color comp bpc enc interp object ID
	objects := map[string]map[string]bool{} // by colour (rgb: logo, gray: QR codes): the image objects
	for _, l := range strings.Split(popplerRun(t, "pdfimages", "-list", flyerFile(t, first)), "\n")[2:] {
		f := strings.Fields(l)
		if len(f) >= 12 && f[2] == "image" {
			if objects[f[5]] == nil {
				objects[f[5]] = map[string]bool{}
			}
			objects[f[5]][f[10]] = true
		}
	}
	// The English letters share a URL, the Spanish has its own: two QR codes.
	if len(objects["rgb"]) != 1 || len(objects["gray"]) != 2 {
		t.Errorf("image objects %v: want the logo once and a QR code per URL", objects)
	}
}

// TestLettersParallel makes mailings on several goroutines at once with the
// same renderings (run with -race).
func TestLettersParallel(t *testing.T) {
	letters := threeLetters()
	want, _ := makeLetters(t, letters)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			var buf bytes.Buffer
			if _, err := Letters(&buf, letters); err != nil {
				t.Error(err)
			} else if !bytes.Equal(buf.Bytes(), want) {
				t.Error("a mailing made in parallel differs")
			}
		})
	}
	wg.Wait()
}

// TestLettersWithoutDateOrURL prints a notice with neither: no date at the
// top, no QR code.
func TestLettersWithoutDateOrURL(t *testing.T) {
	needTool(t, "pdftotext")
	r := flyerBoil()
	r.Date, r.URL = time.Time{}, ""
	pdf, pages := makeLetters(t, []Letter{{Rendering: r, Name: "Ana Ortiz", Address: "12 Elm Street"}})
	text := pdftotext(t, pdf, 1)
	if pages[0] != 1 || strings.Contains(text, "Scan for updates") || regexp.MustCompile(`\b20\d\d\b`).MatchString(text) {
		t.Errorf("pages %v, text:\n%s", pages, text)
	}
}

// TestLetterSamples writes letters to look at with -letter-out.
func TestLetterSamples(t *testing.T) {
	if *letterOut == "" {
		t.Skip("no -letter-out directory")
	}
	letters := threeLetters()
	letters[0].Rendering.Utility.Logo = flyerTestLogo(t, 240, 80)
	letters = append(letters, Letter{Rendering: flyerAdvisory(t, "es"), Name: strings.Repeat("Wolfeschlegelsteinhausenbergerdorff ", 3), Address: "Building 4\nFloor 2\n12 Elm Street\nApt 5\nClearwater, NY 13000"})
	pdf, pages := makeLetters(t, letters)
	t.Logf("letters start on pages %v", pages)
	if err := os.WriteFile(filepath.Join(*letterOut, "letters.pdf"), pdf, 0o644); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkLetters makes a mailing of 100 one- and two-page letters with a
// logo and QR codes, English and Spanish.
func BenchmarkLetters(b *testing.B) {
	en, es := flyerBoil(), flyerBoilSpanish()
	en.Utility.Logo = flyerTestLogo(b, 240, 80)
	es.Utility.Logo = en.Utility.Logo
	letters := make([]Letter, 100)
	for i := range letters {
		r := en
		if i%3 == 1 {
			r = es
		}
		letters[i] = Letter{Rendering: r, Name: fmt.Sprintf("Customer %d", i), Address: fmt.Sprintf("%d Elm Street\nClearwater, NY 13000", i+1)}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Letters(io.Discard, letters); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*len(letters)), "ms/letter")
}
