package templates

import (
	"strings"
	"testing"
	"time"
)

func TestResolveDate(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	// 23:30 in New York on December 5 is December 6 in UTC: the firing's
	// date is read in its zone.
	dec5 := time.Date(2026, 12, 5, 23, 30, 0, 0, ny)
	tests := []struct {
		name   string
		value  string
		firing time.Time
		want   string // "" for an error
	}{
		{"days", "+14d", dec5, "December 19, 2026"},
		{"days into the next year", "+30d", dec5, "January 4, 2027"},
		{"the firing's own day", "+0d", dec5, "December 5, 2026"},
		{"weeks", "+2w", dec5, "December 19, 2026"},
		{"day of the month", "day:15", dec5, "December 15, 2026"},
		{"a day the month lacks is its last", "day:31", time.Date(2027, 2, 1, 9, 0, 0, 0, ny), "February 28, 2027"},
		{"a leap year's February", "day:30", time.Date(2028, 2, 1, 9, 0, 0, 0, ny), "February 29, 2028"},
		{"day of the next month", "day:5+1m", dec5, "January 5, 2027"},
		{"day:31 of the next month", "day:31+1m", time.Date(2027, 1, 31, 9, 0, 0, 0, ny), "February 28, 2027"},
		{"with a time, for a datetime", "+1d 7:00 PM", dec5, "December 6, 2026 7:00 PM"},
		{"upper case", "DAY:15", dec5, "December 15, 2026"},
		{"a unit it does not know", "+14x", dec5, ""},
		{"months are not days", "+1m", dec5, ""},
		{"day zero", "day:0", dec5, ""},
		{"day 32", "day:32", dec5, ""},
		{"no number", "day:", dec5, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !IsRelativeDate(tt.value) {
				t.Fatalf("IsRelativeDate(%q) is false", tt.value)
			}
			got, err := ResolveDate(tt.value, tt.firing)
			switch {
			case tt.want == "" && err == nil:
				t.Errorf("ResolveDate(%q) = %q; want an error", tt.value, got)
			case tt.want == "" && !strings.Contains(err.Error(), "day:15"):
				t.Errorf("the error does not show the syntax: %v", err)
			case tt.want != "" && (err != nil || got != tt.want):
				t.Errorf("ResolveDate(%q) = %q, %v; want %q", tt.value, got, err, tt.want)
			case tt.want != "":
				// What it resolves to is a value its field takes.
				typ := TypeDate
				if strings.Contains(tt.value, " ") {
					typ = TypeDateTime
				}
				if err := checkValueIn(Field{Name: "when", Type: typ}, got, ""); err != nil {
					t.Errorf("%q, a %s value, is refused: %v", got, typ, err)
				}
			}
		})
	}
}

func TestRelativeDatesNeedAFiring(t *testing.T) {
	tmpl, ps := Parse("flush.md", []byte(goodTemplate))
	if tmpl == nil {
		t.Fatal(ps)
	}
	_, err := tmpl.Fill(Values{"area": "Zone 4", "day": "+14d"})
	if err == nil || !strings.Contains(err.Error(), "relative to a campaign's firing") || !strings.Contains(err.Error(), "2026-12-15") {
		t.Fatalf("Fill of a relative date: %v", err)
	}
	firing := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	values, err := ResolveValues(tmpl, Values{"area": "+1d", "day": "day:15", "day.es": "+1w"}, firing)
	if err != nil {
		t.Fatal(err)
	}
	want := Values{"area": "+1d", "day": "December 15, 2026", "day.es": "December 12, 2026"} // a text field is not a date
	for k, v := range want {
		if values[k] != v {
			t.Errorf("%s = %q; want %q", k, values[k], v)
		}
	}
	if _, err := ResolveValues(tmpl, Values{"day": "+2y"}, firing); err == nil || !strings.Contains(err.Error(), `day (Day): "+2y" is not a date relative`) {
		t.Errorf("a bad relative value: %v", err)
	}
}

