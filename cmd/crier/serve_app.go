package main

import (
	"context"
	"time"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/config"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
	"github.com/crier-notices/crier/templates"
)

// serveApp is the application core that crier serve's console and API
// call: the configuration's, on the store, and what it publishes wakes
// this server's own service (svc), which answers as admin ("" when the
// admin address is off: "this server"). It returns the console's idle
// timeout too.
func serveApp(ctx context.Context, cfg config.Config, s *notices.Store, lib *templates.Library, svc *scheduler.Service, admin string) (*app.App, time.Duration, error) {
	a, err := cfg.App(ctx, s, lib)
	if err != nil {
		return nil, 0, err
	}
	me := admin
	if me == "" {
		me = "this server"
	}
	a.Wake = func(context.Context) []string {
		svc.Wake()
		return []string{me}
	}
	cs, err := cfg.ConsoleSettings()
	return a, cs.IdleTimeout, err
}
