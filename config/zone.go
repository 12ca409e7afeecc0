package config

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// zoneAdvice ends every refusal of a time zone.
const zoneAdvice = "write an IANA zone such as America/New_York"

// LoadZone is the one rule for a time zone a coordinator gives, in
// crier.toml or a flag: an IANA name, Area/City (America/New_York) or UTC.
// Go also loads abbreviations (EST, CET), POSIX names (EST5EDT), fixed
// offsets (Etc/GMT+5) and Local; they are refused, because EST is
// UTC-5 all year (a time read in it is an hour off all summer) and Local is
// whatever machine crier runs on.
func LoadZone(name string) (*time.Location, error) {
	if name == "UTC" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	switch {
	case name == "":
		return nil, errors.New(`"" is not a time zone name: ` + zoneAdvice)
	case err != nil:
		return nil, fmt.Errorf("%q is not a time zone name: %s", name, zoneAdvice)
	case name == "Local":
		return nil, fmt.Errorf("%q is not a time zone name but this machine's zone: %s", name, zoneAdvice)
	case !strings.Contains(name, "/") || strings.HasPrefix(name, "Etc/"):
		return nil, fmt.Errorf("%q is not a time zone name but an abbreviation or a fixed offset, which keeps no daylight saving time: %s", name, zoneAdvice)
	}
	return loc, nil
}

// Location is the utility's time zone ([utility] timezone), which every
// time crier reads or shows is in. A command that shows times refuses a
// zone that does not load rather than show them in UTC unsaid.
func (c Config) Location() (*time.Location, error) {
	loc, err := LoadZone(c.Utility.Timezone)
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
	if _, err := LoadZone(c.Schedule.Timezone); err != nil {
		return fmt.Errorf("%s: [schedule] timezone: %w", c.Name(), err)
	}
	return nil
}
