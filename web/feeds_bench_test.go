package web

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
)

// BenchmarkFeeds measures the feeds over 1,000 notices that went out, one
// in ten an emergency: each request reads them all and renders at most
// feedLimit.
func BenchmarkFeeds(b *testing.B) {
	now := t0
	s, st := newTestServer(b, func(c *Config) {
		c.Now = func() time.Time { return now }
		c.Utility.Address = "1 Water Street, Clearwater"
	})
	st.Now = s.cfg.Now
	ctx := context.Background()
	var advisory notices.Notice
	for i := range 1000 {
		name := "hydrant-flushing"
		if i%10 == 0 {
			name = "boil-water-advisory"
		}
		fam, err := s.cfg.Library.Family(name)
		if err != nil {
			b.Fatal(err)
		}
		id, err := st.CreateNotice(ctx, notices.Notice{Template: name, Values: fam.Examples(), Channels: []notices.Channel{notices.Email}})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := st.Publish(ctx, id, fam, "en"); err != nil {
			b.Fatal(err)
		}
		if i == 0 {
			advisory, _ = st.Notice(ctx, id)
		}
		now = now.Add(time.Minute)
	}
	for _, path := range []string{"/feed.atom", "/cap.atom", "/cap/" + advisory.Code + ".xml"} {
		b.Run(path, func(b *testing.B) {
			for b.Loop() {
				if rec := getFrom(s, path); rec.Code != http.StatusOK {
					b.Fatalf("%s: status %d", path, rec.Code)
				}
			}
		})
	}
}
