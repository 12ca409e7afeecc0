package templates

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckValue(t *testing.T) {
	choice := Field{Name: "cause", Type: TypeChoice, Options: []string{"main-break", "e-coli"}}
	tests := []struct {
		name  string
		typ   FieldType
		value string
		ok    bool
	}{
		{"iso date", TypeDate, "2026-11-28", true},
		{"us numeric date", TypeDate, "11/28/2026", true},
		{"long date", TypeDate, "November 28, 2026", true},
		{"date with weekday", TypeDate, "Saturday, November 28, 2026", true},
		{"date with wrong weekday", TypeDate, "Friday, November 28, 2026", false},
		{"wrong weekday in capitals", TypeDate, "FRIDAY, NOVEMBER 28, 2026", false},
		{"wrong weekday in lower case", TypeDate, "friday, november 28, 2026", false},
		{"right weekday in capitals", TypeDate, "SATURDAY, NOVEMBER 28, 2026", true},
		{"wrong spanish weekday", TypeDate, "viernes, 28 de noviembre de 2026", false},
		{"date without year", TypeDate, "Saturday, November 28", true},
		{"spanish date", TypeDate, "sábado, 28 de noviembre de 2026", true},
		{"not a date", TypeDate, "next Tuesday", false},
		{"impossible date", TypeDate, "2026-02-30", false},
		{"september abbreviated with a dot", TypeDate, "Sept. 3, 2026", true},
		{"september abbreviated", TypeDate, "Sept 3, 2026", true},
		{"tues", TypeDate, "Tues, Nov 24, 2026", true},
		{"thurs", TypeDate, "Thurs, Nov 26, 2026", true},
		{"wrong thurs", TypeDate, "Thurs, Nov 27, 2026", false},
		{"12 noon", TypeTime, "12 noon", true},
		{"12-hour time", TypeTime, "7:00 PM", true},
		{"time with dots", TypeTime, "7:00 p.m.", true},
		{"hour only", TypeTime, "7 PM", true},
		{"24-hour time", TypeTime, "19:00", true},
		{"bad hour", TypeTime, "25:00", false},
		{"13 pm", TypeTime, "13 PM", false},
		{"bare number is not a time", TypeTime, "7", false},
		{"datetime", TypeDateTime, "November 28, 2026 7:00 PM", true},
		{"datetime with at", TypeDateTime, "Saturday, November 28, 2026 at 7:00 PM", true},
		{"iso datetime", TypeDateTime, "2026-11-28T19:00", true},
		{"datetime without time", TypeDateTime, "November 28, 2026", false},
		{"us phone", TypePhone, "(315) 555-0142", true},
		{"e164 phone", TypePhone, "+1 315 555 0142", true},
		{"short phone", TypePhone, "555-014", false},
		{"letters phone", TypePhone, "call us", false},
		{"url", TypeURL, "https://water.example.org/notices/42", true},
		{"url without scheme", TypeURL, "water.example.org", false},
		{"javascript url", TypeURL, "javascript:alert(1)", false},
		{"url with a space", TypeURL, "https://water.example.org/a b", false},
		{"url with angle brackets", TypeURL, "https://water.example.org/a>b", false},
		{"url with parentheses", TypeURL, "https://water.example.org/(map)", true},
		{"number", TypeNumber, "1250", true},
		{"money", TypeNumber, "$1,250.50", true},
		{"not a number", TypeNumber, "twelve", false},
		{"no exponent", TypeNumber, "1e9", false},
		{"no NaN", TypeNumber, "NaN", false},
		{"no inf", TypeNumber, "inf", false},
		{"bad separators", TypeNumber, "1,2,3", false},
		{"choice", TypeChoice, "main-break", true},
		{"not a choice", TypeChoice, "flood", false},
		{"text with newline", TypeText, "line one\nline two", false},
		{"multiline", TypeMultiline, "line one\nline two", true},
		{"control character", TypeText, "bell\a", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Field{Name: "f", Type: tt.typ}
			if tt.typ == TypeChoice {
				f = choice
			}
			err := checkValueIn(f, tt.value, "")
			if (err == nil) != tt.ok {
				t.Errorf("checkValue(%s, %q) = %v, want ok=%t", tt.typ, tt.value, err, tt.ok)
			}
		})
	}
}

func TestFillReportsEveryProblemByLabel(t *testing.T) {
	tmpl := &Template{Name: "outage", Lang: "en", Fields: []Field{
		{Name: "area", Label: "Affected area", Type: TypeText, Required: true},
		{Name: "starts", Label: "Start date", Type: TypeDate, Required: true},
		{Name: "phone", Label: "Call-back number", Type: TypePhone},
		{Name: "cause", Label: "Cause", Type: TypeChoice, Options: []string{"main-break", "repair"}, Default: "repair"},
		{Name: "notes", Label: "Notes", Type: TypeText},
	}}
	_, err := tmpl.Fill(Values{"starts": "Nov 31, 2026", "phone": "12", "aera": "Elm Street", "notes.es": "una\x00nota"})
	var ves ValueErrors
	if !errors.As(err, &ves) {
		t.Fatalf("err = %v, want ValueErrors", err)
	}
	want := []string{
		"area (Affected area): required",
		`starts (Start date): "Nov 31, 2026" is not a real date: that month has no such day`,
		`phone (Call-back number): "12" is not a phone number`,
		`"aera" is not a field of template outage (did you mean area?)`,
		`notes.es (Notes): "una\x00nota" contains the control character U+0000`,
	}
	if len(ves) != len(want) {
		t.Errorf("got %d problems, want %d:\n%v", len(ves), len(want), err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("missing %q in:\n%v", w, err)
		}
	}
}

