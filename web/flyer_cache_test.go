package web

import (
	"testing"
	"time"
)

// TestFlyerCache: a flyer is kept for its notice as it was when made; a
// notice changed since is a miss, and the cache holds at most its max.
func TestFlyerCache(t *testing.T) {
	t0 := time.Date(2026, 11, 28, 14, 0, 0, 0, time.UTC)
	c := newFlyerCache(2)
	c.put("aaaaaaaaaa", t0, []byte("A"))
	tests := []struct {
		name    string
		code    string
		updated time.Time
		want    string // "" for a miss
	}{
		{"as made", "aaaaaaaaaa", t0, "A"},
		{"changed since", "aaaaaaaaaa", t0.Add(time.Second), ""},
		{"another notice", "bbbbbbbbbb", t0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := c.get(tt.code, tt.updated)
			if string(got) != tt.want || ok != (tt.want != "") {
				t.Errorf("get = %q, %v; want %q", got, ok, tt.want)
			}
		})
	}
	c.put("bbbbbbbbbb", t0, []byte("B"))
	c.put("cccccccccc", t0, []byte("C"))
	if len(c.byKey) != 2 {
		t.Errorf("the cache holds %d flyers; want its max, 2", len(c.byKey))
	}
	if got, ok := c.get("cccccccccc", t0); !ok || string(got) != "C" {
		t.Errorf("the newest flyer is not kept: %q, %v", got, ok)
	}
}
