package main

import (
	"strings"
	"testing"
	"time"
)

// TestDispatchDuringQuietHours: with quiet hours around the present
// moment, crier dispatch sends a normal notice's emails, leaves its text
// messages queued and says until when; an emergency's text messages go.
func TestDispatchDuringQuietHours(t *testing.T) {
	cfg := exampleSetup(t)
	now, span := quietNow(t, cfg)

	until := now.Add(time.Hour).Format("15:04")
	sent := mustCrier(t, append([]string{"--config", cfg}, sendArgs("--list", "customers", "--channels", "email,sms", "--urgency", "normal", "--yes")...)...)
	if want := "quiet hours (" + span + "): the text messages wait until " + now.Add(time.Hour).Format("Monday 15:04"); !strings.Contains(sent, want) {
		t.Errorf("send does not warn %q:\n%s", want, sent)
	}
	out := mustCrier(t, "--config", cfg, "dispatch")
	if !strings.Contains(out, "quiet hours: 14 text message(s) of normal notices wait until "+until) {
		t.Errorf("dispatch does not say the text messages wait until %s:\n%s", until, out)
	}
	counts := reportCounts(t, mustCrier(t, "--config", cfg, "report", "1"))
	wantCounts(t, counts, "email", map[string]int{"TOTAL": 14, "SENT": 14})
	wantCounts(t, counts, "sms", map[string]int{"TOTAL": 14, "QUEUED": 14})

	if sent := mustCrier(t, append([]string{"--config", cfg}, sendArgs("--list", "customers", "--channels", "sms", "--urgency", "emergency", "--yes")...)...); strings.Contains(sent, "quiet hours (") {
		t.Errorf("an emergency is warned of quiet hours, which do not hold it:\n%s", sent)
	}
	mustCrier(t, "--config", cfg, "dispatch")
	wantCounts(t, reportCounts(t, mustCrier(t, "--config", cfg, "report", "2")), "sms", map[string]int{"TOTAL": 14, "SENT": 14})
	wantCounts(t, reportCounts(t, mustCrier(t, "--config", cfg, "report", "1")), "sms", map[string]int{"TOTAL": 14, "QUEUED": 14})
}
