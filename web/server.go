package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/templates"
)

// Config is what the public server needs.
type Config struct {
	// PublicURL is how the world reaches this server (crier.toml's
	// public_url), without a trailing slash; "" when not set. Twilio
	// signs the address it posts to, so the webhooks are checked against
	// it.
	PublicURL       string
	Store           Store
	Library         *templates.Library
	Utility         templates.Utility // name, phone, zone (Location) ... of the utility
	DefaultLanguage string
	// TwilioAuthToken checks the signature of Twilio's requests; "" when
	// no Twilio account is configured: every Twilio webhook is refused.
	TwilioAuthToken string
	Log             *slog.Logger     // shortens phones and emails (internal/logs); nil: discard
	Now             func() time.Time // nil: time.Now

	// Part A, delivery outcomes. SpoolPath is the file that keeps the
	// webhooks accepted but not yet recorded in the store (web/spool.go);
	// "": beside the store's database, its name and ".spool", or in
	// memory when the store has no file (PostgreSQL: see spoolInMemory).
	SpoolPath string

	// The console and the JSON API (issue 13). App is the application
	// core they call; nil: the console and the API answer 404.
	// IdleTimeout ends a console session unused this long ([console]
	// idle_timeout); 0: 30 minutes.
	App         *app.App
	IdleTimeout time.Duration
	// TemplatesDir is crier.toml's templates_dir, where the console puts
	// an uploaded template; "": uploads are refused.
	TemplatesDir string
	// IdempotencyWait bounds how long an API request waits for another
	// with its Idempotency-Key that is still at work; 0: 20 seconds.
	IdempotencyWait time.Duration
}

// Server answers the public routes.
type Server struct {
	cfg   Config
	log   *slog.Logger
	pages map[string]*template.Template // by page name, each inside the layout
	// consolePages are the console's, each inside its own layout.
	consolePages map[string]*template.Template
	public       *limiter // requests to pages and links, per address
	forged       *limiter // refused Twilio signatures, per address
	// oneClick limits the one-click unsubscribes, per address: a mailbox
	// provider posts its users' from a few servers of its own, so they
	// get a far larger allowance than a reader of pages.
	oneClick *limiter

	spool spoolState   // part A: webhooks accepted, waiting to be recorded
	auth  authState    // sign-in failures, the setup address (web/login.go)
	rest  restState    // issue 13 REST: the console's kept import rejects
	idem  *idempotency // the API's requests with an Idempotency-Key
}

// New checks cfg and returns its server.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("web: no store")
	}
	s := &Server{cfg: cfg, log: cfg.Log, idem: newIdempotency(cfg.IdempotencyWait)}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	s.pages = pages
	if s.consolePages, err = parseConsolePages(); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	s.public = newLimiter(publicRate, publicBurst)
	s.forged = newLimiter(forgedRate, forgedBurst)
	s.oneClick = newLimiter(oneClickRate, oneClickBurst)
	return s, nil
}

// now is the server's clock.
func (s *Server) now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now()
	}
	return time.Now()
}

// Handler returns every public route behind the common protections.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /assets/", s.limited(http.StripPrefix("/assets/", assetHandler())))
	s.statusRoutes(mux)
	s.smsRoutes(mux)
	s.webhookGetRoutes(mux)
	s.unsubscribeRoutes(mux)
	s.pageRoutes(mux)
	s.feedRoutes(mux)
	s.authRoutes(mux)
	s.consoleNoticeRoutes(mux) // part NOTICE: dashboard, new notice, notices
	s.consoleRestRoutes(mux)
	s.apiRoutes(mux)
	mux.Handle("/", s.limited(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusNotFound)
	})))
	return s.protect(s.sameOrigin(mux))
}

// The server's limits: a slow or hostile client cannot hold a connection
// or memory for long.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 15 * time.Second
	writeTimeout      = 30 * time.Second // a flyer PDF is rendered on demand
	idleTimeout       = 60 * time.Second
	maxHeaderBytes    = 16 << 10
)

// Serve answers on ln until ctx ends, then lets the requests in flight
// finish for up to five seconds.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	stopSpool := s.startSpool(ctx) // part A: records what the webhooks spooled, from before a crash too
	defer stopSpool()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(stop); err != nil {
		srv.Close()
	}
	<-done
	return nil
}
