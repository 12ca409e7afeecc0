package main

import (
	"fmt"
	"io"
	"time"

	"github.com/crier-notices/crier/templates"
)

// warnDates writes to w a warning for each date value of a notice going
// out at date (in the zone loc; nil for UTC) that is past that day, unless
// its field says the date may be past, and each that comes before the
// date its template says it follows (templates.CheckDates). They are
// warnings, not refusals: a coordinator correcting a notice may mean them.
func warnDates(w io.Writer, fam *templates.Family, values templates.Values, date time.Time, loc *time.Location) {
	if loc == nil {
		loc = time.UTC
	}
	for _, n := range templates.CheckDates(fam.Original, values, date.In(loc)) {
		fmt.Fprintln(w, "warning:", n.Message)
	}
}
