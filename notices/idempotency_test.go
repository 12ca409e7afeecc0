package notices

import (
	"context"
	"testing"
	"time"
)

// TestIdempotencyKeyClaims: a key is taken once per token; a second
// claim finds it at work, then the notice it made; a claim given up (no
// notice made) is taken again; a day later the key is new.
func TestIdempotencyKeyClaims(t *testing.T) {
	s := testStore(t)
	ctx := context.Background()
	advance := clock(s)
	const actor, key = "token work orders", "WO-7"
	claim := func(actor, request string) IdempotencyClaim {
		t.Helper()
		c, err := s.ClaimIdempotencyKey(ctx, actor, key, request, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	steps := []struct {
		name    string
		do      func() IdempotencyClaim
		claimed bool
		notice  int64
	}{
		{"a new key", func() IdempotencyClaim { return claim(actor, "r1") }, true, 0},
		{"again while at work", func() IdempotencyClaim { return claim(actor, "r1") }, false, 0},
		{"another token's", func() IdempotencyClaim { return claim("token billing", "r1") }, true, 0},
		{"after giving it up", func() IdempotencyClaim {
			must(t)(nil, s.ReleaseIdempotencyKey(ctx, actor, key))
			return claim(actor, "r1")
		}, true, 0},
		{"after it made notice 42", func() IdempotencyClaim {
			must(t)(nil, s.KeepIdempotencyKey(ctx, actor, key, 42))
			must(t)(nil, s.ReleaseIdempotencyKey(ctx, actor, key)) // keeps a key that made a notice
			return claim(actor, "r2")
		}, false, 42},
		{"25 hours on", func() IdempotencyClaim { advance(25 * time.Hour); return claim(actor, "r2") }, true, 0},
	}
	for _, st := range steps {
		c := st.do()
		if c.Claimed != st.claimed || c.NoticeID != st.notice {
			t.Errorf("%s: claimed %v, notice %d; want %v, %d", st.name, c.Claimed, c.NoticeID, st.claimed, st.notice)
		}
		if st.notice == 42 && c.Request != "r1" {
			t.Errorf("%s: request %q, want the first's r1 (so the web refuses r2 with 409)", st.name, c.Request)
		}
	}
}
