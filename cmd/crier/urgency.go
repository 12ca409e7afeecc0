package main

import (
	"fmt"

	"github.com/alecthomas/kong"

	"github.com/crier-notices/crier/notices"
)

// urgencyFlags is --urgency of send and campaigns add.
type urgencyFlags struct {
	Urgency urgencyFlag `help:"normal or emergency (default: the template's: emergency for a template of category emergency, such as boil-water-advisory, else normal). An emergency goes before every normal notice, and its text messages go even in quiet hours." placeholder:"URGENCY"`
}

// urgencyFlag is --urgency of send and campaigns add: normal or
// emergency, or empty for the template's own (app.UrgencyOf decides).
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
