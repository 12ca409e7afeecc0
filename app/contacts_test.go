package app

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/crier-notices/crier/notices"
)

// TestImportContacts: an import counts what it did, keeps each rejected
// row with its line and reason (and as a CSV to download), joins the list
// and is recorded; a file whose every row is rejected is an
// *InvalidError with a problem per row, and changes nothing.
func TestImportContacts(t *testing.T) {
	a, ctx := campaignsTestApp(t)
	csv := "account,name,email,mobile\n2001,Di Wu,di@example.org,\n2002,Ed Roe,not-an-email,\n2003,Flo Ng,,+13155550199\n"
	res, err := a.ImportContacts(ctx, strings.NewReader(csv), "march.csv", ImportOptions{List: "march"})
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Summary; s.Read != 3 || s.Added != 2 || s.Rejected != 1 || s.ListAdded != 2 {
		t.Errorf("summary: %s", s)
	}
	if len(res.Rejects) != 1 || res.Rejects[0].Line != 3 || !strings.Contains(res.Rejects[0].Reason, `"not-an-email"`) {
		t.Errorf("rejects: %+v", res.Rejects)
	}
	if !bytes.HasPrefix(res.RejectsCSV, []byte("account,name,email,mobile,line,reason\n2002,Ed Roe,not-an-email,,3,")) {
		t.Errorf("rejects CSV:\n%s", res.RejectsCSV)
	}
	if e := lastAudit(t, a); e.Action != "import" || !strings.HasPrefix(e.Detail, "march.csv: read 3, added 2") {
		t.Errorf("audit: %+v", e)
	}

	bad := "account,name,email\n3001,Gus,nope\n3002,Hal,also-bad\n"
	res, err = a.ImportContacts(ctx, strings.NewReader(bad), "bad.csv", ImportOptions{})
	if got := problemFields(err); got != "row 2,row 3" {
		t.Errorf("every row rejected: fields %q (%v)", got, err)
	}
	if res.Summary.Rejected != 2 || res.Summary.Added != 0 {
		t.Errorf("every row rejected: %s", res.Summary)
	}

	// A dry run counts and writes nothing, not even to the audit log.
	var rejects bytes.Buffer
	res, err = a.ImportContacts(ctx, strings.NewReader("account,name,email\n4001,Ida,ida@example.org\n4002,Jo,x\n"), "dry.csv",
		ImportOptions{DryRun: true, Rejects: &rejects})
	if err != nil || res.Summary.Added != 1 || res.Rejects != nil || !strings.Contains(rejects.String(), "4002") {
		t.Errorf("dry run: %s, %v, %+v\n%s", res.Summary, err, res.Rejects, rejects.String())
	}
	if e := lastAudit(t, a); e.Detail == "" || strings.HasPrefix(e.Detail, "dry.csv") {
		t.Errorf("a dry run was recorded: %+v", e)
	}
}

// TestSuppressResubscribe: a suppression names the actor as who did it
// and is recorded once; resubscribing needs a reason and lifts it; a bad
// address is a problem under "address".
func TestSuppressResubscribe(t *testing.T) {
	a, ctx := campaignsTestApp(t)
	sup, added, err := a.Suppress(ctx, "(315) 555-0143", notices.Manual, "asked by phone")
	if err != nil || !added || sup.Address != "+13155550143" || sup.By != "ana" || sup.Channel != notices.SMS {
		t.Fatalf("suppress: %+v, %v, %v", sup, added, err)
	}
	if e := lastAudit(t, a); e.Action != "suppress" || e.Subject != "+13155550143" || e.Detail != "manual: asked by phone" {
		t.Errorf("audit: %+v", e)
	}
	if _, added, err := a.Suppress(ctx, "+13155550143", notices.Manual, ""); added || err != nil {
		t.Errorf("suppress again: %v, %v; want no change", added, err)
	}
	r, err := a.Audience(ctx, notices.Audience{Zones: []string{"7"}}, "")
	if err != nil || r.Channel(notices.SMS).Suppressed != 1 || r.Channel(notices.SMS).Reached != 0 {
		t.Errorf("audience after the suppression: %+v, %v", r, err)
	}

	tests := []struct {
		name, address, reason string
		fields                string
	}{
		{"no reason", "+13155550143", "  ", "reason"},
		{"bad address", "not an address", "called", "address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := a.Resubscribe(ctx, tt.address, tt.reason); problemFields(err) != tt.fields {
				t.Errorf("fields %q; want %q (%v)", problemFields(err), tt.fields, err)
			}
		})
	}
	if _, _, err := a.Suppress(ctx, "x@example.org", "bored", ""); problemFields(err) != "reason" {
		t.Errorf("a reason it does not know: %v", err)
	}
	res, err := a.Resubscribe(ctx, "315-555-0143", "customer called on 2026-11-28")
	if err != nil || res.Lifted == nil {
		t.Fatalf("resubscribe: %+v, %v", res, err)
	}
	if e := lastAudit(t, a); e.Action != "resubscribe" || e.Actor != "ana" || e.Detail != "customer called on 2026-11-28" {
		t.Errorf("audit: %+v", e)
	}
	if _, err := a.Resubscribe(ctx, "+13155550143", "again"); ErrorCode(err) != notices.NotFound {
		t.Errorf("resubscribe an address not suppressed: %v; want not found", err)
	}
}

