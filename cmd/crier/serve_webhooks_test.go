package main

import (
	"strings"
	"testing"
)

// TestWebhooksNote: crier serve says at start that Twilio's webhooks take
// nothing when there is no [twilio] account, and names what to set; it
// says nothing when they work or when public_url is not set (which has
// its own warning).
func TestWebhooksNote(t *testing.T) {
	tests := []struct {
		name, publicURL, accountSID string
		want                        []string
	}{
		{"outbox channel", "http://127.0.0.1:8080", "", []string{"403", "[twilio] account_sid", "CRIER_TWILIO_AUTH_TOKEN"}},
		{"twilio configured", "https://notices.clearwater.example", "AC0123456789abcdef0123456789abcdef", nil},
		{"no public_url", "", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := webhooksNote(tc.publicURL, tc.accountSID)
			if tc.want == nil && got != "" {
				t.Errorf("note %q; want none", got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("note %q lacks %q", got, w)
				}
			}
		})
	}
}
