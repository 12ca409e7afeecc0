package templates

import (
	"errors"
	"fmt"
	"time"
)

// Examples returns the example value of every field that has one: the
// original's as plain values, a translation's own examples as FIELD.LANG
// values where they differ.
func (f *Family) Examples() Values {
	v := Values{}
	for _, fl := range f.Original.Fields {
		if fl.Example != "" {
			v[fl.Name] = fl.Example
		}
	}
	for lang, t := range f.ByLang {
		if t == f.Original {
			continue
		}
		for _, fl := range t.Fields {
			if fl.Example != "" && fl.Example != v[fl.Name] {
				v[fl.Name+"."+lang] = fl.Example
			}
		}
	}
	return v
}

// CheckExamples renders every template of lib in every language with its
// example values and u's branding, so a template whose SMS is too long or
// whose examples do not fit its own fields is found before anything is sent.
// Branding values u leaves empty are filled with samples: this checks the
// templates, not the configuration, except for u's fonts: a translation
// whose flyer holds characters its font cannot print is an error (see
// CheckGlyphs). A required field without an example,
// and an SMS that would go over its limit once a value holds a letter
// outside GSM-7, are warnings.
func CheckExamples(lib *Library, u Utility) Problems {
	sample := Utility{Name: "Clearwater County Water Board", Phone: "(315) 555-0142", Email: "notices@clearwater.example",
		Website: "https://water.clearwater.example", Address: "120 Main Street, Clearwater, NY 13000"}
	for _, v := range []struct {
		dst    *string
		sample string
	}{
		{&u.Name, sample.Name}, {&u.Phone, sample.Phone}, {&u.Email, sample.Email}, {&u.Website, sample.Website}, {&u.Address, sample.Address},
	} {
		if *v.dst == "" {
			*v.dst = v.sample
		}
	}
	var ps Problems
	date := time.Date(2026, time.January, 1, 12, 0, 0, 0, time.UTC)
	for _, name := range lib.Names() {
		fam, _ := lib.Family(name)
		sms := map[string]SMS{}
		for _, lang := range fam.Languages() {
			t := fam.ByLang[lang]
			for _, f := range t.Fields {
				if f.Required && f.Example == "" {
					ps = append(ps, Problem{File: t.File, Line: f.line, Warning: true, Message: fmt.Sprintf("required field %q has no example, so the template cannot be previewed", f.Name)})
				}
			}
			ur := u
			ur.Region = t.exampleRegion // the examples' own region (see ParseIn)
			r, err := Render(t, fam.Examples(), ur, Options{Date: date, URL: ExamplePageURL})
			var ves ValueErrors
			var le *LimitError
			switch {
			case err == nil:
				sms[lang] = r.SMS
				if p, ok := checkUCS2Headroom(t, smsWithoutPage(t, fam.Examples(), ur, date, r.SMS)); ok {
					ps = append(ps, p)
				}
			case errors.As(err, &le):
				ps = append(ps, Problem{File: t.File, Line: le.Line, Message: "with the example values: " + le.Part + ": " + le.Msg})
			case errors.As(err, &ves):
				for _, ve := range ves {
					ps = append(ps, Problem{File: t.File, Message: "with the example values: " + ve.Error()})
				}
			default:
				ps = append(ps, Problem{File: t.File, Message: "with the example values: " + err.Error()})
			}
			if r != nil {
				if err := CheckGlyphs(r); err != nil {
					ps = append(ps, Problem{File: t.File, Message: "with the example values: " + err.Error()})
				}
			}
		}
		ps = append(ps, checkTranslationSegments(fam, sms)...)
	}
	return ps
}

// ExamplePageURL is the notice page a template check renders with, so
// that {{.notice.url}} is checked in place and counted in the SMS: an
// address as long as most utilities' (public_url, /n/, a code and the
// language, as notices.LanguagePage writes it).
const ExamplePageURL = "https://notices.clearwater.example/n/2345678abc/es"

