package notices

import (
	"context"
	"testing"
)

// TestProofByCode finds a proof by its code, and nothing else: a notice
// is PublicNotice's, and a proof is never PublicNotice's.
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
	if got, err := s.PublicNotice(ctx, n.Code, s.Now()); err != nil || got.ID != notice {
		t.Errorf("PublicNotice(the notice's code) = %d, %v; want notice %d", got.ID, err, notice)
	}
	if _, err := s.PublicNotice(ctx, p.Code, s.Now()); ErrorCode(err) != NotFound {
		t.Errorf("PublicNotice(the proof's code) = %v; want NotFound", err)
	}
}
