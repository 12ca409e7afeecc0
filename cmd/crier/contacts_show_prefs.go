package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/crier-notices/crier/notices"
)

// showEmailChoice writes the categories the contact's email address left
// through its preferences page or an email's one-click unsubscribe, so a
// coordinator asked "why did I not get the notice?" sees the customer's
// own choice beside "(subscribed)". Nothing when there is none.
func showEmailChoice(ctx context.Context, w io.Writer, s *notices.Store, email string) error {
	if email == "" {
		return nil
	}
	cats, err := s.OptedOut(ctx, email)
	if err != nil || len(cats) == 0 {
		return err
	}
	names := make([]string, len(cats))
	for i, c := range cats {
		names[i] = string(c)
	}
	_, err = fmt.Fprintf(w, "%-16s %s (the customer's choice from an email's link; emergencies still come)\n",
		"email opted out:", strings.Join(names, ", "))
	return err
}
