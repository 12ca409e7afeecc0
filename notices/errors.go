package notices

import (
	"errors"
	"fmt"
)

// Code classifies an error for callers that must react to it, such as the
// web layer choosing an HTTP status. Only that layer maps codes to statuses.
type Code string

// The error codes.
const (
	Invalid  Code = "invalid"   // the input is wrong; the message says how to fix it
	NotFound Code = "not found" // what was named does not exist
	Conflict Code = "conflict"  // the request contradicts the stored state
	Internal Code = "internal"  // a fault of Crier or its store
)

// Error is an error with a code and a sentence for the coordinator.
type Error struct {
	Code    Code
	Message string
	Err     error // the cause, if any
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

func errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, Internal when it has none.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Errorf is an Error with code and a message formatted as by fmt.Sprintf,
// for the dialect packages.
func Errorf(code Code, format string, args ...any) *Error {
	return errorf(code, format, args...)
}
