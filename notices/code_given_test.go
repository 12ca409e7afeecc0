package notices

import (
	"context"
	"testing"
)

// TestGivenCode: a notice created with a code from NewCode has it (crier
// send shows the page before it creates the notice); a code Crier would
// not make is refused.
func TestGivenCode(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	code := NewCode()
	id, err := s.CreateNotice(ctx, Notice{Template: "main-break", Channels: []Channel{SMS}, Code: code})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.Notice(ctx, id); err != nil || n.Code != code {
		t.Errorf("the notice's code is %q, %v; want the given %q", n.Code, err, code)
	}
	for _, bad := range []string{"short", "0123456789", "ABCDEFGHJK", "' OR 1=1 -"} {
		if _, err := s.CreateNotice(ctx, Notice{Template: "main-break", Channels: []Channel{SMS}, Code: bad}); ErrorCode(err) != Invalid {
			t.Errorf("CreateNotice with code %q: %v; want Invalid", bad, err)
		}
	}
}
