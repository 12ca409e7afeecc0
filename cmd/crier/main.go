// Command crier publishes a water utility's public notices: it renders
// notice templates into flyers, emails and text messages.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	_ "time/tzdata" // time zones work on machines without a zoneinfo database

	"github.com/alecthomas/kong"

	"github.com/crier-notices/crier/config"
	"github.com/crier-notices/crier/internal/gcpace"
	"github.com/crier-notices/crier/templates"
)

func main() {
	gcpace.Set()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// cli is the command line. Each command is a struct with a Run method.
type cli struct {
	Config string `help:"Configuration file (default: crier.toml in the working folder, if present)." env:"CRIER_CONFIG" placeholder:"FILE"`

	Templates templatesCmd `cmd:"" help:"List, show and check notice templates."`
	Render    renderCmd    `cmd:"" help:"Render a notice: flyer PDF, email and SMS text."`
	Contacts  contactsCmd  `cmd:"" help:"Import, list, show, export and delete customer contacts; suppress and resubscribe addresses."`
	DB        dbCmd        `cmd:"" name:"db" help:"The database: migrate it, show its schema version, or copy it into another (db migrate, db status, db copy)."`
	Lists     listsCmd     `cmd:"" help:"Create, list and delete named lists of contacts; add and remove members."`
	Audience  audienceCmd  `cmd:"" help:"Count whom an audience (lists and filters) reaches on each channel, and whom it misses and why."`
	Send      sendCmd      `cmd:"" help:"Send a notice: a template with values, to an audience, on channels, now or at a time (queued here; crier dispatch sends it)."`
	Dispatch  dispatchCmd  `cmd:"" help:"Send every queued delivery that is due, until none is left, with each channel's progress."`
	Notices   noticesCmd   `cmd:"" help:"List, show, cancel, resume and reschedule notices; the schedule of what goes out."`
	Campaigns campaignsCmd `cmd:"" help:"Add, edit, list, show, pause, resume and delete campaigns: notices sent on a schedule by crier serve."`
	Serve     serveCmd     `cmd:"" help:"Run the scheduler and the dispatcher: campaigns fired on time, scheduled notices sent when due, what is published sent at once; and the public routes on [web] listen (unsubscribe links, Twilio's webhooks, notice pages, feeds). Stops gracefully on SIGINT or SIGTERM."`
	Report    reportCmd    `cmd:"" help:"What became of a notice on each channel, with every failure and its reason; --csv for every delivery."`
	Replies   repliesCmd   `cmd:"" help:"The texts customers sent back: the review queue of replies that read as an opt-out, and their feedback."`
	Users     usersCmd     `cmd:"" help:"Add, list and disable the console's users; set a password or a role."`
	Tokens    tokensCmd    `cmd:"" help:"Make, list and revoke the tokens other systems call the JSON API with."`
}

// env is what every command gets: where to write, and the configuration.
type env struct {
	stdout, stderr io.Writer
	configPath     string
	// sendsNothing is true for a command that only reads or stops
	// (notices cancel, report …): a mistake in the configuration, which
	// every message-making command refuses, must not stand in its way.
	sendsNothing bool

	loaded bool // config has been read: cfg and cfgErr hold what it gave
	cfg    config.Config
	cfgErr error
}

// config reads the configuration file once per command, saying once what
// is wrong with it, however many parts of the command ask for it.
func (e *env) config() (config.Config, error) {
	if !e.loaded {
		e.cfg, e.cfgErr = config.Load(e.configPath)
		var ce *config.CheckError
		if e.sendsNothing && errors.As(e.cfgErr, &ce) {
			fmt.Fprintf(e.stderr, "crier: warning: the configuration has mistakes that crier send, dispatch and serve refuse (this command goes on):\n%v\n", ce.Err)
			e.cfgErr = nil
		}
		e.loaded = true
	}
	return e.cfg, e.cfgErr
}

// makesMessages lists the commands that make or send messages, or let
// them go (a resume): they refuse a configuration with a mistake. Every
// other command only reads, stores or stops, and works despite one, so
// that a notice can be cancelled and its report read whatever the file
// says.
var makesMessages = []string{
	"send", "dispatch", "serve", "render",
	"campaigns add", "campaigns edit", "campaigns resume", "notices resume", "notices reschedule", "notices approve",
}

// commandSendsNothing reports whether command (kong's "notices cancel
// <id>") is none of makesMessages.
func commandSendsNothing(command string) bool {
	var words []string
	for _, w := range strings.Fields(command) {
		if !strings.HasPrefix(w, "<") {
			words = append(words, w)
		}
	}
	name := strings.Join(words, " ")
	for _, c := range makesMessages {
		if name == c || strings.HasPrefix(name, c+" ") {
			return false
		}
	}
	return true
}

// library loads the configuration and the template library, and shows the
// custom templates' warnings on standard error.
func (e *env) library() (config.Config, *templates.Library, error) {
	cfg, err := e.config()
	if err != nil {
		return cfg, nil, err
	}
	lib, problems, err := cfg.Library()
	if err != nil {
		return cfg, nil, err
	}
	for _, w := range problems.Warnings() {
		fmt.Fprintln(e.stderr, w)
	}
	return cfg, lib, nil
}

// exitError carries an exit status through kong's Run.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageError is a bad flag value of command cmd: exit status 2, and a
// pointer to its --help.
func usageError(cmd string, err error) error {
	return &exitError{code: 2, err: fmt.Errorf("%w (see crier %s --help)", err, cmd)}
}

// run runs crier with args and returns the exit status: 0 on success, 1 when
// the work found problems (bad values, bad templates), 2 for usage errors.
func run(args []string, stdout, stderr io.Writer) (code int) {
	var c cli
	exited := false
	parser, err := kong.New(&c,
		kong.Name("crier"),
		kong.Description("Crier publishes a water utility's public notices: flyers, emails and text messages."),
		kong.Writers(stdout, stderr),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		kong.Exit(func(n int) { exited = true; code = n }),
	)
	if err != nil {
		fmt.Fprintln(stderr, "crier:", err)
		return 2
	}
	ctx, err := parser.Parse(args)
	if exited { // --help
		return code
	}
	if err != nil {
		help := "crier --help"
		var pe *kong.ParseError
		if errors.As(err, &pe) && pe.Context != nil && pe.Context.Command() != "" {
			var words []string
			for _, w := range strings.Fields(pe.Context.Command()) {
				if !strings.HasPrefix(w, "<") {
					words = append(words, w)
				}
			}
			help = "crier " + strings.Join(words, " ") + " --help"
		}
		fmt.Fprintf(stderr, "crier: %v (see %s)\n", err, help)
		return 2
	}
	e := &env{stdout: stdout, stderr: stderr, configPath: c.Config, sendsNothing: commandSendsNothing(ctx.Command())}
	if err := ctx.Run(e); err != nil {
		fmt.Fprintln(stderr, "crier:", err)
		var ee *exitError
		if errors.As(err, &ee) {
			return ee.code
		}
		return 1
	}
	return 0
}
