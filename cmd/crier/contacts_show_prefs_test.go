package main

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// TestContactsShowEmailChoice: crier contacts show says which categories
// the contact's email address left from an email's link, so a coordinator
// sees why a service notice did not reach it; a contact with no such
// choice shows no line. A two-line postal address reads as one field.
func TestContactsShowEmailChoice(t *testing.T) {
	cfg := contactsStore(t)
	text, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := regexp.MustCompile(`database = "([^"]+)"`).FindSubmatch(text)
	if db == nil {
		t.Fatalf("no database in %s", text)
	}
	s, err := notices.Open(context.Background(), string(db[1]))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveContact(context.Background(), notices.Contact{Account: "A-9", Name: "Di", PostalAddress: "12 Oak Hill Road\nClearwater, NY 13000"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.OptOut(context.Background(), "ana@example.org", templates.Service, 0, "one-click"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	tests := []struct {
		name, account string
		want          string // "" for no line
	}{
		{"opted out of service", "A-1", "email opted out: service (the customer's choice"},
		{"no choice made", "A-2", ""},
		{"a postal address's second line stands under its first", "A-9", "postal address:  12 Oak Hill Road\n                 Clearwater, NY 13000\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := crier(t, "--config", cfg, "contacts", "show", tc.account)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if tc.want == "" && strings.Contains(stdout, "opted out") || tc.want != "" && !strings.Contains(stdout, tc.want) {
				t.Errorf("contacts show %s; want %q:\n%s", tc.account, tc.want, stdout)
			}
		})
	}
}
