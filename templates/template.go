package templates

import (
	"github.com/crier-notices/crier/templates/category"
	"strings"
	texttemplate "text/template"
	"time"
)

// Category says what kind of notice a template is (package category, so
// that the store names one without this package).
type Category = category.Category

// The template categories.
const (
	Emergency   = category.Emergency
	Service     = category.Service
	Information = category.Information
)

// FieldType is the type of value a field accepts.
type FieldType string

// The field types a template may declare.
const (
	TypeText      FieldType = "text"
	TypeMultiline FieldType = "multiline"
	TypeDate      FieldType = "date"
	TypeDateTime  FieldType = "datetime"
	TypeTime      FieldType = "time"
	TypePhone     FieldType = "phone"
	TypeURL       FieldType = "url"
	TypeNumber    FieldType = "number"
	TypeChoice    FieldType = "choice"
)

// Field is one value a coordinator fills in. The order of a template's fields
// is the order of its form.
type Field struct {
	Name     string
	Label    string
	Type     FieldType
	Required bool
	Default  string
	Example  string
	Help     string
	Options  []string // for TypeChoice
	// MaxLength is the most characters a value may have, from the
	// template's max_length; 0 means the type's default (see Limit).
	MaxLength int
	// After names a date or datetime field this one's date is the same
	// as or later than (expected after occurred): send warns, and a
	// campaign's firing is missed, when the values are out of that order.
	After string
	// Past says the date may be in the past (the day something
	// happened): no warning, no missed firing for it.
	Past bool
	line int // line of the field in the template file
}

// DefaultMaxLength is the most characters a value of type t may have
// unless the field's max_length says otherwise: a line of text, a few
// paragraphs, an address as browsers take it; dates, times, numbers and
// phone numbers are short by their form.
func DefaultMaxLength(t FieldType) int {
	switch t {
	case TypeMultiline:
		return 4000
	case TypeURL:
		return 2000
	case TypeDate:
		return 60
	case TypeDateTime:
		return 80
	case TypeTime:
		return 20
	case TypePhone, TypeNumber:
		return 40
	case TypeChoice:
		return 200
	}
	return 300 // text
}

// MaxLengthCeiling is the largest max_length a template may set.
const MaxLengthCeiling = 10000

// Limit is the most characters a value of f may have.
func (f Field) Limit() int {
	if f.MaxLength > 0 {
		return f.MaxLength
	}
	return DefaultMaxLength(f.Type)
}

// Template is one notice template in one language, parsed and checked.
type Template struct {
	Name        string
	Lang        string
	Title       string
	Description string
	Category    Category
	Tier        int // Public Notification Rule tier (1, 2 or 3); 0 when not regulatory
	Fields      []Field

	// Subject, SMS and Body are the template sources (Go text/template syntax).
	Subject string
	SMS     string
	Body    string

	// SMSReplace says whether typographic characters with GSM-7 look-alikes
	// are replaced before the SMS is counted (default true).
	SMSReplace bool
	// SMSGSM7 says whether Latin letters outside GSM-7 are written as their
	// closest GSM-7 letters (á as a) before the SMS is counted, from the
	// front matter's sms_gsm7 (default false; see gsmTransliterate).
	SMSGSM7 bool
	// SMSMaxSegments is the most segments the rendered SMS may take (default 3).
	SMSMaxSegments int

	// File is where the template was read from, for error messages.
	File string

	subjectLine, smsLine, bodyLine int
	fieldsLine                     int             // the line of the fields: key
	utilityUses                    map[string]bool // the {{.utility.KEY}} the template shows
	subject, sms, body             *texttemplate.Template
	textFuncs                      map[string]bool // the parts that call print, printf … (see runLimits.funcs)
	words                          *LanguageTable  // the translation table, set by Load (see table)
	// exampleRegion is the region the fields' phone examples and defaults
	// were checked in (see ParseIn): CheckExamples renders them there.
	exampleRegion string
}

// Field returns the field with the given name, or false.
func (t *Template) Field(name string) (Field, bool) {
	for _, f := range t.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Utility is the branding of the utility that publishes the notices. Every
// template can use these values as {{.utility.name}}, {{.utility.phone}},
// {{.utility.email}}, {{.utility.website}} and {{.utility.address}}.
type Utility struct {
	Name     string
	Phone    string
	Email    string
	Website  string
	Address  string
	Logo     []byte         // PNG, optional
	Location *time.Location // the utility's time zone; nil means UTC
	// Fonts prints the flyer and letters of a language, by language code,
	// in a font of its own; the others are printed in BuiltinFont.
	Fonts map[string]*Font
	// Region is the country whose national phone numbers a phone field's
	// value may be written as, two letters such as GB (crier.toml's
	// [contacts] default_region); "" means US.
	Region string
	// ConfigFile names the configuration file Fonts and the rest come
	// from, so an error can say where to add a font; "" when not known.
	ConfigFile string
}

// MissingBranding lists the utility values the template shows that u
// leaves empty, such as "phone": the notice would print a blank there.
func (t *Template) MissingBranding(u Utility) []string {
	var missing []string
	vals := u.values()
	for _, k := range []string{"name", "phone", "email", "website", "address"} {
		if t.utilityUses[k] && strings.TrimSpace(vals[k]) == "" {
			missing = append(missing, k)
		}
	}
	return missing
}

func (u Utility) values() map[string]string {
	return map[string]string{
		"name":    u.Name,
		"phone":   u.Phone,
		"email":   u.Email,
		"website": u.Website,
		"address": u.Address,
	}
}
