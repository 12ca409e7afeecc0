package templates

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// What the store (notices.Template) asks of a family when it publishes
// a notice: the store keeps no template code of its own.

// TemplateName is the family's name (notices.Template).
func (f *Family) TemplateName() string {
	if f == nil {
		return ""
	}
	return f.Name
}

// Category is the family's category: its original's.
func (f *Family) Category() Category { return f.Original.Category }

// CheckValues fills the family's template in each of langs with values,
// phone numbers read in region (see Template.FillIn), and returns a
// ValueErrors naming every problem found, each field once, in the order
// found; nil when the values fill every language.
func (f *Family) CheckValues(values map[string]string, langs []string, region string) error {
	var all ValueErrors
	for _, l := range langs {
		_, err := f.ByLang[l].FillIn(Values(values), region)
		var ves ValueErrors
		if !errors.As(err, &ves) {
			if err != nil {
				return fmt.Errorf("fill template %s (%s): %w", f.Name, l, err)
			}
			continue
		}
		for _, ve := range ves {
			if !slices.ContainsFunc(all, func(e ValueError) bool { return e.Field == ve.Field }) {
				all = append(all, ve)
			}
		}
	}
	if len(all) > 0 {
		return all
	}
	return nil
}

// ResolveValues returns values with the relative dates of the family's
// date fields resolved for a firing at firing (the package's
// ResolveValues over the original's fields).
func (f *Family) ResolveValues(values map[string]string, firing time.Time) (map[string]string, error) {
	return ResolveValues(f.Original, values, firing)
}
