package main

import (
	"errors"
	"strings"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/config"
	"github.com/crier-notices/crier/notices"
)

// contactsApp is commandApp for the contacts commands: a bad [contacts]
// default_region is an error here, as those commands read addresses in it.
func contactsApp(cfg config.Config, s *notices.Store) (*app.App, error) {
	if _, err := cfg.Normalizer(); err != nil {
		return nil, err
	}
	return commandApp(cfg, nil, s), nil
}

// problemsError says an *app.InvalidError as the contacts commands do:
// each problem's message on its line, exit status 1; other errors as
// they are.
func problemsError(err error) error {
	var ie *app.InvalidError
	if !errors.As(err, &ie) {
		return err
	}
	lines := make([]string, len(ie.Problems))
	for i, p := range ie.Problems {
		lines[i] = p.Message
	}
	return &exitError{code: 1, err: errors.New(strings.Join(lines, "\n"))}
}
