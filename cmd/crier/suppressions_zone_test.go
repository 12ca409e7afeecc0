package main

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
)

// TestSuppressionsInTheUtilitysZone: a STOP at 9:17 PM in New York
// (02:17 UTC the next day) is listed by crier contacts suppressions on the
// day it came there, as crier replies list shows it, and its history
// gives the local time with the zone.
func TestSuppressionsInTheUtilitysZone(t *testing.T) {
	cfg := contactsStore(t) // the example utility's zone: America/New_York
	text, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := regexp.MustCompile(`database = "([^"]+)"`).FindSubmatch(text)
	if db == nil {
		t.Fatalf("no database in %s", text)
	}
	s, err := notices.Open(context.Background(), string(db[1]))
	if err != nil {
		t.Fatal(err)
	}
	s.Now = func() time.Time { return time.Date(2026, 12, 6, 2, 17, 0, 0, time.UTC) }
	if _, _, err := s.Suppress(context.Background(), "+13155550142", notices.StopReply, `replied "STOP"`, "sms reply"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"the list", []string{"contacts", "suppressions"}, "2026-12-05"},
		{"the history", []string{"contacts", "suppressions", "+13155550142"}, "2026-12-05 21:17 EST"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := crier(t, append([]string{"--config", cfg}, tc.args...)...)
			if code != 0 || !strings.Contains(stdout, tc.want) {
				t.Errorf("exit %d; want %q:\n%s%s", code, tc.want, stdout, stderr)
			}
		})
	}
}
