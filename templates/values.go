package templates

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// Values are the field values a coordinator gives, by field name. A key
// "FIELD.LANG" (for example "actions.es") gives the value for that language
// only; the plain key serves every other language.
type Values map[string]string

// ValueError is one bad or missing value.
type ValueError struct {
	Field   string // the field name, or the unknown key
	Label   string // the field's label in the template's language
	Message string
}

// Error names the field as --set takes it, then its label, as in
// "occurred (Date it happened): required": the coordinator reads the label
// and types the name.
func (e ValueError) Error() string {
	if e.Label == "" {
		return e.Message
	}
	return fieldName(e.Field, e.Label) + ": " + e.Message
}

// fieldName is how an error names a field: the name --set takes, then the
// label the form shows, as in "occurred (Date it happened)".
func fieldName(name, label string) string {
	if name == "" || name == label {
		return label
	}
	return name + " (" + label + ")"
}

// ValueErrors lists every bad or missing value of a filling at once, by
// field name and label, in the order of the form.
type ValueErrors []ValueError

func (es ValueErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Fill checks values against the template's fields and returns the value of
// every field for the template's language: the language's own value, else
// the plain value, else the field's default, else "". A date or
// time value, whatever form it was typed in, is written in the long form
// of the template's language (see localize). A
// number loses a leading $. It returns a
// ValueErrors listing every missing required field, every value of the wrong
// type and every key that is not a field.
func (t *Template) Fill(values Values) (map[string]string, error) {
	return t.FillIn(values, "")
}

// FillIn is Fill with the phone numbers of phone fields read as written in
// region (two letters, as in GB; "" means US), as Render does with the
// utility's Region: "020 7946 0018" is a number in GB, not in the US.
func (t *Template) FillIn(values Values, region string) (map[string]string, error) {
	var errs ValueErrors
	out := make(map[string]string, len(t.Fields))
	for _, f := range t.Fields {
		v, ok := values[f.Name+"."+t.Lang]
		if strings.TrimSpace(v) == "" {
			ok = false // an empty translation (a skeleton values file) means "use the shared value"
		}
		if !ok {
			v, ok = values[f.Name]
		}
		if !ok {
			v = f.Default
		}
		v = normalizeValue(f, v)
		if v == "" {
			if f.Required {
				errs = append(errs, ValueError{Field: f.Name, Label: f.Label, Message: "required" + hint(f)})
			}
			out[f.Name] = ""
			continue
		}
		if err := checkValueIn(f, v, region); err != nil {
			errs = append(errs, ValueError{Field: f.Name, Label: f.Label, Message: fmt.Sprintf("%s %v", quoteValue(v), err)})
		} else {
			v = localize(f.Type, v, t.table())
		}
		out[f.Name] = v
	}
	// Values for other languages are checked too, so a bad translation of a
	// value is caught whatever language is rendered first.
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	unknown := 0
	for _, k := range keys {
		name, lang, hasLang := strings.Cut(k, ".")
		f, ok := t.Field(name)
		switch {
		case !ok:
			// A values file of a hundred thousand wrong keys gives ten
			// lines, not a hundred thousand.
			if unknown++; unknown <= maxUnknownKeys {
				errs = append(errs, ValueError{Field: k, Message: fmt.Sprintf("%s is not a field of template %s%s", quoteValue(k), t.Name, suggest(name, t, ""))})
			}
		case hasLang && !isLanguage(lang):
			errs = append(errs, ValueError{Field: k, Label: f.Label, Message: fmt.Sprintf("%s: after the dot comes a language code, as in %s.es", quoteValue(k), name)})
		case hasLang && lang != t.Lang:
			if v := normalizeValue(f, values[k]); v != "" {
				if err := checkValueIn(f, v, region); err != nil {
					errs = append(errs, ValueError{Field: k, Label: f.Label, Message: fmt.Sprintf("%s %v", quoteValue(v), err)})
				}
			}
		}
	}
	if unknown > maxUnknownKeys {
		errs = append(errs, ValueError{Message: fmt.Sprintf("and %s more keys that are not fields of template %s", count(unknown-maxUnknownKeys), t.Name)})
	}
	if len(errs) > 0 {
		return out, errs
	}
	return out, nil
}

func normalizeValue(f Field, v string) string {
	switch f.Type {
	case TypeMultiline:
		return strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n"))
	case TypeNumber:
		// Templates write the currency ("${{.late_fee}}"), so a $ typed
		// with the amount is dropped rather than printed twice.
		return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), "$"))
	}
	return strings.TrimSpace(v)
}

