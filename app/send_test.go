package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/channels/outbox"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
	"github.com/crier-notices/crier/templates"
)

// testApp is an App over a store in a temporary folder, the built-in
// library, and outbox channels, with a clock the test sets.
func testApp(t *testing.T) *App {
	t.Helper()
	dir := t.TempDir()
	s, err := notices.Open(context.Background(), filepath.Join(dir, "crier.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	lib, _ := templates.Builtin()
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	u := templates.Utility{Name: "Clearwater Water", Phone: "315-555-0100", Email: "notices@water.example.org", Address: "1 Main Street, Clearwater", Location: loc}
	box := outbox.New(filepath.Join(dir, "outbox"), "+13155550100")
	mc := scheduler.Config{Library: lib, Utility: u, DefaultLanguage: "en", Channels: map[notices.Channel]scheduler.Channel{
		notices.Email: {Sender: box, Concurrency: 1}, notices.SMS: {Sender: box, Concurrency: 1}}}
	return &App{Store: s, Library: lib, Utility: u, DefaultLanguage: "en", Messages: mc,
		ChannelNames: map[notices.Channel]string{notices.Email: "outbox", notices.SMS: "outbox"}}
}

// addContacts saves n contacts in zone, each with an email and a mobile.
func addContacts(t *testing.T, a *App, zone string, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		_, err := a.Store.SaveContact(context.Background(), notices.Contact{
			Account: fmt.Sprintf("%s-%d", zone, i), Name: fmt.Sprintf("Customer %d", i), Zone: zone,
			Email: fmt.Sprintf("%s%d@example.org", strings.ToLower(zone), i), Mobile: fmt.Sprintf("+131555501%02d", i)})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// advisory is a boil water advisory with every required value, to zone.
func advisory(zone string) NoticeRequest {
	return NoticeRequest{
		Template: "boil-water-advisory",
		Values: templates.Values{"area": "Oak Hill Road", "cause": "main-break",
			"occurred": "Saturday, November 28, 2026", "expected": "Monday, November 30, 2026"},
		Channels: []notices.Channel{notices.Email, notices.SMS},
		Audience: notices.Audience{Zones: []string{zone}},
	}
}

// problemOn returns the problem of err on field, failing when err is not
// an *InvalidError with one.
func problemOn(t *testing.T, err error, field string) Problem {
	t.Helper()
	var ie *InvalidError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v (%T), want an *InvalidError on %q", err, err, field)
	}
	for _, p := range ie.Problems {
		if p.Field == field {
			return p
		}
	}
	t.Fatalf("error %v has no problem on %q", err, field)
	return Problem{}
}

func TestComposeRefusesEachBadField(t *testing.T) {
	a := testApp(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		edit  func(*NoticeRequest)
		field string
		want  string
	}{
		{"missing value", func(r *NoticeRequest) { delete(r.Values, "area") }, "values.area", "required"},
		{"unknown field", func(r *NoticeRequest) { r.Values["colour"] = "blue" }, "values.colour", "colour"},
		{"no channel", func(r *NoticeRequest) { r.Channels = nil }, "channels", "at least one channel"},
		{"bad channel", func(r *NoticeRequest) { r.Channels = []notices.Channel{"fax"} }, "channels", `"fax" is not a channel`},
		{"missing language", func(r *NoticeRequest) { r.Languages = []string{"vi"} }, "languages", `no "vi" translation`},
		{"past time", func(r *NoticeRequest) { r.At = time.Now().Add(-time.Hour) }, "at", "is past"},
		{"no template", func(r *NoticeRequest) { r.Template = "boil-water-advisry" }, "template", "did you mean boil-water-advisory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := advisory("north")
			req.Values = templates.Values{"area": "Oak Hill Road", "cause": "main-break",
				"occurred": "Saturday, November 28, 2026", "expected": "Monday, November 30, 2026"}
			tc.edit(&req)
			d, err := a.Compose(ctx, req)
			if d != nil {
				t.Fatal("Compose returned a draft with its error")
			}
			if p := problemOn(t, err, tc.field); !strings.Contains(p.Message, tc.want) {
				t.Errorf("problem on %s: %q, want it to say %q", tc.field, p.Message, tc.want)
			}
		})
	}
}

func TestComposeRendersEveryLanguage(t *testing.T) {
	a := testApp(t)
	a.PublicURL = "https://water.example.org"
	d, err := a.Compose(context.Background(), advisory("north"))
	if err != nil {
		t.Fatal(err)
	}
	var langs []string
	for _, r := range d.Renderings {
		langs = append(langs, r.Lang)
		if !strings.Contains(r.SMS.Text, "https://water.example.org/n/"+d.Notice.Code) {
			t.Errorf("%s text message %q lacks the notice's page", r.Lang, r.SMS.Text)
		}
	}
	if !slices.Equal(langs, []string{"en", "es"}) {
		t.Errorf("rendered in %v, want en and es", langs)
	}
	if d.Notice.Urgency != notices.Emergency || d.Why != "the template's category" {
		t.Errorf("urgency %s (%s), want emergency for the template's category", d.Notice.Urgency, d.Why)
	}
}

func TestPreviewRefusesAnAudienceReachingNobody(t *testing.T) {
	a := testApp(t)
	addContacts(t, a, "north", 3)
	ctx := context.Background()
	tests := []struct {
		name    string
		edit    func(*NoticeRequest)
		want    string
		preview bool // the counts come with the refusal
	}{
		{"no audience named", func(r *NoticeRequest) { r.Audience = notices.Audience{DefaultLanguage: "en"} }, "name the audience", false},
		{"all and a zone", func(r *NoticeRequest) { r.All = true }, "choose one", false},
		{"zone without contacts", func(r *NoticeRequest) { r.Audience.Zones = []string{"south"} }, "has no contacts", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := advisory("north")
			tc.edit(&req)
			d, err := a.Compose(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			p, err := a.Preview(ctx, d)
			if pr := problemOn(t, err, "audience"); !strings.Contains(pr.Message, tc.want) {
				t.Errorf("problem %q, want %q", pr.Message, tc.want)
			}
			if (p != nil) != tc.preview {
				t.Errorf("preview %v with the error; want one: %v", p, tc.preview)
			}
			if _, err := a.Send(ctx, d); err == nil && !tc.preview {
				t.Error("Send sent what Preview refused")
			}
		})
	}
}

func TestPreviewCounts(t *testing.T) {
	a := testApp(t)
	addContacts(t, a, "north", 3)
	ctx := context.Background()
	d, err := a.Compose(ctx, advisory("north"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.Preview(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != 6 || p.Resolution.Contacts != 3 {
		t.Errorf("preview: %d messages to %d contacts, want 6 to 3", p.Total, p.Resolution.Contacts)
	}
	if want := "emergency (the template's category); texts go at once, even in quiet hours"; p.UrgencyLine != want {
		t.Errorf("urgency line %q, want %q", p.UrgencyLine, want)
	}
}

func TestSendQueuesOrSchedulesAndAudits(t *testing.T) {
	tests := []struct {
		name   string
		at     time.Duration // from now; 0: at once
		status notices.NoticeStatus
		action string
		queued int
	}{
		{"now", 0, notices.Sending, "send", 6},
		{"at a time", 2 * time.Hour, notices.Scheduled, "schedule", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := testApp(t)
			woken := 0
			a.Wake = func(context.Context) []string { woken++; return []string{"this server"} }
			addContacts(t, a, "north", 3)
			ctx := WithActor(context.Background(), Actor{Name: "ana", Role: notices.RoleCoordinator, Via: "console"})
			req := advisory("north")
			if tc.at > 0 {
				req.At = time.Now().Add(tc.at)
			}
			d, err := a.Compose(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			sent, err := a.Send(ctx, d)
			if err != nil {
				t.Fatal(err)
			}
			if sent.Status != tc.status || sent.Summary.Queued() != tc.queued || sent.AwaitingApproval {
				t.Errorf("sent %+v, want %s with %d queued", sent, tc.status, tc.queued)
			}
			if woken != 1 || !slices.Equal(sent.Woken, []string{"this server"}) {
				t.Errorf("woken %d times, %v; want once", woken, sent.Woken)
			}
			n, err := a.Store.Notice(ctx, sent.ID)
			if err != nil || n.Status != tc.status || n.Code != d.Notice.Code {
				t.Errorf("stored notice %+v (%v), want %s with the draft's code %s", n, err, tc.status, d.Notice.Code)
			}
			log, err := a.Store.AuditLog(ctx, 10, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(log) != 1 || log[0].Action != tc.action || log[0].Actor != "ana" || log[0].Subject != fmt.Sprintf("notice %d", sent.ID) {
				t.Errorf("audit log %+v, want one %q by ana of notice %d", log, tc.action, sent.ID)
			}
		})
	}
}

func TestParseChannels(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []notices.Channel
		err  string
	}{
		{"two", "email, sms", []notices.Channel{notices.Email, notices.SMS}, ""},
		{"print", "print", []notices.Channel{notices.Print}, ""},
		{"unknown", "email,fax", nil, `"fax" is not a channel (use email, sms, print)`},
		{"twice", "sms,sms", nil, "sms is named twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseChannels(tc.in)
			if tc.err != "" {
				if p := problemOn(t, err, "channels"); p.Message != tc.err {
					t.Errorf("problem %q, want %q", p.Message, tc.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("ParseChannels(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

// TestComposeSaysWhereTheUtilitysContactGoes: with no phone or address for
// the utility (crier serve on its embedded defaults), a Tier 1 notice is
// refused once, saying which details are missing and where to set them.
func TestComposeSaysWhereTheUtilitysContactGoes(t *testing.T) {
	a := testApp(t)
	a.Utility.Phone, a.Utility.Address = "", ""
	_, err := a.Compose(context.Background(), advisory("north"))
	var ie *InvalidError
	if !errors.As(err, &ie) || len(ie.Problems) != 1 {
		t.Fatalf("compose: %v; want one problem", err)
	}
	for _, want := range []string{"Tier 1 public notice", "phone and address", "[utility] table of crier.toml"} {
		if !strings.Contains(ie.Problems[0].Message, want) {
			t.Errorf("the problem %q does not say %q", ie.Problems[0].Message, want)
		}
	}
}
