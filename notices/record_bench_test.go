package notices

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/internal/storetest"
)

// BenchmarkRecord measures the store's side of sending: claiming
// deliveries in batches of 512, as a dispatcher's lane does, and recording
// their outcomes (sent, with a provider id) in groups of the size the
// dispatcher commits: fixed, and varying from one commit to the next as
// the dispatcher's do. It reports the CPU time of an outcome in this
// process (SQLite, or the client) and in the PostgreSQL server.
func BenchmarkRecord(b *testing.B) {
	const n = 20_000
	for _, tc := range []struct {
		name   string
		groups []int // the sizes of successive commits, in turn
	}{
		{"group=1", []int{1}},
		{"group=8", []int{8}},
		{"group=varying", []int{3, 5, 8, 2, 6, 1, 7}},
		{"group=256", []int{256}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			var elapsed, self, server time.Duration
			outcomes := 0
			for b.Loop() {
				b.StopTimer()
				s := testStore(b)
				s.Now = time.Now
				seedContacts(b, s, n)
				id := publishNotice(b, s, Notice{Channels: []Channel{Email}})
				b.StartTimer()
				start, self0, server0 := time.Now(), storetest.SelfCPU(), serverCPU(s)
				for {
					ds, err := s.Claim(ctx, Email, "bench", ClaimScope{Notice: id}, 512, time.Minute)
					if err != nil {
						b.Fatal(err)
					}
					if len(ds) == 0 {
						break
					}
					for i, k := 0, 0; i < len(ds); k++ {
						group := tc.groups[k%len(tc.groups)]
						outs := make([]Outcome, 0, group)
						for _, d := range ds[i:min(i+group, len(ds))] {
							outs = append(outs, Outcome{ID: d.ID, Status: DeliverySent, Attempted: true, ProviderID: fmt.Sprintf("crier-%d-%d@water.example", id, d.ID)})
						}
						if _, err := s.Record(ctx, "bench", outs); err != nil {
							b.Fatal(err)
						}
						outcomes += len(outs)
						i += group
					}
				}
				elapsed += time.Since(start)
				self, server = self+storetest.SelfCPU()-self0, server+serverCPU(s)-server0
			}
			b.ReportMetric(float64(outcomes)/elapsed.Seconds(), "outcomes/s")
			b.ReportMetric(float64(self.Microseconds())/float64(outcomes), "µs-cpu/outcome")
			b.ReportMetric(float64(server.Microseconds())/float64(outcomes), "µs-server/outcome")
		})
	}
}

// seedContacts adds n contacts, each with an email and a mobile, in the
// languages of a billing export, with multi-row statements in one
// transaction: SaveContact one at a time would take longer than the
// benchmark.
func seedContacts(b *testing.B, s *Store, n int) {
	b.Helper()
	const chunk = 500
	langs, now := []string{"en", "es", "", "vi"}, s.now()
	err := s.inTx(context.Background(), func(tx *sql.Tx) error {
		for first := 0; first < n; first += chunk {
			k := min(chunk, n-first)
			args := make([]any, 0, 7*k)
			for i := first; i < first+k; i++ {
				args = append(args, fmt.Sprint(1000000+i), fmt.Sprintf("Customer %d", i), fmt.Sprintf("customer%d@example.org", i),
					fmt.Sprintf("+1315555%04d", i%10000), langs[i%4], now, now)
			}
			q := `INSERT INTO contacts (account, name, email, mobile, language, created_at, updated_at) VALUES ` +
				strings.Repeat(`(?, ?, ?, ?, ?, ?, ?), `, k-1) + `(?, ?, ?, ?, ?, ?, ?)`
			if _, err := tx.Exec(q, args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// serverCPU is the CPU time of the PostgreSQL server of s so far, or 0.
func serverCPU(s *Store) time.Duration {
	if s.Engine() != "postgres" {
		return 0
	}
	return storetest.ServerCPU(s.db)
}

// BenchmarkClaim measures claiming alone: a notice's 20,000 deliveries
// taken in batches of 512, as a dispatcher's lane takes them, from a
// store just published (on PostgreSQL, with statistics that have not yet
// seen the queued deliveries: what a claim meets right after a notice
// goes out). It reports the CPU time of a delivery claimed in this
// process (SQLite, or the client) and in the PostgreSQL server.
func BenchmarkClaim(b *testing.B) {
	const n = 20_000
	ctx := context.Background()
	var elapsed, self, server time.Duration
	claimed := 0
	for b.Loop() {
		b.StopTimer()
		s := testStore(b)
		s.Now = time.Now
		seedContacts(b, s, n)
		id := publishNotice(b, s, Notice{Channels: []Channel{Email}})
		b.StartTimer()
		start, self0, server0 := time.Now(), storetest.SelfCPU(), serverCPU(s)
		for {
			ds, err := s.Claim(ctx, Email, "bench", ClaimScope{Notice: id}, 512, time.Minute)
			if err != nil {
				b.Fatal(err)
			}
			if len(ds) == 0 {
				break
			}
			claimed += len(ds)
		}
		elapsed += time.Since(start)
		self, server = self+storetest.SelfCPU()-self0, server+serverCPU(s)-server0
	}
	b.ReportMetric(float64(claimed)/elapsed.Seconds(), "claims/s")
	b.ReportMetric(float64(self.Microseconds())/float64(claimed), "µs-cpu/claim")
	b.ReportMetric(float64(server.Microseconds())/float64(claimed), "µs-server/claim")
}