// localize writes a date, time or datetime value in the long form
// of the notice's language (tb); other values are the same in every
// language.
func localize(t FieldType, v string, tb *LanguageTable) string {
	switch t {
	case TypeDate:
		return localizeDate(v, tb)
	case TypeTime:
		return localizeTime(v, tb)
	case TypeDateTime:
		return localizeDateTime(v, tb)
	}
	return v
}

func hint(f Field) string {
	if f.Example != "" {
		return fmt.Sprintf(" (for example %q)", f.Example)
	}
	return ""
}

// maxUnknownKeys is how many keys that are not fields Fill names.
const maxUnknownKeys = 10

// quoteValue quotes a value for an error message, cut after 60
// characters: a value of megabytes must not make an error of megabytes.
func quoteValue(v string) string {
	if len(v) <= 60 {
		return strconv.Quote(v)
	}
	return strconv.Quote(shorten(v, 60))
}

// checkValueIn says why v is not a valid value of field f, or nil; a phone
// number may be national in region ("" means US). Its length is checked
// first, so nothing longer is parsed.
func checkValueIn(f Field, v, region string) error {
	if n := utf8.RuneCountInString(v); n > f.Limit() {
		how := "its max_length in the template"
		if f.MaxLength == 0 {
			how = "for a " + string(f.Type) + " field; max_length in the template changes it"
		}
		return fmt.Errorf("is %s characters long; field %q takes at most %s (%s); shorten it", count(n), f.Name, count(f.Limit()), how)
	}
	for _, r := range v {
		if r == '\n' && f.Type != TypeMultiline {
			return errors.New("is more than one line; write it on one line")
		}
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return fmt.Errorf("contains the control character %U; remove it", r)
		}
	}
	if (f.Type == TypeDate || f.Type == TypeDateTime) && IsRelativeDate(v) {
		return errRelative
	}
	switch f.Type {
	case TypeDate:
		if _, err := parseDate(v); err != nil {
			return err
		}
	case TypeTime:
		if !isTime(v) {
			return errors.New("is not a time (write it like 7:00 PM or 19:00)")
		}
	case TypeDateTime:
		if !isDateTime(v) {
			return errors.New("is not a date and time (write it like November 28, 2026 7:00 PM or 2026-11-28 19:00)")
		}
	case TypePhone:
		if region == "" {
			region = "US"
		}
		n, err := phonenumbers.Parse(v, region)
		if err != nil || !phonenumbers.IsValidNumber(n) {
			return fmt.Errorf("is not a phone number (write it like %s)", PhoneHint(region))
		}
	case TypeURL:
		return CheckWebAddress(v)
	case TypeNumber:
		if !numberPattern.MatchString(strings.TrimPrefix(v, "$")) {
			return errors.New("is not a number (write it like 1250, 1,250 or 45.20)")
		}
	case TypeChoice:
		if !slices.Contains(f.Options, v) {
			return fmt.Errorf("is not one of the choices: %s", strings.Join(f.Options, ", "))
		}
	}
	return nil
}

// CheckWebAddress says why v is not a full http(s) web address, or nil:
// the rule for url fields and for any address the configuration gives.
func CheckWebAddress(v string) error {
	if i := strings.IndexAny(v, " \t<>\"{}|\\^`"); i >= 0 {
		return fmt.Errorf("contains %q, which a web address cannot hold as it is; write it encoded (a space is %%20)", v[i:i+1])
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("is not a full web address (write it like https://water.example.org/notices)")
	}
	return nil
}

// numberPattern is a number as people write one: digits with an optional
// sign, thousands separators and decimals; no exponents, no "NaN".
var numberPattern = regexp.MustCompile(`^-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$`)

// PhoneHint is how a phone number of region (two letters; "" means US)
// is written, nationally and internationally, from libphonenumber's
// example number of that region: a utility in GB is shown a GB number,
// not a US one.
func PhoneHint(region string) string {
	if region == "" {
		region = "US"
	}
	n := phonenumbers.GetExampleNumber(region)
	if n == nil {
		return "+1 315 555 0142"
	}
	return phonenumbers.Format(n, phonenumbers.NATIONAL) + " or " + phonenumbers.Format(n, phonenumbers.INTERNATIONAL)
}
