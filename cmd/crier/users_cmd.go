package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/internal/password"
	"github.com/crier-notices/crier/notices"
)

// usersCmd is `crier users`: the people who sign in to the console.
type usersCmd struct {
	Add     usersAddCmd     `cmd:"" help:"Add a console user; the password is read from standard input, or asked twice on a terminal."`
	List    usersListCmd    `cmd:"" help:"List the console users with their roles."`
	Passwd  usersPasswdCmd  `cmd:"" help:"Set a user's password (read as for add); their sessions end."`
	Disable usersDisableCmd `cmd:"" help:"Disable a user: they can no longer sign in; their record and audit stay."`
	Role    usersRoleCmd    `cmd:"" help:"Change a user's role; their sessions end."`
}

// cliApp opens the store and returns the application core over it, with
// the unix user as the actor the audit log names.
func (e *env) cliApp(existing bool) (context.Context, *app.App, func(), error) {
	open := e.openStore
	if existing {
		open = e.existingStore
	}
	_, s, err := open()
	if err != nil {
		return nil, nil, nil, err
	}
	ctx := app.WithActor(context.Background(), app.Actor{Name: byDefault(""), Role: notices.RoleAdmin, Via: "cli"})
	return ctx, &app.App{Store: s, PhoneRegion: s.PhoneRegion}, func() { s.Close() }, nil
}

type usersAddCmd struct {
	Name  string `arg:"" help:"The name the user signs in with."`
	Role  string `required:"" enum:"admin,coordinator,viewer" help:"admin (users and configuration), coordinator (draft, send, campaigns, contacts) or viewer (reads only)."`
	Email string `help:"Where a proof of a notice is emailed to this user."`
	Phone string `help:"Where a proof of a text message is sent to this user."`
}

func (c usersAddCmd) Run(e *env) error {
	pw, err := readNewPassword(e, "users add", c.Name)
	if err != nil {
		return err
	}
	ctx, a, done, err := e.cliApp(false)
	if err != nil {
		return err
	}
	defer done()
	u, err := a.AddUser(ctx, app.NewUser{Name: c.Name, Role: notices.Role(c.Role), Password: pw, Email: c.Email, Phone: c.Phone})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "added user %s (%s)\n", u.Name, u.Role)
	return nil
}

type usersListCmd struct{}

func (usersListCmd) Run(e *env) error {
	ctx, a, done, err := e.cliApp(true)
	if err != nil {
		return err
	}
	defer done()
	us, err := a.Store.Users(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tEMAIL\tPHONE\tSTATUS\tCREATED")
	for _, u := range us {
		status := "active"
		if u.Disabled {
			status = "disabled"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Name, u.Role, u.Email, maskPhone(u.Phone), status, u.CreatedAt.Format("2006-01-02"))
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "%d user(s)\n", len(us))
	if len(us) == 0 {
		fmt.Fprintln(e.stdout, "add the first admin with: crier users add NAME --role admin (or at the setup address crier serve prints)")
	}
	return nil
}

type usersPasswdCmd struct {
	Name string `arg:"" help:"The user's name."`
}

func (c usersPasswdCmd) Run(e *env) error {
	pw, err := readNewPassword(e, "users passwd", c.Name)
	if err != nil {
		return err
	}
	ctx, a, done, err := e.cliApp(true)
	if err != nil {
		return err
	}
	defer done()
	if err := a.SetPassword(ctx, c.Name, pw); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "set the password of %s; their sessions have ended\n", c.Name)
	return nil
}

type usersDisableCmd struct {
	Name string `arg:"" help:"The user's name."`
}

func (c usersDisableCmd) Run(e *env) error {
	ctx, a, done, err := e.cliApp(true)
	if err != nil {
		return err
	}
	defer done()
	if err := a.DisableUser(ctx, c.Name); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "disabled user %s: they can no longer sign in\n", c.Name)
	return nil
}

type usersRoleCmd struct {
	Name string `arg:"" help:"The user's name."`
	Role string `arg:"" enum:"admin,coordinator,viewer" help:"admin, coordinator or viewer."`
}

func (c usersRoleCmd) Run(e *env) error {
	ctx, a, done, err := e.cliApp(true)
	if err != nil {
		return err
	}
	defer done()
	if err := a.SetRole(ctx, c.Name, notices.Role(c.Role)); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s is now %s; their sessions have ended\n", c.Name, c.Role)
	return nil
}

// readNewPassword reads the new password of user name for command cmd: asked twice
// without echo on a terminal, else the first line of standard input (a
// script: printf '%s\n' "$PW" | crier users add …). Never from a flag,
// where it would sit in the shell's history and the process list.
func readNewPassword(e *env, cmd, name string) (string, error) {
	if !isTerminal(os.Stdin) {
		line, err := bufio.NewReader(io.LimitReader(os.Stdin, password.MaxLength+2)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		pw := strings.TrimRight(line, "\r\n")
		if pw == "" {
			return "", usageError(cmd, errors.New("no password on standard input: pipe it in (one line), or run on a terminal to be asked"))
		}
		return pw, nil
	}
	fd := int(os.Stdin.Fd())
	fmt.Fprintf(e.stdout, "New password for %s (at least %d characters): ", name, password.MinLength)
	first, err := term.ReadPassword(fd)
	fmt.Fprintln(e.stdout)
	if err != nil {
		return "", err
	}
	if err := password.Check(string(first), name); err != nil {
		return "", err
	}
	fmt.Fprint(e.stdout, "The same password again: ")
	second, err := term.ReadPassword(fd)
	fmt.Fprintln(e.stdout)
	if err != nil {
		return "", err
	}
	if string(first) != string(second) {
		return "", errors.New("the two passwords differ: nothing was changed")
	}
	return string(first), nil
}
