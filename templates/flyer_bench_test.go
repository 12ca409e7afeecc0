package templates

import (
	"io"
	"testing"
)

// BenchmarkFlyer makes a one-page boil water notice with a logo and a QR
// code. The target is under 30 ms an operation on a 2-core CI machine.
func BenchmarkFlyer(b *testing.B) {
	r := flyerBoil()
	r.Utility.Logo = flyerTestLogo(b, 240, 80)
	b.ReportAllocs()
	for b.Loop() {
		if err := Flyer(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFlyerBilingual makes the English and Spanish notice in one PDF.
func BenchmarkFlyerBilingual(b *testing.B) {
	en, es := flyerBoil(), flyerBoilSpanish()
	en.Utility.Logo = flyerTestLogo(b, 240, 80)
	es.Utility.Logo = en.Utility.Logo
	b.ReportAllocs()
	for b.Loop() {
		if err := Flyer(io.Discard, en, es); err != nil {
			b.Fatal(err)
		}
	}
}
