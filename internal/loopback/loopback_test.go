package loopback

import (
	"net/url"
	"testing"
)

func TestSecure(t *testing.T) {
	tests := []struct {
		name, url string
		want      bool
	}{
		{"https anywhere", "https://api.twilio.com", true},
		{"http to 127.0.0.1", "http://127.0.0.1:4010", true},
		{"http to elsewhere in 127/8", "http://127.3.2.1", true},
		{"http to ::1", "http://[::1]:8080", true},
		{"http to localhost", "http://localhost:8080", true},
		{"http to LOCALHOST.", "http://LOCALHOST.:8080", true},
		{"http to a private network", "http://10.0.0.5:4010", false},
		{"http to a name", "http://proxy.example.org", false},
		{"http to a name ending in localhost", "http://localhost.example.org", false},
		{"http to 0.0.0.0", "http://0.0.0.0:4010", false},
		{"http to an IPv4-mapped public address", "http://[::ffff:192.0.2.1]", false},
		{"ftp", "ftp://127.0.0.1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := url.Parse(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			if got := Secure(u); got != tt.want {
				t.Errorf("Secure(%s) = %v; want %v", tt.url, got, tt.want)
			}
		})
	}
}
