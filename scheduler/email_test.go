package scheduler_test

import (
	"bytes"
	"mime"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/channels/email"
	"github.com/crier-notices/crier/internal/emltest"
	"github.com/crier-notices/crier/internal/testenv"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
	"github.com/crier-notices/crier/templates"
)

func mailpitSender(t testing.TB, mp *testenv.MailpitServer, conns int) *email.Sender {
	t.Helper()
	host, port := mp.SMTPAddr()
	s, err := email.New(email.Config{Host: host, Port: port, TLS: "none", Connections: conns, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestSendToFiveHundred sends a boil water advisory to a list of 500
// customers through Mailpit and reads back that each address got exactly
// one message, addressed with its name, in its language, with a text and an
// HTML part and the link to the recipient's preferences page, but no
// one-click unsubscribe headers: nobody can leave emergencies.
func TestSendToFiveHundred(t *testing.T) {
	mp := testenv.Mailpit(t)
	s, lib := newStore(t), library(t)
	importContacts(t, s, "elm", 500, gen)
	id := publish(t, s, lib, "boil-water-advisory", "elm", notices.Emergency, notices.Email)
	d := newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{notices.Email: {Sender: mailpitSender(t, mp, 4), Concurrency: 4}})
	drain(t, d, 2*time.Minute)

	want := map[string]customer{}
	for i := 1; i <= 500; i++ {
		want[gen(i).email] = gen(i)
	}
	subjects := map[string]string{}
	fam, _ := lib.Family("boil-water-advisory")
	for _, lang := range []string{"en", "es"} {
		r, err := templates.Render(fam.ByLang[lang], fam.Examples(), utility, templates.Options{Date: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		subjects[lang] = r.Subject
	}
	got := map[string]int{}
	msgs := mp.Messages(t)
	for _, m := range msgs {
		if len(m.To) != 1 {
			t.Errorf("message %s has %d recipients; want 1", m.MessageID, len(m.To))
			continue
		}
		to := m.To[0]
		got[to.Address]++
		c, ok := want[to.Address]
		if !ok {
			t.Errorf("a message went to %s, who is not on the list", to.Address)
			continue
		}
		if to.Name != c.name {
			t.Errorf("%s is addressed as %q; want %q", to.Address, to.Name, c.name)
		}
		if got[to.Address] > 1 {
			continue
		}
		raw := mp.Raw(t, m.ID)
		msg, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("message to %s: %v", to.Address, err)
		}
		subject := decodeHeader(t, msg.Header.Get("Subject"))
		if lang := c.language; subject != subjects[lang] {
			t.Errorf("%s (%s) got subject %q; want the %s one, %q", to.Address, lang, subject, lang, subjects[lang])
		}
		for _, part := range []string{"Content-Type: text/plain", "Content-Type: text/html"} {
			if !bytes.Contains(raw, []byte(part)) {
				t.Errorf("message to %s has no %s part", to.Address, part)
			}
		}
		// An emergency: a link to the preferences page, no one-click
		// unsubscribe (nobody can leave emergencies).
		if u, p := msg.Header.Get("List-Unsubscribe"), msg.Header.Get("List-Unsubscribe-Post"); u != "" || p != "" {
			t.Errorf("message to %s: List-Unsubscribe %q, List-Unsubscribe-Post %q; want none in an emergency", to.Address, u, p)
		}
		if e := emltest.Read(t, raw); !strings.Contains(e.Text, ": https://water.example/unsubscribe/") || !strings.Contains(e.HTML, `<a href="https://water.example/unsubscribe/`) {
			t.Errorf("message to %s has no preferences link in its text and HTML footers", to.Address)
		}
	}
	for addr := range want {
		if got[addr] != 1 {
			t.Errorf("%s received %d messages; want exactly 1", addr, got[addr])
		}
	}
	r := report(t, s, id)
	if c := r.Channel(notices.Email); c.Sent != 500 || c.Total != 500 || c.Failed+c.Queued+c.Sending != 0 {
		t.Errorf("report: %+v; want 500 sent", c)
	}
	if r.Notice.Status != notices.Done {
		t.Errorf("notice is %s after the send; want done", r.Notice.Status)
	}
	for _, dl := range deliveries(t, s, id, notices.Email) {
		if dl.Status != notices.DeliverySent || dl.Attempts != 1 || dl.ProviderID == "" || dl.SentAt.IsZero() {
			t.Errorf("delivery %d: %s after %d attempts, provider id %q, sent %v; want sent once with an id", dl.ID, dl.Status, dl.Attempts, dl.ProviderID, dl.SentAt)
		}
	}
}

func decodeHeader(t testing.TB, v string) string {
	t.Helper()
	dec := new(mime.WordDecoder)
	s, err := dec.DecodeHeader(v)
	if err != nil {
		t.Fatalf("header %q: %v", v, err)
	}
	return s
}
