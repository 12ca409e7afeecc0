package templates

import (
	"bytes"
	"strings"
	"testing"
)

// TestUnsubscribeAddress: the one rule for the unsubscribe link (and the
// public_url it is made from): https://, or plain http:// on this machine
// only, where a newcomer tries the loop; the email carries what the rule
// accepts and refuses the rest.
func TestUnsubscribeAddress(t *testing.T) {
	tests := []struct {
		name, addr string
		ok         bool
	}{
		{"https", "https://notices.clearwater.example/unsubscribe/1/tok", true},
		{"http on 127.0.0.1", "http://127.0.0.1:9999/unsubscribe/1/tok", true},
		{"http on localhost", "http://localhost:8080/unsubscribe/1/tok", true},
		{"http on ::1", "http://[::1]:8080/unsubscribe/1/tok", true},
		{"http to another machine", "http://notices.clearwater.example/unsubscribe/1/tok", false},
		{"http to a private address", "http://192.168.1.20/unsubscribe/1/tok", false},
		{"no scheme", "notices.clearwater.example/unsubscribe/1/tok", false},
		{"mailto", "mailto:unsubscribe@clearwater.example", false},
		{"a header injected", "https://x\r\nBcc: evil@example.org", false},
		{"a space", "https://notices.clearwater.example/a b", false},
	}
	r, err := Render(mustTemplate(t, "outage.md", outageTemplate), Values{"area": "Elm Street", "day": "2026-12-01"}, testUtility, Options{Date: testDate})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckUnsubscribeAddress(tt.addr)
			if (err == nil) != tt.ok {
				t.Fatalf("CheckUnsubscribeAddress(%q) = %v; want ok %v", tt.addr, err, tt.ok)
			}
			var eml bytes.Buffer
			err = r.WriteEmail(&eml, EmailHeader{To: "ana@example.org", Unsubscribe: tt.addr})
			if (err == nil) != tt.ok {
				t.Fatalf("WriteEmail with %q: %v; want ok %v", tt.addr, err, tt.ok)
			}
			if tt.ok {
				header, _, _ := emailParts(t, eml.Bytes())
				if got := header.Get("List-Unsubscribe"); got != "<"+tt.addr+">" {
					t.Errorf("List-Unsubscribe %q; want <%s>", got, tt.addr)
				}
			} else if !strings.Contains(err.Error(), "https://") || !strings.Contains(err.Error(), "127.0.0.1") {
				t.Errorf("error %q does not say what to write", err)
			}
		})
	}
}
