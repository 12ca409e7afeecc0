package logs_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/internal/logs"
)

func TestShorten(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"go-mail refusal", `send failed: 550 5.1.0 Invalid recipient, affected recipient(s): <customer77@example.com>`,
			`send failed: 550 5.1.0 Invalid recipient, affected recipient(s): <cu…@example.com>`},
		{"Twilio 21211", `twilio 21211: Invalid 'To' Phone Number: +13155550101`, `twilio 21211: Invalid 'To' Phone Number: …0101`},
		{"E.164 then a colon", `to +13155550101: refused`, `to …0101: refused`},
		{"tel URI", `tel:+13155550101`, `tel:…0101`},
		{"parentheses", `call (315) 555-0101 now`, `call …0101 now`},
		{"hyphens", `315-555-0101.`, `…0101.`},
		{"dots", `315.555.0101`, `…0101`},
		{"spaces and country code", `+1 315 555 0101`, `…0101`},
		{"country code and parentheses", `+1 (315) 555-0101`, `…0101`},
		{"national digits", `3155550101`, `…0101`},
		{"UK", `+44 20 7946 0958`, `…0958`},
		{"key=value", `to=+13155550101 status=failed`, `to=…0101 status=failed`},
		{"two in one text", `a@b.example and ab@c.example and 315-555-0101, 315-555-0102`, `a…@b.example and ab…@c.example and …0101, …0102`},
		{"mailbox of two letters or fewer", `ab@example.com`, `ab…@example.com`},
		{"unicode mailbox", `josé.núñez@ejemplo.es`, `jo…@ejemplo.es`},
		{"RFC 3339 time", `2026-12-05T20:07:06.123456789Z`, `2026-12-05T20:07:06.123456789Z`},
		{"Go time", `2026-12-05 20:07:06.123456789 +0000 UTC`, `2026-12-05 20:07:06.123456789 +0000 UTC`},
		{"date and minutes", `failing since 2026-12-05 20:07, 3 times`, `failing since 2026-12-05 20:07, 3 times`},
		{"durations", `in 1.234567891s, hold 2m30.123456789s, 250ms`, `in 1.234567891s, hold 2m30.123456789s, 250ms`},
		{"counts and ids", `notice 42 delivery 1234567 sent 100000 of 999999999`, `notice 42 delivery 1234567 sent 100000 of 999999999`},
		{"message SID", `SM0000000000000000000000000000012a and AC0123456789abcdef0123456789abcdef`, `SM0000000000000000000000000000012a and AC0123456789abcdef0123456789abcdef`},
		{"Twilio error URL", `https://www.twilio.com/docs/errors/21211`, `https://www.twilio.com/docs/errors/21211`},
		{"worker", `host/1234567/9f86d081 put back 12`, `host/1234567/9f86d081 put back 12`},
		{"admin address", `http://127.0.0.1:8086/wake`, `http://127.0.0.1:8086/wake`},
		{"a decimal", `rate 3.14159265358979`, `rate 3.14159265358979`},
		{"nothing", `channel paused`, `channel paused`},
		{"database URL", `database postgres://crier@127.0.0.1:55432/crier_test?sslmode=disable: connect: refused`,
			`database postgres://crier@127.0.0.1:55432/crier_test?sslmode=disable: connect: refused`},
		{"database URL with a password", `database postgres://crier:s3cret@db.clearwater.example:5432/crier: refused`,
			`database postgres://crier:xxxxx@db.clearwater.example:5432/crier: refused`},
		{"password parameter", `postgres://crier@db.clearwater.example/crier?password=s3cret&sslmode=require`,
			`postgres://crier@db.clearwater.example/crier?sslmode=require`},
		{"unreadable URL", `at postgres://crier:s3#cret@db.clearwater.example/crier now`, `at postgres://(unreadable URL) now`},
		{"URL without a path", `dial postgres://crier@db.clearwater.example: refused`, `dial postgres://crier@db.clearwater.example: refused`},
		{"address in a URL with a user", `smtp://notices@mail.example/?rcpt=customer77@example.com and customer77@example.com`,
			`smtp://notices@mail.example/?r…@example.com and cu…@example.com`},
		{"address in a URL's query", `https://water.example/u?to=customer77@example.com`, `https://water.example/u?…@example.com`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := logs.Shorten(tt.in); got != tt.want {
				t.Errorf("Shorten(%q)\n = %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

// address is a value that prints as an address, as a struct in an
// attribute might.
type address struct{ To string }

type stringer string

func (s stringer) String() string { return "to " + string(s) }

// TestLoggerNeverShowsAnAddress logs an address every way a caller can,
// at every level, in both formats, and finds none of it whole.
func TestLoggerNeverShowsAnAddress(t *testing.T) {
	const mail, phone = "customer77@example.com", "+13155550101"
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			log := logs.New(&buf, format, slog.LevelDebug)
			refusal := fmt.Errorf("delivery 7: %w", errors.New("550 affected recipient(s): <"+mail+">"))
			with := log.With("to", mail).WithGroup("g").With("number", phone)
			for _, level := range []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError} {
				log.Log(t.Context(), level, "refused "+mail+" and "+phone, "err", refusal, "to", phone,
					slog.Group("delivery", "address", mail), "value", address{phone}, "stringer", stringer(mail),
					"at", time.Date(2026, 12, 5, 20, 7, 6, 0, time.UTC), "count", 3155550101)
				with.Log(t.Context(), level, "with")
			}
			out := buf.String()
			if strings.Contains(out, mail) || strings.Contains(out, phone) {
				t.Errorf("the log shows an address whole:\n%s", out)
			}
			for _, want := range []string{"cu…@example.com", "…0101", "delivery 7: 550", "2026-12-05T20:07:06"} {
				if !strings.Contains(out, want) {
					t.Errorf("the log lacks %q:\n%s", want, out)
				}
			}
			if lines := strings.Count(out, "\n"); lines != 8 {
				t.Errorf("%d lines; want 8 (four levels, two records each)\n%s", lines, out)
			}
		})
	}
}

