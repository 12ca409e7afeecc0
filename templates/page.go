package templates

import (
	"bytes"
	"fmt"
	"html/template"
	"time"
)

// BodyHTML is the notice's body as HTML for a web page: the same Markdown
// rendered the same way as the email's HTML part, without the email's
// inline styles (the page's stylesheet styles it). Every value is
// escaped, so the only tags in it are those Markdown makes.
func (r *Rendering) BodyHTML() (template.HTML, error) {
	var body bytes.Buffer
	if err := markdown.Renderer().Render(&body, r.Source, r.Doc); err != nil {
		return "", fmt.Errorf("render %s body as HTML: %w", r.Template.Name, err)
	}
	// goldmark escapes every text it writes; values reach it escaped
	// for Markdown, so they are text, never markup.
	return template.HTML(body.String()), nil
}

// DateLine is the line under the notice's headline in its language, as
// the flyer and the email print it: "Issued November 28, 2026".
func (r *Rendering) DateLine() string { return r.dateLine() }

// LongDate writes t's day in the utility's time zone as a notice in the
// rendering's language writes a date: "November 28, 2026".
func (r *Rendering) LongDate(t time.Time) string {
	if r.Utility.Location != nil {
		t = t.In(r.Utility.Location)
	}
	return r.longDate(t)
}

// LanguageName is the name of the rendering's language in that language,
// from its translation table ("Español" for es), or its code when the
// language has no table of its own.
func (r *Rendering) LanguageName() string {
	if t := r.table(); t.Name != "" && (t.Code == r.Lang || t.Code == baseLanguage(r.Lang)) {
		return t.Name
	}
	return r.Lang
}

// TelURI is the tel: address of a phone number as the flyer and the email
// link it (digits, and a leading +), or "" when it has no digit.
func TelURI(phone string) string { return telURI(phone) }
