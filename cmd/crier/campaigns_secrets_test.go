package main

import (
	"strings"
	"testing"
)

// TestCampaignsAddWithoutTheDispatchersSecrets: the secrets belong to the
// environment where crier serve runs, so a coordinator's machine without
// them adds a campaign all the same (a mistake in the file is refused:
// TestSendRefusesWhatDispatchWouldRefuse).
func TestCampaignsAddWithoutTheDispatchersSecrets(t *testing.T) {
	clearSecrets(t)
	cfg := configSetup(t, "[twilio]\naccount_sid = \""+testSID+"\"\nfrom = \"+13155550142\"\n")
	code, stdout, stderr := crier(t, "--config", cfg, "campaigns", "add", "flushing", "--template", "hydrant-flushing", "--schedule", "0 9 1 4 *",
		"--list", "customers", "--channels", "email,sms", "--set", "area=Zone 4", "--set", "start_date=+14d", "--set", "end_date=+25d",
		"--set", "start_time=8:00 AM", "--set", "end_time=3:30 PM", "--set", "days=weekdays")
	if code != 0 {
		t.Fatalf("campaigns add without CRIER_TWILIO_AUTH_TOKEN: exit %d\n%s%s", code, stdout, stderr)
	}
	if out := mustCrier(t, "--config", cfg, "campaigns", "list"); !strings.Contains(out, "flushing") {
		t.Errorf("the campaign was not stored:\n%s", out)
	}
}
