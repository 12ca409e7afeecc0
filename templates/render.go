package templates

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"strings"
	"time"
)

// Options are the notice-level settings of a rendering.
type Options struct {
	Date time.Time // the notice's date (required): the flyer's date line, the email's Date
	URL  string    // the notice's public web address, for the QR code and links
	// SubjectPrefix begins the email's subject ("[PROOF] "), in its header
	// and its HTML title alike.
	SubjectPrefix string
	// SMSReplace, when set, overrides the template's sms_replace.
	SMSReplace *bool
}

// ErrMissingContact says that a public notice lacks the utility's contact
// details that the Public Notification Rule requires of every notice.
var ErrMissingContact = errors.New("contact details missing")

// missingContact lists the contact details a regulatory (tiered) notice
// needs and u lacks: the water system's phone number and business address.
func missingContact(t *Template, u Utility) []string {
	if t.Tier == 0 {
		return nil
	}
	var missing []string
	if strings.TrimSpace(u.Phone) == "" {
		missing = append(missing, "phone")
	}
	if strings.TrimSpace(u.Address) == "" {
		missing = append(missing, "address")
	}
	return missing
}

// Render fills t with values and renders it: subject, SMS (checked against
// the template's segment limit) and the body parsed once for every output.
// Bad values give a ValueErrors listing every problem by field label. An
// SMS over the template's limit gives an *SMSError that says why, together
// with the rendering: its flyer and email can still be used, its SMS not.
func Render(t *Template, values Values, u Utility, opts Options) (*Rendering, error) {
	raw, md, err := t.data(values, u, opts.URL)
	if err != nil {
		return nil, err
	}
	if opts.Date.IsZero() {
		return nil, errors.New("render: the notice has no date")
	}
	if missing := missingContact(t, u); len(missing) > 0 {
		return nil, fmt.Errorf("%s is a Tier %d public notice, which must give the utility's %s (40 CFR 141.205(a)): %w",
			t.Name, t.Tier, strings.Join(missing, " and "), ErrMissingContact)
	}
	if u.Location != nil {
		opts.Date = opts.Date.In(u.Location) // the email's Date header in the utility's zone
	}
	subject, err := execute(t, "subject", t.subject, raw)
	if err != nil {
		return nil, err
	}
	body, err := execute(t, "body", t.body, md)
	if err != nil {
		return nil, err
	}
	replace := t.SMSReplace
	if opts.SMSReplace != nil {
		replace = *opts.SMSReplace
	}
	sms, smsErr := t.renderSMS(raw, replace)
	var tooLong *SMSError
	if smsErr != nil && !errors.As(smsErr, &tooLong) {
		return nil, smsErr
	}
	source := []byte(body)
	if linesNest(source) {
		return nil, errNesting(t)
	}
	r := &Rendering{
		Template: t,
		Lang:     t.Lang,
		Title:    t.Title,
		Subject:  opts.SubjectPrefix + strings.Join(strings.Fields(subject), " "),
		SMS:      sms,
		Source:   source,
		Doc:      parseMarkdown(source),
		Utility:  u,
		Date:     opts.Date,
		URL:      opts.URL,
	}
	if nesting(r.Doc, maxNesting+1) > maxNesting {
		return nil, errNesting(t)
	}
	if r.logo, err = newEmailLogo(u.Logo); err != nil {
		return nil, err
	}
	if r.html, err = r.renderHTML(); err != nil {
		return nil, err
	}
	r.text = r.renderEmailText()
	r.digest = emailDigest(r.Subject, r.text, r.html)
	if r.bodyType, r.body, err = emailBody(r.digest, r.text, r.html, r.logo); err != nil {
		return nil, err
	}
	if tooLong != nil {
		return r, tooLong
	}
	return r, nil
}

func errNesting(t *Template) error {
	return &LimitError{File: t.File, Part: "body", Msg: fmt.Sprintf("lists and quotes inside one another go more than %d deep, the most a notice may; nest less", maxNesting)}
}

