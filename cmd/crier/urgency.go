package main

import (
	"fmt"

	"github.com/alecthomas/kong"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// urgencyFlags is --urgency of send and campaigns add.
type urgencyFlags struct {
	Urgency urgencyFlag `help:"normal or emergency (default: the template's: emergency for a template of category emergency, such as boil-water-advisory, else normal). An emergency goes before every normal notice, and its text messages go even in quiet hours." placeholder:"URGENCY"`
}

// urgencyFlag is --urgency of send and campaigns add: normal or
// emergency, or empty for the template's own (see of).
type urgencyFlag string

// Decode reads --urgency, refusing what is neither normal nor emergency.
func (u *urgencyFlag) Decode(ctx *kong.DecodeContext) error {
	var s string
	if err := ctx.Scan.PopValueInto("urgency", &s); err != nil {
		return err
	}
	switch notices.Urgency(s) {
	case notices.Normal, notices.Emergency:
		*u = urgencyFlag(s)
		return nil
	}
	return fmt.Errorf("%q: use normal or emergency, or leave it out for the template's (emergency for an emergency template)", s)
}

// of is the urgency a notice of template family fam goes out with
// (app.UrgencyOf): the flag when given, else the template's category's.
func (u urgencyFlag) of(fam *templates.Family) notices.Urgency {
	urgency, _ := app.UrgencyOf(notices.Urgency(u), fam)
	return urgency
}

// urgencyOf is u.of without the reason: one call for campaigns add.
func urgencyOf(u urgencyFlag, fam *templates.Family) notices.Urgency {
	return u.of(fam)
}
