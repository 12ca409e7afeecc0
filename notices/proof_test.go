package notices

import (
	"context"
	"fmt"
	"github.com/crier-notices/crier/templates"
	"slices"
	"testing"
)

// TestFallbacksSayWhatPublishDoes: for each choice of languages and
// default language, Fallbacks counts exactly the contacts whose delivery
// Publish then writes in another language than theirs, and names the
// language it writes.
func TestFallbacksSayWhatPublishDoes(t *testing.T) {
	ctx := context.Background()
	fam, values := hydrant(t)
	tests := []struct {
		name        string
		langs       []string
		defaultLang string
		want        []LanguageFallback
	}{
		{name: "every language, default en", defaultLang: "en",
			want: []LanguageFallback{{Language: "vi", Contacts: 2, Gets: "en"}, {Language: "fr", Contacts: 1, Gets: "en"}}},
		{name: "spanish only", langs: []string{"es"}, defaultLang: "en",
			want: []LanguageFallback{{Language: "en", Contacts: 3, Gets: "es"}, {Language: "vi", Contacts: 2, Gets: "es"}, {Language: "", Contacts: 1, Gets: "es"}, {Language: "fr", Contacts: 1, Gets: "es"}}},
		{name: "every language, default es-MX: es by the one rule", defaultLang: "es-MX",
			want: []LanguageFallback{{Language: "vi", Contacts: 2, Gets: "es"}, {Language: "fr", Contacts: 1, Gets: "es"}}},
		{name: "every language, default vi: the template's own", defaultLang: "vi",
			want: []LanguageFallback{{Language: "vi", Contacts: 2, Gets: "en"}, {Language: "", Contacts: 1, Gets: "en"}, {Language: "fr", Contacts: 1, Gets: "en"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testStore(t)
			langs := map[string]string{}
			for i, l := range []string{"en", "en", "en", "es", "es-MX", "vi", "vi", "fr", ""} {
				email := fmt.Sprintf("c%d@example.org", i)
				langs[email] = l
				if _, err := s.SaveContact(ctx, Contact{Account: fmt.Sprint(i), Email: email, Language: l}); err != nil {
					t.Fatal(err)
				}
			}
			n := Notice{Template: fam.Name, Values: values, Languages: tt.langs, Channels: []Channel{Email}}
			got, err := s.Fallbacks(ctx, n, fam, tt.defaultLang)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Fallbacks = %+v; want %+v", got, tt.want)
			}
			id, err := s.CreateNotice(ctx, n)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Publish(ctx, id, fam, tt.defaultLang); err != nil {
				t.Fatal(err)
			}
			moved := map[string]int{}
			for _, d := range deliveries(t, s, id) {
				own := langs[d.Address]
				if _, theirs := templates.MatchLanguage(own, []string{d.Language}); !theirs && !(own == "" && defaultTheirs(tt.defaultLang, d.Language)) {
					moved[own+">"+d.Language]++
				}
			}
			want := map[string]int{}
			for _, f := range tt.want {
				want[f.Language+">"+f.Gets] = f.Contacts
			}
			if fmt.Sprint(moved) != fmt.Sprint(want) {
				t.Errorf("Publish gave another language to %v; Fallbacks said %v", moved, want)
			}
		})
	}
}

// TestProofKeptApart: a proof's deliveries are queued at once, without a
// contact, ahead of normal notices (quiet hours do not hold them); the
// proof is not among Notices; NoticePending follows its deliveries.
func TestProofKeptApart(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	fam, values := hydrant(t)
	n := Notice{Template: fam.Name, Values: values, Languages: []string{"es"}, Channels: []Channel{Email, SMS}}
	to := []ProofAddress{{Channel: Email, Address: "me@example.org"}, {Channel: SMS, Address: "+13155550199"}}
	id, err := s.CreateProof(ctx, n, fam, to)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Notice(ctx, id)
	if err != nil || !p.Proof || p.Status != Sending {
		t.Fatalf("proof %d: %+v, %v; want a proof, sending", id, p, err)
	}
	if ns, err := s.Notices(ctx); err != nil || len(ns) != 0 {
		t.Errorf("Notices = %v, %v; want none (a proof is not a notice to list)", ns, err)
	}
	ds := deliveries(t, s, id)
	if len(ds) != 2 {
		t.Fatalf("%d deliveries; want 2", len(ds))
	}
	for _, d := range ds {
		if d.ContactID != 0 || d.Priority != priority(Emergency) || d.Language != "es" || d.Status != DeliveryQueued {
			t.Errorf("delivery %+v; want no contact, the emergencies' priority, es, queued", d)
		}
	}
	if pending, err := s.NoticePending(ctx, id); err != nil || !pending {
		t.Errorf("NoticePending = %v, %v; want true", pending, err)
	}
	if pending, err := s.NoticePending(ctx, id, Print); err != nil || pending {
		t.Errorf("NoticePending(print) = %v, %v; want false", pending, err)
	}

	refusals := []struct {
		name string
		n    Notice
		to   []ProofAddress
	}{
		{name: "two languages", n: Notice{Template: fam.Name, Values: values, Languages: []string{"en", "es"}, Channels: []Channel{Email}}, to: to[:1]},
		{name: "no address", n: n},
		{name: "a channel the notice leaves out", n: Notice{Template: fam.Name, Values: values, Languages: []string{"en"}, Channels: []Channel{Email}}, to: to[1:]},
		{name: "values missing", n: Notice{Template: fam.Name, Languages: []string{"en"}, Channels: []Channel{Email}}, to: to[:1]},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.CreateProof(ctx, tt.n, fam, tt.to); ErrorCode(err) != Invalid {
				t.Errorf("CreateProof: %v; want Invalid", err)
			}
		})
	}
}

// defaultTheirs reports whether a contact without a language, who reads the
// utility's default language def, reads got.
func defaultTheirs(def, got string) bool {
	_, ok := templates.MatchLanguage(def, []string{got})
	return ok
}
