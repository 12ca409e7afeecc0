package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// flushing is a monthly hydrant-flushing campaign to the list customers,
// its dates relative to each firing.
func flushing(name string) CampaignRequest {
	return CampaignRequest{Name: name, Template: "hydrant-flushing", Schedule: "0 9 1 * *", Timezone: "America/New_York",
		Audience: notices.Audience{Lists: []string{"customers"}}, Channels: []notices.Channel{notices.Email},
		Values: templates.Values{"area": "Oak Hill", "start_date": "+7d", "end_date": "+14d", "start_time": "8:00 AM",
			"end_time": "4:00 PM", "days": "weekdays"}}
}

// nextFirsts are the next n 1sts of the month at 9:00 in New York.
func nextFirsts(t *testing.T, n int) []time.Time {
	ny, _ := time.LoadLocation("America/New_York")
	now := time.Now().In(ny)
	var ts []time.Time
	for m := 0; len(ts) < n; m++ {
		if at := time.Date(now.Year(), now.Month()+time.Month(m), 1, 9, 0, 0, 0, ny); at.After(now) {
			ts = append(ts, at)
		}
	}
	return ts
}

// TestAddCampaign: a campaign is stored once every check passes, with
// whom it reaches, its next firings with their dates resolved in the
// template's field order, and an audit entry; each bad input is refused
// with the field at fault and nothing is stored.
func TestAddCampaign(t *testing.T) {
	a, ctx := campaignsTestApp(t)
	saved, err := a.AddCampaign(ctx, flushing("spring"))
	if err != nil {
		t.Fatal(err)
	}
	if saved.Campaign.ID == 0 || !saved.Campaign.Enabled || saved.Campaign.Notice.Urgency != notices.Normal {
		t.Errorf("stored: %+v", saved.Campaign)
	}
	if got := saved.Reach.Channel(notices.Email).Reached; got != 2 {
		t.Errorf("email reaches %d; want 2", got)
	}
	firsts := nextFirsts(t, NextFirings)
	if len(saved.Next) != NextFirings {
		t.Fatalf("next: %d firings; want %d", len(saved.Next), NextFirings)
	}
	for i, f := range saved.Next {
		if !f.At.Equal(firsts[i]) || f.Why != "" {
			t.Errorf("firing %d: %v (%s); want %v", i, f.At, f.Why, firsts[i])
		}
		want := []FieldValue{{"start_date", firsts[i].AddDate(0, 0, 7).Format("January 2, 2006")},
			{"end_date", firsts[i].AddDate(0, 0, 14).Format("January 2, 2006")}}
		if len(f.Resolved) != 2 || f.Resolved[0] != want[0] || f.Resolved[1] != want[1] {
			t.Errorf("firing %d resolves %v; want %v", i, f.Resolved, want)
		}
	}
	if len(saved.Warnings) != 0 {
		t.Errorf("warnings: %q", saved.Warnings)
	}
	if e := lastAudit(t, a); e.Action != "campaign-add" || e.Subject != "campaign spring" || e.Actor != "ana" {
		t.Errorf("audit: %+v", e)
	}
	if _, err := a.AddCampaign(ctx, flushing("spring")); ErrorCode(err) != notices.Conflict {
		t.Errorf("the same name again: %v; want a conflict", err)
	}

	tests := []struct {
		name   string
		change func(r *CampaignRequest)
		fields string
	}{
		{"unknown template", func(r *CampaignRequest) { r.Template = "no-such" }, "template"},
		{"empty name", func(r *CampaignRequest) { r.Name = " " }, "name"},
		{"spec that never fires", func(r *CampaignRequest) { r.Schedule = "0 9 31 2 *" }, "cron"},
		{"spec in words", func(r *CampaignRequest) { r.Schedule = "every monday" }, "cron"},
		{"abbreviated zone", func(r *CampaignRequest) { r.Timezone = "EST" }, "zone"},
		{"unreadable start and end", func(r *CampaignRequest) { r.Starts, r.Ends = "next spring", "soon" }, "starts,ends"},
		{"end before start", func(r *CampaignRequest) { r.Starts, r.Ends = "2040-06-01 00:00", "2040-01-01 00:00" }, "ends"},
		{"end past", func(r *CampaignRequest) { r.Ends = "2020-01-01" }, "ends"},
		{"no firing before the end", func(r *CampaignRequest) { r.Starts, r.Ends = "2040-01-02 00:00", "2040-01-20 00:00" }, "cron"},
		{"audience not named", func(r *CampaignRequest) { r.Audience = notices.Audience{} }, "audience"},
		{"all and a list", func(r *CampaignRequest) { r.All = true }, "audience"},
		{"no contacts", func(r *CampaignRequest) { r.Audience = notices.Audience{Zones: []string{"99"}} }, "audience"},
		{"nobody on the channel", func(r *CampaignRequest) { r.Audience = notices.Audience{Zones: []string{"7"}} }, "audience"},
		{"bad channels", func(r *CampaignRequest) { r.Channels = []notices.Channel{"fax", notices.Email, notices.Email} }, "channels,channels"},
		{"no channel", func(r *CampaignRequest) { r.Channels = nil }, "channels"},
		{"a language it lacks", func(r *CampaignRequest) { r.Languages = []string{"vi"} }, "languages"},
		{"bad urgency", func(r *CampaignRequest) { r.Urgency = "high" }, "urgency"},
		{"a value missing", func(r *CampaignRequest) { delete(r.Values, "start_date") }, "values.start_date"},
		{"a relative date unread", func(r *CampaignRequest) { r.Values["start_date"] = "+7days" }, "values.start_date"},
		{"dates out of order", func(r *CampaignRequest) { r.Values["end_date"] = "+1d" }, "values.end_date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := flushing("refused")
			tt.change(&r)
			_, err := a.AddCampaign(ctx, r)
			if got := problemFields(err); got != tt.fields {
				t.Errorf("fields %q; want %q (%v)", got, tt.fields, err)
			}
			if _, err := a.Store.Campaign(ctx, "refused"); ErrorCode(err) != notices.NotFound {
				t.Errorf("a refused campaign was stored: %v", err)
			}
		})
	}
}

