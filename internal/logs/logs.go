// Package logs builds the loggers of crier's long-running commands and
// owns the rule that keeps customers' addresses out of them: every email
// address and phone number in a message, a string or an error is
// shortened (ShortAddress) before it is written, wherever it comes from,
// a provider's refusal text included. The store and the reports keep the
// full text for the coordinator; only the log is shortened. A URL's user
// (postgres://crier@db.example/crier) is no customer's address: it is
// shown whole, its password never (notices.RedactDSN).
package logs

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/crier-notices/crier/notices"
)

// New returns a logger writing to w, as text or, with format "json", one
// JSON object a line, at level and above, with addresses shortened. A
// duration reads the same in both formats, as Go writes it ("1.5s",
// "2m0s", "250ms"): slog's JSON would give a count of nanoseconds.
func New(w io.Writer, format string, level slog.Leveler) *slog.Logger {
	var h slog.Handler = slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})
	if format == "json" {
		h = slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: durationText})
	}
	return slog.New(NewHandler(h))
}

// durationText writes a duration as the text handler does (and as
// crier.toml's durations are written), so that a JSON log keeps the keys
// and the values of the text one.
func durationText(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.String(a.Key, a.Value.Duration().String())
	}
	return a
}

// ShortAddress shows enough of an address to tell deliveries apart in a
// log, never a whole phone number or mailbox: an email address keeps the
// first two characters of its mailbox and its domain, a phone number its
// last four digits.
func ShortAddress(a string) string {
	if user, domain, ok := strings.Cut(a, "@"); ok {
		if n := utf8.RuneCountInString(user); n > 2 {
			user = string([]rune(user)[:2])
		}
		return user + "…@" + domain
	}
	if len(a) > 4 {
		return "…" + a[len(a)-4:]
	}
	return a
}

var (
	// An email address as it appears in running text: no quoted mailbox,
	// no slash (so a URL's path is not taken for a mailbox).
	emailRE = regexp.MustCompile(`[\p{L}\p{N}.!#$%&'*+=?^_{|}~-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*`)
	// A phone number candidate: digits, an optional +, parentheses around
	// a group, and single spaces, dots or hyphens between groups.
	phoneRE = regexp.MustCompile(`\+?(?:\(\d{1,4}\)|\d)(?:[ .-]?(?:\(\d{1,4}\)|\d))*`)
)

// Shorten returns s with every email address and phone number in it
// shortened by ShortAddress. A phone number is 10 to 15 digits (8 to 15
// after a +), written together or in groups separated by single spaces,
// dots, hyphens or parentheses, and not part of a word, a time (next to a
// colon), a decimal number or a path: +13155550101, (315) 555-0101, 315-555-0101,
// +44 20 7946 0958. Dates, times, durations, counts and ids of fewer than
// 10 digits, and digits inside ids such as Twilio's SIDs, stay as they are.
// A URL with a user (a database's, postgres://crier:PASSWORD@host:5432/crier)
// keeps its scheme, user, host and port, its password shown as xxxxx and
// its password parameters removed, as notices.RedactDSN shows it; its path
// and query are shortened as any text.
func Shorten(s string) string {
	if !strings.ContainsAny(s, "@0123456789") {
		return s
	}
	if !strings.Contains(s, "://") {
		return shortenText(s)
	}
	var b strings.Builder
	last := 0
	for _, m := range urlRE.FindAllStringIndex(s, -1) {
		head, rest, ok := withUser(s[m[0]:m[1]])
		if !ok {
			continue
		}
		b.WriteString(shortenText(s[last:m[0]]))
		b.WriteString(head)
		b.WriteString(shortenText(rest))
		last = m[1]
	}
	b.WriteString(shortenText(s[last:]))
	return b.String()
}

// urlRE is a URL in running text, up to the next space.
var urlRE = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://\S*`)

