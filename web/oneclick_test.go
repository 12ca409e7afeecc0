package web

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// TestOneClickWhileTheStoreIsLocked: a one-click unsubscribe that comes
// while another process holds the database's write lock is answered 200
// at once and kept; the address is out of the category as soon as the
// lock is let go. A mailbox provider does not post it twice.
func TestOneClickWhileTheStoreIsLocked(t *testing.T) {
	ctx := context.Background()
	s, st := statusServer(t, nil)
	customers(t, st)
	id := publishTo(t, s, "hydrant-flushing", notices.Normal)
	link := links(t, st, id)["ana@example.org"]
	stop := s.startSpool(ctx)
	defer stop()

	unlock := lockStore(t, st)
	if resp, body := post(s, link, "application/x-www-form-urlencoded", "List-Unsubscribe=One-Click"); resp.StatusCode != http.StatusOK {
		t.Fatalf("one-click while the store is locked: %d\n%s", resp.StatusCode, body)
	}
	if len(optedOut(t, st, "ana@example.org")) != 0 {
		t.Fatal("opted out while the store was locked?")
	}
	unlock()
	waitFor(t, "the kept one-click recorded", func() bool {
		return slices.Contains(optedOut(t, st, "ana@example.org"), templates.Information)
	})
}

// TestOneClickFromAMailboxProvider: a provider posts many customers'
// one-click unsubscribes from one address, beyond what one reader of pages
// may ask; each is taken.
func TestOneClickFromAMailboxProvider(t *testing.T) {
	ctx := context.Background()
	s, st := newTestServer(t, nil)
	const n = publicBurst * 3
	for i := range n {
		c := notices.Contact{Account: "A" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Name: "Customer", Email: "c" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + "@example.org"}
		if _, err := st.SaveContact(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	id := publishTo(t, s, "hydrant-flushing", notices.Normal)
	ls := links(t, st, id)
	if len(ls) != n {
		t.Fatalf("%d links; want %d", len(ls), n)
	}
	for addr, link := range ls {
		if resp, _ := post(s, link, "application/x-www-form-urlencoded", "List-Unsubscribe=One-Click"); resp.StatusCode != http.StatusOK {
			t.Fatalf("one-click for %s: %d; want 200", addr, resp.StatusCode)
		}
		if !slices.Contains(optedOut(t, st, addr), templates.Information) {
			t.Fatalf("%s not opted out", addr)
		}
	}
}
