package config

import (
	"strings"
	"testing"
)

// TestPublicURLChecked: public_url as links are made from it, without
// its trailing slash, or the mistake naming the key.
func TestPublicURLChecked(t *testing.T) {
	tests := []struct {
		name, value, want, wantErr string
	}{
		{name: "not set"},
		{name: "trailing slash", value: "https://notices.clearwater.example/", want: "https://notices.clearwater.example"},
		{name: "with a path", value: "https://water.clearwater.example/notices", wantErr: `public_url: "https://water.clearwater.example/notices": give the address without a path`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Config{PublicURL: tt.value}.PublicURLChecked()
			if got != tt.want || (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("%q, %v; want %q, %q", got, err, tt.want, tt.wantErr)
			}
		})
	}
}
