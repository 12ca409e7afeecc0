package config

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
)

// buildApp loads body as crier.toml and builds the App from it with the
// built-in library and no store; loadErr is Load's error, err App's.
func buildApp(t *testing.T, body string) (a *appResult, loadErr, err error) {
	t.Helper()
	cfg, loadErr := Load(writeConfig(t, body))
	lib, _, libErr := Default().Library()
	if libErr != nil {
		t.Fatal(libErr)
	}
	got, err := cfg.App(context.Background(), nil, lib)
	if got == nil {
		t.Fatalf("no App (error %v): a use case that sends nothing could not go on", err)
	}
	return &appResult{got.PublicURL, got.ApprovalOver, got.Quiet.String(), got.DefaultLanguage, got.PhoneRegion, got.Utility.Name, got.Utility.Location, got.Messages.From, got.ChannelNames, got.MessagesErr, got.CampaignZone, got.ConfigErr}, loadErr, err
}

// appResult is what a test reads of an App.
type appResult struct {
	publicURL    string
	approvalOver int
	quiet        string
	language     string
	region       string
	utility      string
	location     *time.Location
	from         string
	channels     map[notices.Channel]string
	messagesErr  error
	campaignZone string
	configErr    error
}

// TestAppFromTheFile: the App holds the file's settings, checked, and
// says (without failing) that the dispatcher's secrets are missing here.
func TestAppFromTheFile(t *testing.T) {
	clearSecrets(t)
	a, loadErr, err := buildApp(t, "public_url = \"https://notices.clearwater.example/\"\n"+clearwaterConfig+`
[contacts]
default_region = "us"
[twilio]
account_sid = "`+testSID+`"
from = "+13155550100"
[schedule]
quiet_hours = "22:00-07:00"
[console]
approval_over = 250
`)
	if loadErr != nil || err != nil {
		t.Fatal(loadErr, err)
	}
	if a.publicURL != "https://notices.clearwater.example" || a.approvalOver != 250 || a.quiet != "22:00-07:00 America/New_York" ||
		a.language != "en" || a.region != "US" || a.utility != "Clearwater County Water Board" || a.location.String() != "America/New_York" ||
		a.from != `"Clearwater County Water Board" <notices@clearwater.example>` {
		t.Errorf("App %+v; want the file's settings", a)
	}
	if got := a.channels[notices.SMS]; got != "Twilio from +13155550100, at most 1 a second" {
		t.Errorf("sms goes through %q", got)
	}
	if a.messagesErr == nil || !strings.Contains(a.messagesErr.Error(), "CRIER_TWILIO_AUTH_TOKEN") {
		t.Errorf("MessagesErr %v; want it to say the auth token is missing", a.messagesErr)
	}
	if a.configErr != nil {
		t.Errorf("ConfigErr %v; want none: missing secrets only warn", a.configErr)
	}
}

// TestAppWithTheDefaults: with nothing to send through, nothing is
// missing and nobody waits for approval.
func TestAppWithTheDefaults(t *testing.T) {
	clearSecrets(t)
	a, _, err := buildApp(t, clearwaterConfig)
	if err != nil || a.messagesErr != nil || a.approvalOver != 0 || a.publicURL != "" {
		t.Errorf("App %+v, %v; want no error, no approval, no public URL", a, err)
	}
}

// TestAppDespiteAMistake: a mistake in the file comes as a *CheckError
// with an App all the same, whose ConfigErr keeps anything from being
// composed with it.
func TestAppDespiteAMistake(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"a time zone", strings.Replace(clearwaterConfig, "America/New_York", "Eastern", 1), `[utility] timezone: "Eastern" is not a time zone name`},
		{"approval_over", clearwaterConfig + "[console]\napproval_over = -3\n", "[console] approval_over: -3 is negative"},
		{"a channel table", clearwaterConfig + "[smtp]\nport = 0\n", "[smtp] port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearSecrets(t)
			a, loadErr, err := buildApp(t, tt.body)
			if loadErr == nil {
				t.Fatal("the file loads without an error")
			}
			var ce *CheckError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v; want a *CheckError saying %q", err, tt.want)
			}
			if a.messagesErr == nil || !strings.Contains(a.messagesErr.Error(), tt.want) {
				t.Errorf("MessagesErr %v; want it to say %q", a.messagesErr, tt.want)
			}
			if a.configErr == nil || !strings.Contains(a.configErr.Error(), tt.want) {
				t.Errorf("ConfigErr %v; want it to say %q, so that nothing is composed", a.configErr, tt.want)
			}
			if a.location == nil || a.approvalOver < 0 {
				t.Errorf("App %+v; want a zone and no negative approval_over", a)
			}
		})
	}
}

// TestAppCampaignZone: a campaign added without a zone (console, API, CLI)
// reads its schedule in [schedule] timezone, else [utility] timezone.
func TestAppCampaignZone(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"the utility's", clearwaterConfig, "America/New_York"},
		{"the schedule's", clearwaterConfig + "[schedule]\ntimezone = \"America/Chicago\"\n", "America/Chicago"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearSecrets(t)
			a, _, err := buildApp(t, tt.body)
			if err != nil || a.campaignZone != tt.want {
				t.Errorf("CampaignZone %q (error %v); want %q", a.campaignZone, err, tt.want)
			}
		})
	}
}
