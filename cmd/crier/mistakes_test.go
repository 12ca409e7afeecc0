package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A misspelt template name gets the name meant, whichever command is given it.
func TestMisspeltTemplateNameIsSuggested(t *testing.T) {
	nonTerminalStdin(t)
	cfg := writeConfig(t, "database = \""+filepath.Join(t.TempDir(), "crier.db")+"\"\n"+clearwaterConfig)
	tests := []struct {
		name string
		args []string
	}{
		{"render", append([]string{"render", "boil-water-advisry", "--out", t.TempDir()}, readmeValues...)},
		{"send", append([]string{"send", "boil-water-advisry", "--channels", "email", "--yes"}, readmeValues...)},
		{"templates show", []string{"templates", "show", "boil-water-advisry"}},
		{"campaigns add", append([]string{"campaigns", "add", "spring", "--template", "boil-water-advisry", "--schedule", "@daily", "--channels", "email"}, readmeValues...)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := crier(t, append([]string{"--config", cfg}, tc.args...)...)
			want := `no template named "boil-water-advisry" (did you mean boil-water-advisory?)`
			if code != 1 || !strings.Contains(stderr, want) {
				t.Errorf("exit %d, want 1 and %q\n%s%s", code, want, stdout, stderr)
			}
		})
	}
	// A name nothing is near still points at the list.
	if code, _, stderr := crier(t, "--config", cfg, "templates", "show", "tsunami"); code != 1 || !strings.Contains(stderr, "`crier templates list` shows them") {
		t.Errorf("exit %d\n%s", code, stderr)
	}
}

// One rule for a time zone a coordinator gives: an IANA name or UTC, in
// crier.toml and in --timezone alike. A misspelt or abbreviated [utility]
// timezone is refused by every command that makes messages or reads a time
// in it; a command that only shows times (notices list, report …) warns and
// shows them in UTC, marked so (never as UTC unsaid), so a report can always
// be read; commands that show none warn and go on.
func TestOneTimeZoneRule(t *testing.T) {
	nonTerminalStdin(t)
	cfg := exampleSetup(t)
	db := filepath.Join(filepath.Dir(cfg), "crier.db")
	mustCrier(t, append([]string{"--config", cfg}, sendArgs("--list", "customers", "--channels", "email", "--yes")...)...)
	withZone := func(utility, schedule string) string {
		return writeConfig(t, fmt.Sprintf("database = %q\n[utility]\nname = \"Clearwater\"\nphone = \"(315) 555-0142\"\naddress = \"120 Main Street\"\ntimezone = %q\n[schedule]\ntimezone = %q\n", db, utility, schedule))
	}
	campaign := []string{"campaigns", "add", "flushing", "--template", "hydrant-flushing", "--schedule", "0 9 1 * *", "--list", "customers", "--channels", "email",
		"--set", "area=Zone 3", "--set", "start_date=April 13, 2027", "--set", "end_date=April 24, 2027", "--set", "start_time=8:00 AM", "--set", "end_time=3:30 PM"}
	const iana = "write an IANA zone such as America/New_York"
	misspelt := withZone("America/New_Yrok", "America/Chicago")
	abbreviated := withZone("EST", "America/Chicago")
	good := withZone("America/New_York", "America/Chicago")
	scheduleAbbreviated := withZone("America/New_York", "PST")
	tests := []struct {
		name string
		cfg  string
		args []string
		code int
		want []string
	}{
		{"notices schedule says its times are in UTC", misspelt, []string{"notices", "schedule"}, 0,
			[]string{`[utility] timezone: "America/New_Yrok" is not a time zone name: ` + iana, "the times below are in UTC until it is fixed"}},
		{"notices list says so too", misspelt, []string{"notices", "list"}, 0, []string{`"America/New_Yrok" is not a time zone name`, "the times below are in UTC", " UTC"}},
		{"notices show says so too", misspelt, []string{"notices", "show", "1"}, 0, []string{`"America/New_Yrok" is not a time zone name`, "the times below are in UTC", " UTC"}},
		{"report is readable whatever the file says", misspelt, []string{"report", "1"}, 0, []string{`"America/New_Yrok" is not a time zone name`, "the times below are in UTC"}},
		{"notices reschedule, which reads a time, refuses it", misspelt, []string{"notices", "reschedule", "1", "--at", "2030-01-01 09:00"}, 1, []string{`"America/New_Yrok" is not a time zone name`}},
		{"send refuses it", misspelt, sendArgs("--list", "customers", "--channels", "email", "--yes"), 1, []string{`"America/New_Yrok" is not a time zone name`}},
		{"a command that shows no time warns and goes on", misspelt, []string{"contacts", "list"}, 0,
			[]string{"warning: the configuration has mistakes", `"America/New_Yrok" is not a time zone name`}},
		{"an abbreviation is refused by send", abbreviated, sendArgs("--list", "customers", "--channels", "email", "--yes"), 1,
			[]string{`[utility] timezone: "EST" is not a time zone name but an abbreviation or a fixed offset, which keeps no daylight saving time: ` + iana}},
		{"and named by notices schedule", abbreviated, []string{"notices", "schedule"}, 0, []string{`"EST" is not a time zone name but an abbreviation`, "the times below are in UTC"}},
		{"--timezone EST", good, append(campaign, "--timezone", "EST"), 2, []string{`--timezone "EST" is not a time zone name but an abbreviation or a fixed offset`, iana}},
		{"--timezone CET", good, append(campaign, "--timezone", "CET"), 2, []string{`--timezone "CET" is not a time zone name`, iana}},
		{"--timezone EST5EDT", good, append(campaign, "--timezone", "EST5EDT"), 2, []string{`--timezone "EST5EDT" is not a time zone name`, iana}},
		{"--timezone Etc/GMT+5", good, append(campaign, "--timezone", "Etc/GMT+5"), 2, []string{`--timezone "Etc/GMT+5" is not a time zone name but an abbreviation or a fixed offset`}},
		{"--timezone misspelt", good, append(campaign, "--timezone", "America/Chicgo"), 2, []string{`--timezone "America/Chicgo" is not a time zone name: ` + iana}},
		{"[schedule] timezone PST", scheduleAbbreviated, campaign, 1, []string{`[schedule] timezone: "PST" is not a time zone name: ` + iana}},
		{"--timezone UTC", good, append(campaign, "--timezone", "UTC"), 0, []string{"schedule:  0 9 1 * * in UTC"}},
		{"--timezone America/Chicago", good, append(append(slices.Clone(campaign[:2]), "chicago"), append(slices.Clone(campaign[3:]), "--timezone", "America/Chicago")...), 0,
			[]string{"in America/Chicago"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := crier(t, append([]string{"--config", tc.cfg}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tc.code, stdout, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stdout+stderr, w) {
					t.Errorf("output lacks %q:\n%s%s", w, stdout, stderr)
				}
			}
			if tc.code != 0 && strings.Contains(stdout, " UTC") {
				t.Errorf("times shown in UTC:\n%s", stdout)
			}
		})
	}
}

