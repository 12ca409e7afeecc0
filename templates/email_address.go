package templates

import "strings"

// quickAddress reads value as net/mail's ParseAddress does, without its
// allocations, when value is in a form Address gives for a name of
// printable ASCII and a plain address: `"Name" <local@domain>` (the name
// quoted as net/mail quotes it), `<local@domain>` or `local@domain`. It
// returns the name, the address, and the address as net/mail writes it
// back (value itself in the first form). ok is false for any other
// value, which the caller parses.
func quickAddress(value string) (name, addr, written string, ok bool) {
	if plainAddress(value) {
		return "", value, "<" + value + ">", true
	}
	if a, ok := strings.CutPrefix(value, "<"); ok {
		if a, ok := strings.CutSuffix(a, ">"); ok && plainAddress(a) {
			return "", a, value, true
		}
		return "", "", "", false
	}
	quoted, rest, ok := strings.Cut(value, ` <`)
	if !ok || !strings.HasSuffix(rest, ">") || !plainAddress(rest[:len(rest)-1]) {
		return "", "", "", false
	}
	name, ok = unquoteName(quoted)
	return name, rest[:len(rest)-1], value, ok
}

// unquoteName returns the name inside q, a quoted string as net/mail
// writes a non-empty name of printable ASCII (spaces and tabs included):
// only backslashes and double quotes escaped.
func unquoteName(q string) (string, bool) {
	if len(q) < 3 || q[0] != '"' || q[len(q)-1] != '"' {
		return "", false
	}
	q = q[1 : len(q)-1]
	if !strings.ContainsRune(q, '\\') {
		return q, !strings.ContainsRune(q, '"') && printableName(q)
	}
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch c {
		case '"':
			return "", false
		case '\\':
			if i+1 == len(q) || q[i+1] != '\\' && q[i+1] != '"' {
				return "", false
			}
			i++
			c = q[i]
		}
		b.WriteByte(c)
	}
	return b.String(), printableName(q)
}

// printableName reports whether s holds only printable ASCII, spaces and
// tabs: a name net/mail quotes.
func printableName(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' || c > '~') && c != '\t' {
			return false
		}
	}
	return true
}

// plainAddress reports whether a is local@domain that net/mail reads and
// writes back as it is: a local part of dot-separated atoms (RFC 5322
// atext) and a domain of dot-separated labels of letters, digits and
// hyphens.
func plainAddress(a string) bool {
	local, domain, ok := strings.Cut(a, "@")
	return ok && dotAtoms(local, "!#$%&'*+-/=?^_`{|}~") && dotAtoms(domain, "-")
}

// dotAtoms reports whether s is one or more non-empty runs of letters,
// digits and the characters of extra, joined by single dots.
func dotAtoms(s, extra string) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.':
			if run == 0 {
				return false
			}
			run = 0
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(extra, c) >= 0:
			run++
		default:
			return false
		}
	}
	return run > 0
}
