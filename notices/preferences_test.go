package notices

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/crier-notices/crier/templates"
)

// family returns the built-in template family name and its example values.
func family(t testing.TB, name string) (*templates.Family, map[string]string) {
	t.Helper()
	lib, _ := templates.Builtin()
	fam, err := lib.Family(name)
	if err != nil {
		t.Fatal(err)
	}
	return fam, fam.Examples()
}

// publishFamily creates and publishes an email notice of template name
// to every contact, with the urgency u.
func publishFamily(t testing.TB, s *Store, name string, u Urgency) (int64, PublishSummary) {
	t.Helper()
	ctx := context.Background()
	fam, values := family(t, name)
	id, err := s.CreateNotice(ctx, Notice{Template: fam.Name, Values: values, Channels: []Channel{Email}, Urgency: u})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := s.Publish(ctx, id, fam, "en")
	if err != nil {
		t.Fatal(err)
	}
	return id, sum
}

func emailsOf(t testing.TB, s *Store, id int64) []string {
	t.Helper()
	var out []string
	for _, d := range deliveriesOn(t, s, id, Email) {
		out = append(out, d.Address)
	}
	return out
}

// TestOptOutLeavesOutTheCategoryOnly: an address that opted out of service
// notices (spelt in capitals: the choice is the address's, case folded) is
// counted and left out of every service notice, for every contact sharing
// it and after a re-import, and still gets information notices and every
// emergency, a service template sent as an emergency too.
func TestOptOutLeavesOutTheCategoryOnly(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	cs := addContacts(t, s, "c", 3)
	// A second account of c-1's household, same mailbox.
	if _, err := s.SaveContact(ctx, Contact{Account: "c-1b", Email: "C1@Example.org"}); err != nil {
		t.Fatal(err)
	}
	changed, err := s.OptOut(ctx, strings.ToUpper(cs[0].Email), templates.Service, 0, OneClick)
	if err != nil || !changed {
		t.Fatalf("OptOut: %v, changed %v", err, changed)
	}
	if again, err := s.OptOut(ctx, cs[0].Email, templates.Service, 0, OneClick); err != nil || again {
		t.Fatalf("opting out twice: %v, changed %v; want no error and no change", err, again)
	}
	// An import rewrites the contact: the choice stays.
	cs[0].Name = "Renamed by an import"
	if _, err := s.SaveContact(ctx, cs[0]); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		template string
		urgency  Urgency
		cat      templates.Category
		optedOut int
	}{
		{"service notice", "planned-service-interruption", Normal, templates.Service, 2},
		{"information notice", "hydrant-flushing", Normal, templates.Information, 0},
		{"emergency notice", "boil-water-advisory", Emergency, templates.Emergency, 0},
		{"service template sent as an emergency", "planned-service-interruption", Emergency, templates.Emergency, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := s.ResolveFor(ctx, Audience{}, tc.cat)
			if err != nil {
				t.Fatal(err)
			}
			e := res.Channel(Email)
			if e.OptedOut != tc.optedOut || e.Reached != 4-tc.optedOut {
				t.Errorf("ResolveFor(%s): reached %d, opted out %d; want %d and %d", tc.cat, e.Reached, e.OptedOut, 4-tc.optedOut, tc.optedOut)
			}
			id, sum := publishFamily(t, s, tc.template, tc.urgency)
			if got := sum.Channel(Email).OptedOut; got != tc.optedOut {
				t.Errorf("publish summary: opted out %d; want %d", got, tc.optedOut)
			}
			n, _ := s.Notice(ctx, id)
			if n.Category != tc.cat || n.OptedOut != tc.optedOut {
				t.Errorf("the notice keeps category %q, opted out %d; want %q, %d", n.Category, n.OptedOut, tc.cat, tc.optedOut)
			}
			got := emailsOf(t, s, id)
			if reached := slices.ContainsFunc(got, func(a string) bool { return strings.EqualFold(a, cs[0].Email) }); reached != (tc.optedOut == 0) {
				t.Errorf("deliveries %v: c1's address there is %v; want %v", got, reached, tc.optedOut == 0)
			}
		})
	}

	if _, err := s.OptOut(ctx, cs[1].Email, templates.Emergency, 0, OneClick); ErrorCode(err) != Invalid {
		t.Errorf("opting out of emergencies: %v; want Invalid", err)
	}
	if _, err := s.OptOut(ctx, cs[1].Mobile, templates.Service, 0, OneClick); ErrorCode(err) != Invalid {
		t.Errorf("opting a phone number out: %v; want Invalid", err)
	}
}

