package logs_test

import (
	"bytes"
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
