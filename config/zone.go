package config

import (
	"fmt"
	"time"

	"github.com/crier-notices/crier/app"
)

// Location is the utility's time zone ([utility] timezone), which every
// time crier reads or shows is in. A command that shows times refuses a
// zone that does not load rather than show them in UTC unsaid.
func (c Config) Location() (*time.Location, error) {
	loc, err := app.LoadZone(c.Utility.Timezone)
	if err != nil {
		return nil, fmt.Errorf("%s: [utility] timezone: %w (crier shows and reads times in it)", c.Name(), err)
	}
	return loc, nil
}

// scheduleZone checks [schedule] timezone, a new campaign's zone when it
// is set.
func (c Config) scheduleZone() error {
	if c.Schedule.Timezone == "" {
		return nil
	}
	if _, err := app.LoadZone(c.Schedule.Timezone); err != nil {
		return fmt.Errorf("%s: [schedule] timezone: %w", c.Name(), err)
	}
	return nil
}

// CampaignZone is the time zone a new campaign's schedule is read in when
// none is given: [schedule] timezone, else [utility] timezone. The error
// names the key at fault.
func (c Config) CampaignZone() (string, error) {
	name, key := c.Schedule.Timezone, "[schedule] timezone"
	if name == "" {
		name, key = c.Utility.Timezone, "[utility] timezone"
	}
	if _, err := app.LoadZone(name); err != nil {
		return "", fmt.Errorf("%s: %s: %w", c.Name(), key, err)
	}
	return name, nil
}
