package notices

import (
	"time"

	"github.com/crier-notices/crier/templates/category"
)

// A Template is a notice's template in all its languages, as the store
// needs it to publish: *templates.Family is the one Crier passes. The
// store keeps no template code: it asks the template whether the values
// fill it, so that it builds without the renderers (PDF, email).
type Template interface {
	// TemplateName is the template's name, as Notice.Template says it.
	TemplateName() string
	// Languages lists the template's languages, the original's first.
	Languages() []string
	// Category is the template's category.
	Category() category.Category
	// Declares reports whether the template has a field named field.
	Declares(field string) bool
	// CheckValues fills the template in each of langs with values, phone
	// numbers read in region ("" means US), and returns an error naming
	// every value that does not fill it (templates.ValueErrors), each
	// field once; nil when they all do.
	CheckValues(values map[string]string, langs []string, region string) error
	// ResolveValues returns values with their dates relative to a
	// firing (+14d, day:15) resolved for one at firing; an error names
	// each it cannot read.
	ResolveValues(values map[string]string, firing time.Time) (map[string]string, error)
}

// hasLanguage reports whether t has a translation in l.
func hasLanguage(t Template, l string) bool {
	for _, have := range t.Languages() {
		if have == l {
			return true
		}
	}
	return false
}
