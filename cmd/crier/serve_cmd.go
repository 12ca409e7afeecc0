package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/config"
	"github.com/crier-notices/crier/internal/logs"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
	"github.com/crier-notices/crier/templates"
	"github.com/crier-notices/crier/web"
)

// serveCmd is `crier serve`: the long-running process that fires the
// campaigns at their times, sends scheduled notices when they fall due,
// and dispatches whatever is published, woken at once by the commands
// that publish.
type serveCmd struct {
	LogFormat string `help:"text, or json: one JSON object a line, for a log collector." enum:"text,json" default:"text"`
	Verbose   bool   `short:"v" help:"Log at debug level: each outcome (addresses shortened)."`
}

func (c serveCmd) Run(e *env) error {
	cfg, lib, err := e.library()
	if err != nil {
		return err
	}
	u, err := cfg.LoadUtility()
	if err != nil {
		return err
	}
	sc, err := cfg.ServeSettings()
	if err != nil {
		return err
	}
	dc, closeSenders, err := cfg.DispatchConfig(lib, u)
	if err != nil {
		return err
	}
	defer closeSenders()

	level := slog.LevelInfo
	if c.Verbose {
		level = slog.LevelDebug
	}
	log := logs.New(e.stderr, c.LogFormat, level)
	dc.Log = log
	dc.StopTimeout = sc.StopTimeout

	// SIGINT or SIGTERM: stop taking messages, let those in flight finish
	// within the stop timeout, put the rest back, exit 0. A second signal
	// kills at once (the next start puts back what was held).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	s, err := cfg.Store(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	d, err := scheduler.New(s, dc)
	if err != nil {
		return err
	}
	svc := &scheduler.Service{
		Dispatcher: d,
		Campaigner: &scheduler.Campaigner{Store: s, Library: lib, DefaultLanguage: cfg.Utility.DefaultLanguage, Grace: sc.Grace, Log: log},
		Leadership: s, // on PostgreSQL one crier serve fires the campaigns; on SQLite each does
		Log:        log,
	}

	var admin string
	if sc.AdminAddress != "" {
		ln, err := net.Listen("tcp", sc.AdminAddress)
		if err != nil {
			return fmt.Errorf("%s: [serve] admin_address %q: %w (another crier serve running? set a free port, or off)", cfg.Name(), sc.AdminAddress, err)
		}
		admin = "http://" + ln.Addr().String()
		srv := &http.Server{Handler: web.AdminHandler(svc, s), ReadHeaderTimeout: 5 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		go srv.Serve(ln)
		defer srv.Close()
		// Announced in the store, so that crier send and the other
		// commands on this database can wake it; servers of this host
		// that died without saying so are struck off first.
		if servers, err := s.Servers(ctx); err == nil {
			for _, sv := range servers {
				if scheduler.Gone(sv.Worker) {
					s.UnregisterServer(ctx, sv.Worker)
				}
			}
		}
		if err := s.RegisterServer(ctx, d.Worker(), admin); err != nil {
			return err
		}
		defer s.UnregisterServer(context.WithoutCancel(ctx), d.Worker())
	}

	core, idle, err := serveApp(ctx, cfg, s, lib, svc, admin)
	if err != nil {
		return err
	}
	public, stopWeb, err := startWeb(ctx, cfg, sc, s, lib, u, dc.PublicURL, log, core, idle)
	if err != nil {
		return err
	}
	defer stopWeb() // before the store closes

	log.Info("crier serve started", "database", cfg.DatabaseName(), "admin", admin, "web", public, "public_url", dc.PublicURL, "worker", d.Worker(),
		"quiet_hours", dc.QuietHours.String(), "poll", dc.Poll, "grace", sc.Grace, "stop_timeout", sc.StopTimeout)
	for _, line := range cfg.ChannelLines() {
		log.Info("channel", "sends", line)
	}
	warnUtility(log, u, cfg.Name())
	context.AfterFunc(ctx, stop) // a second signal kills
	err = svc.Run(ctx)
	if err != nil {
		log.Error("crier serve stopped", "err", err)
		return err
	}
	log.Info("crier serve stopped")
	return nil
}

// startWeb starts the public routes (package web) on [web] listen, to stop
// when ctx ends or the returned function is called; that function returns
// once they have stopped. The address is "" when they are off.
func startWeb(ctx context.Context, c config.Config, sc config.ServeSettings, s *notices.Store, lib *templates.Library, u templates.Utility, publicURL string, log *slog.Logger,
	core *app.App, idle time.Duration) (string, func(), error) {
	if sc.WebListen == "" {
		if publicURL != "" {
			log.Warn("[web] listen is off: this server answers none of the links it puts in messages (public_url); another crier serve must")
		}
		return "", func() {}, nil
	}
	var token string
	if c.Twilio.AccountSID != "" {
		token, _ = config.ReadSecret(config.EnvTwilioToken) // checked with the dispatcher's configuration
	}
	srv, err := web.New(web.Config{
		PublicURL:       publicURL,
		Store:           s,
		Library:         lib,
		Utility:         u,
		DefaultLanguage: c.Utility.DefaultLanguage,
		TwilioAuthToken: token,
		Log:             log,
		App:             core, // the console's and the API's use cases
		IdleTimeout:     idle,
		TemplatesDir:    c.TemplatesDir, // where the console puts an uploaded template
		// parts: more web.Config fields here
	})
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", sc.WebListen)
	if err != nil {
		return "", nil, fmt.Errorf("%s: [web] listen %q: %w (another crier serve running? set a free port, or off)", c.Name(), sc.WebListen, err)
	}
	if setup, err := srv.SetupURL(ctx, ln.Addr()); err != nil { // a console with no users yet
		log.Warn("the console has no users yet, and no setup address", "err", err)
	} else if setup != "" {
		log.Warn("the console has no users yet: open the setup address in a browser on this machine to make the first admin (it works once), or run crier users add NAME --role admin", "setup", setup)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ctx, ln); err != nil {
			log.Error("the public web server stopped", "err", err)
		}
	}()
	if note := webhooksNote(publicURL, c.Twilio.AccountSID); note != "" {
		log.Info(note)
	}
	if publicURL == "" {
		log.Warn("public_url is not set: emails go without unsubscribe links and Twilio is not asked for delivery reports; set it to the https:// address the reverse proxy answers at")
	}
	return "http://" + ln.Addr().String(), func() { cancel(); <-done }, nil
}

// warnUtility says at start what the utility's details in the
// configuration leave out, and what that stops: a Tier 1 notice (a boil
// water advisory) must give the utility's phone and address, and an email
// needs a From address. On the embedded defaults both are missing.
func warnUtility(log *slog.Logger, u templates.Utility, file string) {
	var missing []string
	if strings.TrimSpace(u.Phone) == "" {
		missing = append(missing, "phone")
	}
	if strings.TrimSpace(u.Address) == "" {
		missing = append(missing, "address")
	}
	if len(missing) > 0 {
		log.Warn("Tier 1 notices (boil water advisory, do not drink) cannot be sent until the utility's " + strings.Join(missing, " and ") +
			" are set in the [utility] table of " + file + "; crier.example.toml has one filled in; restart crier serve after")
	}
	if strings.TrimSpace(u.Email) == "" {
		log.Warn("emails go without a From address until email is set in the [utility] table of " + file)
	}
}
