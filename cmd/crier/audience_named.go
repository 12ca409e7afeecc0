package main

import (
	"errors"

	"github.com/crier-notices/crier/config"
	"github.com/crier-notices/crier/notices"
)

// named is the audience the flags name for a command that sends (send,
// campaigns add): nobody reaches every contact by leaving the flags out;
// everyone takes all (--all), which goes with no list or filter.
func (c audienceFlags) named(cfg config.Config, cmd string, all bool) (notices.Audience, error) {
	given := c.given()
	switch {
	case all && given:
		return notices.Audience{}, usageError(cmd, errors.New("--all is every contact: leave it out to send to the --list or filters given, or leave those out to send to everyone"))
	case !all && !given:
		return notices.Audience{}, usageError(cmd, errors.New("name the audience: --list NAME or a filter (--zone, --tag, --language, --street, --attr, --has), or --all for every contact"))
	}
	return c.audience(cfg, cmd)
}
