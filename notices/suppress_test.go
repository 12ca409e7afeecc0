package notices

import (
	"context"
	"slices"
	"strings"
	"testing"
)

func TestNormalizerAddress(t *testing.T) {
	tests := []struct {
		name, in, want string
		ch             Channel
		bad            bool
	}{
		{name: "email lower-cased whole", in: " Ana.Diaz@Example.ORG ", want: "ana.diaz@example.org", ch: Email},
		{name: "national phone", in: "(315) 555-0142", want: "+13155550142", ch: SMS},
		{name: "E.164 phone", in: "+13155550142", want: "+13155550142", ch: SMS},
		{name: "empty", in: "  ", bad: true},
		{name: "bad email", in: "ana@", bad: true},
		{name: "too few digits", in: "555-01", bad: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ch, err := Normalizer{}.Address(tc.in)
			if tc.bad {
				if ErrorCode(err) != Invalid {
					t.Errorf("Address(%q) = %q, %v; want an Invalid error", tc.in, got, err)
				}
				return
			}
			if err != nil || got != tc.want || ch != tc.ch {
				t.Errorf("Address(%q) = %q %s %v; want %q %s", tc.in, got, ch, err, tc.want, tc.ch)
			}
		})
	}
}

func TestSuppressAndList(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	sup, added, err := s.Suppress(ctx, "(315) 555-0142", StopReply, "replied STOP", "twilio")
	if err != nil || !added || sup.Address != "+13155550142" || sup.Channel != SMS || sup.Reason != StopReply || sup.By != "twilio" || sup.At.IsZero() {
		t.Fatalf("Suppress: %+v %v %v", sup, added, err)
	}
	// A second suppression keeps the first.
	again, added, err := s.Suppress(ctx, "+13155550142", Manual, "again", "bo")
	if err != nil || added || again.Reason != StopReply || again.Note != "replied STOP" {
		t.Errorf("second Suppress: %+v %v %v", again, added, err)
	}
	if _, _, err := s.Suppress(ctx, "Ana@Example.org", "because", "", "bo"); ErrorCode(err) != Invalid {
		t.Errorf("a bad reason: %v", err)
	}
	if _, _, err := s.Suppress(ctx, "Ana@Example.org", HardBounce, "550 no such user", "smtp"); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Suppressed(ctx, "ANA@example.org")
	if err != nil || !ok || got.Address != "ana@example.org" || got.Reason != HardBounce || got.Note != "550 no such user" {
		t.Errorf("Suppressed: %+v %v %v", got, ok, err)
	}
	if _, ok, err := s.Suppressed(ctx, "bo@example.org"); ok || err != nil {
		t.Errorf("Suppressed of a free address: %v %v", ok, err)
	}
	var all []string
	if err := s.EachSuppression(ctx, func(sp Suppression) error { all = append(all, sp.Address+" "+string(sp.Reason)); return nil }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(all, ",") != "+13155550142 stop-reply,ana@example.org hard-bounce" {
		t.Errorf("EachSuppression: %v", all)
	}
}

// TestSuppressionSurvivesReimport is acceptance point 3: a suppressed
// address stays suppressed through re-import (SaveContact is what the
// import does to each row), and resubscribe records who and why.
func TestSuppressionSurvivesReimport(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	c := Contact{Account: "1001", Name: "Ana Díaz", Email: "Ana@example.org", Mobile: "+13155550142", Zone: "4"}
	if _, err := s.SaveContact(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Suppress(ctx, "+13155550142", StopReply, "", "twilio"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Suppress(ctx, "ana@example.org", UnsubscribeLink, "", "web"); err != nil {
		t.Fatal(err)
	}
	// The billing export comes again saying the customer is subscribed on
	// both channels (notices/importer's TestImportKeepsSuppressions
	// imports it through the importer).
	c.Name, c.EmailState, c.SMSState = "Ana Díaz Peña", Subscribed, Subscribed
	if _, err := s.SaveContact(ctx, c); err != nil {
		t.Fatalf("re-import: %v", err)
	}
	r, err := s.Resolve(ctx, Audience{Zones: []string{"4"}})
	if err != nil {
		t.Fatal(err)
	}
	if e, m := r.Channel(Email), r.Channel(SMS); r.Contacts != 1 || e.Reached != 0 || e.Suppressed != 1 || m.Reached != 0 || m.Suppressed != 1 {
		t.Errorf("after re-import: %+v", r)
	}
	for _, ch := range []Channel{Email, SMS} {
		if err := s.EachRecipient(ctx, Audience{}, ch, func(r Recipient) error {
			t.Errorf("%s goes to suppressed %s", ch, r.Address)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok, _ := s.Suppressed(ctx, "+13155550142"); !ok {
		t.Error("the number is no longer suppressed after re-import")
	}

	// Resubscribe needs a reason and a name.
	if _, err := s.Resubscribe(ctx, "+13155550142", " ", "coordinator"); ErrorCode(err) != Invalid {
		t.Errorf("resubscribe without a reason: %v", err)
	}
	if _, err := s.Resubscribe(ctx, "+13155550142", "customer called", ""); ErrorCode(err) != Invalid {
		t.Errorf("resubscribe without a name: %v", err)
	}
	res, err := s.Resubscribe(ctx, "(315) 555-0142", "customer called on 2026-11-28", "maria")
	if err != nil || res.Lifted == nil || res.Lifted.Reason != StopReply || res.Channel != SMS {
		t.Fatalf("Resubscribe: %+v %v", res, err)
	}
	if _, ok, _ := s.Suppressed(ctx, "+13155550142"); ok {
		t.Error("still suppressed after resubscribe")
	}
	hist, err := s.SuppressionHistory(ctx, "+13155550142")
	if err != nil || len(hist) != 2 || hist[0].Action != "suppressed" || hist[0].Reason != "stop-reply" || hist[0].By != "twilio" ||
		hist[1].Action != "resubscribed" || hist[1].Reason != "customer called on 2026-11-28" || hist[1].By != "maria" || hist[1].At.IsZero() {
		t.Errorf("history: %+v %v", hist, err)
	}
	r, _ = s.Resolve(ctx, Audience{})
	if m := r.Channel(SMS); m.Reached != 1 || m.Suppressed != 0 {
		t.Errorf("after resubscribe: %+v", m)
	}
	if r.Channel(Email).Suppressed != 1 {
		t.Errorf("the email suppression must stay: %+v", r.Channel(Email))
	}
	if _, err := s.Resubscribe(ctx, "+13155550142", "again", "maria"); ErrorCode(err) != NotFound {
		t.Errorf("resubscribe of a free, subscribed number: %v", err)
	}
}

// TestResubscribeSubscribesTheContacts: an unsubscribed contact with the
// address is subscribed again, and the change is recorded.
func TestResubscribeSubscribesTheContacts(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	if _, err := s.SaveContact(ctx, Contact{Account: "7", Email: "Bo@Example.org", EmailState: Unsubscribed}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Suppress(ctx, "bo@example.org", UnsubscribeLink, "", "web"); err != nil {
		t.Fatal(err)
	}
	res, err := s.Resubscribe(ctx, "BO@example.org", "signed the consent form", "maria")
	if err != nil || res.Contacts != 1 || res.Lifted == nil {
		t.Fatalf("Resubscribe: %+v %v", res, err)
	}
	c, _ := s.Contact(ctx, "7")
	if c.EmailState != Subscribed {
		t.Errorf("email state %s", c.EmailState)
	}
	changes, err := s.SubscriptionChanges(ctx, "7")
	i := slices.IndexFunc(changes, func(ch SubscriptionChange) bool { return ch.Channel == Email && ch.State == Subscribed })
	if err != nil || i < 0 || changes[i].How != "resubscribe: signed the consent form" || changes[i].By != "maria" {
		t.Errorf("subscription changes %+v, %v; want the resubscription by maria with its reason", changes, err)
	}
}

func TestSuppressionOfANonASCIIAddress(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	if _, err := s.SaveContact(ctx, Contact{Account: "1", Email: "Ünal.Öz@Example.org"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Suppress(ctx, "Ünal.Öz@example.org", Manual, "", "test"); err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := s.EachRecipient(ctx, Audience{}, Email, func(r Recipient) error { got = append(got, r.Address); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("a suppressed address with non-ASCII letters is still reached: %v", got)
	}
}