// TestSetEmailPreferences: the page's choices replace the address's
// opt-outs, and opting back in reaches the address again.
func TestSetEmailPreferences(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	cs := addContacts(t, s, "c", 1)
	addr := cs[0].Email
	steps := []struct {
		name    string
		wanted  map[templates.Category]bool
		changed bool
		out     []templates.Category
	}{
		{"neither", map[templates.Category]bool{}, true, []templates.Category{templates.Service, templates.Information}},
		{"the same again", map[templates.Category]bool{templates.Emergency: false}, false, []templates.Category{templates.Service, templates.Information}},
		{"information back", map[templates.Category]bool{templates.Information: true}, true, []templates.Category{templates.Service}},
		{"both", map[templates.Category]bool{templates.Service: true, templates.Information: true}, true, nil},
	}
	for _, st := range steps {
		changed, err := s.SetEmailPreferences(ctx, addr, st.wanted, 0, PreferencesPage)
		if err != nil {
			t.Fatal(err)
		}
		out, err := s.OptedOut(ctx, addr)
		if err != nil {
			t.Fatal(err)
		}
		if changed != st.changed || !slices.Equal(out, st.out) {
			t.Errorf("%s: changed %v, opted out of %v; want %v, %v", st.name, changed, out, st.changed, st.out)
		}
	}
	var events int
	if err := s.db.QueryRow(`SELECT count(*) FROM email_opt_out_events WHERE address = ?`, addr).Scan(&events); err != nil || events != 4 {
		t.Errorf("%d events recorded (%v); want 4: two opt-outs, two opt-ins", events, err)
	}
}

// TestClaimSkipsWhatWasOptedOutAfterPublishing: an address that opts out
// of a notice's category after it was published is not sent that notice,
// whether it opts out before the claim or during it; an emergency still
// goes.
func TestClaimSkipsWhatWasOptedOutAfterPublishing(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	cs := addContacts(t, s, "c", 2)
	service, _ := publishFamily(t, s, "planned-service-interruption", Normal)
	emergency, _ := publishFamily(t, s, "boil-water-advisory", Emergency)
	if _, err := s.OptOut(ctx, cs[0].Email, templates.Service, service, OneClick); err != nil {
		t.Fatal(err)
	}
	if _, err := s.OptOut(ctx, cs[0].Email, templates.Information, service, OneClick); err != nil {
		t.Fatal(err)
	}
	got := map[int64][]string{}
	for _, d := range claim(t, s, Email, "w", 0, 100) {
		got[d.NoticeID] = append(got[d.NoticeID], d.Address)
	}
	if want := []string{cs[1].Email}; !slices.Equal(got[service], want) {
		t.Errorf("service notice claimed for %v; want %v", got[service], want)
	}
	if want := []string{cs[0].Email, cs[1].Email}; !slices.Equal(got[emergency], want) {
		t.Errorf("emergency claimed for %v; want %v", got[emergency], want)
	}
	var held int64
	for _, d := range deliveriesOn(t, s, service, Email) {
		if d.Address == cs[0].Email && (d.Status != DeliverySuppressed || d.Error != SuppressedAfterPublishing) {
			t.Errorf("the opted-out delivery is %s (%q); want suppressed", d.Status, d.Error)
		}
		if d.Address == cs[1].Email {
			held = d.ID
		}
	}
	// c-2 opts out while its delivery is claimed: the dispatcher's fence
	// (its look, and its check before a send) learns it.
	if _, err := s.OptOut(ctx, cs[1].Email, templates.Service, service, OneClick); err != nil {
		t.Fatal(err)
	}
	if gone, err := s.HeldUnreachable(ctx, "w"); err != nil || !slices.Equal(gone, []int64{held}) {
		t.Errorf("HeldUnreachable: %v, %v; want [%d]", gone, err, held)
	}
	if st, err := s.Recheck(ctx, held, "w", lease); err != nil || !st.Held || !st.Unreachable {
		t.Errorf("Recheck: %+v, %v; want held and unreachable", st, err)
	}
}

// TestOpenUnsubscribeLink: the link opens with its token only; a token
// with one character changed, another delivery's token or an SMS
// delivery is not found, alike.
func TestOpenUnsubscribeLink(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	addContacts(t, s, "c", 2)
	id := publishNotice(t, s, Notice{Channels: []Channel{Email, SMS}})
	n, _ := s.Notice(ctx, id)
	email, sms := deliveriesOn(t, s, id, Email), deliveriesOn(t, s, id, SMS)
	tok := n.UnsubscribeToken(email[0].ID)
	got, err := s.OpenUnsubscribeLink(ctx, email[0].ID, tok)
	if err != nil || got.Delivery.Address != email[0].Address || got.Notice.ID != id {
		t.Fatalf("the right token: %+v, %v", got.Delivery, err)
	}
	altered := []byte(tok)
	altered[len(altered)/2] ^= 1
	for _, tc := range []struct {
		name  string
		id    int64
		token string
	}{
		{"one character changed", email[0].ID, string(altered)},
		{"another delivery's token", email[1].ID, tok},
		{"cut short", email[0].ID, tok[:21]},
		{"empty", email[0].ID, ""},
		{"an SMS delivery", sms[0].ID, n.UnsubscribeToken(sms[0].ID)},
		{"no such delivery", 99999, n.UnsubscribeToken(99999)},
	} {
		if _, err := s.OpenUnsubscribeLink(ctx, tc.id, tc.token); ErrorCode(err) != NotFound {
			t.Errorf("%s: %v; want NotFound", tc.name, err)
		}
	}
}
