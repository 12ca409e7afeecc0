package notices

import "strings"

// NewCode returns a new notice code (see Notice.Code), for a caller that
// shows the notice's page address before the notice is created (crier
// send's confirmation prints the text message as sent, link included);
// CreateNotice and CreateProof take it as Notice.Code.
func NewCode() string { return newCode() }

// code is the code n is created with: its own when given, else a new one.
// Errors: Invalid for a code Crier would not make.
func (n Notice) code() (string, error) {
	if n.Code == "" {
		return newCode(), nil
	}
	if len(n.Code) != codeLength || strings.Trim(n.Code, codeAlphabet) != "" {
		return "", errorf(Invalid, "notice code %q: a code is %d of %s (leave it empty for a new one)", n.Code, codeLength, codeAlphabet)
	}
	return n.Code, nil
}
