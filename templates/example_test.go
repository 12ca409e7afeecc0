package templates_test

import (
	"fmt"
	"io"
	"time"

	"github.com/crier-notices/crier/templates"
)

// A coordinator fills the built-in boil water advisory and gets the SMS,
// the email and the flyer.
func Example() {
	lib, problems := templates.Builtin()
	if len(problems.Errors()) > 0 {
		fmt.Println(problems)
		return
	}
	t, err := lib.Get("boil-water-advisory", "en")
	if err != nil {
		fmt.Println(err)
		return
	}
	utility := templates.Utility{
		Name:    "Clearwater County Water Board",
		Phone:   "(315) 555-0142",
		Address: "120 Main Street, Clearwater, NY 13000",
	}
	r, err := templates.Render(t, templates.Values{
		"area":     "Zone 4",
		"cause":    "main-break",
		"occurred": "Saturday, November 28, 2026",
		"expected": "Monday, November 30, 2026",
	}, utility, templates.Options{Date: time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Subject)
	fmt.Println(r.SMS.Encoding, r.SMS.Segments, "segment(s)")
	// r.WriteEmail(w, templates.EmailHeader{}) writes the email as an .eml,
	// templates.Flyer(w, r) the flyer PDF.
	if err := r.WriteEmail(io.Discard, templates.EmailHeader{}); err != nil {
		fmt.Println(err)
	}
	if err := templates.Flyer(io.Discard, r); err != nil {
		fmt.Println(err)
	}
	// Output:
	// Boil Water Advisory for Zone 4
	// GSM-7 1 segment(s)
}

// Filling a template reports every bad or missing value at once, by label.
func ExampleTemplate_Fill() {
	t, problems := templates.Parse("outage.md", []byte(`---
title: Water Service Interruption
category: service
subject: "Water off in {{.area}}"
sms: "Water off in {{.area}} on {{.day}}, {{.hours}}."
fields:
  - name: area
    label: Affected area
    type: text
    required: true
  - name: day
    label: Day of the work
    type: date
    required: true
  - name: hours
    label: Hours
    type: choice
    options: [morning, afternoon]
---
Water will be off in {{.area}} on {{.day}}.
`))
	if t == nil {
		fmt.Println(problems)
		return
	}
	_, err := t.Fill(templates.Values{"day": "Friday, November 28, 2026", "hours": "evening"})
	fmt.Println(err)
	// Output:
	// area (Affected area): required
	// day (Day of the work): "Friday, November 28, 2026" is not right: November 28, 2026 is a Saturday
	// hours (Hours): "evening" is not one of the choices: morning, afternoon
}

// NewSMS counts a text message as carriers do.
func ExampleNewSMS() {
	for _, text := range []string{
		"Clearwater Water: boil water advisory for Zone 4. Info (315) 555-0142",
		"Aviso: hierva el agua en la zona 4. Información: (315) 555-0142",
	} {
		s := templates.NewSMS(text, true)
		fmt.Println(s.Encoding, s.Units, s.Segments, s.ForcedUCS2)
	}
	// Output:
	// GSM-7 69 1 []
	// UCS-2 63 1 [ó]
}