// smsWithoutPage is t's SMS without the notice's page: what is sent when
// a value forces UCS-2 and the page's address no longer fits (see
// renderSMS), and so what must fit then. s is the SMS with the page.
func smsWithoutPage(t *Template, values Values, u Utility, date time.Time, s SMS) SMS {
	r, err := Render(t, values, u, Options{Date: date})
	if err != nil {
		return s
	}
	return r.SMS
}

// checkUCS2Headroom warns when t's SMS, GSM-7 with the example values,
// would go over its limit once a value holds a letter that forces UCS-2
// (a street named Juárez): the whole SMS becomes UCS-2 and must still
// fit. With sms_gsm7, á is written as a, so the letter tried is one with
// no GSM-7 look-alike.
func checkUCS2Headroom(t *Template, s SMS) (Problem, bool) {
	if s.Encoding != GSM7 {
		return Problem{}, false
	}
	letter := "á"
	if t.SMSGSM7 {
		letter = "ж"
	}
	accented := NewSMS(s.Text+letter, false)
	if accented.Segments <= t.SMSMaxSegments {
		return Problem{}, false
	}
	return Problem{File: t.File, Line: t.smsLine, Warning: true, Message: fmt.Sprintf(
		"sms: with the example values it takes %d segment(s) in GSM-7, but %d in UCS-2, over the limit of %d, as soon as a value has a letter such as %s; shorten it to about %d characters",
		s.Segments, accented.Segments, t.SMSMaxSegments, letter, 67*t.SMSMaxSegments-15)}, true
}

// checkTranslationSegments warns of each translation whose SMS, with the
// example values, takes more segments than the original's: customers
// reading that language pay more for the same notice, most often because
// a letter outside GSM-7 makes the whole text UCS-2. sms holds the SMS of
// each language that rendered.
func checkTranslationSegments(fam *Family, sms map[string]SMS) Problems {
	orig, ok := sms[fam.Original.Lang]
	if !ok {
		return nil
	}
	var ps Problems
	for _, lang := range fam.Languages() {
		t, s := fam.ByLang[lang], sms[lang]
		if t == fam.Original || s.Segments <= orig.Segments {
			continue
		}
		msg := fmt.Sprintf("sms: %s (%s) with the example values takes %d segment(s) in %s, its %s original %d in %s",
			fam.Original.Name, lang, s.Segments, s.Encoding, fam.Original.Lang, orig.Segments, orig.Encoding)
		msg += segmentsAdvice(t, s, orig)
		ps = append(ps, Problem{File: t.File, Line: t.smsLine, Warning: true, Message: msg})
	}
	return ps
}

// segmentsAdvice says what to do about t's SMS s, costlier than the
// original's orig. sms_gsm7 is suggested only where it would help: when
// writing s as sms_gsm7 would (newTemplateSMS) gives GSM-7 in no more
// segments than the original. Where it would not (a script with no GSM-7
// look-alikes, or a text still too long), the advice is to shorten it.
func segmentsAdvice(t *Template, s, orig SMS) string {
	if len(s.ForcedUCS2) == 0 {
		return "; shorten it"
	}
	why := "; UCS-2 because of " + smsDescribeChars(s.ForcedUCS2)
	if t.SMSGSM7 {
		return why + ", which have no GSM-7 look-alike: shorten it"
	}
	g := newTemplateSMS(s.Text, t.SMSReplace, true)
	switch {
	case g.Encoding == GSM7 && g.Segments <= orig.Segments:
		return why + fmt.Sprintf(": set sms_gsm7: true to write letters such as á as a (%d segment(s) in GSM-7)", g.Segments)
	case g.Encoding == GSM7:
		return why + fmt.Sprintf(": shorten it (with sms_gsm7: true it would still take %d segment(s))", g.Segments)
	}
	return why + fmt.Sprintf("; %s have no GSM-7 look-alike: shorten it", smsDescribeChars(g.ForcedUCS2))
}
