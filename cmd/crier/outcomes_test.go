package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crier-notices/crier/notices"
)

// TestReportCountsDelivered: once the provider reports on text messages
// (Twilio's status callbacks, which crier serve records), crier report
// and crier notices show count them delivered and undelivered, and the
// report lists the undelivered one with Twilio's words.
func TestReportCountsDelivered(t *testing.T) {
	nonTerminalStdin(t)
	cfg := exampleSetup(t)
	mustCrier(t, append([]string{"--config", cfg}, sendArgs("--list", "customers", "--channels", "sms", "--yes")...)...)
	mustCrier(t, "--config", cfg, "dispatch")

	ctx := context.Background()
	s, err := notices.Open(ctx, filepath.Join(filepath.Dir(cfg), "crier.db"))
	if err != nil {
		t.Fatal(err)
	}
	var sent []notices.Delivery
	err = s.EachDeliveryIn(ctx, 1, []notices.DeliveryStatus{notices.DeliverySent}, func(d notices.Delivery) error {
		sent = append(sent, d)
		return nil
	})
	if err != nil || len(sent) < 3 {
		t.Fatalf("%d text messages sent (%v); want at least 3", len(sent), err)
	}
	reports := []notices.ProviderReport{
		{ProviderID: sent[0].ProviderID, Status: notices.DeliveryDelivered},
		{ProviderID: sent[1].ProviderID, Status: notices.DeliveryUndelivered, Code: "30003", Error: "Twilio 30003: unreachable destination handset"},
	}
	for _, r := range reports {
		r.Channel = notices.SMS
		if _, err := s.RecordProviderReport(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()

	for _, cmd := range [][]string{{"report", "1"}, {"notices", "show", "1"}} {
		out := mustCrier(t, append([]string{"--config", cfg}, cmd...)...)
		counts := reportCounts(t, out)
		if _, ok := counts["sms"]["UNDELIVERED"]; !ok {
			t.Errorf("crier %s has no UNDELIVERED column:\n%s", strings.Join(cmd, " "), out)
		}
		wantCounts(t, counts, "sms", map[string]int{"TOTAL": len(sent), "SENT": len(sent) - 2, "DELIVERED": 1, "UNDELIVERED": 1})
		if cmd[0] == "report" && !strings.Contains(out, "Twilio 30003: unreachable destination handset") {
			t.Errorf("crier report does not list the undelivered message:\n%s", out)
		}
	}
}

// TestSuppressionsShowTheNotice: crier contacts suppressions names the
// notice whose send found an address out (a hard bounce), and "-" for one
// suppressed by hand.
func TestSuppressionsShowTheNotice(t *testing.T) {
	nonTerminalStdin(t)
	cfg := exampleSetup(t)
	mustCrier(t, append([]string{"--config", cfg}, sendArgs("--list", "customers", "--channels", "email", "--yes")...)...)
	mustCrier(t, "--config", cfg, "contacts", "suppress", "by-hand@example.org", "--reason", "manual")
	ctx := context.Background()
	s, err := notices.Open(ctx, filepath.Join(filepath.Dir(cfg), "crier.db"))
	if err != nil {
		t.Fatal(err)
	}
	// As the dispatcher records a 550 5.1.1 (scheduler's TestHardBounceSuppresses sends one).
	if _, _, err := s.SuppressFound(ctx, "gone@example.org", notices.HardBounce, "SMTP: 550 5.1.1 no such mailbox", "dispatcher", 1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	out := mustCrier(t, "--config", cfg, "contacts", "suppressions")
	for _, want := range [][]string{{"gone@example.org", "email", "hard-bounce", "dispatcher", "1"}, {"by-hand@example.org", "email", "manual"}} {
		found := false
		for _, line := range strings.Split(out, "\n") {
			f := strings.Fields(line)
			if len(f) > 0 && f[0] == want[0] {
				found = true
				if f[2] != want[2] || want[2] == "hard-bounce" && f[len(f)-1] != "1" || want[2] == "manual" && f[len(f)-1] != "-" {
					t.Errorf("row %q; want %v", line, want)
				}
			}
		}
		if !found {
			t.Errorf("no row for %s in:\n%s", want[0], out)
		}
	}
	if !strings.Contains(out, "NOTICE") {
		t.Errorf("no NOTICE column:\n%s", out)
	}
}
