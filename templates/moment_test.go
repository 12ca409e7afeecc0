package templates

import (
	"testing"
	"time"
)

func TestMoment(t *testing.T) {
	lib, problems := Builtin()
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := lib.Get("boil-water-advisory", "es")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		values Values
		field  string
		want   time.Time
		ok     bool
	}{
		{"a long date", Values{"expected": "Monday, November 30, 2026"}, "expected", time.Date(2026, 11, 30, 0, 0, 0, 0, ny), true},
		{"an ISO date", Values{"expected": "2026-11-30"}, "expected", time.Date(2026, 11, 30, 0, 0, 0, 0, ny), true},
		{"the language's own value wins", Values{"expected": "2026-11-30", "expected.es": "2026-12-01"}, "expected", time.Date(2026, 12, 1, 0, 0, 0, 0, ny), true},
		{"no year", Values{"expected": "November 30"}, "expected", time.Time{}, false},
		{"empty", Values{}, "expected", time.Time{}, false},
		{"not a date field", Values{"area": "Oak Hill"}, "area", time.Time{}, false},
		{"no such field", Values{}, "nothing", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tmpl.Moment(tt.values, tt.field, ny)
			if ok != tt.ok || !got.Equal(tt.want) {
				t.Errorf("Moment = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}
