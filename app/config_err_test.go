package app

import (
	"errors"
	"strings"
	"testing"

	"github.com/crier-notices/crier/notices"
)

// TestAMistakenConfigurationSendsNothing: whatever the way (console, API,
// command line), a mistake in crier.toml refuses every notice and campaign
// with the mistake named, before anything is stored; secrets missing in
// this environment (the dispatcher's own) let the notice through with a
// warning the coordinator sees.
func TestAMistakenConfigurationSendsNothing(t *testing.T) {
	mistake := errors.New("crier.toml: [smtp] port: 0 is not a port")
	tests := []struct {
		name        string
		configErr   error
		messagesErr error
		refused     bool
	}{
		{"a mistake in crier.toml", mistake, mistake, true},
		{"secrets missing here", nil, errors.New("CRIER_SMTP_PASSWORD is not set"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := testApp(t)
			a.ConfigErr, a.MessagesErr = tc.configErr, tc.messagesErr
			d, err := a.Compose(as("ana", notices.RoleCoordinator, "api"), advisory("north"))
			if tc.refused {
				if ErrorCode(err) != notices.Invalid || !strings.Contains(err.Error()+problemMessages(err), "[smtp] port") {
					t.Errorf("composed with a mistaken crier.toml: %v; want it refused, naming the mistake", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Warnings) == 0 || !strings.HasPrefix(d.Warnings[0], CannotSendYet) {
				t.Errorf("warnings %q; want the dispatcher's missing secrets first", d.Warnings)
			}
		})
	}

	c, ctx := campaignsTestApp(t)
	c.ConfigErr = mistake
	if _, err := c.AddCampaign(ctx, flushing("spring")); ErrorCode(err) != notices.Invalid || !strings.Contains(problemMessages(err), "[smtp] port") {
		t.Errorf("campaign added with a mistaken crier.toml: %v; want it refused, naming the mistake", err)
	}
	if _, err := c.Store.Campaign(ctx, "spring"); ErrorCode(err) != notices.NotFound {
		t.Errorf("the refused campaign was stored: %v", err)
	}
}

// problemMessages joins the messages of err's problems.
func problemMessages(err error) string {
	var ms []string
	for _, p := range ProblemsOf(err) {
		ms = append(ms, p.Message)
	}
	return strings.Join(ms, "\n")
}
