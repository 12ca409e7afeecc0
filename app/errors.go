package app

import (
	"errors"
	"strings"

	"github.com/crier-notices/crier/notices"
)

// Problem is what is wrong with one field of the input.
type Problem struct {
	// Field names the input at fault as the console's form and the API's
	// JSON name it: "template", "values.street", "channels", "languages",
	// "at", "audience", "proof", "row 12" …; "" for the input as a whole.
	Field   string
	Message string // what is wrong and what to do, for the coordinator
}

// InvalidError is input a use case refuses: a sentence for the whole, and
// each bad field with its problem, so a form can show each beside its
// field and the CLI can list them.
type InvalidError struct {
	Message  string // e.g. "the notice cannot be sent as it is"
	Problems []Problem
}

func (e *InvalidError) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	for i, p := range e.Problems {
		if i == 0 {
			b.WriteString(":")
		}
		b.WriteString("\n  ")
		if p.Field != "" {
			b.WriteString(p.Field + ": ")
		}
		b.WriteString(strings.ReplaceAll(p.Message, "\n", "\n  "))
	}
	return b.String()
}

// Invalid returns an *InvalidError with message and problems.
func Invalid(message string, problems ...Problem) *InvalidError {
	return &InvalidError{Message: message, Problems: problems}
}

// ErrorCode classifies err for the CLI's exit status and the web's HTTP
// status: notices.Invalid for an *InvalidError, else notices' own code
// (NotFound, Conflict …), notices.Internal for anything else.
func ErrorCode(err error) notices.Code {
	var ie *InvalidError
	if errors.As(err, &ie) {
		return notices.Invalid
	}
	return notices.ErrorCode(err)
}

// ProblemsOf returns the problems of err by field, for a form: the
// *InvalidError's, or the whole error under "" when it has none.
func ProblemsOf(err error) []Problem {
	var ie *InvalidError
	if errors.As(err, &ie) {
		if len(ie.Problems) == 0 {
			return []Problem{{Message: ie.Message}}
		}
		return ie.Problems
	}
	return []Problem{{Message: err.Error()}}
}