// TestReadAudience: the filters as the console and the CLI give them,
// languages as codes; an unknown language or channel is a problem; a
// notice's audience must be named, or be every contact.
func TestReadAudience(t *testing.T) {
	a, ctx := campaignsTestApp(t)
	aud, err := a.ReadAudience(AudienceRequest{Zones: []string{"4"}, Languages: []string{"Spanish"}, Has: []string{"email"}})
	if err != nil || len(aud.Languages) != 1 || aud.Languages[0] != "es" || aud.DefaultLanguage != "en" {
		t.Errorf("read: %+v, %v", aud, err)
	}
	_, err = a.ReadAudience(AudienceRequest{Languages: []string{"Klingon"}, Has: []string{"fax"}})
	if got := problemFields(err); got != "audience.languages,audience.has" {
		t.Errorf("fields %q (%v)", got, err)
	}
	tests := []struct {
		name   string
		r      AudienceRequest
		fields string
	}{
		{"nothing named", AudienceRequest{}, "audience"},
		{"all and a list", AudienceRequest{All: true, Lists: []string{"customers"}}, "audience"},
		{"all", AudienceRequest{All: true}, ""},
		{"a list", AudienceRequest{Lists: []string{"customers"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := a.ReadNamedAudience(tt.r); problemFields(err) != tt.fields || (tt.fields == "" && err != nil) {
				t.Errorf("fields %q; want %q (%v)", problemFields(err), tt.fields, err)
			}
		})
	}
	r, err := a.Audience(ctx, notices.Audience{Lists: []string{"customers"}}, "")
	if err != nil || r.Contacts != 3 || r.Channel(notices.Email).Reached != 2 || r.Channel(notices.SMS).Reached != 1 {
		t.Errorf("audience: %+v, %v", r, err)
	}
	if _, err := a.Audience(ctx, notices.Audience{}, "urgent"); problemFields(err) != "category" {
		t.Errorf("a category it does not know: %v", err)
	}
	if _, err := a.Audience(ctx, notices.Audience{Lists: []string{"nowhere"}}, ""); ErrorCode(err) != notices.NotFound {
		t.Errorf("a list not there: %v; want not found", err)
	}
}

// TestLists: create, add, remove and delete, each recorded; a list a
// campaign sends to is deleted only by force.
func TestLists(t *testing.T) {
	a, ctx := campaignsTestApp(t)
	if _, err := a.CreateList(ctx, "hospitals"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateList(ctx, "hospitals"); ErrorCode(err) != notices.Conflict {
		t.Errorf("the same list again: %v; want a conflict", err)
	}
	if n, err := a.AddToList(ctx, "hospitals", "1001", "1002"); n != 2 || err != nil {
		t.Errorf("add: %d, %v", n, err)
	}
	if e := lastAudit(t, a); e.Action != "list-add" || e.Subject != "list hospitals" {
		t.Errorf("audit: %+v", e)
	}
	if _, err := a.AddToList(ctx, "hospitals", "9999"); ErrorCode(err) != notices.NotFound {
		t.Errorf("add an unknown account: %v; want not found", err)
	}
	if n, err := a.RemoveFromList(ctx, "hospitals", "1002"); n != 1 || err != nil {
		t.Errorf("remove: %d, %v", n, err)
	}
	r := flushing("to-hospitals")
	r.Audience = notices.Audience{Lists: []string{"hospitals"}}
	if _, err := a.AddCampaign(ctx, r); err != nil {
		t.Fatal(err)
	}
	_, err := a.DeleteList(ctx, "hospitals", false)
	var inUse *ListInUseError
	if !errors.As(err, &inUse) || ErrorCode(err) != notices.Conflict || strings.Join(inUse.Users, ",") != "campaign to-hospitals" {
		t.Errorf("delete a list in use: %v", err)
	}
	l, err := a.DeleteList(ctx, "hospitals", true)
	if err != nil || l.Members != 1 {
		t.Errorf("delete by force: %+v, %v", l, err)
	}
	if e := lastAudit(t, a); e.Action != "list-delete" {
		t.Errorf("audit: %+v", e)
	}
}