// TestAddCampaignWarnings: a fixed date in a campaign that fires every
// month, and a date past at its next firing, are warnings; the campaign
// is stored all the same and its firings say why they would be missed.
func TestAddCampaignWarnings(t *testing.T) {
	a, ctx := campaignsTestApp(t)
	first := nextFirsts(t, 1)[0]
	past := first.AddDate(0, 0, -1).Format("January 2, 2006")
	r := CampaignRequest{Name: "bills", Template: "bill-due-reminder", Schedule: "0 9 1 * *", Timezone: "America/New_York",
		Audience: notices.Audience{Lists: []string{"customers"}}, Channels: []notices.Channel{notices.Email},
		Values: templates.Values{"due_date": past}}
	saved, err := a.AddCampaign(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"the next firing, " + first.Format("2006-01-02 15:04 MST") + ", would not be sent (it would be recorded missed): due_date is " + past,
		"due_date is fixed: every firing will say " + past + "; use a date relative to the firing, such as due_date=+14d or due_date=day:15"}
	if len(saved.Warnings) != 2 || !strings.HasPrefix(saved.Warnings[0], want[0]) || saved.Warnings[1] != want[1] {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(saved.Warnings, "\n"), strings.Join(want, "\n"))
	}
	if saved.Next[0].Why == "" || len(saved.Next[0].Resolved) != 0 {
		t.Errorf("the first firing: %+v; want why it would be missed and no date resolved", saved.Next[0])
	}
}

// TestEditCampaign: only what the edit names changes, it is checked as
// add checks, and a refused edit leaves the campaign as it was.
func TestEditCampaign(t *testing.T) {
	a, ctx := campaignsTestApp(t)
	if _, err := a.AddCampaign(ctx, flushing("spring")); err != nil {
		t.Fatal(err)
	}
	before, _ := a.Store.Campaign(ctx, "spring")
	schedule, zone := "0 7 * * 1", "America/Chicago"
	saved, err := a.EditCampaign(ctx, "spring", CampaignEdit{Rename: "mondays", Schedule: &schedule, Timezone: &zone,
		Values: templates.Values{"area": "Zone 4"}, Audience: &notices.Audience{Zones: []string{"4"}}})
	if err != nil {
		t.Fatal(err)
	}
	c := saved.Campaign
	if c.ID != before.ID || c.Name != "mondays" || c.Schedule != schedule || c.Timezone != zone || c.Notice.Values["area"] != "Zone 4" ||
		c.Notice.Values["start_date"] != "+7d" || len(c.Notice.Audience.Lists) != 0 || len(c.Notice.Channels) != 1 {
		t.Errorf("after the edit: %+v", c)
	}
	if got := CronWords(c.Schedule); got != "every Monday at 07:00" {
		t.Errorf("CronWords %q", got)
	}
	if e := lastAudit(t, a); e.Action != "campaign-edit" || e.Subject != "campaign mondays" {
		t.Errorf("audit: %+v", e)
	}

	bill, never, empty := "bill-due-reminder", "0 9 30 2 *", ""
	tests := []struct {
		name   string
		edit   CampaignEdit
		fields string
	}{
		{"another template with the old values", CampaignEdit{Template: &bill, Values: templates.Values{"due_date": "+14d"}}, "template"},
		{"unset a value it lacks", CampaignEdit{Unset: []string{"pay_url"}}, "unset.pay_url"},
		{"a schedule that never fires", CampaignEdit{Schedule: &never}, "cron"},
		{"an empty zone", CampaignEdit{Timezone: &empty}, "zone"},
		{"an audience of nobody", CampaignEdit{Audience: &notices.Audience{Zones: []string{"99"}}}, "audience"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.EditCampaign(ctx, "mondays", tt.edit)
			if got := problemFields(err); got != tt.fields {
				t.Errorf("fields %q; want %q (%v)", got, tt.fields, err)
			}
			if after, _ := a.Store.Campaign(ctx, "mondays"); !after.UpdatedAt.Equal(c.UpdatedAt) {
				t.Errorf("a refused edit changed the campaign: %+v", after)
			}
		})
	}
	if _, err := a.EditCampaign(ctx, "spring", CampaignEdit{Rename: "x"}); ErrorCode(err) != notices.NotFound {
		t.Errorf("editing a campaign renamed away: %v; want not found", err)
	}
	// Another template goes with its own values.
	saved, err = a.EditCampaign(ctx, "mondays", CampaignEdit{Template: &bill, Replace: true, Values: templates.Values{"due_date": "+14d"}})
	if err != nil || saved.Campaign.Notice.Template != bill || len(saved.Campaign.Notice.Values) != 1 {
		t.Errorf("another template: %+v, %v", saved.Campaign, err)
	}
}

