package password

import (
	"errors"
	"strings"
	"testing"
)

// TestHashVerify: the right password verifies, a wrong one does not, and
// two hashes of one password differ (each has its own salt).
func TestHashVerify(t *testing.T) {
	h := Hash("correct horse battery staple")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q: want a PHC argon2id string with Default's parameters", h)
	}
	if err := Verify("correct horse battery staple", h); err != nil {
		t.Errorf("the right password: %v", err)
	}
	for _, wrong := range []string{"correct horse battery stapl", "Correct horse battery staple", "", strings.Repeat("x", MaxLength+1)} {
		if err := Verify(wrong, h); !errors.Is(err, ErrMismatch) {
			t.Errorf("wrong password %.20q: %v, want ErrMismatch", wrong, err)
		}
	}
	if Hash("correct horse battery staple") == h {
		t.Error("two hashes of one password are equal: no salt")
	}
}

// TestRaisedParameters: a hash made with weaker parameters still
// verifies, and asks to be made again.
func TestRaisedParameters(t *testing.T) {
	old := HashWith("a long enough password", Params{Memory: 64, Time: 1, Threads: 1})
	if err := Verify("a long enough password", old); err != nil {
		t.Fatalf("an older hash: %v", err)
	}
	if !NeedsRehash(old) {
		t.Error("a hash under weaker parameters does not ask to be made again")
	}
	if NeedsRehash(Hash("a long enough password")) {
		t.Error("a hash under Default asks to be made again")
	}
}

// TestVerifyDamaged: what is not an argon2id hash is an error, never a
// match, and parameters out of bounds are refused before any hashing.
func TestVerifyDamaged(t *testing.T) {
	tests := []struct{ name, encoded string }{
		{"empty", ""},
		{"a placeholder", "not-a-hash"},
		{"bcrypt", "$2a$10$abcdefghijklmnopqrstuu"},
		{"argon2i", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5"},
		{"huge memory", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5"},
		{"short key", "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify("whatever it may be", tt.encoded)
			if err == nil || errors.Is(err, ErrMismatch) {
				t.Errorf("Verify: %v, want an error saying the hash is unusable", err)
			}
		})
	}
}

// TestCheck: the rules of a new password.
func TestCheck(t *testing.T) {
	tests := []struct {
		name, password, user string
		ok                   bool
	}{
		{"long enough", "rain on the reservoir", "ana", true},
		{"eleven characters", "abcdefghijk", "ana", false},
		{"twelve characters", "abcdefghijkl", "ana", true},
		{"twelve runes, more bytes", "ñañañañañaña", "bob", true},
		{"the user's name", "Coordinator1", "coordinator1", false},
		{"the name inside", "my name is margarita!", "Margarita", false},
		{"too long", strings.Repeat("a", MaxLength+1), "ana", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Check(tt.password, tt.user); (err == nil) != tt.ok {
				t.Errorf("Check(%.20q, %q) = %v, want ok=%v", tt.password, tt.user, err, tt.ok)
			}
		})
	}
}
