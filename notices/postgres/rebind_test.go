package postgres

import (
	"fmt"
	"testing"
)

// TestRebindCacheBounded: texts past maxRebound are rebound right but not
// kept, so a program making a new text per call does not grow the cache
// without end.
func TestRebindCacheBounded(t *testing.T) {
	for i := 0; i < maxRebound+1000; i++ {
		q := fmt.Sprintf("SELECT %d WHERE a = ? AND b = ?2", i)
		if got, want := Rebind(q), fmt.Sprintf("SELECT %d WHERE a = $1 AND b = $2", i); got != want {
			t.Fatalf("Rebind(%q) = %q; want %q", q, got, want)
		}
	}
	n := 0
	rebound.Range(func(any, any) bool { n++; return true })
	if n > maxRebound {
		t.Errorf("%d texts cached after %d distinct ones; want at most %d", n, maxRebound+1000, maxRebound)
	}
}
