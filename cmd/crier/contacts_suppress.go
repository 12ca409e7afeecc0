package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/crier-notices/crier/config"
	"github.com/crier-notices/crier/notices"
)

// contactsSuppressCmd is `crier contacts suppress`.
type contactsSuppressCmd struct {
	Address string `arg:"" help:"The email address or phone number no message may go to."`
	Reason  string `help:"Why: stop-reply, unsubscribe-link, hard-bounce, provider-invalid or manual." enum:"stop-reply,unsubscribe-link,hard-bounce,provider-invalid,manual" default:"manual"`
	Note    string `help:"A note kept with the suppression."`
	By      string `help:"Who is suppressing it (default: $USER)." placeholder:"NAME"`
}

func (c contactsSuppressCmd) Run(e *env) error {
	cfg, s, err := e.openStore()
	if err != nil {
		return err
	}
	defer s.Close()
	a, err := contactsApp(cfg, s)
	if err != nil {
		return err
	}
	sup, added, err := a.Suppress(actingContext(context.Background(), c.By), c.Address, notices.SuppressionReason(c.Reason), c.Note)
	if err != nil {
		return problemsError(err)
	}
	if !added {
		fmt.Fprintf(e.stdout, "%s was already suppressed (%s, since %s%s); nothing changed\n", sup.Address, sup.Reason, sup.At.Format("2006-01-02"), byWhom(sup.By))
		return nil
	}
	fmt.Fprintf(e.stdout, "suppressed %s (%s): no %s will go to it until `crier contacts resubscribe %s --reason ...`\n",
		sup.Address, sup.Reason, channelNoun(sup.Channel), sup.Address)
	return nil
}

// contactsResubscribeCmd is `crier contacts resubscribe`.
type contactsResubscribeCmd struct {
	Address string `arg:"" help:"The email address or phone number to send to again."`
	Reason  string `help:"Why it may receive messages again (recorded), for example \"customer called on 2026-11-28\"." required:""`
	By      string `help:"Who is resubscribing it (default: $USER)." placeholder:"NAME"`
}

func (c contactsResubscribeCmd) Run(e *env) error {
	cfg, s, err := e.existingStore()
	if err != nil {
		return err
	}
	defer s.Close()
	a, err := contactsApp(cfg, s)
	if err != nil {
		return err
	}
	by := byDefault(c.By)
	if by == "" {
		addr, err := a.CleanAddress(c.Address)
		if err != nil {
			return problemsError(err)
		}
		return usageError("contacts resubscribe", fmt.Errorf("say who is resubscribing %s with --by NAME", addr))
	}
	r, err := a.Resubscribe(actingContext(context.Background(), by), c.Address, c.Reason)
	if err != nil {
		return problemsError(err)
	}
	if r.Lifted != nil {
		fmt.Fprintf(e.stdout, "lifted the suppression of %s (%s, since %s%s)\n", r.Address, r.Lifted.Reason, r.Lifted.At.Format("2006-01-02"), byWhom(r.Lifted.By))
	} else {
		fmt.Fprintf(e.stdout, "%s was not suppressed\n", r.Address)
	}
	if r.Contacts > 0 {
		fmt.Fprintf(e.stdout, "subscribed %d contact(s) with this address to %s again\n", r.Contacts, r.Channel)
	}
	fmt.Fprintf(e.stdout, "recorded: resubscribed by %s because %q\n", by, strings.TrimSpace(c.Reason))
	return nil
}

// cleanAddress reads an email address or a phone number with the
// configured phone region.
func cleanAddress(cfg config.Config, s string) (string, error) {
	n, err := cfg.Normalizer()
	if err != nil {
		return "", err
	}
	addr, _, err := n.Address(s)
	return addr, err
}

// byDefault is name, or the user's login name.
func byDefault(name string) string {
	if strings.TrimSpace(name) != "" {
		return strings.TrimSpace(name)
	}
	return os.Getenv("USER")
}

func byWhom(by string) string {
	if by == "" {
		return ""
	}
	return ", by " + by
}

func channelNoun(ch notices.Channel) string {
	if ch == notices.SMS {
		return "text message"
	}
	return "email"
}

type contactsSuppressionsCmd struct {
	Address string `arg:"" optional:"" help:"Show one address's history: each suppression and resubscription, who and why."`
}

func (c contactsSuppressionsCmd) Run(e *env) error {
	// Dates in the utility's zone, as crier replies list shows when the
	// STOP came: a STOP at 9 PM in New York is not suppressed "tomorrow".
	cfg, loc, s, err := e.timesStore(false)
	if err != nil {
		return err
	}
	defer s.Close()
	ctx := context.Background()
	if c.Address != "" {
		addr, err := cleanAddress(cfg, c.Address)
		if err != nil {
			return err
		}
		evs, err := s.SuppressionHistory(ctx, addr)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			fmt.Fprintf(e.stdout, "%s has never been suppressed\n", addr)
			return nil
		}
		for _, ev := range evs {
			fmt.Fprintf(e.stdout, "%s  %-12s  %s  by %s\n", ev.At.In(loc).Format("2006-01-02 15:04 MST"), ev.Action, ev.Reason, ev.By)
		}
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ADDRESS\tCHANNEL\tREASON\tBY\tSINCE\tNOTICE")
	n := 0
	err = s.EachSuppression(ctx, func(sup notices.Suppression) error {
		n++
		_, err := fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", sup.Address, sup.Channel, sup.Reason, sup.By, sup.At.In(loc).Format("2006-01-02"), foundBy(sup))
		if n%1000 == 0 {
			return tw.Flush()
		}
		return err
	})
	tw.Flush()
	fmt.Fprintf(e.stdout, "%d suppressed address(es)\n", n)
	return err
}

// foundBy is the notice whose send found a suppressed address out, for
// the NOTICE column: "-" when it was not a send.
func foundBy(sup notices.Suppression) string {
	if sup.NoticeID == 0 {
		return "-"
	}
	return strconv.FormatInt(sup.NoticeID, 10)
}