// withUser splits u, a URL, into its head (scheme and authority, redacted
// by notices.RedactDSN) and the rest, when its authority has a user-info;
// ok is false for a URL without one. A URL whose rest holds a password
// parameter is redacted whole first; one that does not parse (a password
// with an unescaped #, / or %) is shown as RedactDSN shows it, not at all.
func withUser(u string) (head, rest string, ok bool) {
	if red := notices.RedactDSN(u); strings.HasSuffix(red, "(unreadable URL)") && strings.Contains(u, "@") {
		return red, "", true
	}
	split := func(u string) (string, string) {
		i := strings.Index(u, "://") + len("://")
		if end := strings.IndexAny(u[i:], "/?#"); end >= 0 {
			return u[:i+end], u[i+end:]
		}
		return u, ""
	}
	head, rest = split(u)
	if !strings.Contains(head, "@") {
		return "", "", false
	}
	if strings.Contains(strings.ToLower(rest), "password") {
		head, rest = split(notices.RedactDSN(u))
	}
	return notices.RedactDSN(head), rest, true
}

// shortenText is Shorten for text without a URL's user-info.
func shortenText(s string) string {
	if !strings.ContainsAny(s, "@0123456789") {
		return s
	}
	s = emailRE.ReplaceAllStringFunc(s, ShortAddress)
	return replacePhones(s)
}

func replacePhones(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range phoneRE.FindAllStringIndex(s, -1) {
		if !isPhone(s, m[0], m[1]) {
			continue
		}
		b.WriteString(s[last:m[0]])
		b.WriteString(ShortAddress(s[m[0]:m[1]]))
		last = m[1]
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// isPhone says whether s[i:j], a phoneRE match, is a phone number: enough
// digits, and standing on its own.
func isPhone(s string, i, j int) bool {
	digits := 0
	for _, r := range s[i:j] {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	least := 10
	if s[i] == '+' {
		least = 8
	}
	if digits < least || digits > 15 {
		return false
	}
	if strings.Count(s[i:j], ".") == 1 && !strings.ContainsAny(s[i:j], " -()") {
		return false // a decimal number
	}
	before, _ := utf8.DecodeLastRuneInString(s[:i])
	after, _ := utf8.DecodeRuneInString(s[j:])
	return !joined(before, s[:max(i-1, 0)], true) && !joined(after, s[min(j+1, len(s)):], false)
}

// joined says whether r, the rune beside a candidate number (rest: the
// text beyond r), makes it part of something else: a word, an id, a path,
// or a time or decimal number (a colon or a dot with a digit beyond it).
// A neighbour past the text's ends is utf8.RuneError, which joins nothing.
func joined(r rune, rest string, before bool) bool {
	if wordy(r) || r == '_' || r == '/' {
		return true
	}
	if r != ':' && r != '.' {
		return false
	}
	var next rune
	if before {
		next, _ = utf8.DecodeLastRuneInString(rest)
	} else {
		next, _ = utf8.DecodeRuneInString(rest)
	}
	return unicode.IsDigit(next)
}

func wordy(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// NewHandler returns a handler that shortens the addresses in every
// record's message and attributes, then hands the record to h.
func NewHandler(h slog.Handler) slog.Handler { return handler{h} }

type handler struct{ next slog.Handler }

func (h handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, Shorten(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(shortenAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h handler) WithAttrs(as []slog.Attr) slog.Handler {
	short := make([]slog.Attr, len(as))
	for i, a := range as {
		short[i] = shortenAttr(a)
	}
	return handler{h.next.WithAttrs(short)}
}

func (h handler) WithGroup(name string) slog.Handler { return handler{h.next.WithGroup(name)} }

// shortenAttr shortens the addresses in a string, an error, a group's
// members, or any other value as it would be printed.
func shortenAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, Shorten(v.String()))
	case slog.KindGroup:
		as := v.Group()
		short := make([]any, len(as))
		for i, m := range as {
			short[i] = shortenAttr(m)
		}
		return slog.Group(a.Key, short...)
	case slog.KindAny:
		var text string
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, Shorten(x.Error()))
		case fmt.Stringer:
			text = x.String()
		default:
			text = fmt.Sprintf("%+v", x)
		}
		// Printed as text only when it held an address: other values keep
		// their form (a JSON log shows a structure as a structure).
		if short := Shorten(text); short != text {
			return slog.String(a.Key, short)
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