func TestFillLanguageValuesAndDefaults(t *testing.T) {
	tmpl := &Template{Name: "n", Lang: "es", Fields: []Field{
		{Name: "site", Label: "Sitio", Type: TypeText},
		{Name: "cause", Label: "Causa", Type: TypeChoice, Options: []string{"a", "b"}, Default: "b"},
	}}
	got, err := tmpl.Fill(Values{"site": "Fire station", "site.es": "Estación de bomberos", "site.fr": "Caserne"})
	if err != nil {
		t.Fatal(err)
	}
	if got["site"] != "Estación de bomberos" || got["cause"] != "b" {
		t.Errorf("got %v; want the Spanish value and the default", got)
	}
}

func TestSharedValuesAreWrittenInTheNoticeLanguage(t *testing.T) {
	tests := []struct {
		name, lang string
		typ        FieldType
		value      string
		want       string
	}{
		{"english iso", "en", TypeDate, "2026-11-28", "November 28, 2026"},
		{"english slashes", "en", TypeDate, "11/28/2026", "November 28, 2026"},
		{"english long form stays", "en", TypeDate, "November 28, 2026", "November 28, 2026"},
		{"english abbreviated", "en", TypeDate, "Nov. 28, 2026", "November 28, 2026"},
		{"english from spanish", "en", TypeDate, "28 de noviembre de 2026", "November 28, 2026"},
		{"english keeps the weekday", "en", TypeDate, "Sat, Nov 28, 2026", "Saturday, November 28, 2026"},
		{"english without year", "en", TypeDate, "Nov 28", "November 28"},
		{"english without year, weekday", "en", TypeDate, "Wednesday, April 14", "Wednesday, April 14"},
		{"spanish with weekday", "es", TypeDate, "Saturday, November 28, 2026", "sábado, 28 de noviembre de 2026"},
		{"spanish from iso", "es", TypeDate, "2026-11-28", "28 de noviembre de 2026"},
		{"spanish from slashes", "es", TypeDate, "11/28/2026", "28 de noviembre de 2026"},
		{"spanish from english", "es", TypeDate, "November 28, 2026", "28 de noviembre de 2026"},
		{"spanish without year", "es", TypeDate, "Wednesday, April 14", "miércoles, 14 de abril"},
		{"spanish value stays", "es", TypeDate, "28 de noviembre de 2026", "28 de noviembre de 2026"},
		{"spanish base for es-MX", "es-MX", TypeDate, "2026-11-28", "28 de noviembre de 2026"},
		{"english time", "en", TypeTime, "6:30 AM", "6:30 AM"},
		{"english time from 24-hour", "en", TypeTime, "19:00", "7:00 PM"},
		{"english time without minutes", "en", TypeTime, "7pm", "7:00 PM"},
		{"english noon", "en", TypeTime, "12 noon", "noon"},
		{"spanish morning", "es", TypeTime, "6:30 AM", "6:30 a. m."},
		{"spanish evening without minutes", "es", TypeTime, "7 pm", "7:00 p. m."},
		{"spanish from 24-hour", "es", TypeTime, "19:00", "7:00 p. m."},
		{"spanish midnight hour", "es", TypeTime, "0:15", "12:15 a. m."},
		{"spanish noon", "es", TypeTime, "noon", "mediodía"},
		{"english datetime", "en", TypeDateTime, "2026-11-28 19:00", "November 28, 2026 at 7:00 PM"},
		{"english datetime with weekday", "en", TypeDateTime, "Saturday, November 28, 2026 at 7 PM", "Saturday, November 28, 2026 at 7:00 PM"},
		{"spanish datetime", "es", TypeDateTime, "Saturday, November 28, 2026 at 7:00 PM", "sábado, 28 de noviembre de 2026, 7:00 p. m."},
		{"spanish datetime iso", "es", TypeDateTime, "2026-11-28T19:00", "28 de noviembre de 2026, 7:00 p. m."},
		{"number loses its dollar sign", "en", TypeNumber, "$1,250.50", "1,250.50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl := &Template{Name: "n", Lang: tt.lang, Fields: []Field{{Name: "day", Label: "Day", Type: tt.typ}}}
			got, err := tmpl.Fill(Values{"day": tt.value})
			if err != nil {
				t.Fatal(err)
			}
			if got["day"] != tt.want {
				t.Errorf("got %q, want %q", got["day"], tt.want)
			}
		})
	}
	// A value given for the language is used, in the language's long form.
	tmpl := &Template{Name: "n", Lang: "es", Fields: []Field{{Name: "day", Label: "Día", Type: TypeDate}}}
	got, _ := tmpl.Fill(Values{"day": "2026-11-28", "day.es": "sábado 28 de noviembre"})
	if got["day"] != "sábado, 28 de noviembre" {
		t.Errorf("got %q, want the Spanish value", got["day"])
	}
}

func TestImpossibleDayIsExplained(t *testing.T) {
	for _, v := range []string{"Feb 29, 2027", "2/30/2026", "2026-04-31"} {
		err := checkValueIn(Field{Type: TypeDate}, v, "")
		if err == nil || !strings.Contains(err.Error(), "that month has no such day") {
			t.Errorf("%q: %v", v, err)
		}
	}
}

func TestEmptyLanguageValueFallsBackToTheSharedOne(t *testing.T) {
	tmpl := &Template{Name: "n", Lang: "es", Fields: []Field{{Name: "area", Label: "Zona", Type: TypeText, Required: true}}}
	got, err := tmpl.Fill(Values{"area": "Zone 4", "area.es": "  "})
	if err != nil || got["area"] != "Zone 4" {
		t.Errorf("got %q, %v; want the shared value", got["area"], err)
	}
}
