package email

import "testing"

// TestHardBounceReplies: which refusals say the address itself is dead.
// Mailpit can only answer 550 5.1.0 to a recipient (TestFailuresAreClassified),
// so the other replies real servers give are read here from their words.
func TestHardBounceReplies(t *testing.T) {
	tests := []struct {
		name  string
		code  int
		words string
		want  bool
	}{
		{name: "no such mailbox", code: 550, words: "5.1.1 <ann@water.example>: Recipient address rejected: User unknown", want: true},
		{name: "no such domain", code: 550, words: "5.1.2 Host unknown", want: true},
		{name: "null MX", code: 556, words: "5.1.10 Recipient address has null MX", want: true},
		{name: "bad address syntax", code: 553, words: "5.1.3 Bad recipient address syntax", want: true},
		{name: "Mailpit's refusal", code: 550, words: "5.1.0 Requested action not taken: mailbox unavailable", want: true},
		{name: "mailbox moved", code: 551, words: "5.1.6 User has moved; please try <a@b.example>", want: true},
		{name: "sender address refused", code: 550, words: "5.1.7 Bad sender address syntax"},
		{name: "sender system refused", code: 550, words: "5.1.8 Sender address rejected: Domain not found"},
		{name: "a deferral", code: 450, words: "4.1.1 Mailbox temporarily unavailable"},
		{name: "mailbox full", code: 552, words: "5.2.2 Mailbox full"},
		{name: "policy", code: 554, words: "5.7.1 Message rejected as spam"},
		{name: "no enhanced code", code: 550, words: "Chaos recipient error"},
		{name: "5.1.11 is not 5.1.1", code: 550, words: "5.1.11 something new"},
		{name: "5.1.1 inside the words", code: 554, words: "rejected: see 5.1.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hardBounce(tt.code, tt.words); got != tt.want {
				t.Errorf("hardBounce(%d, %q) = %v, want %v", tt.code, tt.words, got, tt.want)
			}
		})
	}
}
