package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/crier-notices/crier/templates"
)

// emailCeiling measures what no email sender can beat on this machine:
// plain go-mail sending one pre-built message (the notice's email) n
// times over conns connections to the same discard sink, with no store,
// no rendering and no personalisation.
func emailCeiling(ctx context.Context, tmpl string, n, conns int, sinkName string, w io.Writer) error {
	lib, _ := templates.Builtin()
	fam, err := lib.Family(tmpl)
	if err != nil {
		return err
	}
	r, err := templates.Render(fam.Original, fam.Examples(), utility(), templates.Options{Date: time.Now()})
	if r == nil {
		return err
	}
	// One message per connection: a go-mail Msg is not safe for
	// concurrent use.
	msgs := make([]*mail.Msg, conns)
	for i := range msgs {
		if msgs[i], err = r.Email(templates.EmailHeader{To: "Customer <customer@example.org>"}); err != nil {
			return err
		}
	}
	sink, err := startRemoteSink(ctx, sinkName)
	if err != nil {
		return err
	}
	defer sink.Close()
	client, err := mail.NewClient(sink.Host(), mail.WithPort(sink.Port()), mail.WithTLSPolicy(mail.NoTLS), mail.WithoutNoop())
	if err != nil {
		return err
	}
	start, cpu := time.Now(), cpuTime()
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for i := range conns {
		count := n / conns
		if i < n%conns {
			count++
		}
		wg.Go(func() {
			c, err := client.DialToSMTPClientWithContext(ctx)
			if err != nil {
				errs <- err
				return
			}
			defer client.CloseWithSMTPClient(c)
			for range count {
				if err := client.SendWithSMTPClient(c, msgs[i]); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return fmt.Errorf("ceiling: %w", err)
	}
	cpu = cpuTime() - cpu
	if err := sink.Close(); err != nil {
		return err
	}
	took := sink.LastAccepted().Sub(start)
	fmt.Fprintf(w, "ceiling: plain go-mail, one pre-built message, %d connections, the same %s sink: %d emails in %.2f s (%.0f msg/s), CPU %.2f s (%.0f µs/msg), sink CPU %.2f s\n",
		conns, sinkName, sink.Accepted(), took.Seconds(), float64(sink.Accepted())/took.Seconds(), cpu.Seconds(), float64(cpu.Microseconds())/float64(max(n, 1)), sink.CPU().Seconds())
	return nil
}
