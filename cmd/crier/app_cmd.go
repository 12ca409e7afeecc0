package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/config"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
	"github.com/crier-notices/crier/web"
)

// newApp is the application core with this configuration
// (config.Config.App), without a store: composing a notice needs none,
// and a refused one must not leave a database behind. useStore gives it
// one.
func newApp(cfg config.Config, lib *templates.Library) (*app.App, error) {
	a, err := cfg.App(context.Background(), nil, lib)
	var ce *config.CheckError
	if errors.As(err, &ce) {
		// A command that sends refused the file when it read it; what
		// remains is what the dispatcher would refuse in every message.
		return nil, &exitError{code: 1, err: fmt.Errorf("%s; nothing was queued:\n  %s", app.NotSendable, strings.ReplaceAll(ce.Err.Error(), "\n", "\n  "))}
	}
	return a, err
}

// useStore gives a the store s, and wakes the running crier serve
// through it.
func useStore(a *app.App, s *notices.Store) {
	a.Store = s
	a.Wake = func(ctx context.Context) []string { return web.WakeServers(ctx, s) }
}

// cliContext is the context of a command: the unix user acts, as admin.
func cliContext() context.Context {
	return actingContext(context.Background(), "")
}

// unixUser names who runs crier: $USER, else the account's name.
func unixUser() string {
	if n := os.Getenv("USER"); n != "" {
		return n
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "unknown"
}

// appError says err of the application core as the command line does: a
// problem on a field that a flag gives is a usage error (exit 2) in the
// words flag gives it (nil: not a flag of this command); the others are
// listed under the error's message (exit 1).
func appError(err error, flag func(app.Problem) error) error {
	var ie *app.InvalidError
	if !errors.As(err, &ie) {
		return err
	}
	var lines []string
	for _, p := range ie.Problems {
		if e := flag(p); e != nil {
			return e
		}
		lines = append(lines, p.Message)
	}
	if len(lines) == 0 {
		return &exitError{code: 1, err: errors.New(ie.Message)}
	}
	return &exitError{code: 1, err: fmt.Errorf("%s:\n  %s", ie.Message, strings.ReplaceAll(strings.Join(lines, "\n"), "\n", "\n  "))}
}

// printWarnings writes a draft's warnings as crier send does.
func printWarnings(e *env, d *app.Draft) {
	for _, w := range d.Warnings {
		if rest, ok := strings.CutPrefix(w, app.CannotSendYet); ok {
			fmt.Fprintf(e.stderr, "warning: crier dispatch cannot send yet: %s\n", rest)
			continue
		}
		fmt.Fprintln(e.stderr, "warning:", w)
	}
}

// storeApp is the application core over s for a command that changes
// stored notices only (cancel, resume, reschedule), times in loc; woken
// holds who answered its last wake.
func storeApp(s *notices.Store, loc *time.Location) (a *app.App, woken *[]string) {
	woken = new([]string)
	a = &app.App{Store: s, Utility: templates.Utility{Location: loc}}
	a.Wake = func(ctx context.Context) []string {
		*woken = web.WakeServers(ctx, s)
		return *woken
	}
	return a, woken
}
