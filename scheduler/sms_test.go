package scheduler_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crier-notices/crier/channels/sms"
	"github.com/crier-notices/crier/internal/testenv"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
)

// Test credentials: letters and digits only, as twilio-go insists.
const (
	accountSID = "AC0123456789abcdef0123456789abcdef"
	authToken  = "s3cretT0kenNeverShown"
	fromNumber = "+13155550100"
)

// twilioFake answers like Twilio's Messages API, with the faults a test
// asks for: errors for chosen numbers, and a burst of 429s.
type twilioFake struct {
	srv *httptest.Server

	mu        sync.Mutex
	accepted  map[string]int // by number
	times     []time.Time    // of accepted messages
	refuse    map[string]int // number -> Twilio error code
	throttle  int            // answer the next throttle requests 429
	throttled int
	requests  int
}

func newTwilioFake(t testing.TB) *twilioFake {
	f := &twilioFake{accepted: map[string]int{}, refuse: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *twilioFake) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || !strings.HasSuffix(r.URL.Path, "/Messages.json") {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	to := r.PostForm.Get("To")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	w.Header().Set("Content-Type", "application/json")
	if f.throttle > 0 {
		f.throttle--
		f.throttled++
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"code":20429,"message":"Too Many Requests","more_info":"https://www.twilio.com/docs/errors/20429","status":429}`)
		return
	}
	if code := f.refuse[to]; code != 0 {
		w.WriteHeader(http.StatusBadRequest)
		msg := map[int]string{21211: "Invalid 'To' Phone Number: " + to, 21610: "Attempt to send to unsubscribed recipient"}[code]
		json.NewEncoder(w).Encode(map[string]any{"code": code, "message": msg, "more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code), "status": 400})
		return
	}
	f.accepted[to]++
	f.times = append(f.times, time.Now())
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]any{"sid": fmt.Sprintf("SM%032x", f.requests), "status": "queued", "to": to, "body": r.PostForm.Get("Body")})
}

func twilioSender(t testing.TB, baseURL string) *sms.Sender {
	t.Helper()
	s, err := sms.New(sms.Config{AccountSID: accountSID, AuthToken: authToken, From: fromNumber, BaseURL: baseURL, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSMSRateLimit: at 20 messages a second, 200 messages take at least
// 9.5 seconds, and a burst of 429 answers slows the sender down without
// losing a message.
func TestSMSRateLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 10 s")
	}
	tests := []struct {
		name     string
		throttle int
	}{
		{"steady", 0},
		{"a burst of 429s", 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newTwilioFake(t)
			f.throttle = tt.throttle
			s, lib := newStore(t), library(t)
			importContacts(t, s, "all", 200, gen)
			id := publish(t, s, lib, "hydrant-flushing", "all", notices.Normal, notices.SMS)
			d := newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{
				notices.SMS: {Sender: twilioSender(t, f.srv.URL), Concurrency: 4, Rate: 20},
			})
			start := time.Now()
			drain(t, d, 2*time.Minute)
			took := time.Since(start)

			f.mu.Lock()
			defer f.mu.Unlock()
			first, last := f.times[0], f.times[len(f.times)-1]
			t.Logf("%d messages in %v (first to last accepted %v), %d requests, %d answered 429", len(f.times), took.Round(time.Millisecond), last.Sub(first).Round(time.Millisecond), f.requests, f.throttled)
			if len(f.accepted) != 200 || len(f.times) != 200 {
				t.Fatalf("%d numbers got %d messages; want 200 each once", len(f.accepted), len(f.times))
			}
			if took < 9500*time.Millisecond {
				t.Errorf("200 messages at 20 per second took %v; want at least 9.5 s", took)
			}
			// No window of one second holds more than the limit, one for the
			// burst, and one for arrival jitter: the times are taken where the
			// requests arrive, and on a loaded machine (go test runs packages
			// side by side) one request can arrive late, just before the next.
			for i := range f.times {
				j := i
				for j < len(f.times) && f.times[j].Sub(f.times[i]) < time.Second {
					j++
				}
				if j-i > 22 {
					t.Fatalf("%d messages within one second from %v; the limit is 20", j-i, f.times[i].Sub(first))
				}
			}
			r := report(t, s, id).Channel(notices.SMS)
			if r.Sent != 200 || r.Failed != 0 {
				t.Errorf("report %+v; want 200 sent", r)
			}
			if tt.throttle > 0 && r.Retried == 0 {
				t.Errorf("report %+v: the retries after 429 are not recorded", r)
			}
		})
	}
}

// TestSMSPermanentFailures: a number Twilio calls invalid (21211) fails
// after one attempt with Twilio's reason; one that opted out (21610) fails
// too and joins the suppressions, so no later notice texts it; the others
// are sent.
func TestSMSPermanentFailures(t *testing.T) {
	f := newTwilioFake(t)
	f.refuse[gen(2).mobile] = 21211
	f.refuse[gen(4).mobile] = 21610
	s, lib := newStore(t), library(t)
	importContacts(t, s, "all", 10, gen)
	id := publish(t, s, lib, "hydrant-flushing", "all", notices.Normal, notices.SMS)
	d := newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{notices.SMS: {Sender: twilioSender(t, f.srv.URL), Concurrency: 2}})
	drain(t, d, time.Minute)

	for _, dl := range deliveries(t, s, id, notices.SMS) {
		want, reason := notices.DeliverySent, ""
		switch dl.Address {
		case gen(2).mobile:
			want, reason = notices.DeliveryFailed, "21211: Invalid 'To' Phone Number"
		case gen(4).mobile:
			want, reason = notices.DeliveryFailed, "21610: Attempt to send to unsubscribed recipient"
		}
		if dl.Status != want || dl.Attempts != 1 || !strings.Contains(dl.Error, reason) {
			t.Errorf("%s: %s after %d attempts, error %q; want %s after 1 attempt with %q", dl.Address, dl.Status, dl.Attempts, dl.Error, want, reason)
		}
	}
	ctx := context.Background()
	if _, ok, err := s.Suppressed(ctx, gen(4).mobile); err != nil || !ok {
		t.Errorf("the number that opted out is not suppressed (%v)", err)
	}
	if _, ok, _ := s.Suppressed(ctx, gen(2).mobile); ok {
		t.Errorf("the invalid number was suppressed; only opt-outs are")
	}
	// The next notice does not text the opted-out number.
	next := publish(t, s, lib, "hydrant-flushing", "all", notices.Normal, notices.SMS)
	for _, dl := range deliveries(t, s, next, notices.SMS) {
		if dl.Address == gen(4).mobile {
			t.Errorf("the next notice queued a text to the number that opted out")
		}
	}
	if r := report(t, s, id).Channel(notices.SMS); r.Sent != 8 || r.Failed != 2 {
		t.Errorf("report %+v; want 8 sent, 2 failed", r)
	}
}

// TestSMSThroughPrism dispatches a notice's texts to Prism serving
// Twilio's OpenAPI description: every request passes its validation.
func TestSMSThroughPrism(t *testing.T) {
	prism := testenv.Prism(t)
	s, lib := newStore(t), library(t)
	importContacts(t, s, "all", 12, gen)
	id := publish(t, s, lib, "boil-water-advisory", "all", notices.Emergency, notices.SMS)
	d := newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{notices.SMS: {Sender: twilioSender(t, prism.URL()), Concurrency: 4}})
	drain(t, d, time.Minute)
	for _, dl := range deliveries(t, s, id, notices.SMS) {
		if dl.Status != notices.DeliverySent || !strings.HasPrefix(dl.ProviderID, "SM") {
			t.Errorf("%s: %s, %q, error %q; want sent with a message SID", dl.Address, dl.Status, dl.ProviderID, dl.Error)
		}
	}
}
