package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/crier-notices/crier/config"
	"github.com/crier-notices/crier/notices"
)

// contactsCmd is `crier contacts`. Each subcommand lives in its own file.
type contactsCmd struct {
	Import       contactsImportCmd       `cmd:"" help:"Import contacts from a CSV file (a billing system's export): an upsert by account number, in one transaction."`
	List         contactsListCmd         `cmd:"" help:"List the contacts: account, name, zone, email, mobile, language."`
	Show         contactsShowCmd         `cmd:"" help:"Show one contact with its subscriptions, tags and custom attributes."`
	Delete       contactsDeleteCmd       `cmd:"" help:"Delete a contact, after asking (its addresses stay suppressed if they are; its deliveries stay in the reports)."`
	Export       contactsExportCmd       `cmd:"" help:"Export the contacts as CSV with Crier's field names, ready to import again."`
	Suppress     contactsSuppressCmd     `cmd:"" help:"Suppress an email address or phone number: no message goes to it, whatever any import says."`
	Resubscribe  contactsResubscribeCmd  `cmd:"" help:"Lift an address's suppression and subscribe its contacts again, recording who and why."`
	Suppressions contactsSuppressionsCmd `cmd:"" help:"List the suppressed addresses, or show one address's history."`
}

// openStore loads the configuration and opens its database.
func (e *env) openStore() (config.Config, *notices.Store, error) {
	cfg, err := e.config()
	if err != nil {
		return cfg, nil, err
	}
	s, err := cfg.Store(context.Background())
	return cfg, s, err
}

type contactsListCmd struct{}

func (contactsListCmd) Run(e *env) error {
	_, s, err := e.existingStore()
	if err != nil {
		return err
	}
	defer s.Close()
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tNAME\tZONE\tEMAIL\tMOBILE\tLANGUAGE")
	n := 0
	err = s.EachContact(context.Background(), func(c notices.Contact) error {
		n++
		if _, err := fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.Account, c.Name, c.Zone, c.Email, maskPhone(c.Mobile), c.Language); err != nil {
			return err
		}
		if n%1000 == 0 {
			return tw.Flush() // a tabwriter holds its rows until flushed: keep memory flat
		}
		return nil
	})
	tw.Flush()
	fmt.Fprintf(e.stdout, "%d contact(s)\n", n)
	return err
}

// maskPhone shows the last four digits of a number: enough to recognise
// it, not enough to leak it from a screen or a log.
func maskPhone(p string) string {
	if len(p) <= 4 {
		return p
	}
	return strings.Repeat("•", 3) + p[len(p)-4:]
}

type contactsShowCmd struct {
	Account string `arg:"" help:"The contact's account number."`
}

func (c contactsShowCmd) Run(e *env) error {
	_, s, err := e.existingStore()
	if err != nil {
		return err
	}
	defer s.Close()
	ct, err := s.Contact(context.Background(), c.Account)
	if err != nil {
		return err
	}
	w := e.stdout
	// A suppression of the address wins over the contact's own state.
	state := func(addr string, st notices.SubscriptionState) string {
		if addr == "" {
			return ""
		}
		if sup, ok, err := s.Suppressed(context.Background(), addr); err == nil && ok {
			return fmt.Sprintf(" (suppressed: %s on %s by %s)", sup.Reason, sup.At.Format("2006-01-02"), sup.By)
		}
		return " (" + string(st) + ")"
	}
	for _, f := range [][2]string{
		{"account", ct.Account}, {"name", ct.Name}, {"email", ct.Email + state(ct.Email, ct.EmailState)},
		{"mobile", ct.Mobile + state(ct.Mobile, ct.SMSState)}, {"landline", ct.Landline},
		{"postal address", ct.PostalAddress}, {"service address", ct.ServiceAddress}, {"zone", ct.Zone},
		{"language", ct.Language}, {"tags", strings.Join(ct.Tags, ", ")},
	} {
		// A postal address's second line stands under its first.
		fmt.Fprintf(w, "%-16s %s\n", f[0]+":", strings.ReplaceAll(f[1], "\n", "\n"+strings.Repeat(" ", 17)))
	}
	if err := showEmailChoice(context.Background(), w, s, ct.Email); err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(ct.Attributes)) {
		fmt.Fprintf(w, "%-16s %s\n", k+":", ct.Attributes[k])
	}
	changes, err := s.SubscriptionChanges(context.Background(), ct.Account)
	if err != nil {
		return err
	}
	if len(changes) > 0 {
		fmt.Fprintln(w, "subscription changes:")
		for _, ch := range changes {
			by := ""
			if ch.By != "" {
				by = " by " + ch.By
			}
			fmt.Fprintf(w, "  %s  %-5s %-12s %s%s\n", ch.At.Format("2006-01-02 15:04 UTC"), ch.Channel, ch.State, ch.How, by)
		}
	}
	return nil
}

type contactsDeleteCmd struct {
	Account string `arg:"" help:"The contact's account number."`
	Yes     bool   `short:"y" help:"Do not ask for confirmation (needed when standard input is not a terminal)."`
}

func (c contactsDeleteCmd) Run(e *env) error {
	_, s, err := e.existingStore()
	if err != nil {
		return err
	}
	defer s.Close()
	ctx := context.Background()
	ct, err := s.Contact(ctx, c.Account)
	if err != nil {
		return err
	}
	if !c.Yes {
		use, err := s.ContactUse(ctx, ct.Account)
		if err != nil {
			return err
		}
		if err := confirmOrCancel(e, "contacts delete", "delete", deleteQuestion(ct, use), "not deleted", "the contact stays"); err != nil {
			return err
		}
	}
	if err := s.DeleteContact(ctx, ct.Account); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "deleted contact %s (%s)\n", ct.Account, ct.Name)
	return nil
}

// deleteQuestion says who is deleted and what goes with them.
func deleteQuestion(ct notices.Contact, use notices.ContactUse) string {
	var b strings.Builder
	fmt.Fprintf(&b, "contact:    %s, %s\n", ct.Account, ct.Name)
	lists := "none"
	if len(use.Lists) > 0 {
		lists = strings.Join(use.Lists, ", ")
	}
	fmt.Fprintf(&b, "lists:      %s (it leaves them)\n", lists)
	fmt.Fprintf(&b, "deliveries: %d on record (they stay in the reports)", use.Deliveries)
	if use.Queued > 0 {
		fmt.Fprintf(&b, ", %d not sent yet (they still go: crier notices cancel stops a notice)", use.Queued)
	}
	b.WriteString("\nDelete this contact? Its suppressed addresses stay suppressed. [y/N] ")
	return b.String()
}