// A phone field's value is read with [contacts] default_region, as imports
// are: a UK utility types a UK national number, and customers read it as
// typed, in the rendering, the send and the message sent.
func TestPhoneValuesUseTheDefaultRegion(t *testing.T) {
	nonTerminalStdin(t)
	const uk, us = "020 7946 0018", "(315) 555-0142"
	config := func(dir, region string) string {
		return writeConfig(t, fmt.Sprintf("database = %q\noutbox_dir = %q\n[utility]\nname = \"Millbrook Water\"\nphone = %q\naddress = \"1 High Street\"\ntimezone = \"Europe/London\"\n[contacts]\ndefault_region = %q\n",
			filepath.Join(dir, "crier.db"), filepath.Join(dir, "outbox"), map[string]string{"GB": uk, "US": us}[region], region))
	}
	report := func(phone string) []string {
		return []string{"--set", "year=2025", "--set", "report_url=https://water.example.org/ccr2025", "--set", "copy_phone=" + phone}
	}
	tests := []struct {
		name, region, phone string
		code                int
		want                string
	}{
		{"a UK number in GB", "GB", uk, 0, "Free paper copy: " + uk + "."},
		{"a US number in the US, as before", "US", us, 0, "Free paper copy: " + us + "."},
		{"a UK national number in the US", "US", uk, 1, `copy_phone (Phone for paper copies): "` + uk + `" is not a phone number`},
		{"a US national number in GB", "GB", us, 1, `copy_phone (Phone for paper copies): "` + us + `" is not a phone number`},
		{"an international number anywhere", "GB", "+1 315 555 0142", 0, "Free paper copy: +1 315 555 0142."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			code, stdout, stderr := crier(t, append([]string{"--config", config(t.TempDir(), tc.region), "render", "water-quality-report", "--out", out}, report(tc.phone)...)...)
			if code != tc.code {
				t.Fatalf("render: exit %d, want %d\n%s%s", code, tc.code, stdout, stderr)
			}
			if tc.code != 0 {
				if !strings.Contains(stderr, tc.want) {
					t.Errorf("render: stderr lacks %q:\n%s", tc.want, stderr)
				}
				return
			}
			if sms := mustRead(t, filepath.Join(out, "sms.txt")); !strings.Contains(sms, tc.want) {
				t.Errorf("sms.txt = %q; want %q", sms, tc.want)
			}
		})
	}

	// send checks the values when it publishes, and dispatch renders each
	// message: both read the number in GB.
	dir := t.TempDir()
	cfg := config(dir, "GB")
	csvFile := filepath.Join(t.TempDir(), "customers.csv")
	if err := os.WriteFile(csvFile, []byte("account,name,email\nA-1,Amy Pond,amy@example.org\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustCrier(t, "--config", cfg, "contacts", "import", csvFile, "--list", "customers")
	mustCrier(t, append([]string{"--config", cfg, "send", "water-quality-report", "--list", "customers", "--channels", "email", "--yes"}, report(uk)...)...)
	mustCrier(t, "--config", cfg, "dispatch")
	emls, _ := filepath.Glob(filepath.Join(dir, "outbox", "email", "*.eml"))
	if len(emls) != 1 {
		t.Fatalf("%d emails in the outbox, want 1", len(emls))
	}
	if text, _ := mailParts(t, []byte(mustRead(t, emls[0]))); !strings.Contains(text, "Call us at "+uk) {
		t.Errorf("the email does not give %s as typed:\n%s", uk, text)
	}
}
