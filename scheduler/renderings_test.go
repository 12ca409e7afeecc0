package scheduler

import (
	"slices"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// TestNoticeRenderings: a notice renders in each of its languages, or in
// those asked, with the date and subject the dispatcher gives its emails.
func TestNoticeRenderings(t *testing.T) {
	lib, probs := templates.Builtin()
	if len(probs.Errors()) > 0 {
		t.Fatal(probs)
	}
	fam, err := lib.Family("hydrant-flushing")
	if err != nil {
		t.Fatal(err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	cfg := Config{Library: lib, Utility: templates.Utility{Name: "Water Board", Phone: "+1 315 555 0100", Location: ny}}
	went := time.Date(2026, 11, 28, 14, 0, 0, 0, time.UTC)
	n := notices.Notice{ID: 7, Template: fam.Name, Values: fam.Examples(), PublishedAt: went, CreatedAt: went.Add(-time.Hour)}
	tests := []struct {
		name  string
		langs []string
		want  []string
	}{
		{"every language of the notice", nil, []string{"en", "es"}},
		{"one asked", []string{"es"}, []string{"es"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := NoticeRenderings(cfg, n, tt.langs...)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rs {
				got = append(got, r.Lang)
				if !r.Date.Equal(went) || r.Date.Location() != ny {
					t.Errorf("%s: date %v; want when it went out, %v, in the utility's zone", r.Lang, r.Date, went)
				}
				nr := &noticeRender{byLang: map[string]rendered{}}
				if err := nr.load(&cfg, n); err != nil {
					t.Fatal(err)
				}
				if d, _ := nr.rendering(&cfg, r.Lang); d.Subject != r.Subject {
					t.Errorf("%s: subject %q; the dispatcher's is %q", r.Lang, r.Subject, d.Subject)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("languages %v; want %v", got, tt.want)
			}
		})
	}
	if _, err := NoticeRenderings(cfg, notices.Notice{ID: 8, Template: "no-such-template"}); err == nil {
		t.Error("a notice whose template is gone rendered")
	}
}
