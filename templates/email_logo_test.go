package templates

import (
	"bytes"
	"image"
	"image/png"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/crier-notices/crier/internal/emltest"
)

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestEmailLogo reads the email of a utility with a logo as a mail client
// does: the logo is an inline part of multipart/related, the HTML shows it
// by its Content-ID with the utility's name as alt text, scaled to fit
// 200 × 60, and the text part is unchanged by it.
func TestEmailLogo(t *testing.T) {
	logo := readFile(t, "testdata/email/logo.png") // 240 × 80
	tmpl := mustTemplate(t, "outage.md", outageTemplate)
	u := testUtility
	u.Logo = logo
	r, err := Render(tmpl, Values{"area": "Elm Street", "day": "2026-12-01"}, u, Options{Date: testDate, URL: "https://water.clearwater.example/n/8"})
	if err != nil {
		t.Fatal(err)
	}
	var eml bytes.Buffer
	if err := r.WriteEmail(&eml, EmailHeader{To: "ana@example.com"}); err != nil {
		t.Fatal(err)
	}
	e := emltest.Read(t, eml.Bytes())
	if len(e.Inline) != 1 {
		t.Fatalf("%d inline parts, want the logo", len(e.Inline))
	}
	p := e.Inline[0]
	if p.ContentType != "image/png" || p.Disposition != "inline" || !bytes.Equal(p.Data, logo) {
		t.Errorf("inline part %s, %s, %d bytes; want image/png, inline, the logo's %d bytes", p.ContentType, p.Disposition, len(p.Data), len(logo))
	}
	img := regexp.MustCompile(`<img src="cid:([^"]+)" alt="([^"]*)" width="(\d+)" height="(\d+)"`).FindStringSubmatch(e.HTML)
	if img == nil {
		t.Fatalf("the HTML part has no <img> of a cid: address:\n%s", e.HTML)
	}
	if img[1] != p.ContentID || img[2] != u.Name || img[3] != "180" || img[4] != "60" {
		t.Errorf("<img> shows cid:%s, alt %q, %s × %s; want cid:%s, alt %q, 180 × 60", img[1], img[2], img[3], img[4], p.ContentID, u.Name)
	}
	if !strings.Contains(e.Text, "Read this notice online: https://water.clearwater.example/n/8\n") || strings.Contains(e.Text, "cid:") {
		t.Errorf("text part:\n%s\nwant the link and no logo", e.Text)
	}
}

// TestEmailLogoSize: a logo is scaled down to fit 200 × 60 pixels keeping
// its shape, never up; a logo that is not a PNG is refused by name.
func TestEmailLogoSize(t *testing.T) {
	tests := []struct {
		name          string
		width, height int
		wantW, wantH  int
	}{
		{"wide", 800, 100, 200, 25},
		{"tall", 100, 300, 20, 60},
		{"small stays", 40, 20, 40, 20},
		{"square", 512, 512, 60, 60},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := newEmailLogo(flatPNG(t, tt.width, tt.height))
			if err != nil {
				t.Fatal(err)
			}
			if l.width != tt.wantW || l.height != tt.wantH {
				t.Errorf("%d × %d shown at %d × %d, want %d × %d", tt.width, tt.height, l.width, l.height, tt.wantW, tt.wantH)
			}
		})
	}
	if _, err := newEmailLogo([]byte("GIF89a not a png")); err == nil || !strings.Contains(err.Error(), "the utility logo is not a valid PNG image") {
		t.Errorf("a logo that is not a PNG: %v", err)
	}
}

func flatPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// BenchmarkRenderEmailLogo is one email of a notice whose utility has a
// logo (20 KB): the logo is encoded once per notice, so a recipient's
// email costs its headers and the copy of the body.
func BenchmarkRenderEmailLogo(b *testing.B) {
	t, values, _ := benchRendering(b, "en")
	u := testUtility
	u.Logo = noisyPNG(b, 200, 60)
	r, err := Render(t, values, u, Options{Date: testDate, URL: "https://water.clearwater.example/n/42"})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := r.WriteEmail(io.Discard, EmailHeader{To: "customer@example.com"}); err != nil {
			b.Fatal(err)
		}
	}
}

// noisyPNG is a w × h PNG that does not compress: a logo's size in bytes.
func noisyPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7919 >> 3)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A subject prefix (a proof's) heads the Subject header and the HTML
// title alike.
func TestSubjectPrefix(t *testing.T) {
	tmpl := mustTemplate(t, "outage.md", outageTemplate)
	r, err := Render(tmpl, Values{"area": "Elm Street", "day": "2026-12-01"}, testUtility, Options{Date: testDate, SubjectPrefix: "[PROOF] "})
	if err != nil {
		t.Fatal(err)
	}
	var eml bytes.Buffer
	if err := r.WriteEmail(&eml, EmailHeader{To: "ana@example.com"}); err != nil {
		t.Fatal(err)
	}
	e := emltest.Read(t, eml.Bytes())
	const want = "[PROOF] Water off in Elm Street on December 1, 2026"
	if subject := e.Header.Get("Subject"); subject != want || !strings.Contains(e.HTML, "<title>"+want+"</title>") {
		t.Errorf("subject %q, HTML %q…; want %q in both", subject, e.HTML[:min(len(e.HTML), 300)], want)
	}
}
