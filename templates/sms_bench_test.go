package templates

import (
	"strings"
	"testing"
)

// benchmarkSMS counts text as a rendering does, checking that it has the
// expected shape so that a benchmark never measures the wrong path.
func benchmarkSMS(b *testing.B, text string, enc SMSEncoding, segments int) {
	b.Helper()
	if s := NewSMS(text, true); s.Encoding != enc || s.Segments != segments {
		b.Fatalf("got %s in %d segments, want %s in %d", s.Encoding, s.Segments, enc, segments)
	}
	b.ReportAllocs()
	for b.Loop() {
		NewSMS(text, true)
	}
}

// BenchmarkSMS counts a typical one-segment English notice.
func BenchmarkSMS(b *testing.B) {
	const text = "Springfield Water: boil water notice for Elm St & Oak Ave until Fri 6 pm. " +
		"Boil tap water 1 min before drinking. Info: springfieldwater.gov/n/4821"
	benchmarkSMS(b, text, GSM7, 1)
}

// BenchmarkSMSSpanishUCS2 counts a Spanish notice whose accents force UCS-2.
func BenchmarkSMSSpanishUCS2(b *testing.B) {
	const text = "Agua de Springfield: aviso de hervir el agua en la calle Olmo hasta el " +
		"viernes. Hierva el agua 1 minuto antes de beberla. Más información: agua.gov"
	benchmarkSMS(b, text, UCS2, 3)
}

// BenchmarkSMSLong counts a three-segment GSM-7 notice with curly quotes to
// replace.
func BenchmarkSMSLong(b *testing.B) {
	text := strings.Repeat("Springfield Water: the main on Elm St is being repaired; "+
		"water will be off 9 am–3 pm. Don’t open hydrants. ", 3)
	benchmarkSMS(b, text, GSM7, 3)
}
