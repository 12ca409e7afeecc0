package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// confirmation writes what crier send is about to do, before it asks (and
// with --yes before it publishes): the notice, its urgency and why, the
// audience, on each channel how many it reaches and who is left out and
// why, in each language the subject and the text message as they go, and
// the customers who get another language than theirs. It returns the
// number of messages, and an error when there is nothing to send.
func (c sendCmd) confirmation(e *env, d *sendDraft) (int, error) {
	p, err := d.core.Preview(cliContext(), d.Draft)
	if p == nil {
		return 0, appError(err, c.flagProblem(d.u.Location))
	}
	n, res := d.Notice, p.Resolution
	w := e.stdout
	fmt.Fprintf(w, "notice:    %s (%s)\n", d.Family.Name, strings.Join(langsOrAll(n.Languages, d.Family), ", "))
	fmt.Fprintf(w, "urgency:   %s\n", p.UrgencyLine)
	audience := n.Audience.String()
	if c.All {
		audience = "ALL contacts"
	}
	fmt.Fprintf(w, "audience:  %s (%d)\n", audience, res.Contacts)
	fmt.Fprintf(w, "send:      %s\n", sendWhen(d))
	writeChannelCounts(w, p.Channels, n.Channels, res)
	if p.QuietNote != "" {
		fmt.Fprintln(w, p.QuietNote)
	}
	writeLanguages(w, d.Renderings, n.Channels)
	writeFallbacks(w, p.Fallbacks)
	switch {
	case err == nil:
		return p.Total, nil
	case res.Contacts == 0:
		return 0, &exitError{code: 1, err: errors.New("the audience has no contacts: check the list and filters (crier audience counts them)")}
	case app.ErrorCode(err) == notices.Invalid:
		return 0, &exitError{code: 1, err: errors.New("the audience reaches nobody on these channels: nothing to send (crier audience shows whom it misses and why)")}
	}
	return 0, err
}

// writeChannelCounts writes, for each channel, how many messages it
// carries and where they go, and whom it leaves out and why (Resolve's
// reasons, as crier audience shows them); it returns the messages in all.
func writeChannelCounts(w io.Writer, names map[notices.Channel]string, chs []notices.Channel, res notices.Resolution) int {
	total := 0
	for _, ch := range chs {
		cc := res.Channel(ch)
		total += cc.Reached
		what := "message(s)"
		if ch == notices.Print {
			what = "letter(s), and the flyer"
		}
		fmt.Fprintf(w, "%-10s %d %s -> %s\n", string(ch)+":", cc.Reached, what, names[ch])
		if out := leftOut(cc, res.Category); out != "" {
			fmt.Fprintf(w, "%-10s left out: %s\n", "", out)
		}
	}
	return total
}

// leftOut says whom a channel of a notice of category cat leaves out and
// why; "" for nobody.
func leftOut(cc notices.ChannelCount, cat templates.Category) string {
	if cc.Channel == notices.Print {
		if cc.NoAddress == 0 {
			return ""
		}
		return fmt.Sprintf("%d with no address at all (no email, mobile or postal address): nothing reaches them", cc.NoAddress)
	}
	address := map[notices.Channel]string{notices.Email: "no email address", notices.SMS: "no mobile number"}[cc.Channel]
	var parts []string
	for _, p := range []struct {
		n    int
		what string
	}{{cc.NoAddress, address}, {cc.Suppressed, "suppressed"}, {cc.Unsubscribed, "unsubscribed"}, {cc.OptedOut, optedOutWords(cat)}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
		}
	}
	return strings.Join(parts, ", ")
}

// writeLanguages writes, in each language, the email's subject (when the
// notice goes by email) and the text message as it goes, with its length,
// encoding and segments (when it goes by sms).
func writeLanguages(w io.Writer, rs []*templates.Rendering, chs []notices.Channel) {
	email, sms := slices.Contains(chs, notices.Email), slices.Contains(chs, notices.SMS)
	if !email && !sms {
		return
	}
	for _, r := range rs {
		fmt.Fprintf(w, "\n%s:\n", r.Lang)
		if email {
			fmt.Fprintf(w, "  subject: %s\n", oneLine(r.Subject))
		}
		if sms {
			writeSMS(w, r.SMS)
		}
	}
}

// writeSMS writes a text message's counts, as crier render does, and its
// text, each line marked.
func writeSMS(w io.Writer, m templates.SMS) {
	fmt.Fprintf(w, "  sms: %d characters, %s, %d segment(s)\n", m.Units, m.Encoding, m.Segments)
	if len(m.ForcedUCS2) > 0 {
		fmt.Fprintf(w, "  sms: UCS-2 because of %s (70 characters per segment instead of 160)\n", quoteAll(m.ForcedUCS2))
	}
	for _, l := range strings.Split(m.Text, "\n") {
		fmt.Fprintf(w, "  | %s\n", l)
	}
}

// writeFallbacks writes how many customers prefer a language the notice
// lacks, and which they get instead.
func writeFallbacks(w io.Writer, fs []notices.LanguageFallback) {
	if len(fs) == 0 {
		return
	}
	fmt.Fprintln(w, "\nnot in their language:")
	for _, f := range fs {
		who := "prefer " + f.Language
		if f.Language == "" {
			who = "have no preferred language"
		}
		fmt.Fprintf(w, "  %d contact(s) %s: they get %s\n", f.Contacts, who, f.Gets)
	}
}
