package main

import "github.com/crier-notices/crier/config"

// webhooksNote is what crier serve says at start about Twilio's webhooks
// when they can take nothing: without a [twilio] account_sid crier serve
// holds no auth token to check their signatures, so every request to
// /webhooks/twilio/* gets 403. A newcomer trying a STOP reply on the
// outbox channel learns why from the log, not from a bare 403. "" when
// the webhooks work, or when there is no public address to reach them.
func webhooksNote(publicURL, accountSID string) string {
	if publicURL == "" || accountSID != "" {
		return ""
	}
	return "Twilio's webhooks (/webhooks/twilio/sms and /status) answer 403 to every request: there is no [twilio] account_sid, so no auth token to check their signatures; set account_sid and " + config.EnvTwilioToken + " to take them"
}