func TestCheckDates(t *testing.T) {
	tmpl, ps := Parse("notice.md", []byte(`---
title: Order
category: service
subject: "{{.occurred}} {{.expected}} {{.until}}"
sms: "{{.occurred}} {{.expected}} {{.until}} {{.meeting}}"
fields:
  - name: occurred
    label: Occurred
    type: date
    past: true
  - name: expected
    label: Expected
    type: date
    after: occurred
  - name: meeting
    label: Meeting
    type: datetime
  - name: until
    label: Until
    type: datetime
    after: meeting
---
Body {{.occurred}} {{.expected}} {{.until}} {{.meeting}}
`))
	if tmpl == nil {
		t.Fatal(ps)
	}
	day := time.Date(2026, 12, 5, 22, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		values Values
		want   []string // the notes' messages, in part
		order  []bool
	}{
		{"in order and to come", Values{"occurred": "2026-12-01", "expected": "December 7, 2026"}, nil, nil},
		{"the same day is in order", Values{"occurred": "2026-12-05", "expected": "December 5, 2026"}, nil, nil},
		{"past", Values{"expected": "2026-12-04"}, []string{"expected is 2026-12-04, before the day the notice goes out (December 5, 2026)"}, []bool{false}},
		{"out of order", Values{"occurred": "November 28, 2026", "expected": "2026-11-27"},
			[]string{"expected is 2026-11-27, before", "expected (2026-11-27) is before occurred (November 28, 2026); the template says it comes on or after occurred"}, []bool{false, true}},
		{"a translation's value out of order", Values{"occurred": "2026-12-01", "expected": "2026-12-08", "occurred.es": "9 de diciembre de 2026"},
			[]string{"expected (2026-12-08) is before occurred.es (9 de diciembre de 2026)"}, []bool{true}},
		{"datetimes compare their times", Values{"meeting": "2026-12-08 7:00 PM", "until": "2026-12-08 6:00 PM"},
			[]string{"until (2026-12-08 6:00 PM) is before meeting (2026-12-08 7:00 PM)"}, []bool{true}},
		{"a date without a year is not compared", Values{"occurred": "November 28", "expected": "November 2"}, nil, nil},
		{"a value that is not a date is left to Fill", Values{"expected": "soon"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			notes := CheckDates(tmpl, tt.values, day)
			if len(notes) != len(tt.want) {
				t.Fatalf("notes %+v; want %d", notes, len(tt.want))
			}
			for i, n := range notes {
				if !strings.Contains(n.Message, tt.want[i]) || n.Order != tt.order[i] {
					t.Errorf("note %d: %+v; want %q, order %t", i, n, tt.want[i], tt.order[i])
				}
			}
		})
	}
}

func TestDateOrderIsChecked(t *testing.T) {
	withField := func(extra string) string {
		return strings.Replace(goodTemplate, "    example: 2026-04-14\n", "    example: 2026-04-14\n"+extra, 1)
	}
	tests := []struct {
		name, content, want string
	}{
		{"after an unknown field", withField("    after: start\n"), `field "day": after: "start" is not a field of the template (its date fields: day)`},
		{"after itself", withField("    after: day\n"), `field "day": after names the field itself`},
		{"after a text field", withField("    after: area\n"), `field "day": after: "area" is a text field`},
		{"past on a text field", strings.Replace(goodTemplate, "    example: Zone 4\n", "    example: Zone 4\n    past: true\n", 1), `field "area": past is for date and datetime fields`},
		{"past not a boolean", withField("    past: often\n"), `past "often": use true or false`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ps := Parse("flush.md", []byte(tt.content))
			if !strings.Contains(ps.Error(), tt.want) {
				t.Errorf("problems:\n%v\nwant %q", ps, tt.want)
			}
		})
	}
}

func TestBuiltinTemplatesDeclareTheirDateOrder(t *testing.T) {
	lib, _ := Builtin()
	for _, c := range []struct{ template, field, after string }{
		{"boil-water-advisory", "expected", "occurred"},
		{"do-not-drink", "expected", "occurred"},
		{"main-break", "restore_date", "occurred"},
		{"boil-water-advisory-lifted", "lifted_date", "advisory_date"},
		{"hydrant-flushing", "end_date", "start_date"},
		{"low-pressure-advisory", "expected_date", "start_date"},
	} {
		fam, err := lib.Family(c.template)
		if err != nil {
			t.Fatal(err)
		}
		for lang, tmpl := range fam.ByLang {
			if f, _ := tmpl.Field(c.field); f.After != c.after {
				t.Errorf("%s (%s): %s after %q; want %q", c.template, lang, c.field, f.After, c.after)
			}
		}
	}
}
