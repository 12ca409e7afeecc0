package main

import (
	"errors"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/config"
	"github.com/crier-notices/crier/notices"
)

// named is the audience the flags name for a command that sends (send,
// campaigns add), by the core's rule (app.ReadNamedAudience): nobody
// reaches every contact by leaving the flags out; everyone takes all
// (--all), which goes with no list or filter.
func (c audienceFlags) named(cfg config.Config, cmd string, all bool) (notices.Audience, error) {
	_, err := audienceReader(cfg).ReadNamedAudience(c.request(all))
	if err != nil && app.ProblemsOf(err)[0].Field == "audience" {
		return notices.Audience{}, usageError(cmd, audienceFlagError(all))
	}
	if all {
		return notices.Audience{}, nil
	}
	return c.audience(cfg, cmd)
}

// audienceFlagError says in flags what the core's problem on "audience"
// means: with all, lists or filters were given too; without, none.
func audienceFlagError(all bool) error {
	if all {
		return errors.New("--all is every contact: leave it out to send to the --list or filters given, or leave those out to send to everyone")
	}
	return errors.New("name the audience: --list NAME or a filter (--zone, --tag, --language, --street, --attr, --has), or --all for every contact")
}
