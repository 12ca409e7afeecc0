package notices

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkRecord measures the store's side of sending: claiming
// deliveries in batches of 512, as a dispatcher's lane does, and recording
// their outcomes (sent, with a provider id) in groups of the size the
// dispatcher commits: fixed, and varying from one commit to the next as
// the dispatcher's do. It reports the CPU time of an outcome in this
// process (SQLite, or the client) and in the PostgreSQL server.
func BenchmarkRecord(b *testing.B) {
	const n = 20_000
	var buf bytes.Buffer
	if err := writeImportCSV(&buf, n); err != nil {
		b.Fatal(err)
	}
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
				if _, err := s.Import(ctx, bytes.NewReader(buf.Bytes()), ImportOptions{Normalizer: Normalizer{Region: "US"}}); err != nil {
					b.Fatal(err)
				}
				id := publishNotice(b, s, Notice{Channels: []Channel{Email}})
				b.StartTimer()
				start, self0, server0 := time.Now(), selfCPU(), serverCPU(s)
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
				self, server = self+selfCPU()-self0, server+serverCPU(s)-server0
			}
			b.ReportMetric(float64(outcomes)/elapsed.Seconds(), "outcomes/s")
			b.ReportMetric(float64(self.Microseconds())/float64(outcomes), "µs-cpu/outcome")
			b.ReportMetric(float64(server.Microseconds())/float64(outcomes), "µs-server/outcome")
		})
	}
}
