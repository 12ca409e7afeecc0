package templates

import (
	"encoding/base64"
	"errors"
	netmail "net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxPlainWord is the longest run of characters between spaces that a
// header keeps as typed. go-mail folds a header only at spaces, so a
// longer run would make a line longer than RFC 2047's 76 characters.
const maxPlainWord = 60

// encodedChunk is the most bytes of text in one encoded word: base64 of 36
// bytes is 48 characters, 60 with "=?utf-8?b?" and "?=", which fits a
// folded line.
const encodedChunk = 36

// plainHeaderText reports whether s can stand in a header as typed and
// come back unchanged from every reader: printable ASCII, one space
// between words and none at the ends (folding and unfolding keep no
// more), no word longer than maxPlainWord, and nothing that looks like an
// encoded word ("=?"), which mail clients decode even inside a quoted
// display name, where RFC 2047 says not to.
func plainHeaderText(s string) bool {
	if strings.Contains(s, "=?") || strings.Contains(s, "  ") || strings.TrimSpace(s) != s {
		return false
	}
	word := 0
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b == ' ':
			word = 0
		case b < ' ' || b > '~':
			return false
		default:
			if word++; word > maxPlainWord {
				return false
			}
		}
	}
	return true
}

// encodedWords returns s as RFC 2047 encoded words (UTF-8, base64), each
// holding whole characters, joined by sep. A decoder joins adjacent
// encoded words without the space between them, so it gives back s
// exactly. Go's mime.WordEncoder leaves ASCII text alone, "=?" included,
// which is why it is not used.
func encodedWords(s, sep string) string {
	var b strings.Builder
	for len(s) > 0 {
		n := 0
		for n < len(s) {
			_, size := utf8.DecodeRuneInString(s[n:])
			if n+size > encodedChunk {
				break
			}
			n += size
		}
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		b.WriteString("=?utf-8?b?" + base64.StdEncoding.EncodeToString([]byte(s[:n])) + "?=")
		s = s[n:]
	}
	return b.String()
}

// headerText returns s for an unstructured header such as Subject: as
// typed when that is plain or go-mail encodes it anyway (it holds more
// than printable ASCII), else as encoded words, which go-mail folds at the
// spaces between them.
func headerText(s string) string {
	if plainHeaderText(s) || strings.ContainsFunc(s, mimeEncodes) {
		return s
	}
	return encodedWords(s, " ")
}

// phraseSpecials are the characters that net/mail's Q-encoded display
// names leave as they are, though a phrase may not hold them: a name with
// one of them is written as base64 encoded words, which readers parse.
const phraseSpecials = `\"()<>@,;:[]`

// Address returns name and addr as one address ("Name <addr>") that Email
// reads back with exactly that name, whatever it holds: net/mail writes
// some names (a line break beside a backslash; a backslash or another
// phrase special in a name it Q-encodes) in a form it cannot read back,
// and those are written as base64 encoded words instead.
func Address(name, addr string) string {
	v := (&netmail.Address{Name: name, Address: addr}).String()
	if !strings.ContainsFunc(name, unicode.IsControl) && !(strings.ContainsFunc(name, mimeEncodes) && strings.ContainsAny(name, phraseSpecials)) {
		return v // read back as it is (the costly check below is for the others)
	}
	if a, err := netmail.ParseAddress(v); err == nil && a.Name == name {
		return v
	}
	return encodedWords(name, " ") + " " + (&netmail.Address{Address: addr}).String()
}

// errEncodedWordName is a From name that go-mail would quote as it is and
// mail clients would show decoded.
var errEncodedWordName = errors.New(`the name holds "=?", which mail clients would show as other text; take it out of [utility] name or [smtp] from`)

// CheckFrom checks that value ("Name <address>" or an address) can head an
// email as its From, shown as typed. go-mail writes the From header from
// the address itself, so the name is written as net/mail does: encoded
// words when it is not ASCII, quoted otherwise; a quoted name holding "=?"
// is refused, as mail clients would decode it. The configuration can call
// it when it is read; Email does.
func CheckFrom(value string) error {
	_, err := parseFrom(value)
	return err
}

func parseFrom(value string) (*netmail.Address, error) {
	a, err := netmail.ParseAddress(value)
	if err != nil {
		return nil, err
	}
	if strings.Contains(a.Name, "=?") && !strings.ContainsFunc(a.Name, mimeEncodes) {
		return nil, errEncodedWordName
	}
	return a, nil
}

// mimeEncodes reports whether r makes Go's mime.WordEncoder (which go-mail
// uses) encode a text and net/mail encode a display name: they leave
// printable ASCII and tabs as they are.
func mimeEncodes(r rune) bool { return r != '\t' && (r < ' ' || r > '~') }
