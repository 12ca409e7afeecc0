package web

import (
	"slices"
	"strconv"
	"strings"

	"github.com/crier-notices/crier/templates"
)

// formInput is one input of a console form, as the "consoleInput" partial
// (templates/console/_rest_form.html) draws it: a label, the control,
// its help and its error beside it (aria-describedby, aria-invalid).
type formInput struct {
	Name      string // the form field's name; its id is "f-" + Name (+ "-" + Key)
	Key       string // tells apart the checkboxes of one name
	Group     string // the id of the error of the group a checkbox is in
	Label     string
	Kind      string // "text", "date", "textarea", "select", "checkbox", "file", "email" …
	Value     string
	Help      string
	Example   string
	Error     string
	Required  bool
	Options   []formOption // a select's
	MaxLength int          // 0: none
	Accept    string       // a file input's
	Checked   bool         // a checkbox's
}

// formOption is one choice of a select.
type formOption struct {
	Value, Label string
	Selected     bool
}

// ID is the input's id in the page.
func (f formInput) ID() string {
	if f.Key != "" {
		return "f-" + f.Name + "-" + f.Key
	}
	return "f-" + f.Name
}

// Described is the ids of what describes the input: its help and its
// error.
func (f formInput) Described() string {
	var ids []string
	if f.Help != "" || f.Example != "" {
		ids = append(ids, f.ID()+"-help")
	}
	if f.Error != "" {
		ids = append(ids, f.ID()+"-error")
	}
	if f.Group != "" {
		ids = append(ids, f.Group)
	}
	return strings.Join(ids, " ")
}

// checkGroup is a fieldset of checkboxes of one name (channels,
// languages, lists) with its legend, help and error.
type checkGroup struct {
	Name, Legend, Help, Error string
	Boxes                     []formInput
}

// ErrorID is the id of the group's error.
func (g checkGroup) ErrorID() string { return "f-" + g.Name + "-error" }

// newCheckGroup makes the group of name with a box for each of values,
// those in checked ticked, and its error from errs.
func newCheckGroup(name, legend, help string, values, labels, checked []string, errs fieldErrors) checkGroup {
	g := checkGroup{Name: name, Legend: legend, Help: help, Error: errs[name]}
	for i, v := range values {
		b := formInput{Name: name, Key: v, Label: labels[i], Kind: "checkbox", Value: v, Checked: slices.Contains(checked, v)}
		if g.Error != "" {
			b.Group = g.ErrorID()
		}
		g.Boxes = append(g.Boxes, b)
	}
	return g
}

// options makes a select's options of values, value selected.
func options(values []string, selected string) []formOption {
	os := make([]formOption, len(values))
	for i, v := range values {
		os[i] = formOption{Value: v, Label: v, Selected: v == selected}
	}
	return os
}

// templateInputs is the form of template t's fields, filled with values
// (FIELD -> value) and each with its error from errs (by "values.FIELD",
// as app's Problems name them). A field's input is named "values.FIELD".
// relativeDates: dates are typed as text (a campaign's +14d, day:15), not
// picked. Part NOTICE's form of a notice can use it as it is.
func templateInputs(t *templates.Template, values templates.Values, errs fieldErrors, relativeDates bool) []formInput {
	var in []formInput
	for _, f := range t.Fields {
		if f.Name == "fired_at" {
			continue // a campaign fills it at each firing
		}
		name := "values." + f.Name
		fi := formInput{Name: name, Label: f.Label, Kind: inputKind(f.Type, relativeDates), Value: values[f.Name], Help: f.Help,
			Error: errs[name], Required: f.Required, MaxLength: f.Limit()}
		if fi.Label == "" {
			fi.Label = f.Name
		}
		if f.Example != "" {
			fi.Example = "Example: " + f.Example
		}
		if relativeDates && (f.Type == templates.TypeDate || f.Type == templates.TypeDateTime) && !f.Past {
			fi.Help = joinSentences(fi.Help, "A date relative to each firing: +14d, +2w, day:15 or day:5+1m; or a fixed date.")
		}
		if f.Type == templates.TypeChoice {
			choices := append([]string{""}, f.Options...)
			fi.Options = options(choices, fi.Value)
			fi.Options[0].Label = "(choose)"
		}
		if fi.Value == "" && f.Default != "" {
			fi.Help = joinSentences(fi.Help, "Left empty: "+strconv.Quote(f.Default)+".")
		}
		in = append(in, fi)
	}
	return in
}

// inputKind is the control for a field of type t.
func inputKind(t templates.FieldType, relativeDates bool) string {
	switch t {
	case templates.TypeMultiline:
		return "textarea"
	case templates.TypeChoice:
		return "select"
	case templates.TypeURL:
		return "url"
	case templates.TypePhone:
		return "tel"
	case templates.TypeDate:
		if !relativeDates {
			return "date"
		}
	}
	return "text"
}

func joinSentences(a, b string) string {
	if a == "" {
		return b
	}
	return a + " " + b
}
