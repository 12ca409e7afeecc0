// Package password hashes the console users' passwords with argon2id and
// checks them, and holds the rules a new password must meet.
//
// A hash is stored as a PHC string that carries its own parameters,
// "$argon2id$v=19$m=19456,t=2,p=1$SALT$KEY", so the parameters can be
// raised later: an older hash still verifies, and NeedsRehash says when
// to store a new one (at the next sign-in, when the password is at hand).
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over the memory
	Threads uint8
}

// Default is what Hash uses: OWASP's recommendation for argon2id (19 MiB,
// two passes, one thread), about 30 ms a hash on one core of a small
// server, so a stolen database costs a guesser dearly while a sign-in
// stays quick.
var Default = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
	// MinLength is the fewest characters a password may have.
	MinLength = 12
	// MaxLength bounds what is hashed, so that a sign-in form cannot be
	// made to hash megabytes.
	MaxLength = 1024
)

// ErrMismatch is Verify's answer for a wrong password.
var ErrMismatch = errors.New("password: wrong password")

// Hash returns the PHC string of password under Default with a new
// random salt.
func Hash(password string) string {
	return HashWith(password, Default)
}

// HashWith returns the PHC string of password under p.
func HashWith(password string, p Params) string {
	salt := make([]byte, saltLen)
	rand.Read(salt) // never fails (crypto/rand)
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Verify checks password against encoded, a string Hash wrote, comparing
// in constant time. Errors: ErrMismatch for a wrong password; another
// error when encoded is no argon2id hash (a user added without one).
func Verify(password, encoded string) error {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return err
	}
	if len(password) > MaxLength {
		return ErrMismatch
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	if subtle.ConstantTimeCompare(got, key) != 1 {
		return ErrMismatch
	}
	return nil
}

// NeedsRehash reports whether encoded was made with weaker parameters
// than Default (or cannot be read): the password, once checked, should
// be hashed again and stored.
func NeedsRehash(encoded string) bool {
	p, _, _, err := decode(encoded)
	return err != nil || p.Memory < Default.Memory || p.Time < Default.Time || p.Threads < Default.Threads
}

// decode reads a PHC argon2id string.
func decode(encoded string) (Params, []byte, []byte, error) {
	var p Params
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errors.New("password: not an argon2id hash")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, fmt.Errorf("password: argon2 version %q, want v=%d", parts[2], argon2.Version)
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, fmt.Errorf("password: parameters %q: %w", parts[3], err)
	}
	// Parameters from the database are trusted as far as a sane bound:
	// a damaged row must not make a sign-in allocate gigabytes.
	if p.Memory < 8 || p.Memory > 4<<20 || p.Time < 1 || p.Time > 100 || p.Threads < 1 {
		return p, nil, nil, fmt.Errorf("password: parameters %q out of range", parts[3])
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return p, nil, nil, fmt.Errorf("password: salt: %w", err)
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 {
		return p, nil, nil, errors.New("password: the hash is damaged")
	}
	return p, salt, key, nil
}

// Check returns what is wrong with password as a new password for the
// user named name, as a sentence for them, or nil: at least MinLength
// characters, at most MaxLength bytes, and not the user's own name.
func Check(password, name string) error {
	switch {
	case utf8.RuneCountInString(password) < MinLength:
		return fmt.Errorf("the password needs at least %d characters (a few words make a good one)", MinLength)
	case len(password) > MaxLength:
		return fmt.Errorf("the password may have at most %d bytes", MaxLength)
	}
	name = strings.ToLower(strings.TrimSpace(name))
	if name != "" && strings.Contains(strings.ToLower(password), name) {
		return errors.New("the password may not contain the user's name")
	}
	return nil
}
