package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// TestCategoryOptOutCounts: an email address that opted out of service
// notices (through its preferences link) is counted by crier audience
// --category service, left out of a service notice by crier send, which
// says so, as crier report does afterwards; an emergency still reaches it.
func TestCategoryOptOutCounts(t *testing.T) {
	nonTerminalStdin(t)
	cfg := exampleSetup(t)
	s, err := notices.Open(context.Background(), filepath.Join(filepath.Dir(cfg), "crier.db"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.OptOut(context.Background(), "Ana.Diaz@example.org", templates.Service, 0, notices.OneClick)
	s.Close()
	if err != nil {
		t.Fatal(err)
	}

	emailRow := regexp.MustCompile(`(?m)^email +(\d+) +\d+ +\d+ +\d+ +(\S+)$`)
	for _, tc := range []struct {
		category, reached, optedOut string
	}{
		{"service", "13", "1"},
		{"emergency", "14", "0"},
	} {
		out := mustCrier(t, "--config", cfg, "audience", "--list", "customers", "--category", tc.category)
		m := emailRow.FindStringSubmatch(out)
		if !strings.Contains(out, "OPTED OUT OF "+strings.ToUpper(tc.category)) || m == nil || m[1] != tc.reached || m[2] != tc.optedOut {
			t.Errorf("audience --category %s: want email reached %s, opted out %s:\n%s", tc.category, tc.reached, tc.optedOut, out)
		}
	}
	if out := mustCrier(t, "--config", cfg, "audience", "--list", "customers"); strings.Contains(out, "OPTED OUT") {
		t.Errorf("audience without --category counts opt-outs of no notice:\n%s", out)
	}
	if code, _, stderr := crier(t, "--config", cfg, "audience", "--category", "billing"); code != 2 || !strings.Contains(stderr, "service, information or emergency") {
		t.Errorf("audience --category billing: exit %d, %s; want 2 and the categories", code, stderr)
	}

	day := time.Now().AddDate(0, 0, 14).Format("2006-01-02")
	out := mustCrier(t, "--config", cfg, "send", "planned-service-interruption", "--set", "area=Oak Hill Road", "--set", "work_date="+day,
		"--set", "start_time=9:00 AM", "--set", "end_time=3:00 PM", "--list", "customers", "--channels", "email", "--yes")
	if !strings.Contains(out, "email:     13 message(s)") || !strings.Contains(out, "left out: 9 no email address, 1 unsubscribed, 1 opted out of service notices") {
		t.Errorf("send of a service notice does not leave out and count the opted-out address:\n%s", out)
	}
	out = mustCrier(t, "--config", cfg, "report", "1")
	if !strings.Contains(out, "email left out at publishing: 1 address(es) opted out of service notices") {
		t.Errorf("report does not count the opted-out address:\n%s", out)
	}
	out = mustCrier(t, append([]string{"--config", cfg}, sendArgs("--list", "customers", "--channels", "email", "--yes")...)...)
	if !strings.Contains(out, "email:     14 message(s)") || strings.Contains(out, "opted out") {
		t.Errorf("the emergency does not reach the opted-out address:\n%s", out)
	}
	if out := mustCrier(t, "--config", cfg, "report", "2"); strings.Contains(out, "left out at publishing") {
		t.Errorf("the emergency's report says someone was left out:\n%s", out)
	}
}
