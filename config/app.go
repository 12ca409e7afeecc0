package config

import (
	"context"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// App builds the application core from the configuration, on store and
// lib: the utility, the public URL, the dispatcher's message
// configuration, the channels in words, quiet hours, a new campaign's
// time zone and the two-person rule. Wake and Now are the caller's to set.
//
// A mistake in the file is returned as a *CheckError with the App all the
// same, built as far as the file allows (the utility in UTC when its zone
// is wrong): a use case that sends nothing (cancel, report) goes on
// despite it, as the commands do, and the App's ConfigErr (and
// MessagesErr) holds the mistake so that nothing is composed with it.
// MessagesErr alone says when the secrets the dispatcher needs are not in
// this environment: a warning, since they belong to the dispatcher's.
func (c Config) App(ctx context.Context, store *notices.Store, lib *templates.Library) (*app.App, error) {
	u, msgs, err := c.checked(lib)
	a := &app.App{
		Store:           store,
		Library:         lib,
		Utility:         u,
		DefaultLanguage: c.Utility.DefaultLanguage,
		PublicURL:       msgs.PublicURL,
		PhoneRegion:     c.PhoneRegion(),
		Messages:        msgs,
		ChannelNames:    c.ChannelNames(),
		Quiet:           msgs.QuietHours,
		ApprovalOver:    c.approvalOver(c.newChecker()), // 0 when wrong: err says so
	}
	a.CampaignZone, _ = c.CampaignZone() // "" when wrong: err says so
	if err != nil {
		a.MessagesErr, a.ConfigErr = err, err
		return a, &CheckError{Err: err}
	}
	if _, closeSenders, err := c.DispatchConfig(lib, u); err != nil {
		a.MessagesErr = err
	} else {
		closeSenders()
	}
	return a, nil
}
