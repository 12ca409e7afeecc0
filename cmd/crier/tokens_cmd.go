package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/crier-notices/crier/notices"
)

// tokensCmd is `crier tokens`: the tokens other systems call the JSON API
// with.
type tokensCmd struct {
	Create tokensCreateCmd `cmd:"" help:"Make an API token and print it, once: it is stored only as a hash."`
	List   tokensListCmd   `cmd:"" help:"List the API tokens: role, when made and last used, revoked or not."`
	Revoke tokensRevokeCmd `cmd:"" help:"Revoke an API token: it opens nothing from now on."`
}

type tokensCreateCmd struct {
	Name string `arg:"" help:"What calls the API with it, e.g. work-orders."`
	Role string `required:"" enum:"admin,coordinator,viewer" help:"coordinator (create and cancel notices, import contacts), viewer (reads only) or admin."`
}

func (c tokensCreateCmd) Run(e *env) error {
	ctx, a, done, err := e.cliApp(false)
	if err != nil {
		return err
	}
	defer done()
	token, err := a.CreateToken(ctx, c.Name, notices.Role(c.Role))
	if err != nil {
		return err
	}
	// The token alone on standard output, so a script can keep it:
	// TOKEN=$(crier tokens create …).
	fmt.Fprintln(e.stdout, token)
	fmt.Fprintf(e.stderr, "made token %s (%s). It cannot be shown again: keep it now, in the calling system's secret store (crier tokens revoke %s ends it).\n", c.Name, c.Role, c.Name)
	return nil
}

type tokensListCmd struct{}

func (tokensListCmd) Run(e *env) error {
	ctx, a, done, err := e.cliApp(true)
	if err != nil {
		return err
	}
	defer done()
	ts, err := a.Store.Tokens(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tCREATED\tLAST USED\tSTATUS")
	for _, t := range ts {
		used, status := "never", "live"
		if !t.UsedAt.IsZero() {
			used = t.UsedAt.Format("2006-01-02 15:04 UTC")
		}
		if t.Revoked {
			status = "revoked"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.Name, t.Role, t.CreatedAt.Format("2006-01-02"), used, status)
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "%d token(s)\n", len(ts))
	return nil
}

type tokensRevokeCmd struct {
	Name string `arg:"" help:"The token's name."`
}

func (c tokensRevokeCmd) Run(e *env) error {
	ctx, a, done, err := e.cliApp(true)
	if err != nil {
		return err
	}
	defer done()
	if err := a.RevokeToken(ctx, c.Name); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "revoked token %s: it opens nothing from now on\n", c.Name)
	return nil
}
