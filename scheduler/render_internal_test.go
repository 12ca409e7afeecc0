package scheduler

import (
	"errors"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// TestMessageFaultOwner: an email that cannot be made for every recipient
// alike (the configuration) is the notice's fault, which pauses the
// channel; one that cannot be made for this recipient only (an address a
// mail library refuses) is theirs, which fails their delivery alone.
func TestMessageFaultOwner(t *testing.T) {
	lib, probs := templates.Builtin()
	if len(probs.Errors()) > 0 {
		t.Fatal(probs)
	}
	fam, err := lib.Family("hydrant-flushing")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		from, to  string
		everyones bool
	}{
		{"fine", "", "ana@example.org", false},
		{"the recipient's address", "", "ana at example dot org", false},
		{"the configured sender", "Water Board", "ana@example.org", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &Config{Library: lib, From: tt.from, PublicURL: "https://water.example",
				Utility: templates.Utility{Name: "Water Board", Email: "notices@water.example", Location: time.UTC}}
			nr := &noticeRender{byLang: map[string]rendered{}}
			if err := nr.load(cfg, notices.Notice{ID: 1, Template: fam.Name, Values: fam.Examples(), CreatedAt: time.Now()}); err != nil {
				t.Fatal(err)
			}
			_, err := nr.message(cfg, notices.Delivery{ID: 7, NoticeID: 1, Channel: notices.Email, Address: tt.to, Language: "en"})
			var ne *noticeError
			switch {
			case tt.name == "fine" && err != nil:
				t.Fatalf("message: %v", err)
			case tt.name != "fine" && err == nil:
				t.Fatal("message: no error")
			case errors.As(err, &ne) != tt.everyones:
				t.Errorf("message: %v; the notice's fault (pausing the channel) %v, want %v", err, errors.As(err, &ne), tt.everyones)
			}
		})
	}
}

// TestEmailHeaderByCategory: with a public address every email links to
// the recipient's preferences page; all but an emergency's (its template's
// category, or its urgency) also carry the one-click unsubscribe; without
// a public address, neither (never an address nothing answers).
func TestEmailHeaderByCategory(t *testing.T) {
	lib, _ := templates.Builtin()
	tests := []struct {
		name      string
		template  string
		urgency   notices.Urgency
		publicURL string
		oneClick  bool
	}{
		{"information", "hydrant-flushing", notices.Normal, "https://water.example", true},
		{"service", "planned-service-interruption", notices.Normal, "https://water.example/", true},
		{"emergency template", "boil-water-advisory", notices.Emergency, "https://water.example", false},
		{"service sent as an emergency", "planned-service-interruption", notices.Emergency, "https://water.example", false},
		{"no public address", "hydrant-flushing", notices.Normal, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fam, err := lib.Family(tt.template)
			if err != nil {
				t.Fatal(err)
			}
			cfg := &Config{Library: lib, PublicURL: tt.publicURL, Utility: templates.Utility{Name: "Water Board", Email: "notices@water.example", Location: time.UTC}}
			nr := &noticeRender{byLang: map[string]rendered{}}
			n := notices.Notice{ID: 1, Template: fam.Name, Values: fam.Examples(), Urgency: tt.urgency, CreatedAt: time.Now()}
			if err := nr.load(cfg, n); err != nil {
				t.Fatal(err)
			}
			h := nr.emailHeader(cfg, notices.Delivery{ID: 7, NoticeID: 1, Channel: notices.Email, Address: "ana@example.org", Language: "en"})
			want := ""
			if tt.publicURL != "" {
				want = "https://water.example/unsubscribe/7/" + n.UnsubscribeToken(7)
			}
			if h.Preferences != want {
				t.Errorf("preferences link %q; want %q", h.Preferences, want)
			}
			if (h.Unsubscribe != "") != tt.oneClick || tt.oneClick && h.Unsubscribe != want {
				t.Errorf("one-click address %q; want it %v (%q)", h.Unsubscribe, tt.oneClick, want)
			}
		})
	}
}
