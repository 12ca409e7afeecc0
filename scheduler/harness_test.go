package scheduler_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/notices/importer"
	"github.com/crier-notices/crier/scheduler"
	"github.com/crier-notices/crier/templates"
)

var utility = templates.Utility{
	Name:     "County Water Board",
	Phone:    "(315) 555-0142",
	Email:    "notices@water.example",
	Website:  "https://water.example",
	Address:  "1 Reservoir Road, Springfield, NY 13000",
	Location: time.UTC,
}

func newStore(t testing.TB) *notices.Store {
	t.Helper()
	s, err := notices.Open(context.Background(), filepath.Join(t.TempDir(), "crier.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// customer is contact i of a generated audience: every third speaks
// Spanish, every fifth has no email, every seventh no mobile.
type customer struct {
	account, name, email, mobile, postal, language string
}

func gen(i int) customer {
	c := customer{
		account:  fmt.Sprintf("A%06d", i),
		name:     fmt.Sprintf("Customer %d", i),
		email:    fmt.Sprintf("customer%06d@example.org", i),
		mobile:   fmt.Sprintf("+1315%07d", 2000000+i),
		postal:   fmt.Sprintf("%d Elm Street, Springfield, NY 13000", i),
		language: "en",
	}
	if i%3 == 0 {
		c.language = "es"
	}
	return c
}

// importContacts imports n customers made by mk into the list.
func importContacts(t testing.TB, s *notices.Store, list string, n int, mk func(int) customer) {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("account,name,email,mobile,postal_address,language\n")
	for i := 1; i <= n; i++ {
		c := mk(i)
		fmt.Fprintf(&b, "%s,%s,%s,%s,\"%s\",%s\n", c.account, c.name, c.email, c.mobile, c.postal, c.language)
	}
	sum, err := importer.Import(context.Background(), s, &b, importer.Options{Source: "generated.csv", List: list, Rejects: io.Discard})
	if err != nil || sum.Rejected > 0 || sum.Added != n {
		t.Fatalf("import: %v, %+v", err, sum)
	}
}

func library(t testing.TB) *templates.Library {
	t.Helper()
	lib, probs := templates.Builtin()
	if lib == nil || len(probs) > 0 && lib.Files() == 0 {
		t.Fatalf("built-in templates: %v", probs)
	}
	return lib
}

// publish creates and publishes a notice of the template with its example
// values to the list on the channels.
func publish(t testing.TB, s *notices.Store, lib *templates.Library, template, list string, urgency notices.Urgency, chs ...notices.Channel) int64 {
	t.Helper()
	ctx := context.Background()
	fam, err := lib.Family(template)
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.CreateNotice(ctx, notices.Notice{Template: template, Values: fam.Examples(), Audience: notices.Audience{Lists: []string{list}},
		Channels: chs, Urgency: urgency})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Publish(ctx, id, fam, "en"); err != nil {
		t.Fatal(err)
	}
	return id
}

// newDispatcher returns a dispatcher with the test's defaults: quick polls
// and retries, logs to the test.
func newDispatcher(t testing.TB, s *notices.Store, lib *templates.Library, chs map[notices.Channel]scheduler.Channel, edit ...func(*scheduler.Config)) *scheduler.Dispatcher {
	t.Helper()
	cfg := scheduler.Config{
		Channels:  chs,
		Library:   lib,
		Utility:   utility,
		PublicURL: "https://water.example",
		Poll:      50 * time.Millisecond,
		Backoff:   200 * time.Millisecond,
		Log:       slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
	for _, e := range edit {
		e(&cfg)
	}
	d, err := scheduler.New(s, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

// drain runs d.Drain with a deadline.
func drain(t testing.TB, d *scheduler.Dispatcher, within time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	if err := d.Drain(ctx); err != nil {
		t.Fatalf("drain: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatalf("drain did not finish within %s", within)
	}
}

// report returns the notice's report.
func report(t testing.TB, s *notices.Store, id int64) notices.Report {
	t.Helper()
	r, err := s.Report(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// deliveries returns the notice's deliveries on channel ch.
func deliveries(t testing.TB, s *notices.Store, id int64, ch notices.Channel) []notices.Delivery {
	t.Helper()
	var ds []notices.Delivery
	err := s.EachDelivery(context.Background(), id, func(d notices.Delivery) error {
		if d.Channel == ch {
			ds = append(ds, d)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}
