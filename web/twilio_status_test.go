package web

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crier-notices/crier/internal/spool"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/notices/importer"
)

const statusPath = "/webhooks/twilio/status"

// claimTexts publishes a notice by text message to n new contacts,
// numbered from first, and claims its deliveries as a dispatcher would.
func claimTexts(t testing.TB, s *Server, st *notices.Store, first, n int) (int64, []notices.Delivery) {
	t.Helper()
	ctx := context.Background()
	zone := fmt.Sprintf("zone-%d", first)
	for i := first; i < first+n; i++ {
		c := notices.Contact{Account: fmt.Sprintf("T%07d", i), Name: fmt.Sprintf("Customer %d", i), Mobile: testMobile(i), Zone: zone}
		if _, err := st.SaveContact(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	fam, err := s.cfg.Library.Family("boil-water-advisory")
	if err != nil {
		t.Fatal(err)
	}
	id, err := st.CreateNotice(ctx, notices.Notice{Template: fam.Name, Values: fam.Examples(), Channels: []notices.Channel{notices.SMS},
		Audience: notices.Audience{Zones: []string{zone}}, Urgency: notices.Emergency})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Publish(ctx, id, fam, "en"); err != nil {
		t.Fatal(err)
	}
	ds, err := st.Claim(ctx, notices.SMS, "test", notices.ClaimScope{Notice: id}, n, time.Hour)
	if err != nil || len(ds) != n {
		t.Fatalf("claimed %d of %d: %v", len(ds), n, err)
	}
	return id, ds
}

// recordSent records the claimed deliveries as accepted by Twilio, each
// with the SID testSID(its id), as the dispatcher does, and returns them
// by SID.
func recordSent(t testing.TB, st *notices.Store, ds []notices.Delivery) map[string]notices.Delivery {
	t.Helper()
	outs := make([]notices.Outcome, len(ds))
	bySID := map[string]notices.Delivery{}
	for i, d := range ds {
		sid := testSID(d.ID)
		outs[i] = notices.Outcome{ID: d.ID, Status: notices.DeliverySent, Attempted: true, ProviderID: sid}
		bySID[sid] = d
	}
	if _, err := st.Record(context.Background(), "test", outs); err != nil {
		t.Fatal(err)
	}
	return bySID
}

// sentTexts is claimTexts, then recordSent.
func sentTexts(t testing.TB, s *Server, st *notices.Store, first, n int) (int64, map[string]notices.Delivery) {
	t.Helper()
	id, ds := claimTexts(t, s, st, first, n)
	return id, recordSent(t, st, ds)
}

func testMobile(i int) string { return fmt.Sprintf("+1315%07d", 5000000+i) }
func testSID(id int64) string { return fmt.Sprintf("SM%032d", id) }

// callback is the form of a Twilio status callback.
func callback(sid, status, code string) url.Values {
	f := url.Values{"MessageSid": {sid}, "MessageStatus": {status}, "AccountSid": {"AC0123456789abcdef0123456789abcdef"},
		"From": {"+13155550100"}, "To": {"+13155550123"}, "ApiVersion": {"2010-04-01"}, "SmsSid": {sid}, "SmsStatus": {status}}
	if code != "" {
		f.Set("ErrorCode", code)
	}
	return f
}

// postStatus posts a signed status callback and wants 200.
func postStatus(t testing.TB, s *Server, form url.Values) {
	t.Helper()
	res := signedPost(t, s, statusPath, form)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("callback %v answered %d; want 200", form, res.StatusCode)
	}
}

// settle records what the spool holds now, as the applier does.
func settle(t testing.TB, s *Server) {
	t.Helper()
	ctx := context.Background()
	sp, err := s.spooled(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.applyDue(ctx, sp) {
		t.Fatal("the store failed")
	}
}

// statusServer is newTestServer, its spool closed at the end of the test.
func statusServer(t testing.TB, edit func(*Config)) (*Server, *notices.Store) {
	t.Helper()
	s, st := newTestServer(t, edit)
	t.Cleanup(s.closeSpool)
	return s, st
}

func delivery(t testing.TB, st *notices.Store, noticeID, id int64) notices.Delivery {
	t.Helper()
	var out notices.Delivery
	err := st.EachDelivery(context.Background(), noticeID, func(d notices.Delivery) error {
		if d.ID == id {
			out = d
		}
		return nil
	})
	if err != nil || out.ID == 0 {
		t.Fatalf("delivery %d: %v", id, err)
	}
	return out
}

// permutations returns every order of xs.
func permutations[T any](xs []T) [][]T {
	if len(xs) <= 1 {
		return [][]T{append([]T(nil), xs...)}
	}
	var out [][]T
	for i := range xs {
		rest := append(append([]T(nil), xs[:i]...), xs[i+1:]...)
		for _, p := range permutations(rest) {
			out = append(out, append([]T{xs[i]}, p...))
		}
	}
	return out
}

// TestStatusCallbacksInAnyOrder is issue 12's acceptance 2: the callbacks
// of one message, in every order they can arrive, end in the same state.
func TestStatusCallbacksInAnyOrder(t *testing.T) {
	type cb struct{ status, code string }
	tests := []struct {
		name      string
		callbacks []cb
		want      notices.DeliveryStatus
		words     string // in the delivery's error
	}{
		{name: "delivered", callbacks: []cb{{"sent", ""}, {"delivered", ""}}, want: notices.DeliveryDelivered},
		{name: "undelivered 30003", callbacks: []cb{{"sent", ""}, {"undelivered", "30003"}}, want: notices.DeliveryUndelivered, words: "Twilio 30003: unreachable destination handset"},
		{name: "failed 30008", callbacks: []cb{{"queued", ""}, {"sent", ""}, {"failed", "30008"}}, want: notices.DeliveryFailed, words: "Twilio 30008: unknown error"},
		{name: "read is delivered", callbacks: []cb{{"sending", ""}, {"sent", ""}, {"delivered", ""}, {"read", ""}}, want: notices.DeliveryDelivered},
		{name: "delivered outranks undelivered", callbacks: []cb{{"sent", ""}, {"undelivered", "30005"}, {"delivered", ""}}, want: notices.DeliveryDelivered},
		{name: "undelivered outranks failed", callbacks: []cb{{"failed", "30007"}, {"undelivered", "30006"}, {"sent", ""}}, want: notices.DeliveryUndelivered, words: "Twilio 30006: landline"},
		{name: "two codes", callbacks: []cb{{"undelivered", "30003"}, {"undelivered", "30005"}}, want: notices.DeliveryUndelivered, words: "Twilio 30005"},
	}
	total := 0
	for _, tt := range tests {
		total += len(permutations(tt.callbacks))
	}
	s, st := statusServer(t, nil)
	noticeID, bySID := sentTexts(t, s, st, 0, total)
	var sids []string
	for sid := range bySID {
		sids = append(sids, sid)
	}
	want := map[notices.DeliveryStatus]int{}
	for _, tt := range tests {
		for _, order := range permutations(tt.callbacks) {
			var names []string
			for _, c := range order {
				names = append(names, c.status+c.code)
			}
			sid := sids[0]
			sids = sids[1:]
			want[tt.want]++
			t.Run(tt.name+"/"+strings.Join(names, ","), func(t *testing.T) {
				for _, c := range order {
					postStatus(t, s, callback(sid, c.status, c.code))
					settle(t, s) // one at a time: each order is really applied in that order
				}
				d := delivery(t, st, noticeID, bySID[sid].ID)
				if d.Status != tt.want {
					t.Errorf("status %s; want %s", d.Status, tt.want)
				}
				if tt.words == "" && d.Error != "" || !strings.Contains(d.Error, tt.words) {
					t.Errorf("error %q; want %q", d.Error, tt.words)
				}
			})
		}
	}
	r, err := st.Report(context.Background(), noticeID)
	if err != nil {
		t.Fatal(err)
	}
	c := r.Channel(notices.SMS)
	if c.Delivered != want[notices.DeliveryDelivered] || c.Undelivered != want[notices.DeliveryUndelivered] || c.Failed != want[notices.DeliveryFailed] || c.Sent != 0 {
		t.Errorf("report %+v; want %v", c, want)
	}
}

// TestStatusCallbackOptedOut: a failed callback with Twilio's 21610 (the
// recipient replied STOP) fails the delivery and suppresses the number.
func TestStatusCallbackOptedOut(t *testing.T) {
	s, st := statusServer(t, nil)
	noticeID, bySID := sentTexts(t, s, st, 0, 1)
	for sid, d := range bySID {
		postStatus(t, s, callback(sid, "failed", "21610"))
		settle(t, s)
		if got := delivery(t, st, noticeID, d.ID); got.Status != notices.DeliveryFailed {
			t.Errorf("status %s; want failed", got.Status)
		}
		sup, found, err := st.Suppressed(context.Background(), d.Address)
		if err != nil || !found || sup.Reason != notices.StopReply || sup.NoticeID != noticeID {
			t.Errorf("suppression %+v, %v, %v; want stop-reply from notice %d", sup, found, err, noticeID)
		}
	}
}

// TestStatusCallbackForged: a callback without Twilio's signature, with a
// wrong one, or signed for another address gets 403 and changes nothing.
func TestStatusCallbackForged(t *testing.T) {
	s, st := statusServer(t, nil)
	noticeID, bySID := sentTexts(t, s, st, 0, 1)
	var sid string
	for k := range bySID {
		sid = k
	}
	form := callback(sid, "delivered", "")
	tests := []struct {
		name string
		path string
		sig  string
	}{
		{"unsigned", statusPath, ""},
		{"forged", statusPath, "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
		{"signed by another token", statusPath, twilioSignature("another-token", testPublicURL+statusPath, form)},
		{"signed for the SMS webhook", statusPath, twilioSignature(testToken, testPublicURL+"/webhooks/twilio/sms", form)},
		{"signed for another status", statusPath, twilioSignature(testToken, testPublicURL+statusPath, callback(sid, "sent", ""))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			s.Handler().ServeHTTP(w, twilioRequest(tt.path, form, tt.sig))
			if w.Code != http.StatusForbidden {
				t.Errorf("answered %d; want 403", w.Code)
			}
		})
	}
	settle(t, s)
	if d := delivery(t, st, noticeID, bySID[sid].ID); d.Status != notices.DeliverySent {
		t.Errorf("status %s after forged callbacks; want sent", d.Status)
	}
	sp, _ := s.spooled(context.Background())
	if n, _ := sp.Len(context.Background()); n != 0 {
		t.Errorf("%d forged callbacks kept in the spool", n)
	}
}

// logBuffer is a logger that writes into a buffer, safe for concurrent use.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestStatusCallbackUnknownMessage: a callback about a message Crier has
// no record of is answered 200, kept and tried again for a while, then
// logged (without the phone numbers it carried) and dropped.
func TestStatusCallbackUnknownMessage(t *testing.T) {
	var logs logBuffer
	s, _ := statusServer(t, func(c *Config) { c.Log = slog.New(slog.NewTextHandler(&logs, nil)) })
	const sid = "SM00000000000000000000000000099999"
	postStatus(t, s, callback(sid, "delivered", ""))
	settle(t, s)
	sp, _ := s.spooled(context.Background())
	if n, _ := sp.Len(context.Background()); n != 1 {
		t.Fatalf("%d callbacks in the spool; want the unknown one kept for a while", n)
	}
	s.spool.patience = time.Nanosecond // its while has passed
	sp.Later(context.Background(), 1, time.Now(), "")
	settle(t, s)
	if n, _ := sp.Len(context.Background()); n != 0 {
		t.Errorf("%d callbacks in the spool; want the unknown one given up", n)
	}
	got := logs.String()
	if !strings.Contains(got, "given up") || !strings.Contains(got, sid) {
		t.Errorf("the log does not say which callback was given up:\n%s", got)
	}
	if strings.Contains(got, "3155550123") || strings.Contains(got, "3155550100") {
		t.Errorf("the log shows a phone number:\n%s", got)
	}
}

// waitFor polls cond until it holds, failing after a minute: a bound for
// a broken test, not a measure of speed.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still not %s after a minute", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestStatusCallbackBeforeTheDispatcherRecords: Twilio's first callback
// can come before the dispatcher has recorded the SID Twilio gave it; the
// callback is kept and recorded once the SID is.
func TestStatusCallbackBeforeTheDispatcherRecords(t *testing.T) {
	s, st := statusServer(t, nil)
	stop := s.startSpool(context.Background())
	defer stop()
	noticeID, ds := claimTexts(t, s, st, 0, 1)
	sid := testSID(ds[0].ID)
	postStatus(t, s, callback(sid, "delivered", ""))
	sp, _ := s.spooled(context.Background())
	waitFor(t, "tried once", func() bool {
		es, _ := sp.Due(context.Background(), time.Now().Add(time.Hour), 1)
		return len(es) == 1 && es[0].Attempts > 0
	})
	recordSent(t, st, ds)
	waitFor(t, "delivered", func() bool { return delivery(t, st, noticeID, ds[0].ID).Status == notices.DeliveryDelivered })
}

// TestStatusCallbacksDuringImport is issue 12's acceptance 2: 1,000
// callbacks sent while another process imports contacts (the import holds
// the store's write lock for stretches) are each answered 200 at once and
// all recorded. The file imported is as long as the callbacks take: it
// ends once the last is answered, so every callback comes during the
// import, which has written 20,000 rows before the first. (A fixed
// 200,000 rows went on importing for two and a half minutes under the
// race detector after the last callback, proving nothing more.)
func TestStatusCallbacksDuringImport(t *testing.T) {
	const firstAfter, texts = 20_000, 1000
	ctx := context.Background()
	s, st := statusServer(t, nil)
	noticeID, bySID := sentTexts(t, s, st, 0, texts)
	stop := s.startSpool(ctx)
	defer stop()

	importing, err := notices.Open(ctx, st.Path()) // as crier contacts import would
	if err != nil {
		t.Fatal(err)
	}
	defer importing.Close()
	answered := make(chan struct{})
	csv, written := contactsUntil(answered)
	begun, done := make(chan struct{}), make(chan struct{})
	var sum importer.Summary
	var importErr error
	go func() {
		defer close(done)
		defer csv.Close() // ends the file's writer should the import fail
		var once sync.Once
		sum, importErr = importer.Import(ctx, importing, csv, importer.Options{Source: "big.csv", Rejects: io.Discard, Progress: func(n int) {
			if n == firstAfter { // well under way, with rows written
				once.Do(func() { close(begun) })
			}
		}})
	}()
	select {
	case <-begun:
	case <-done:
		t.Fatalf("the import ended before it began: %v", importErr)
	}
	start := time.Now()
	duringImport := 0
	for sid := range bySID {
		postStatus(t, s, callback(sid, "delivered", ""))
		select {
		case <-done:
		default:
			duringImport++
		}
	}
	posted := time.Since(start)
	close(answered)
	<-done
	rows := <-written
	r, err := st.Report(ctx, noticeID)
	t.Logf("%d of the callbacks recorded when the import ended (%v)", r.Channel(notices.SMS).Delivered, err)
	if importErr != nil || sum.Added != rows {
		t.Fatalf("import of %d rows: %+v, %v", rows, sum, importErr)
	}
	t.Logf("%d of %d callbacks answered while %d rows were imported; posting took %v, the import %v after the first", duringImport, texts, rows, posted, time.Since(start))
	if duringImport != texts {
		t.Errorf("%d of %d callbacks came during the import; want all (the import ended before its file did?)", duringImport, texts)
	}
	waitFor(t, "all recorded", func() bool {
		r, err := st.Report(ctx, noticeID)
		return err == nil && r.Channel(notices.SMS).Delivered == texts
	})
	sp, _ := s.spooled(ctx)
	waitFor(t, "the spool empty", func() bool { n, err := sp.Len(ctx); return err == nil && n == 0 })
	t.Logf("all recorded %v after the first callback", time.Since(start))
}

// contactsUntil is a CSV file of contacts, each a new one in the zone
// north, that goes on until stop closes or its reader is closed; then
// written gives the count of its rows.
func contactsUntil(stop <-chan struct{}) (file *io.PipeReader, written <-chan int) {
	r, w := io.Pipe()
	rows := make(chan int, 1)
	go func() {
		b := bufio.NewWriterSize(w, 64<<10)
		_, err := b.WriteString("account,name,email,zone\n")
		n := 0
		for ; err == nil; n++ {
			if n%1000 == 0 {
				select {
				case <-stop:
					rows <- n
					if err := b.Flush(); err != nil {
						w.CloseWithError(err)
						return
					}
					w.Close()
					return
				default:
				}
			}
			_, err = fmt.Fprintf(b, "B%07d,Customer %d,customer%d@example.org,north\n", n, n, n)
		}
		rows <- n // the reader closed
	}()
	return r, rows
}

// TestSpoolReplaysAfterACrash: callbacks accepted but not recorded when
// crier stopped (they are in the spool file) are recorded when the server
// starts again.
func TestSpoolReplaysAfterACrash(t *testing.T) {
	ctx := context.Background()
	s, st := statusServer(t, nil)
	noticeID, bySID := sentTexts(t, s, st, 0, 3)
	for sid := range bySID {
		postStatus(t, s, callback(sid, "undelivered", "30003"))
	}
	s.closeSpool() // the process died before its applier ran

	again, err := New(s.cfg) // the next crier serve, on the same database
	if err != nil {
		t.Fatal(err)
	}
	stop := again.startSpool(ctx)
	defer stop()
	waitFor(t, "recorded", func() bool {
		r, err := st.Report(ctx, noticeID)
		return err == nil && r.Channel(notices.SMS).Undelivered == 3
	})
}

// lockStore holds the write lock of st's database from another
// connection, as another process would, until unlock is called.
func lockStore(t testing.TB, st *notices.Store) (unlock func()) {
	t.Helper()
	ctx := context.Background()
	other, err := sql.Open("sqlite", "file:"+st.Path())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	lock, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lock.Close() })
	if _, err := lock.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	return func() {
		if _, err := lock.ExecContext(ctx, `ROLLBACK`); err != nil {
			t.Fatal(err)
		}
	}
}

