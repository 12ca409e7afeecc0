//go:build unix

package sms_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/crier-notices/crier/channels/sms"
)

// created is the body of Twilio's 201 to a message create, as its API
// reference shows it.
const created = `{"account_sid": "AC0123456789abcdef0123456789abcdef", "api_version": "2010-04-01", ` +
	`"body": "Boil water advisory for Elm St. until Friday. Reply STOP to opt out.", ` +
	`"date_created": "Thu, 24 Aug 2023 05:01:45 +0000", "date_sent": null, "date_updated": "Thu, 24 Aug 2023 05:01:45 +0000", ` +
	`"direction": "outbound-api", "error_code": null, "error_message": null, "from": "+13155550100", ` +
	`"messaging_service_sid": null, "num_media": "0", "num_segments": "1", "price": null, "price_unit": null, ` +
	`"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued", ` +
	`"subresource_uris": {"media": "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages/SM0123456789abcdef0123456789abcdef/Media.json"}, ` +
	`"to": "+13155550101", "uri": "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages/SM0123456789abcdef0123456789abcdef.json"}`

// BenchmarkSend sends one message to a loopback server that reads the
// form and answers Twilio's 201 (the server's work is in the figures too).
// SendStaged16 runs 16 sends at a time, as crierbench does. cpu-µs/op is
// the process's CPU time (client and server) per send, which a loaded
// machine changes less than ns/op.
func BenchmarkSend(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, created)
	}))
	defer srv.Close()
	s, err := sms.New(sms.Config{AccountSID: accountSID, AuthToken: authToken, From: from, BaseURL: srv.URL,
		StatusCallback: "https://crier.example.org/twilio/status"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	m := message("Boil water advisory for Elm St. until Friday. Reply STOP to opt out.")
	ready := func() error { return nil }
	b.Run("Send", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			if _, err := s.Send(b.Context(), m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("SendStaged", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			if _, err := s.SendStaged(b.Context(), m, ready); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("SendStaged16", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		b.SetParallelism(8) // 16 on 2 cores
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.SendStaged(b.Context(), m, ready); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// reportCPU reports the process's CPU time per op from now until the
// function it returns is called.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() { b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N), "cpu-µs/op") }
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
