package web

// CAP 1.2 (OASIS Common Alerting Protocol) messages for emergency notices:
// an Alert with one info block per language of the notice, and a Cancel
// that references it when the notice is withdrawn or lifted.
//
// How a notice maps to CAP (also in the README):
//
//	CAP element   from the notice
//	identifier    crier-{code} (the Alert); crier-{code}-withdrawn or
//	              crier-{code}-lifted (the Cancel)
//	sender        the host of public_url
//	sent          when the notice went out (the date it carries), in the
//	              utility's zone; a Cancel: when the notice was cancelled,
//	              or when the notice that lifts it went out
//	status        Actual (proofs and drafts have no CAP)
//	msgType       Alert; Cancel once withdrawn or lifted
//	scope         Public
//	references    (Cancel) sender,crier-{code},sent of the Alert
//	language      the notice's language with the utility's region
//	              (default_region, US): en-US, es-US
//	category      Health for a template with a Public Notification Rule
//	              tier (boil water, do not drink: a threat to health
//	              through the water); Infra for the others (a main break:
//	              a utility's service)
//	event         the template's title in that language
//	urgency       Immediate for a notice of urgency emergency, Expected
//	              for one sent as normal
//	severity      Severe for tier 1 (40 CFR 141.202: serious adverse
//	              effects on health from short-term exposure); Moderate
//	              for tier 2 or no tier; Minor for tier 3
//	certainty     Observed: the notice reports what happened (a sample
//	              found, pressure lost, a main broken)
//	expires       the end of the day of the template's expected end: the
//	              date field that comes after another and is not a past
//	              one (expected, restore_date), in the utility's zone;
//	              left out when the notice does not give it
//	senderName    [utility] name
//	headline      the notice's subject in that language
//	description   the notice's text, as its plain-text email
//	instruction   the notice's text message (what to do, in short)
//	web           the notice's page in the info's language, {public_url}/n/{code}/{lang}
//	contact       [utility] phone
//	area/areaDesc the notice's area value in that language (the area
//	              field); else one area per audience zone; else none
//
// A Cancel for a lift carries the lifting notice's texts, with
// responseType AllClear, urgency Past, severity Minor, certainty
// Observed; a Cancel for a withdrawal carries no info block, only a note.