// data fills t with values and returns what its templates execute on: raw
// values for the subject and SMS, Markdown-escaping values for the body,
// with the utility's branding and the notice's own values (its page at
// pageURL, "" when it has none).
func (t *Template) data(values Values, u Utility, pageURL string) (raw, md map[string]any, err error) {
	filled, err := t.FillIn(values, u.Region)
	if err != nil {
		return nil, nil, err
	}
	raw = make(map[string]any, len(filled)+1)
	md = make(map[string]any, len(filled)+1)
	brand := u.values()
	mdBrand := make(map[string]mdText, len(brand))
	for k, v := range brand {
		mdBrand[k] = mdText(v)
	}
	raw["utility"], md["utility"] = brand, mdBrand
	raw["notice"], md["notice"] = map[string]string{"url": pageURL}, map[string]mdText{"url": mdText(pageURL)}
	for k, v := range filled {
		raw[k], md[k] = v, mdText(v)
	}
	return raw, md, nil
}

// mdText is a value inserted into the Markdown body. It prints escaped (see
// escapeMarkdown) but compares as what the coordinator typed, so
// {{if eq .cause "e-coli"}} works in the body as in the subject.
type mdText string

func (s mdText) String() string { return escapeMarkdown(string(s)) }

var (
	autolinkURL   = regexp.MustCompile(`^https?://[^\x00-\x20<>\x7f]+$`)
	autolinkEmail = regexp.MustCompile(`^[a-zA-Z0-9.!#$%&'*+/=?^_{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$`)
)

// autolink prints a web or email address that stands alone in the body as
// a CommonMark autolink, so every output makes it a live link showing the
// address as typed. compile puts it around such references (see
// linkStandaloneAddresses); an address an autolink cannot hold prints as text.
func autolink(v any) string {
	s, ok := v.(mdText)
	if !ok {
		return fmt.Sprint(v)
	}
	if a := string(s); autolinkURL.MatchString(a) || autolinkEmail.MatchString(a) {
		return "<" + a + ">"
	}
	return s.String()
}

// SMSError says a notice's SMS is too long for its template's limit; the
// rendering's other outputs are fine. It names the fields whose values
// forced UCS-2, since those are what the coordinator can change.
type SMSError struct {
	Template, Lang string
	Fields         []string // the fields whose values hold characters outside GSM-7, named and labelled
	Err            error
}

func (e *SMSError) Error() string {
	msg := fmt.Sprintf("%s (%s): sms: %v", e.Template, e.Lang, e.Err)
	if len(e.Fields) > 0 {
		msg += fmt.Sprintf("; those characters come from %s: without them the SMS is GSM-7, which holds more than twice as many characters per segment", strings.Join(e.Fields, ", "))
	}
	return msg
}

func (e *SMSError) Unwrap() error { return e.Err }

// renderSMS executes the sms template, then writes it in GSM-7 where the
// template asks (sms_gsm7), counts and checks it: after the values are in,
// so that a value typed with accents is written in GSM-7 too. A text over
// the limit comes back counted, with an *SMSError.
//
// The notice's page ({{.notice.url}}) is a help, not the message: an SMS
// that the page's address would put over the limit goes without it.
func (t *Template) renderSMS(data map[string]any, replace bool) (SMS, error) {
	sms, err := t.countSMS(data, replace)
	if err != nil {
		return SMS{}, err
	}
	if sms.Check(t.SMSMaxSegments) != nil && pageURL(data) != "" {
		without := maps.Clone(data)
		without["notice"] = map[string]string{"url": ""}
		if s, err := t.countSMS(without, replace); err == nil && s.Check(t.SMSMaxSegments) == nil {
			return s, nil
		}
	}
	if err := sms.Check(t.SMSMaxSegments); err != nil {
		e := &SMSError{Template: t.Name, Lang: t.Lang, Err: err}
		for _, f := range t.Fields {
			v, _ := data[f.Name].(string)
			for _, c := range sms.ForcedUCS2 {
				if strings.Contains(v, c) {
					e.Fields = append(e.Fields, fmt.Sprintf("%s with %q", fieldName(f.Name, f.Label), c))
					break
				}
			}
		}
		return sms, e
	}
	return sms, nil
}

// countSMS executes the sms template on data and counts the text as sent.
func (t *Template) countSMS(data map[string]any, replace bool) (SMS, error) {
	text, err := execute(t, "sms", t.sms, data)
	if err != nil {
		return SMS{}, err
	}
	return newTemplateSMS(strings.TrimSpace(text), replace, t.SMSGSM7), nil
}

// pageURL is the notice's page in a template's data, "" without one.
func pageURL(data map[string]any) string {
	n, _ := data["notice"].(map[string]string)
	return n["url"]
}
