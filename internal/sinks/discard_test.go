package sinks_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/crier-notices/crier/internal/sinks"
)

// TestDiscardCountsWhatGoMailSends: go-mail delivers to the lean sink over
// several connections, messages with dot lines and a line longer than the
// sink's buffer included, and the sink counts each message once.
func TestDiscardCountsWhatGoMailSends(t *testing.T) {
	d, err := sinks.StartDiscard("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	c, err := mail.NewClient(d.Host(), mail.WithPort(d.Port()), mail.WithTLSPolicy(mail.NoTLS), mail.WithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	bodies := []string{
		"Boil water until Friday.",
		".\r\n..\r\n.x\r\n.",
		strings.Repeat("x", 100<<10) + "\r\n.\r\nafter a long line",
	}
	const conns, each = 4, 10
	before := time.Now()
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			sc, err := c.DialToSMTPClientWithContext(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			defer c.CloseWithSMTPClient(sc)
			for i := range each {
				if err := c.SendWithSMTPClient(sc, newMsg(t, []string{"ana@example.org"}, nil, nil, bodies[i%len(bodies)])); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if got := d.Accepted(); got != conns*each {
		t.Errorf("Accepted() = %d; want %d", got, conns*each)
	}
	if first, last := d.FirstAccepted(), d.LastAccepted(); first.Before(before) || last.Before(first) {
		t.Errorf("first %v, last %v", first, last)
	}
	if err := d.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
}
