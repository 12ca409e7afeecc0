package channels

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestErrorClassification(t *testing.T) {
	cause := errors.New("dial tcp: connection refused")
	tests := []struct {
		name              string
		err               error
		permanent, broken bool
		retryAfter        time.Duration
		text              string
	}{
		{"transient", &Error{Err: cause}, false, false, 0, "transient failure (dial tcp: connection refused)"},
		{"permanent with the server's words", &Error{Permanent: true, Code: "550", Reason: "5.1.1 no such user"}, true, false, 0, "permanent failure 550: 5.1.1 no such user"},
		{"broken", &Error{Broken: true, Code: "535", Reason: "authentication failed"}, false, true, 0, "channel broken failure 535: authentication failed"},
		{"retry after, wrapped", fmt.Errorf("send d-1: %w", &Error{Code: "429", RetryAfter: 3 * time.Second}), false, false, 3 * time.Second, "send d-1: transient failure 429"},
		{"an error of another kind", cause, false, false, 0, "dial tcp: connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if IsPermanent(tt.err) != tt.permanent || IsBroken(tt.err) != tt.broken || RetryAfter(tt.err) != tt.retryAfter || tt.err.Error() != tt.text {
				t.Errorf("permanent %t, broken %t, retry after %v, text %q", IsPermanent(tt.err), IsBroken(tt.err), RetryAfter(tt.err), tt.err.Error())
			}
		})
	}
}
