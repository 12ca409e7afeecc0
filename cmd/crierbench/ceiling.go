package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
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
	e, err := r.Email(templates.EmailHeader{To: "Customer <customer@example.org>"})
	if err != nil {
		return err
	}
	for i := range msgs {
		if msgs[i], err = goMailMsg(e); err != nil {
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

// goMailMsg is e as a go-mail Msg that writes the same message, its
// header lines perhaps in another order: the notice's email, as go-mail
// alone sends it.
func goMailMsg(e *templates.Email) (*mail.Msg, error) {
	head, body, _ := bytes.Cut(bytes.Join(e.Data, nil), []byte("\r\n\r\n"))
	m := mail.NewMsg(mail.WithNoDefaultUserAgent())
	var contentType string
	for _, f := range headerFields(string(head)) {
		unfolded := strings.ReplaceAll(f.value, "\r\n", "")
		switch f.name {
		case "From", "To", "Reply-To":
			if err := m.SetAddrHeader(mail.AddrHeader(f.name), unfolded); err != nil {
				return nil, fmt.Errorf("%s: %w", f.name, err)
			}
		case "Date", "Message-ID":
			m.SetGenHeader(mail.Header(f.name), unfolded) // go-mail would add its own
		case "MIME-Version", "Content-Transfer-Encoding":
			// go-mail writes its own
		case "Content-Type":
			contentType = strings.TrimSuffix(unfolded, "; charset=UTF-8")
		default:
			m.SetGenHeaderPreformatted(mail.Header(f.name), f.value)
		}
	}
	m.SetBodyWriter(mail.ContentType(contentType), func(w io.Writer) (int64, error) {
		n, err := w.Write(body)
		return int64(n), err
	}, mail.WithPartEncoding(mail.NoEncoding))
	return m, nil
}

type headerField struct{ name, value string }

// headerFields splits a header block into its fields, each value with its
// folds.
func headerFields(head string) []headerField {
	var fields []headerField
	for _, line := range strings.Split(head, "\r\n") {
		if strings.HasPrefix(line, " ") && len(fields) > 0 {
			fields[len(fields)-1].value += "\r\n" + line
			continue
		}
		name, value, _ := strings.Cut(line, ": ")
		fields = append(fields, headerField{name, value})
	}
	return fields
}