// TestLoggerShowsADatabase: a database's URL in a log line, in its message,
// a string or an error, shows its scheme, user, host, port and database,
// in both formats, and never its password.
func TestLoggerShowsADatabase(t *testing.T) {
	const url = "postgres://crier:s3cret@db.clearwater.example:5432/crier?sslmode=require"
	const shown = "postgres://crier:xxxxx@db.clearwater.example:5432/crier?sslmode=require"
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			log := logs.New(&buf, format, slog.LevelInfo)
			log.Error("database "+url+": refused", "database", url, "err", fmt.Errorf("database %s: connect: refused", url))
			out := buf.String()
			if strings.Contains(out, "s3cret") || strings.Count(out, shown) != 3 {
				t.Errorf("the log shows the URL other than as %s, three times:\n%s", shown, out)
			}
		})
	}
}

// TestDurationsReadTheSameInBothFormats: a duration in a JSON log is the
// text the text log shows ("1.5s"), never a count of nanoseconds, in a
// group too.
func TestDurationsReadTheSameInBothFormats(t *testing.T) {
	record := func(format string) string {
		var buf bytes.Buffer
		logs.New(&buf, format, slog.LevelInfo).With("poll", 2*time.Second).
			Info("channel failing", "hold", 1500*time.Millisecond, slog.Group("retry", "in", 250*time.Millisecond))
		return buf.String()
	}
	text := record("text")
	for _, want := range []string{"poll=2s", "hold=1.5s", "retry.in=250ms"} {
		if !strings.Contains(text, want) {
			t.Errorf("the text log lacks %s:\n%s", want, text)
		}
	}
	var got struct {
		Poll, Hold string
		Retry      struct{ In string }
	}
	if err := json.Unmarshal([]byte(record("json")), &got); err != nil {
		t.Fatalf("the JSON log's durations are not text: %v\n%s", err, record("json"))
	}
	if got.Poll != "2s" || got.Hold != "1.5s" || got.Retry.In != "250ms" {
		t.Errorf("JSON durations poll %q, hold %q, retry.in %q; want 2s, 1.5s, 250ms as the text log", got.Poll, got.Hold, got.Retry.In)
	}
}
