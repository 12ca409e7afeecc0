package templates

import (
	"io"
	"testing"
)

// benchRendering renders the built-in boil water advisory with its examples.
func benchRendering(b *testing.B, lang string) (*Template, Values, *Rendering) {
	b.Helper()
	lib, ps := Builtin()
	if len(ps.Errors()) > 0 {
		b.Fatal(ps)
	}
	fam, err := lib.Family("boil-water-advisory")
	if err != nil {
		b.Fatal(err)
	}
	t := fam.ByLang[lang]
	values := fam.Examples()
	r, err := Render(t, values, testUtility, Options{Date: testDate, URL: "https://water.clearwater.example/n/42"})
	if err != nil {
		b.Fatal(err)
	}
	return t, values, r
}

// BenchmarkRenderSMS is the SMS of a notice: the sms template executed with
// the filled values, then encoded, counted and checked.
func BenchmarkRenderSMS(b *testing.B) {
	t, values, _ := benchRendering(b, "en")
	benchSMS(b, t, values)
}

// BenchmarkRenderEmail is one email from a rendered notice: HTML and text
// parts, headers, MIME encoding, written out.
func BenchmarkRenderEmail(b *testing.B) {
	_, _, r := benchRendering(b, "en")
	b.ReportAllocs()
	for b.Loop() {
		if err := r.WriteEmail(io.Discard, EmailHeader{To: "customer@example.com"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderEmailWithLinks is BenchmarkRenderEmail for a recipient
// with their preferences link in the footers and the one-click header, as
// the dispatcher sends with public_url set: the link goes into the body
// encoded once per notice.
func BenchmarkRenderEmailWithLinks(b *testing.B) {
	_, _, r := benchRendering(b, "en")
	link := "https://notices.water.example/unsubscribe/1234567/AbCdEfGhIjKlMnOpQrStUv"
	b.ReportAllocs()
	for b.Loop() {
		if err := r.WriteEmail(io.Discard, EmailHeader{To: "customer@example.com", Unsubscribe: link, Preferences: link}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRender is the notice-level work done once per notice and
// language: fill, execute the templates, count the SMS, parse the body.
func BenchmarkRender(b *testing.B) {
	t, values, _ := benchRendering(b, "en")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Render(t, values, testUtility, Options{Date: testDate}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecipientEmail is one recipient's email as the dispatcher
// makes it and the email channel writes it: the recipient's header (a
// named To, the Message-ID, the one-click unsubscribe header) and
// preferences links, then the message dot-stuffed for SMTP's data in the
// sender's reused buffer.
func BenchmarkRecipientEmail(b *testing.B) {
	_, _, r := benchRendering(b, "en")
	link := "https://notices.water.example/preferences/1234567/AbCdEfGhIjKlMnOpQrStUv"
	h := EmailHeader{
		From:        "Clearwater County Water Board <notices@clearwater.example>",
		To:          Address("Ana Customer", "ana@example.com"), // as the dispatcher gives it
		MessageID:   "crier-7-1234567@clearwater.example",
		Unsubscribe: link,
		Preferences: link,
	}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		e, err := r.Email(h)
		if err != nil {
			b.Fatal(err)
		}
		buf = buf[:0]
		for _, p := range e.Stuffed {
			buf = append(buf, p...)
		}
	}
	b.SetBytes(int64(len(buf)))
}
