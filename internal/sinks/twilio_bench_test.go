//go:build unix

package sinks_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/channels/sms"
	"github.com/crier-notices/crier/internal/sinks"
)

// BenchmarkTwilioSinkServers sends with sms.Sender, 16 messages in flight
// as crierbench does, to each of the Twilio sink's servers. cpu-µs/op is
// the process's CPU time (sender and server) per message: the sender's
// share is the same for both, so the difference is the servers'.
func BenchmarkTwilioSinkServers(b *testing.B) {
	for _, srv := range twilioServers {
		b.Run(srv.name+"/16", func(b *testing.B) {
			tw := startTwilio(b, append([]sinks.TwilioOption{sinks.RequireToken(authToken)}, srv.opts...)...)
			s, err := sms.New(sms.Config{AccountSID: accountSID, AuthToken: authToken, From: "+13155550100", BaseURL: tw.URL()})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			m := channels.Message{To: "+13155550101", SMS: &channels.SMS{Body: "Boil water advisory for Elm St. until Friday. Reply STOP to opt out."}}
			ctx := context.Background()
			b.ReportAllocs()
			start := cpuTime()
			run(b, 16, func(int) error {
				_, err := s.Send(ctx, m)
				return err
			})
			b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N), "cpu-µs/op")
			if got := tw.Accepted(); got != int64(b.N) {
				b.Errorf("Accepted() = %d, want %d", got, b.N)
			}
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
