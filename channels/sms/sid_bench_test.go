package sms

import "testing"

// BenchmarkReplySID reads the SID of Twilio's reply (scanned), and of one
// only encoding/json can read (an escape in it), for comparison.
func BenchmarkReplySID(b *testing.B) {
	for _, bb := range []struct{ name, body string }{
		{"scanned", created},
		{"encoding-json", created[:len(created)-1] + `, "sid": "SM0123456789abcdef0123456789abcde\u0066"}`},
	} {
		b.Run(bb.name, func(b *testing.B) {
			body := []byte(bb.body)
			b.ReportAllocs()
			for b.Loop() {
				if sid, err := replySID(body); err != nil || sid == "" {
					b.Fatal(sid, err)
				}
			}
		})
	}
}