// TestStatusCallbacksWhileTheStoreIsLocked: while another process holds
// the database's write lock (longer than the store waits for it), each
// callback is still answered 200 at once, none is recorded, and all are
// recorded once the lock is let go.
func TestStatusCallbacksWhileTheStoreIsLocked(t *testing.T) {
	ctx := context.Background()
	s, st := statusServer(t, nil)
	noticeID, bySID := sentTexts(t, s, st, 0, 20)
	stop := s.startSpool(ctx)
	defer stop()

	unlock := lockStore(t, st)
	for sid := range bySID {
		postStatus(t, s, callback(sid, "delivered", ""))
	}
	sp, _ := s.spooled(ctx)
	waitFor(t, "tried while locked", func() bool {
		es, _ := sp.Due(ctx, time.Now().Add(time.Hour), 100)
		return slices.ContainsFunc(es, func(e spool.Entry) bool { return e.Attempts > 0 })
	})
	if r, err := st.Report(ctx, noticeID); err != nil || r.Channel(notices.SMS).Delivered != 0 {
		t.Fatalf("recorded while the store was locked: %+v, %v", r.Channel(notices.SMS), err)
	}
	unlock()
	waitFor(t, "all recorded", func() bool {
		r, err := st.Report(ctx, noticeID)
		return err == nil && r.Channel(notices.SMS).Delivered == len(bySID)
	})
}
