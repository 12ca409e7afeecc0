package notices

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/crier-notices/crier/templates"
)

// hydrant returns the built-in hydrant-flushing template (English original,
// Spanish translation) and its example values.
func hydrant(t testing.TB) (*templates.Family, map[string]string) {
	t.Helper()
	lib, _ := templates.Builtin()
	fam, err := lib.Family("hydrant-flushing")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(fam.Languages(), []string{"en", "es"}) {
		t.Fatalf("hydrant-flushing has languages %v; the tests expect en, es", fam.Languages())
	}
	return fam, fam.Examples()
}

// deliveries reads every delivery of notice id.
func deliveries(t testing.TB, s *Store, id int64) []Delivery {
	t.Helper()
	var ds []Delivery
	if err := s.EachDelivery(context.Background(), id, func(d Delivery) error { ds = append(ds, d); return nil }); err != nil {
		t.Fatal(err)
	}
	return ds
}

func countDeliveries(t testing.TB, s *Store) int {
	t.Helper()
	ns, err := s.Notices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, nt := range ns {
		n += len(deliveries(t, s, nt.ID))
	}
	return n
}

// TestPublishQueuesTheResolvedAudience publishes notices over a generated
// data set whose right numbers are known (see gen): each channel gets
// exactly the contacts Resolve counts as reached, each once, with its
// address and language frozen.
func TestPublishQueuesTheResolvedAudience(t *testing.T) {
	const n = 3000
	ctx := context.Background()
	s := testStore(t)
	generate(t, s, n)
	fam, values := hydrant(t)
	all := []Channel{Email, SMS, Print}
	tests := []struct {
		name     string
		a        Audience
		channels []Channel
		langs    []string
		fallback string // the language of contacts whose own is not among langs
	}{
		{"all contacts, every channel", Audience{}, all, nil, "en"},
		{"list north by sms", Audience{Lists: []string{"north"}}, []Channel{SMS}, nil, "en"},
		{"zone 1 on Elm Street, email and print", Audience{Zones: []string{"1"}, Streets: []string{"elm"}}, []Channel{Email, Print}, nil, "en"},
		{"spanish speakers", Audience{Languages: []string{"es"}}, all, nil, "en"},
		{"route R1 with email, in Spanish only", Audience{Attributes: map[string]string{"route": "R1"}, Has: []Channel{Email}}, all, []string{"es"}, "es"},
		{"a filter that selects nobody", Audience{Zones: []string{"9"}}, all, nil, "en"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, err := s.CreateNotice(ctx, Notice{Template: fam.Name, Values: values, Languages: tc.langs, Audience: tc.a, Channels: tc.channels})
			if err != nil {
				t.Fatal(err)
			}
			resolved, err := s.Resolve(ctx, tc.a)
			if err != nil {
				t.Fatal(err)
			}
			sum, err := s.Publish(ctx, id, fam, "en")
			if err != nil {
				t.Fatal(err)
			}
			want := expect(tc.a, n)
			if sum.Contacts != want.Contacts || sum.Fallback != tc.fallback {
				t.Errorf("summary: %d contacts, fallback %q; want %d, %q", sum.Contacts, sum.Fallback, want.Contacts, tc.fallback)
			}
			byChannel := map[Channel]int{}
			seen := map[Channel]map[int64]bool{}
			for _, d := range deliveries(t, s, id) {
				byChannel[d.Channel]++
				if seen[d.Channel] == nil {
					seen[d.Channel] = map[int64]bool{}
				}
				if seen[d.Channel][d.ContactID] {
					t.Errorf("contact %d has two %s deliveries", d.ContactID, d.Channel)
				}
				seen[d.Channel][d.ContactID] = true
				g := gen(int(d.ContactID))
				if !g.matches(tc.a) {
					t.Errorf("contact %d is not in the audience but has a delivery", d.ContactID)
				}
				addr := map[Channel]string{Email: g.email, SMS: g.mobile, Print: g.postal}[d.Channel]
				lang, ok := templates.MatchLanguage(g.language, sum.Languages) // es-MX reads es
				if !ok {
					lang = tc.fallback
				}
				if d.Address != addr || d.Language != lang || d.Name != fmt.Sprintf("Customer %d", g.i) || d.Status != DeliveryQueued || d.Attempts != 0 ||
					!d.NextAttemptAt.Equal(s.Now()) || d.ClaimedBy != "" || !d.LeaseUntil.IsZero() {
					t.Errorf("delivery %+v; want address %q, language %q, queued and due now", d, addr, lang)
				}
				if d.Channel == Email && (g.emailSupp || g.emailUnsub) || d.Channel == SMS && (g.smsSupp || g.smsUnsub) {
					t.Errorf("contact %d is suppressed or unsubscribed on %s but has a delivery", d.ContactID, d.Channel)
				}
			}
			for _, ch := range all {
				got := sum.Channel(ch)
				if !slices.Contains(tc.channels, ch) {
					if byChannel[ch] != 0 || got.Queued != 0 {
						t.Errorf("%s is not a channel of the notice but has %d deliveries", ch, byChannel[ch])
					}
					continue
				}
				if got.ChannelCount != resolved.Channel(ch) || got.ChannelCount != want.Channel(ch) {
					t.Errorf("%s counts %+v; Resolve says %+v, the data %+v", ch, got.ChannelCount, resolved.Channel(ch), want.Channel(ch))
				}
				if got.Queued != want.Channel(ch).Reached || got.Duplicates != 0 || byChannel[ch] != got.Queued {
					t.Errorf("%s: queued %d (%d rows), %d duplicates; want %d, none", ch, got.Queued, byChannel[ch], got.Duplicates, want.Channel(ch).Reached)
				}
			}
			wantStatus := Sending
			if sum.Queued() == 0 && !slices.Contains(tc.channels, Print) {
				wantStatus = Done // a notice that prints owes its flyer even to nobody
			}
			if tc.name != "a filter that selects nobody" && sum.Queued() == 0 {
				t.Errorf("the case queues nothing: make it test something")
			}
			nt, err := s.Notice(ctx, id)
			if err != nil || nt.Status != wantStatus || sum.Status != wantStatus || !nt.PublishedAt.Equal(s.Now()) {
				t.Errorf("after publishing the notice is %s (summary %s), published %v, %v; want %s", nt.Status, sum.Status, nt.PublishedAt, err, wantStatus)
			}
		})
	}
}