import (
	"encoding/xml"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// capNamespace is CAP 1.2's XML namespace.
const capNamespace = "urn:oasis:names:tc:emergency:cap:1.2"

// capAlert is a CAP 1.2 alert message; the fields are in the schema's
// order, which it requires.
type capAlert struct {
	XMLName    xml.Name  `xml:"urn:oasis:names:tc:emergency:cap:1.2 alert"`
	Identifier string    `xml:"identifier"`
	Sender     string    `xml:"sender"`
	Sent       string    `xml:"sent"`
	Status     string    `xml:"status"`
	MsgType    string    `xml:"msgType"`
	Scope      string    `xml:"scope"`
	Note       string    `xml:"note,omitempty"`
	References string    `xml:"references,omitempty"`
	Info       []capInfo `xml:"info"`
}

// capInfo is one info block: the alert in one language.
type capInfo struct {
	Language     string    `xml:"language"`
	Category     []string  `xml:"category"`
	Event        string    `xml:"event"`
	ResponseType []string  `xml:"responseType,omitempty"`
	Urgency      string    `xml:"urgency"`
	Severity     string    `xml:"severity"`
	Certainty    string    `xml:"certainty"`
	Expires      string    `xml:"expires,omitempty"`
	SenderName   string    `xml:"senderName,omitempty"`
	Headline     string    `xml:"headline,omitempty"`
	Description  string    `xml:"description,omitempty"`
	Instruction  string    `xml:"instruction,omitempty"`
	Web          string    `xml:"web,omitempty"`
	Contact      string    `xml:"contact,omitempty"`
	Area         []capArea `xml:"area"`
}

// capArea is an area by its description only: a notice names its area in
// words, not as a polygon or a geocode.
type capArea struct {
	AreaDesc string `xml:"areaDesc"`
}

// capTime writes t in loc as CAP requires: seconds, no fraction, a
// numeric zone offset, and a zero offset as -00:00 (never Z or +00:00,
// which CAP 1.2 section 3.3.2 forbids), whatever zone has it: Etc/UTC, or
// Europe/London in winter.
func capTime(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	s := t.In(loc).Format("2006-01-02T15:04:05-07:00")
	if zero, ok := strings.CutSuffix(s, "+00:00"); ok {
		s = zero + "-00:00"
	}
	return s
}

// capLanguage writes a notice language as CAP's RFC 3066 code with a
// region, the utility's (region, "" meaning US) unless it has one: es is
// es-US, es-MX stays es-MX.
func capLanguage(lang, region string) string {
	tag, err := language.Parse(lang)
	if err != nil {
		return lang
	}
	if _, conf := tag.Region(); conf == language.Exact {
		return tag.String()
	}
	if region == "" {
		region = "US"
	}
	r, err := language.ParseRegion(region)
	if err != nil {
		return tag.String()
	}
	with, err := language.Compose(tag, r)
	if err != nil {
		return tag.String()
	}
	return with.String()
}

// capCategory is the CAP category of a notice of template t: a tier of
// the Public Notification Rule says the notice is about health through
// the drinking water; the other emergencies are about the utility's
// service.
func capCategory(t *templates.Template) string {
	if t.Tier > 0 {
		return "Health"
	}
	return "Infra"
}

// capUrgency maps the notice's urgency.
func capUrgency(u notices.Urgency) string {
	if u == notices.Emergency {
		return "Immediate"
	}
	return "Expected"
}

// capSeverity maps the template's Public Notification Rule tier.
func capSeverity(tier int) string {
	switch tier {
	case 1:
		return "Severe"
	case 3:
		return "Minor"
	}
	return "Moderate"
}

// capExpires is the end of the day of the template's expected end (see
// endField), in loc, or "" when the notice does not give it.
func capExpires(t *templates.Template, values templates.Values, loc *time.Location) string {
	f, ok := endField(t)
	if !ok {
		return ""
	}
	m, ok := t.Moment(values, f.Name, loc)
	if !ok {
		return ""
	}
	if f.Type == templates.TypeDate {
		y, mo, d := m.Date()
		m = time.Date(y, mo, d, 23, 59, 59, 0, m.Location())
	}
	return capTime(m, loc)
}

// endField is the field that says when the notice's situation is expected
// to end: the first date or datetime field that comes after another
// (expected after occurred) and is not a day past.
func endField(t *templates.Template) (templates.Field, bool) {
	for _, f := range t.Fields {
		if (f.Type == templates.TypeDate || f.Type == templates.TypeDateTime) && f.After != "" && !f.Past {
			return f, true
		}
	}
	return templates.Field{}, false
}

// areaField is the field in which a notice names its area.
const areaField = "area"

// capAreas are the areas of notice n in the language of template t: its
// area value, else its audience's zones.
func capAreas(t *templates.Template, n notices.Notice, region string) []capArea {
	if _, ok := t.Field(areaField); ok {
		filled, err := t.FillIn(templates.Values(n.Values), region)
		if err == nil && strings.TrimSpace(filled[areaField]) != "" {
			return []capArea{{AreaDesc: strings.TrimSpace(filled[areaField])}}
		}
	}
	var as []capArea
	for _, z := range n.Audience.Zones {
		as = append(as, capArea{AreaDesc: z})
	}
	return as
}

// capInfoOf is notice n's info block in the language of rendering r.
func capInfoOf(n notices.Notice, r *templates.Rendering, page string) capInfo {
	t, u := r.Template, r.Utility
	return capInfo{
		Language:    capLanguage(r.Lang, u.Region),
		Category:    []string{capCategory(t)},
		Event:       t.Title,
		Urgency:     capUrgency(n.Urgency),
		Severity:    capSeverity(t.Tier),
		Certainty:   "Observed",
		Expires:     capExpires(t, templates.Values(n.Values), u.Location),
		SenderName:  u.Name,
		Headline:    r.Subject,
		Description: strings.TrimSpace(r.Text()),
		Instruction: r.SMS.Text,
		Web:         notices.LanguagePage(page, r.Lang), // the page in this info's language
		Contact:     u.Phone,
		Area:        capAreas(t, n, u.Region),
	}
}

// capAlertOf is the Alert of emergency notice n, from its renderings (one
// per language) and its page's address.
func capAlertOf(sender string, n notices.Notice, rs []*templates.Rendering, page string) capAlert {
	a := capAlert{
		Identifier: "crier-" + n.Code,
		Sender:     sender,
		Status:     "Actual",
		MsgType:    "Alert",
		Scope:      "Public",
	}
	for i, r := range rs {
		if i == 0 {
			a.Sent = capTime(r.Date, r.Utility.Location)
		}
		a.Info = append(a.Info, capInfoOf(n, r, page))
	}
	return a
}

// capReference names alert a as a Cancel's references does:
// sender,identifier,sent.
func capReference(a capAlert) string {
	return a.Sender + "," + a.Identifier + "," + a.Sent
}

// capWithdrawn is the Cancel of alert a, for a notice cancelled at at.
func capWithdrawn(a capAlert, at time.Time, u templates.Utility) capAlert {
	return capAlert{
		Identifier: a.Identifier + "-withdrawn",
		Sender:     a.Sender,
		Sent:       capTime(at, u.Location),
		Status:     "Actual",
		MsgType:    "Cancel",
		Scope:      "Public",
		Note:       strings.TrimSpace(u.Name + " withdrew this alert."),
		References: capReference(a),
	}
}

// capLifted is the Cancel of alert a for the notice that lifts it, lift,
// rendered as rs, whose page is page: its texts are the all-clear.
func capLifted(a capAlert, lift notices.Notice, rs []*templates.Rendering, category, page string) capAlert {
	c := capAlert{
		Identifier: a.Identifier + "-lifted",
		Sender:     a.Sender,
		Status:     "Actual",
		MsgType:    "Cancel",
		Scope:      "Public",
		References: capReference(a),
	}
	for i, r := range rs {
		if i == 0 {
			c.Sent = capTime(r.Date, r.Utility.Location)
		}
		info := capInfoOf(lift, r, page)
		info.Category = []string{category}
		info.ResponseType = []string{"AllClear"}
		info.Urgency, info.Severity, info.Certainty = "Past", "Minor", "Observed"
		info.Expires = ""
		c.Info = append(c.Info, info)
	}
	return c
}
