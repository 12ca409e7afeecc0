package app

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/notices/importer"
	"github.com/crier-notices/crier/scheduler"
	"github.com/crier-notices/crier/templates"
)

// contactsCSV are three customers: two with an email in zone 4 on the
// list, one with a mobile only in zone 7.
const contactsCSV = `account,name,email,mobile,zone
1001,Ana Diaz,ana@example.org,,4
1002,Bo Lee,bo@example.org,,4
1003,Cy Park,,+13155550143,7
`

// campaignsTestApp is an App on a new store in t.TempDir with the built-in
// templates and contactsCSV imported onto the list "customers"; the CLI's
// user acts.
func campaignsTestApp(t *testing.T) (*App, context.Context) {
	t.Helper()
	ctx := context.Background()
	s, err := notices.Open(ctx, filepath.Join(t.TempDir(), "crier.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	lib, _ := templates.Builtin()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	u := templates.Utility{Name: "Clearwater Water", Phone: "+13155550100", Email: "info@clearwater.example", Location: ny}
	a := &App{Store: s, Library: lib, Utility: u, DefaultLanguage: "en", PhoneRegion: "US", CampaignZone: "America/New_York",
		Messages: scheduler.Config{Library: lib, Utility: u, DefaultLanguage: "en"}}
	if _, err := importer.Import(ctx, s, strings.NewReader(contactsCSV), importer.Options{Source: "contacts.csv", List: "customers",
		Normalizer: notices.Normalizer{Region: "US"}}); err != nil {
		t.Fatal(err)
	}
	return a, WithActor(ctx, Actor{Name: "ana", Role: notices.RoleAdmin, Via: "console"})
}

// lastAudit is the newest entry of a's audit log.
func lastAudit(t *testing.T, a *App) notices.AuditEntry {
	t.Helper()
	es, err := a.Store.AuditLog(context.Background(), 1, 0)
	if err != nil || len(es) == 0 {
		t.Fatalf("audit log: %v, %v", es, err)
	}
	return es[0]
}

// problemFields are the fields an *InvalidError names, "" when err is none.
func problemFields(err error) string {
	if err == nil || ErrorCode(err) != notices.Invalid {
		return ""
	}
	var fs []string
	for _, p := range ProblemsOf(err) {
		fs = append(fs, p.Field)
	}
	return strings.Join(fs, ",")
}