// TestPublishHouseholds checks the frozen language with its fallback,
// suppressions, and addresses shared by several contacts, on contacts
// written by hand.
func TestPublishHouseholds(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	contacts := []Contact{
		{Account: "FR", Name: "Aimée", Email: "aimee@example.org", Language: "fr"},
		{Account: "ES", Name: "Ana", Email: "ana@example.org", Mobile: "+13155550101", Language: "es"},
		{Account: "NONE", Name: "Bob", Email: "bob@example.org"},
		{Account: "EN", Name: "Cy", Email: "Cy@Example.org", Language: "en"},
		{Account: "SUPP", Name: "Dee", Email: "dee@example.org", Mobile: "+13155550102"},
		{Account: "HOUSE-1", Name: "Eve", Mobile: "+13155550199", Language: "es"},
		{Account: "HOUSE-2", Name: "Fay", Mobile: "+13155550199"},
		{Account: "HOUSE-3", Name: "Gus", Mobile: "+13155550199", Language: "fr"},
		{Account: "PAPER-1", Name: "Hal", PostalAddress: "1 Elm Street, Clearwater"},
		{Account: "PAPER-2", Name: "Ida", PostalAddress: "1 Elm Street, Clearwater"},
		{Account: "NOWHERE", Name: "Jo"},
	}
	for _, c := range contacts {
		if _, err := s.SaveContact(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	// Suppressions are keyed by the lower-cased address, whatever the
	// contact's spelling.
	for _, a := range []string{"DEE@example.org", "+13155550102"} {
		if _, _, err := s.Suppress(ctx, a, Manual, "", "test"); err != nil {
			t.Fatal(err)
		}
	}
	fam, values := hydrant(t)
	id, err := s.CreateNotice(ctx, Notice{Template: fam.Name, Values: values, Channels: []Channel{Email, SMS, Print}})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := s.Publish(ctx, id, fam, "en")
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		account string
		ch      Channel
		address string
		lang    string
	}
	ids := map[int64]string{}
	for _, c := range contacts {
		got, err := s.Contact(ctx, c.Account)
		if err != nil {
			t.Fatal(err)
		}
		ids[got.ID] = c.Account
	}
	var got []row
	for _, d := range deliveries(t, s, id) {
		got = append(got, row{ids[d.ContactID], d.Channel, d.Address, d.Language})
	}
	want := []row{
		{"FR", Email, "aimee@example.org", "en"}, // no French translation: the default
		{"ES", Email, "ana@example.org", "es"},
		{"NONE", Email, "bob@example.org", "en"},
		{"EN", Email, "Cy@Example.org", "en"}, // as stored: the suppression check folds case, the address does not
		{"ES", SMS, "+13155550101", "es"},
		{"HOUSE-1", SMS, "+13155550199", "es"}, // one text for the three who share the mobile: the first contact's
		{"PAPER-1", Print, "1 Elm Street, Clearwater", "en"},
	}
	// Dee is suppressed on both channels; Jo has no address at all.
	if !slices.Equal(got, want) {
		t.Errorf("deliveries\n got %v\nwant %v", got, want)
	}
	wantSum := []ChannelSummary{
		{ChannelCount{Channel: Email, Reached: 4, NoAddress: 6, Suppressed: 1}, 4, 0},
		{ChannelCount{Channel: SMS, Reached: 4, NoAddress: 6, Suppressed: 1}, 2, 2},
		{ChannelCount{Channel: Print, Reached: 2, NoAddress: 1}, 1, 1},
	}
	if !slices.Equal(sum.Channels, wantSum) || sum.Contacts != len(contacts) || sum.Status != Sending {
		t.Errorf("summary\n got %+v\nwant %+v", sum, wantSum)
	}
}

func TestPublishLanguages(t *testing.T) {
	ctx := context.Background()
	fam, values := hydrant(t)
	tests := []struct {
		name        string
		langs       []string
		defaultLang string
		want        map[string]string // contact language -> frozen language
		code        Code
	}{
		{"every language, default en", nil, "en", map[string]string{"fr": "en", "es": "es", "": "en", "en": "en", "es-MX": "es", "en-GB": "en"}, ""},
		{"every language, default es", nil, "es", map[string]string{"fr": "es", "es": "es", "": "es", "en": "en", "es-MX": "es", "en-GB": "en"}, ""},
		{"a default the template lacks: the original's", nil, "de", map[string]string{"fr": "en", "es": "es", "": "en", "en": "en", "es-MX": "es", "en-GB": "en"}, ""},
		{"Spanish only", []string{"es"}, "en", map[string]string{"fr": "es", "es": "es", "": "es", "en": "es", "es-MX": "es", "en-GB": "es"}, ""},
		{"languages written otherwise", []string{"EN", "es_mx"}, "en", nil, Invalid},
		{"languages in capitals", []string{"EN", "ES"}, "es", map[string]string{"fr": "es", "es": "es", "": "es", "en": "en", "es-MX": "es", "en-GB": "en"}, ""},
		{"a language the template lacks", []string{"en", "fr"}, "en", nil, Invalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := testStore(t)
			for _, l := range []string{"fr", "es", "", "en", "es-MX", "en-GB"} {
				if _, err := s.SaveContact(ctx, Contact{Account: "A-" + l, Mobile: "+1315555" + map[string]string{"fr": "0001", "es": "0002", "": "0003", "en": "0004", "es-MX": "0005", "en-GB": "0006"}[l], Language: l}); err != nil {
					t.Fatal(err)
				}
			}
			id, err := s.CreateNotice(ctx, Notice{Template: fam.Name, Values: values, Languages: tc.langs, Channels: []Channel{SMS}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.Publish(ctx, id, fam, tc.defaultLang)
			if tc.code != "" {
				if ErrorCode(err) != tc.code || countDeliveries(t, s) != 0 {
					t.Errorf("Publish: %v with %d deliveries; want code %s and none", err, countDeliveries(t, s), tc.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, d := range deliveries(t, s, id) {
				got[map[string]string{"+13155550001": "fr", "+13155550002": "es", "+13155550003": "", "+13155550004": "en", "+13155550005": "es-MX", "+13155550006": "en-GB"}[d.Address]] = d.Language
			}
			if len(got) != len(tc.want) {
				t.Errorf("got %v; want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("a contact speaking %q gets %q; want %q", k, got[k], v)
				}
			}
		})
	}
}

// TestPublishRefuses checks what Publish refuses, and that a refusal
// writes nothing and leaves the notice a draft.
func TestPublishRefuses(t *testing.T) {
	ctx := context.Background()
	fam, values := hydrant(t)
	lib, _ := templates.Builtin()
	other, err := lib.Family("main-break")
	if err != nil {
		t.Fatal(err)
	}
	bad := map[string]string{"area": "Zone 3", "start_date": "someday", "colour": "blue"}
	tests := []struct {
		name   string
		values map[string]string
		fam    *templates.Family
		setup  func(t *testing.T, s *Store) context.Context
		code   Code
	}{
		{"values that do not fill", bad, fam, nil, Invalid},
		{"another template", values, other, nil, Invalid},
		{"no template", values, nil, nil, Invalid},
		{"a failure in the middle", values, fam, func(t *testing.T, s *Store) context.Context {
			// The email deliveries are written, then the first SMS one fails:
			// everything must roll back.
			failSMSDeliveries(t, s)
			return context.Background()
		}, Internal},
		{"a context cancelled before it begins", values, fam, func(t *testing.T, s *Store) context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, Internal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := testStore(t)
			generate(t, s, 500)
			id, err := s.CreateNotice(ctx, Notice{Template: "hydrant-flushing", Values: tc.values, Channels: []Channel{Email, SMS, Print}})
			if err != nil {
				t.Fatal(err)
			}
			pctx := ctx
			if tc.setup != nil {
				pctx = tc.setup(t, s)
			}
			_, err = s.Publish(pctx, id, tc.fam, "en")
			if err == nil || ErrorCode(err) != tc.code {
				t.Fatalf("Publish: %v; want code %s", err, tc.code)
			}
			if tc.name == "values that do not fill" {
				var ves templates.ValueErrors
				var fields []string
				if errors.As(err, &ves) {
					for _, ve := range ves {
						fields = append(fields, ve.Field)
					}
				}
				if want := []string{"start_date", "end_date", "start_time", "end_time", "colour"}; !slices.Equal(fields, want) {
					t.Errorf("value errors for %v; want %v (%v)", fields, want, err)
				}
			}
			if n := countDeliveries(t, s); n != 0 {
				t.Errorf("%d deliveries written; want none", n)
			}
			nt, err := s.Notice(ctx, id)
			if err != nil || nt.Status != Draft || !nt.PublishedAt.IsZero() {
				t.Errorf("the notice is %s, published %v, %v; want an unpublished draft", nt.Status, nt.PublishedAt, err)
			}
			if tc.name == "a failure in the middle" {
				// Once the fault is gone, the same notice publishes.
				execAll(t, s, map[string][]string{"sqlite": {`DROP TRIGGER fail`}, "postgres": {`DROP TRIGGER fail ON deliveries`}})
				if sum, err := s.Publish(ctx, id, fam, "en"); err != nil || sum.Queued() != countDeliveries(t, s) || sum.Queued() == 0 {
					t.Errorf("publishing after the fault: %+v, %v", sum, err)
				}
			}
		})
	}
}

// failSMSDeliveries makes the store fail, as a full disk would, to
// write a delivery by text message: a trigger "fail" on deliveries.
func failSMSDeliveries(t *testing.T, s *Store) {
	t.Helper()
	execAll(t, s, map[string][]string{
		"sqlite": {`CREATE TRIGGER fail BEFORE INSERT ON deliveries WHEN NEW.channel = 'sms'
			BEGIN SELECT RAISE(ABORT, 'injected failure'); END`},
		"postgres": {`CREATE FUNCTION fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`,
			`CREATE TRIGGER fail BEFORE INSERT ON deliveries FOR EACH ROW WHEN (NEW.channel = 'sms') EXECUTE FUNCTION fail()`},
	})
}

// execAll runs the statements of the store's engine: a fault only raw
// SQL can make.
func execAll(t *testing.T, s *Store, byEngine map[string][]string) {
	t.Helper()
	for _, q := range byEngine[s.Engine()] {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPublishTwiceAndCancel(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	generate(t, s, 600)
	fam, values := hydrant(t)
	id, err := s.CreateNotice(ctx, Notice{Template: fam.Name, Values: values, Channels: []Channel{Email, SMS}})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := s.Publish(ctx, id, fam, "en")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Publish(ctx, id, fam, "en"); ErrorCode(err) != Conflict {
		t.Errorf("publishing twice: %v; want a conflict", err)
	}
	if n := countDeliveries(t, s); n != sum.Queued() {
		t.Errorf("%d deliveries after the second attempt; want %d", n, sum.Queued())
	}
	// A dispatcher has sent two and holds a third.
	held := claim(t, s, Email, "w1", id, 3)
	record(t, s, Outcome{ID: held[0].ID, Status: DeliverySent, Attempted: true}, Outcome{ID: held[1].ID, Status: DeliverySent, Attempted: true})
	n, err := s.CancelNotice(ctx, id)
	if err != nil || n != sum.Queued()-3 {
		t.Errorf("CancelNotice: %d, %v; want %d", n, err, sum.Queued()-3)
	}
	statuses := map[DeliveryStatus]int{}
	for _, d := range deliveries(t, s, id) {
		statuses[d.Status]++
	}
	if want := map[DeliveryStatus]int{DeliverySent: 2, DeliverySending: 1, DeliveryCancelled: sum.Queued() - 3}; len(statuses) != len(want) ||
		statuses[DeliverySent] != 2 || statuses[DeliverySending] != 1 || statuses[DeliveryCancelled] != sum.Queued()-3 {
		t.Errorf("statuses %v; want %v", statuses, want)
	}
	if nt, _ := s.Notice(ctx, id); nt.Status != Cancelled {
		t.Errorf("the notice is %s; want cancelled", nt.Status)
	}
	if _, err := s.CancelNotice(ctx, id); ErrorCode(err) != Conflict {
		t.Errorf("cancelling twice: %v; want a conflict", err)
	}
	if _, err := s.Publish(ctx, id, fam, "en"); ErrorCode(err) != Conflict {
		t.Errorf("publishing a cancelled notice: %v; want a conflict", err)
	}
	if _, err := s.CancelNotice(ctx, 999); ErrorCode(err) != NotFound {
		t.Errorf("cancelling notice 999: %v; want not found", err)
	}
	// A draft cancels too, with nothing queued.
	draft, err := s.CreateNotice(ctx, Notice{Template: fam.Name, Channels: []Channel{Email}})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.CancelNotice(ctx, draft); n != 0 || err != nil {
		t.Errorf("cancelling a draft: %d, %v", n, err)
	}
}

func TestPublishSendTime(t *testing.T) {
	ctx := context.Background()
	fam, values := hydrant(t)
	tests := []struct {
		name   string
		sendAt time.Duration // from the store's now; 0 for none
		status NoticeStatus
	}{
		{"at once", 0, Sending},
		{"a time passed", -time.Hour, Sending},
		{"a time to come", 49 * time.Hour, Scheduled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := testStore(t)
			generate(t, s, 300)
			var sendAt time.Time
			if tc.sendAt != 0 {
				sendAt = s.Now().Add(tc.sendAt).In(time.FixedZone("EST", -5*3600))
			}
			id, err := s.CreateNotice(ctx, Notice{Template: fam.Name, Values: values, Channels: []Channel{Email, SMS, Print}, SendAt: sendAt})
			if err != nil {
				t.Fatal(err)
			}
			sum, err := s.Publish(ctx, id, fam, "en")
			if err != nil {
				t.Fatal(err)
			}
			due := s.Now()
			if tc.status == Scheduled {
				due = sendAt
			}
			nt, _ := s.Notice(ctx, id)
			if sum.Status != tc.status || nt.Status != tc.status || !sum.Due.Equal(due) || !nt.SendAt.Equal(sendAt) {
				t.Errorf("status %s (stored %s), due %v, send at %v; want %s, due %v", sum.Status, nt.Status, sum.Due, nt.SendAt, tc.status, due)
			}
			if tc.status == Scheduled {
				// Checked and counted now; published at its time, with the
				// audience of that moment: a customer added meanwhile counts.
				if len(deliveries(t, s, id)) != 0 || !nt.PublishedAt.IsZero() || sum.Channel(Email).Reached == 0 || sum.Queued() != 0 {
					t.Fatalf("scheduled: %d deliveries, published %v, email reaches %d, queued %d; want none, not yet, some, 0",
						len(deliveries(t, s, id)), nt.PublishedAt, sum.Channel(Email).Reached, sum.Queued())
				}
				if _, err := s.SaveContact(ctx, Contact{Account: "new", Name: "New Neighbour", Email: "new@example.org"}); err != nil {
					t.Fatal(err)
				}
				s.Now = func() time.Time { return sendAt }
				if sum, err = s.Publish(ctx, id, fam, "en"); err != nil {
					t.Fatal(err)
				}
				due = sendAt
				newcomer := slices.ContainsFunc(deliveries(t, s, id), func(d Delivery) bool { return d.Address == "new@example.org" })
				if sum.Status != Sending || !newcomer {
					t.Errorf("at the send time: %s, the customer added meanwhile queued: %v; want sending, true", sum.Status, newcomer)
				}
			}
			ds := deliveries(t, s, id)
			if len(ds) == 0 {
				t.Fatal("no deliveries")
			}
			for _, d := range ds {
				if !d.NextAttemptAt.Equal(due) {
					t.Fatalf("delivery due %v; want %v", d.NextAttemptAt, due)
				}
			}
		})
	}
}

// TestPublishMillion publishes a notice on every channel to 1,000,000
// generated contacts and times it. Run it with CRIER_BIG=1.
func TestPublishMillion(t *testing.T) {
	if os.Getenv("CRIER_BIG") == "" {
		t.Skip("set CRIER_BIG=1 to publish a notice to 1,000,000 generated contacts")
	}
	const n = 1_000_000
	ctx := context.Background()
	s := testStore(t)
	start := time.Now()
	generate(t, s, n)
	t.Logf("generated %d contacts in %v", n, time.Since(start).Round(time.Millisecond))
	fam, values := hydrant(t)
	id, err := s.CreateNotice(ctx, Notice{Template: fam.Name, Values: values, Channels: []Channel{Email, SMS, Print}})
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	sum, err := s.Publish(ctx, id, fam, "en")
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("published %d deliveries in %v", sum.Queued(), took.Round(time.Millisecond))
	want := expect(Audience{}, n)
	for _, c := range sum.Channels {
		t.Logf("%-5s queued %7d  no address %7d  suppressed %6d  unsubscribed %6d  duplicates %d", c.Channel, c.Queued, c.NoAddress, c.Suppressed, c.Unsubscribed, c.Duplicates)
		if c.Queued != want.Channel(c.Channel).Reached {
			t.Errorf("%s: queued %d; want %d", c.Channel, c.Queued, want.Channel(c.Channel).Reached)
		}
	}
	if took > 10*time.Second {
		t.Errorf("publishing took %v; want a few seconds", took)
	}
	start = time.Now()
	cancelled, err := s.CancelNotice(ctx, id)
	if err != nil || cancelled != sum.Queued() {
		t.Errorf("CancelNotice: %d, %v", cancelled, err)
	}
	t.Logf("cancelled %d deliveries in %v", cancelled, time.Since(start).Round(time.Millisecond))
}