// TestPauseResumeDeleteCampaign: each says whether it changed anything,
// is recorded in the audit log, and a campaign not there is NotFound.
func TestPauseResumeDeleteCampaign(t *testing.T) {
	a, ctx := campaignsTestApp(t)
	if _, err := a.AddCampaign(ctx, flushing("spring")); err != nil {
		t.Fatal(err)
	}
	woken := 0
	a.Wake = func(ctx context.Context) []string { woken++; return []string{"serve-1"} }
	if changed, err := a.PauseCampaign(ctx, "spring"); !changed || err != nil {
		t.Fatalf("pause: %v, %v", changed, err)
	}
	if e := lastAudit(t, a); e.Action != "campaign-pause" {
		t.Errorf("audit: %+v", e)
	}
	if changed, err := a.PauseCampaign(ctx, "spring"); changed || err != nil {
		t.Errorf("pause again: %v, %v; want no change", changed, err)
	}
	r, err := a.ResumeCampaign(ctx, "spring")
	if err != nil || !r.Changed || !r.Next.Equal(nextFirsts(t, 1)[0]) || woken != 1 || len(r.Woken) != 1 {
		t.Errorf("resume: %+v, %v (woken %d)", r, err, woken)
	}
	if e := lastAudit(t, a); e.Action != "campaign-resume" {
		t.Errorf("audit: %+v", e)
	}
	if r, err := a.ResumeCampaign(ctx, "spring"); r.Changed || err != nil {
		t.Errorf("resume again: %+v, %v; want no change", r, err)
	}
	if err := a.DeleteCampaign(ctx, "spring"); err != nil {
		t.Fatal(err)
	}
	if e := lastAudit(t, a); e.Action != "campaign-delete" || e.Subject != "campaign spring" {
		t.Errorf("audit: %+v", e)
	}
	for name, err := range map[string]error{
		"pause":  func() error { _, err := a.PauseCampaign(ctx, "spring"); return err }(),
		"resume": func() error { _, err := a.ResumeCampaign(ctx, "spring"); return err }(),
		"delete": a.DeleteCampaign(ctx, "spring"),
	} {
		if ErrorCode(err) != notices.NotFound {
			t.Errorf("%s of a deleted campaign: %v; want not found", name, err)
		}
	}
}

// TestFirings: the next n firings of a stored campaign; with its template
// gone, the times alone and the error that says so.
func TestFirings(t *testing.T) {
	a, ctx := campaignsTestApp(t)
	saved, err := a.AddCampaign(ctx, flushing("spring"))
	if err != nil {
		t.Fatal(err)
	}
	fs, err := a.Firings(ctx, saved.Campaign, 12)
	if err != nil || len(fs) != 12 || !fs[11].At.Equal(nextFirsts(t, 12)[11]) || len(fs[11].Resolved) != 2 {
		t.Errorf("12 firings: %d, %v", len(fs), err)
	}
	c := saved.Campaign
	c.Notice.Template = "gone"
	if fs, err := a.Firings(ctx, c, 2); err == nil || len(fs) != 2 || fs[0].Resolved != nil {
		t.Errorf("template gone: %+v, %v; want the times and an error", fs, err)
	}
}

// TestCronWords: the common specs in words, "" for what it cannot say
// simply.
func TestCronWords(t *testing.T) {
	tests := []struct{ spec, want string }{
		{"0 9 * * 1", "every Monday at 09:00"},
		{"30 7 * * 1,4", "every Monday and Thursday at 07:30"},
		{"0 9 * * MON-FRI", "every weekday (Monday to Friday) at 09:00"},
		{"0 9 * * *", "every day at 09:00"},
		{"0 9 1 * *", "on the 1st of every month at 09:00"},
		{"15 18 22 * *", "on the 22nd of every month at 18:15"},
		{"0 8 15 3 *", "every year on the 15th of March at 08:00"},
		{"@monthly", "on the 1st of every month at 00:00"},
		{"@every 90m", "every 1h30m0s (counted from the campaign's start)"},
		{"*/15 * * * *", ""},
		{"0 9 1 * 1", ""},
		{"every monday", ""},
	}
	for _, tt := range tests {
		if got := CronWords(tt.spec); got != tt.want {
			t.Errorf("CronWords(%q) = %q; want %q", tt.spec, got, tt.want)
		}
	}
}
