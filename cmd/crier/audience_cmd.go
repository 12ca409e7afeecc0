package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/config"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// audienceCmd is `crier audience`: how many an audience reaches on each
// channel, and who it misses and why.
type audienceCmd struct {
	audienceFlags `embed:""`
	Category      string `help:"Count for a notice of this category (service, information or emergency): email addresses that opted out of it are left out (nobody can leave emergencies)." placeholder:"CATEGORY"`
}

// audienceFlags choose an audience: `crier audience` and `crier send`.
type audienceFlags struct {
	List     []string          `sep:"none" help:"Members of this list (repeat for several: a contact on any of them). Without a list or filter: all contacts here; crier send and campaigns add refuse then, and take --all for every contact." placeholder:"NAME"`
	Zone     []string          `sep:"none" help:"In this zone (repeat: any of them)." placeholder:"ZONE"`
	Tag      []string          `sep:"none" help:"Has this tag (repeat: at least one of them)." placeholder:"TAG"`
	AllTags  []string          `sep:"none" name:"all-tags" help:"Has this tag (repeat: every one of them)." placeholder:"TAG"`
	Language []string          `sep:"none" help:"Prefers this language (repeat: any of them); the default language includes contacts without a preference." placeholder:"CODE"`
	Street   []string          `sep:"none" help:"The service address contains this text, ignoring case (repeat: any of them)." placeholder:"TEXT"`
	Attr     map[string]string `mapsep:"none" help:"A custom attribute has this value (repeat: all of them)." placeholder:"KEY=VALUE"`
	Has      []string          `sep:"none" help:"Has an address for this channel: email, sms or print (repeat: all of them)." enum:"email,sms,print" placeholder:"CHANNEL"`
}

// audience returns the audience the flags choose; cmd names the command
// for usage errors.
func (c audienceFlags) audience(cfg config.Config, cmd string) (notices.Audience, error) {
	if len(c.Language) > 0 {
		if _, err := cfg.Normalizer(); err != nil {
			return notices.Audience{}, err
		}
	}
	aud, err := audienceReader(cfg).ReadAudience(c.request(false))
	var ie *app.InvalidError
	if errors.As(err, &ie) {
		// --has takes only channels: a problem is a language's.
		return aud, usageError(cmd, errors.New("--language "+ie.Problems[0].Message))
	}
	return aud, err
}

// request is the audience the flags choose as the application core reads
// it; all asks for every contact.
func (c audienceFlags) request(all bool) app.AudienceRequest {
	return app.AudienceRequest{Lists: c.List, Zones: c.Zone, Tags: c.Tag, AllTags: c.AllTags,
		Streets: c.Street, Languages: c.Language, Attrs: c.Attr, Has: c.Has, All: all}
}

// audienceReader is the application core as far as reading an audience
// needs: the default language and the phone region.
func audienceReader(cfg config.Config) *app.App {
	return &app.App{DefaultLanguage: cfg.Utility.DefaultLanguage, PhoneRegion: cfg.PhoneRegion()}
}

func (c audienceCmd) Run(e *env) error {
	cfg, s, err := e.existingStore()
	if err != nil {
		return err
	}
	defer s.Close()
	a, err := c.audience(cfg, "audience")
	if err != nil {
		return err
	}
	cat, err := category(c.Category)
	if err != nil {
		return usageError("audience", err)
	}
	core := commandApp(cfg, nil, s)
	r, err := core.Audience(context.Background(), a, cat)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "audience: %s\n%d contact(s)\n\n", a, r.Contacts)
	writeResolution(e.stdout, r)
	fmt.Fprintln(e.stdout, "\nprint reaches the contacts with a postal address and neither an email nor a mobile;\nits NO ADDRESS counts the contacts with none of the three, whom nothing reaches.")
	return nil
}

// writeResolution writes an audience's counts per channel as a table;
// for a notice's category, with the email addresses that opted out of it.
func writeResolution(w io.Writer, r notices.Resolution) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	optedOut := func(ch notices.ChannelCount) string { return "" }
	head := "CHANNEL\tREACHED\tNO ADDRESS\tSUPPRESSED\tUNSUBSCRIBED"
	if r.Category != "" {
		head += "\tOPTED OUT OF " + strings.ToUpper(string(r.Category))
		optedOut = func(ch notices.ChannelCount) string {
			if ch.Channel != notices.Email {
				return "\t-"
			}
			return fmt.Sprintf("\t%d", ch.OptedOut)
		}
	}
	fmt.Fprintln(tw, head)
	for _, ch := range r.Channels {
		if ch.Channel == notices.Print {
			fmt.Fprintf(tw, "%s\t%d\t%d\t-\t-%s\n", ch.Channel, ch.Reached, ch.NoAddress, optedOut(ch))
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d%s\n", ch.Channel, ch.Reached, ch.NoAddress, ch.Suppressed, ch.Unsubscribed, optedOut(ch))
	}
	tw.Flush()
}

// category reads --category: a template category, or "" for none.
func category(s string) (templates.Category, error) {
	switch c := templates.Category(strings.ToLower(strings.TrimSpace(s))); c {
	case "", templates.Emergency, templates.Service, templates.Information:
		return c, nil
	}
	return "", fmt.Errorf("--category %s: give service, information or emergency", s)
}

// optedOutWords names the email addresses left out of a notice of
// category cat for having opted out of it.
func optedOutWords(cat templates.Category) string {
	return fmt.Sprintf("opted out of %s notices", cat)
}

// writeOptedOut says how many email addresses publishing left out of
// notice n for having opted out of its category; nothing when none.
func writeOptedOut(w io.Writer, n notices.Notice) {
	if n.OptedOut > 0 {
		fmt.Fprintf(w, "email left out at publishing: %d address(es) %s\n", n.OptedOut, optedOutWords(n.Category))
	}
}
