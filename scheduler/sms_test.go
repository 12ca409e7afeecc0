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
	// Every hiccupEvery-th request, the server stalls for hiccup: the
	// requests that come meanwhile all arrive when it ends, as after a
	// network or machine lag.
	hiccupEvery int
	hiccup      time.Duration
	hiccupUntil time.Time
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
	f.requests++
	if f.hiccupEvery > 0 && f.requests%f.hiccupEvery == 0 {
		f.hiccupUntil = time.Now().Add(f.hiccup)
	}
	stall := time.Until(f.hiccupUntil)
	f.mu.Unlock()
	if stall > 0 {
		time.Sleep(stall)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
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

// TestSMSRateLimit: at 10 messages a second (burst 1), 100 messages take
// at least 9.5 seconds, and no one-second window holds more than 11 where
// the requests arrive, while the machine is busy, when the provider stalls
// now and then (the requests held meanwhile all arrive at its end), and
// when a burst of 429 answers slows the sender down without losing a
// message.
func TestSMSRateLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 40 s")
	}
	const n, rate, burst = 100, 10, 1
	tests := []struct {
		name        string
		throttle    int
		hiccupEvery int
	}{
		{name: "steady"},
		{name: "the provider stalls 400 ms every 25 requests", hiccupEvery: 25},
		{name: "a burst of 429s", throttle: 15},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			busyMachine(t)
			f := newTwilioFake(t)
			f.throttle, f.hiccupEvery, f.hiccup = tt.throttle, tt.hiccupEvery, 400*time.Millisecond
			s, lib := newStore(t), library(t)
			importContacts(t, s, "all", n, gen)
			id := publish(t, s, lib, "hydrant-flushing", "all", notices.Normal, notices.SMS)
			d := newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{
				notices.SMS: {Sender: twilioSender(t, f.srv.URL), Concurrency: 4, Rate: rate, Burst: burst},
			})
			start := time.Now()
			drain(t, d, 2*time.Minute)
			took := time.Since(start)

			f.mu.Lock()
			defer f.mu.Unlock()
			first, last := f.times[0], f.times[len(f.times)-1]
			t.Logf("%d messages in %v (first to last accepted %v), %d requests, %d answered 429", len(f.times), took.Round(time.Millisecond), last.Sub(first).Round(time.Millisecond), f.requests, f.throttled)
			if len(f.accepted) != n || len(f.times) != n {
				t.Fatalf("%d numbers got %d messages; want %d each once", len(f.accepted), len(f.times), n)
			}
			if want := time.Duration(float64(n-burst) / rate * 0.95 * float64(time.Second)); took < want {
				t.Errorf("%d messages at %d a second took %v; want at least %v", n, rate, took, want)
			}
			// The times are taken where the requests arrive, by the test's
			// clock, as a provider counts them: however late a request
			// arrives, it counts in its window.
			if got, at := busiestSecond(f.times); got > rate+burst {
				t.Errorf("%d messages arrived within one second from %v; the limit is %d a second, burst %d", got, at.Sub(first), rate, burst)
			}
			r := report(t, s, id).Channel(notices.SMS)
			if r.Sent != n || r.Failed != 0 {
				t.Errorf("report %+v; want %d sent", r, n)
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
