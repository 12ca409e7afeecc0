package web

import "strings"

// authInput is one labelled input of a form, with its help and its
// problem beside it (templates/console/partials/auth.html).
type authInput struct {
	ID, Name, Label, Type, Autocomplete, Value, Help, Problem string
	Required                                                  bool
}

// newAuthInput is the console templates' function authField: name (also
// the id), label, input type, autocomplete, value, the form's problems
// by field name, help. A field is required unless its label says
// "(optional)".
func newAuthInput(name, label, typ, autocomplete, value string, problems map[string]string, help string) authInput {
	return authInput{ID: name, Name: name, Label: label, Type: typ, Autocomplete: autocomplete, Value: value,
		Help: help, Problem: problems[name], Required: !strings.Contains(label, "(optional)")}
}
