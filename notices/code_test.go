package notices

import (
	"context"
	"strings"
	"testing"
)

func TestNoticeCodes(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	seen := map[string]bool{}
	for range 50 {
		id, err := s.CreateNotice(ctx, Notice{Template: "main-break", Channels: []Channel{SMS}})
		if err != nil {
			t.Fatal(err)
		}
		n, err := s.Notice(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(n.Code) != codeLength || strings.Trim(n.Code, codeAlphabet) != "" {
			t.Fatalf("notice %d has code %q: want %d characters of %s", id, n.Code, codeLength, codeAlphabet)
		}
		if seen[n.Code] {
			t.Fatalf("code %q given twice", n.Code)
		}
		seen[n.Code] = true
	}
	for _, code := range []string{"", "nosuchcode", "' OR 1=1 --"} {
		if _, err := s.PublicNotice(ctx, code, s.Now()); ErrorCode(err) != NotFound {
			t.Errorf("PublicNotice(%q): %v; want NotFound", code, err)
		}
	}
}

func TestPageURL(t *testing.T) {
	tests := []struct{ public, code, want string }{
		{"https://notices.example.org", "abc2345678", "https://notices.example.org/n/abc2345678"},
		{"https://notices.example.org/", "abc2345678", "https://notices.example.org/n/abc2345678"},
		{"", "abc2345678", ""},
		{"https://notices.example.org", "", ""},
	}
	for _, tc := range tests {
		if got := PageURL(tc.public, tc.code); got != tc.want {
			t.Errorf("PageURL(%q, %q) = %q; want %q", tc.public, tc.code, got, tc.want)
		}
	}
}
