package scheduler_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
	"github.com/crier-notices/crier/templates"
)

// TestCampaignDatesRelativeToTheFiring: a monthly bill reminder whose due
// date is given relative to its firing (+14d, day:15) says a new date at
// each firing, in the email and the SMS of every language; a firing whose
// due date is past on its day is not sent but recorded missed with why.
func TestCampaignDatesRelativeToTheFiring(t *testing.T) {
	tests := []struct {
		name    string
		spec    string
		due     string
		firings []string // UTC; each ticked at its minute
		want    []string // per firing: the English due date, or "missed: WHY"
		wantES  []string // the Spanish one, for those published
	}{
		{
			name: "+14d", spec: "0 9 * * *", due: "+14d",
			firings: []string{"2027-01-01 14:00", "2027-01-20 14:00", "2027-02-20 14:00"},
			want:    []string{"January 15, 2027", "February 3, 2027", "March 6, 2027"},
			wantES:  []string{"15 de enero de 2027", "3 de febrero de 2027", "6 de marzo de 2027"},
		},
		{
			name: "day:15 of the firing's month, the 1st and the 20th", spec: "0 9 1,20 * *", due: "day:15",
			firings: []string{"2027-01-01 14:00", "2027-01-20 14:00", "2027-02-01 14:00"},
			want:    []string{"January 15, 2027", "missed: not sent: due_date is January 15, 2027, before the day the notice goes out (January 20, 2027)", "February 15, 2027"},
			wantES:  []string{"15 de enero de 2027", "", "15 de febrero de 2027"},
		},
		{
			name: "a fixed date: sent while it is to come, missed once it is past", spec: "0 9 1 * *", due: "January 15, 2027",
			firings: []string{"2027-01-01 14:00", "2027-02-01 14:00"},
			want:    []string{"January 15, 2027", "missed: not sent: due_date is January 15, 2027, before the day the notice goes out (February 1, 2027)"},
			wantES:  []string{"15 de enero de 2027", ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s, lib := newStore(t), library(t)
			importContacts(t, s, "all", 3, gen)
			fam, err := lib.Family("bill-due-reminder")
			if err != nil {
				t.Fatal(err)
			}
			s.Now = func() time.Time { return utc("2026-12-20 00:00") }
			c := notices.Campaign{Name: "bills", Schedule: tt.spec, Timezone: "America/New_York",
				Notice: notices.Notice{Template: fam.Name, Values: map[string]string{"due_date": tt.due}, Audience: notices.Audience{Lists: []string{"all"}},
					Channels: []notices.Channel{notices.Email, notices.SMS}}}
			if _, err := s.CreateCampaign(ctx, c); err != nil {
				t.Fatal(err)
			}
			if c, err = s.Campaign(ctx, "bills"); err != nil {
				t.Fatal(err)
			}
			cp := &scheduler.Campaigner{Store: s, Library: lib, DefaultLanguage: "en", Grace: time.Hour}
			for i, at := range tt.firings {
				now := utc(at)
				s.Now = func() time.Time { return now }
				ids, err := cp.Tick(ctx, now)
				if err != nil {
					t.Fatal(err)
				}
				if why, missed := strings.CutPrefix(tt.want[i], "missed: "); missed {
					if len(ids) != 0 {
						t.Errorf("firing %s published %v; want it missed", at, ids)
					}
					assertMissed(t, s, c, now, why)
					continue
				}
				if len(ids) != 1 {
					t.Fatalf("firing %s published %v; want one notice", at, ids)
				}
				n, err := s.Notice(ctx, ids[0])
				if err != nil {
					t.Fatal(err)
				}
				if n.Values["due_date"] != tt.want[i] {
					t.Errorf("notice %d records due_date %q; want %q", n.ID, n.Values["due_date"], tt.want[i])
				}
				assertRendersDate(t, fam.ByLang["en"], n, tt.want[i])
				assertRendersDate(t, fam.ByLang["es"], n, tt.wantES[i])
			}
			// The campaign keeps the value as typed, for the next firing.
			if c, _ := s.Campaign(ctx, "bills"); c.Notice.Values["due_date"] != tt.due {
				t.Errorf("the campaign's due_date is now %q; want %q as typed", c.Notice.Values["due_date"], tt.due)
			}
		})
	}
}

// assertRendersDate renders notice n in tmpl's language and checks that
// its email subject, email text and SMS say date.
func assertRendersDate(t *testing.T, tmpl *templates.Template, n notices.Notice, date string) {
	t.Helper()
	r, err := templates.Render(tmpl, n.Values, templates.Utility{Name: "Millbrook Water", Phone: "(315) 555-0100"}, templates.Options{Date: n.CreatedAt})
	if err != nil {
		t.Fatalf("notice %d in %s: %v", n.ID, tmpl.Lang, err)
	}
	for part, text := range map[string]string{"email subject": r.Subject, "email text": r.Text(), "SMS": r.SMS.Text} {
		if !strings.Contains(text, date) {
			t.Errorf("notice %d, %s %s does not say %q:\n%s", n.ID, tmpl.Lang, part, date, text)
		}
	}
}

func assertMissed(t *testing.T, s *notices.Store, c notices.Campaign, at time.Time, why string) {
	t.Helper()
	runs, err := s.Runs(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		if r.ScheduledAt.Equal(at) {
			if r.Status != notices.RunMissed || r.Note != why {
				t.Errorf("run at %s: %s, %q; want missed, %q", at, r.Status, r.Note, why)
			}
			return
		}
	}
	t.Errorf("no run recorded at %s", at)
}

// TestCampaignFiringOutOfOrderIsMissed: a firing whose dates, resolved,
// break the order the template declares (the flushing ends before it
// starts) is not sent but recorded missed with why.
func TestCampaignFiringOutOfOrderIsMissed(t *testing.T) {
	ctx := context.Background()
	s, lib := newStore(t), library(t)
	importContacts(t, s, "all", 3, gen)
	fam, err := lib.Family("hydrant-flushing")
	if err != nil {
		t.Fatal(err)
	}
	values := fam.Examples()
	values["start_date"], values["end_date"] = "+7d", "+3d"
	delete(values, "start_date.es")
	delete(values, "end_date.es")
	s.Now = func() time.Time { return utc("2027-03-20 00:00") }
	if _, err := s.CreateCampaign(ctx, notices.Campaign{Name: "flushing", Schedule: "0 9 1 4 *", Timezone: "UTC",
		Notice: notices.Notice{Template: fam.Name, Values: values, Audience: notices.Audience{Lists: []string{"all"}}, Channels: []notices.Channel{notices.Email}}}); err != nil {
		t.Fatal(err)
	}
	c, err := s.Campaign(ctx, "flushing")
	if err != nil {
		t.Fatal(err)
	}
	at := utc("2027-04-01 09:00")
	s.Now = func() time.Time { return at }
	cp := &scheduler.Campaigner{Store: s, Library: lib, DefaultLanguage: "en", Grace: time.Hour}
	if ids, err := cp.Tick(ctx, at); err != nil || len(ids) != 0 {
		t.Fatalf("tick: published %v, %v; want nothing", ids, err)
	}
	assertMissed(t, s, c, at, "not sent: end_date (April 4, 2027) is before start_date (April 8, 2027); the template says it comes on or after start_date")
}
