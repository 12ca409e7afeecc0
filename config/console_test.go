package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestConsoleDefaults: without a [console] table no notice waits for
// approval and a console user is signed out after 30 minutes idle.
func TestConsoleDefaults(t *testing.T) {
	loaded, err := Load(writeConfig(t, clearwaterConfig))
	if err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]Config{"no file": Default(), "a file without [console]": loaded} {
		got, err := cfg.ConsoleSettings()
		if err != nil || got != (ConsoleSettings{ApprovalOver: 0, IdleTimeout: 30 * time.Minute}) {
			t.Errorf("%s: %+v, %v; want no approval and 30m", name, got, err)
		}
	}
}

func TestConsoleValues(t *testing.T) {
	tests := []struct {
		name, table string
		want        ConsoleSettings
	}{
		{"both", "approval_over = 500\nidle_timeout = \"2h\"\n", ConsoleSettings{ApprovalOver: 500, IdleTimeout: 2 * time.Hour}},
		{"off, and a minute", "approval_over = 0\nidle_timeout = \"1m\"\n", ConsoleSettings{ApprovalOver: 0, IdleTimeout: time.Minute}},
		{"spaces around the duration", "idle_timeout = \" 45m \"\n", ConsoleSettings{IdleTimeout: 45 * time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Load(writeConfig(t, clearwaterConfig+"[console]\n"+tt.table))
			if err != nil {
				t.Fatal(err)
			}
			got, err := cfg.ConsoleSettings()
			if err != nil || got != tt.want {
				t.Errorf("%+v, %v; want %+v", got, err, tt.want)
			}
			sc, err := cfg.ServeSettings()
			if err != nil || sc.Console != tt.want {
				t.Errorf("crier serve reads %+v, %v; want %+v", sc.Console, err, tt.want)
			}
		})
	}
}

// TestConsoleApprovalOverChecked: a negative approval_over is a mistake in
// the file, found when it is read (crier send asks for approvals too), and
// named with its key and what to write.
func TestConsoleApprovalOverChecked(t *testing.T) {
	tests := []struct {
		name, table string
		want        []string
	}{
		{"negative", "approval_over = -1\n", []string{"[console] approval_over: -1 is negative", "or 0 for no approval"}},
		{"in quotes", "approval_over = \"100\"\n", []string{"console.approval_over", "write numbers without quotes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, clearwaterConfig+"[console]\n"+tt.table)
			cfg, err := Load(path)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range append(tt.want, path) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error:\n%v\nwant it to say %q", err, w)
				}
			}
			if _, err := cfg.ConsoleSettings(); tt.name == "negative" && err == nil {
				t.Error("ConsoleSettings takes a negative approval_over")
			}
		})
	}
	var ce *CheckError
	if _, err := Load(writeConfig(t, "[console]\napproval_over = -5\n")); !errors.As(err, &ce) {
		t.Errorf("error %v is not a *CheckError: a command that sends nothing would not go on despite it", err)
	}
}

// TestConsoleIdleTimeoutChecked: idle_timeout is checked as the other
// durations are, and is a minute at least; crier serve refuses a wrong one
// at start (ServeSettings), the commands that do not serve the console go
// on.
func TestConsoleIdleTimeoutChecked(t *testing.T) {
	tests := []struct {
		name, value string
		want        string
	}{
		{"no unit", "30", `[console] idle_timeout: "30" is not a duration; write it like "30m" (units ms, s, m, h)`},
		{"words", "half an hour", `[console] idle_timeout: "half an hour" is not a duration`},
		{"empty", "", `[console] idle_timeout: "" is not a duration`},
		{"zero", "0s", `[console] idle_timeout: "0s" is not a duration`},
		{"negative", "-30m", `[console] idle_timeout: "-30m" is not a duration`},
		{"under a minute", "59s", `[console] idle_timeout: "59s" is shorter than a minute; use 1m or more, such as "30m"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, clearwaterConfig+"[console]\nidle_timeout = \""+tt.value+"\"\n")
			cfg, err := Load(path)
			if err != nil {
				t.Fatalf("read: %v; want crier send and the others to go on", err)
			}
			for name, check := range map[string]func() error{
				"ConsoleSettings": func() error { _, err := cfg.ConsoleSettings(); return err },
				"ServeSettings":   func() error { _, err := cfg.ServeSettings(); return err },
			} {
				err := check()
				if err == nil || !strings.Contains(err.Error(), path+": "+tt.want) {
					t.Errorf("%s: %v; want %q", name, err, path+": "+tt.want)
				}
			}
		})
	}
}
