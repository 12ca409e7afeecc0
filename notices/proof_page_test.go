package notices

import (
	"context"
	"testing"
)

// TestProofByCode finds a proof by its code, and nothing else: a notice
// is NoticeByCode's, and a proof is never NoticeByCode's.
func TestProofByCode(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	addContacts(t, s, "p", 1)
	fam, values := hydrant(t)
	notice := publishNotice(t, s, Notice{Channels: []Channel{Email}})
	proof, err := s.CreateProof(ctx, Notice{Template: fam.Name, Values: values, Languages: []string{"en"}, Channels: []Channel{Email}},
		fam, []ProofAddress{{Channel: Email, Address: "coordinator@example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := s.Notice(ctx, proof)
	n, _ := s.Notice(ctx, notice)
	if got, err := s.ProofByCode(ctx, p.Code); err != nil || got.ID != proof || !got.Proof {
		t.Errorf("ProofByCode(the proof's code) = %d, %v; want proof %d", got.ID, err, proof)
	}
	for _, code := range []string{n.Code, "zzzzzzzzzz"} {
		if _, err := s.ProofByCode(ctx, code); ErrorCode(err) != NotFound {
			t.Errorf("ProofByCode(%q) = %v; want NotFound", code, err)
		}
	}
	if _, err := s.NoticeByCode(ctx, p.Code); ErrorCode(err) != NotFound {
		t.Errorf("NoticeByCode(the proof's code) = %v; want NotFound", err)
	}
}
