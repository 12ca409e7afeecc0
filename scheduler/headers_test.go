package scheduler_test

import (
	"context"
	"testing"
	"time"

	"github.com/crier-notices/crier/internal/emltest"
	"github.com/crier-notices/crier/internal/testenv"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
)

// TestHeadersAsTyped sends a notice whose area and whose customers' names
// look like RFC 2047 encoded words, and reads each email as a mail client
// does: the subject (as Mailpit shows it) and the name are what was typed.
func TestHeadersAsTyped(t *testing.T) {
	mp := testenv.Mailpit(t)
	s, lib := newStore(t), library(t)
	names := []string{"Ana =?utf-8?q?x?= Bcc", "Bo =?utf-8?b?QmNjOiBldmlsQGV4YW1wbGUuY29t?=", "Peña =?utf-8?q?x?=", "Ana  Customer"}
	importContacts(t, s, "all", len(names), func(i int) customer {
		c := gen(i)
		c.name, c.language = names[i-1], "en"
		return c
	})
	const area = "Elm =?utf-8?q?Street?= Bcc: evil@example.com"
	fam, err := lib.Family("boil-water-advisory")
	if err != nil {
		t.Fatal(err)
	}
	values := fam.Examples()
	values["area"] = area
	ctx := context.Background()
	id, err := s.CreateNotice(ctx, notices.Notice{Template: "boil-water-advisory", Values: values,
		Audience: notices.Audience{Lists: []string{"all"}}, Channels: []notices.Channel{notices.Email}, Urgency: notices.Emergency})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Publish(ctx, id, fam, "en"); err != nil {
		t.Fatal(err)
	}
	d := newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{notices.Email: {Sender: mailpitSender(t, mp, 1), Concurrency: 1}})
	drain(t, d, time.Minute)

	got := map[string]testenv.MailpitSummary{}
	for _, m := range mp.Messages(t) {
		if len(m.To) != 1 {
			t.Fatalf("message %s has recipients %+v; want one", m.ID, m.To)
		}
		got[m.To[0].Address] = m
	}
	for i, name := range names {
		addr := gen(i + 1).email
		m, ok := got[addr]
		if !ok {
			t.Errorf("%s (%q) got no email", addr, name)
			continue
		}
		// Read with net/mail: Mailpit (enmime) decodes a display name a
		// second time after parsing it, which no sender can prevent.
		to, err := emltest.Read(t, mp.Raw(t, m.ID)).Header.AddressList("To")
		if err != nil || len(to) != 1 || to[0].Name != name {
			t.Errorf("%s is addressed as %v (%v); want %q", addr, to, err, name)
		}
		if want := "Boil Water Advisory for " + area; m.Subject != want {
			t.Errorf("%s got the subject %q; want %q", addr, m.Subject, want)
		}
	}
	if len(got) != len(names) {
		t.Errorf("Mailpit holds emails for %d addresses; want %d", len(got), len(names))
	}
}
