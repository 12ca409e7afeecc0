package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
	"github.com/crier-notices/crier/templates"
)

// NoticeRequest is what the coordinator composes: the command line's
// flags, the console's form, the API's JSON.
type NoticeRequest struct {
	Template  string
	Values    templates.Values // FIELD or FIELD.LANG -> value
	Languages []string         // nil: every language of the template
	Channels  []notices.Channel
	Audience  notices.Audience
	All       bool            // every contact (an audience must be named, or All)
	Urgency   notices.Urgency // "": the template's category decides
	At        time.Time       // zero: at once; past: refused (Problem{Field: "at"})
	DraftID   int64           // 0: a new notice; else the saved draft this request replaces or publishes
	// Key, for a new notice, is claimed in the transaction that stores it
	// (see notices.IdempotencyKey): a request whose key an earlier one
	// kept stores nothing and fails with *notices.KeyTakenError.
	Key *notices.IdempotencyKey
}

// Draft is a notice composed and checked, ready to preview and send.
type Draft struct {
	Notice     notices.Notice // ready to create (Code drawn; Audience set)
	Family     *templates.Family
	All        bool                    // the audience is every contact, as asked
	DraftID    int64                   // the saved draft Send replaces and publishes; 0: a new notice
	Key        *notices.IdempotencyKey // the request's, claimed with the new notice (NoticeRequest.Key)
	Why        string                  // why the urgency is what it is
	Date       time.Time               // the notice's date (send time or now)
	Renderings []*templates.Rendering
	Warnings   []string // past dates, the dispatcher cannot send yet …
}

// CannotSendYet begins the warning of a Draft whose configuration the
// dispatcher could not send with (App.MessagesErr).
const CannotSendYet = "the dispatcher cannot send yet: "

// ParseChannels reads a comma list of channels ("email,sms"). Errors: an
// *InvalidError with a Problem on "channels".
func ParseChannels(s string) ([]notices.Channel, error) {
	var chs []notices.Channel
	for _, w := range strings.Split(s, ",") {
		chs = append(chs, notices.Channel(strings.TrimSpace(w)))
	}
	if ps := channelProblems(chs); len(ps) > 0 {
		return nil, Invalid("the channels cannot be read", ps...)
	}
	return chs, nil
}

// channelProblems says what is wrong with a notice's channels, a Problem
// on "channels" for each mistake.
func channelProblems(chs []notices.Channel) []Problem {
	if len(chs) == 0 {
		return []Problem{{"channels", "choose at least one channel: email, sms or print"}}
	}
	var ps []Problem
	for i, ch := range chs {
		switch {
		case !slices.Contains(notices.NoticeChannels, ch):
			ps = append(ps, Problem{"channels", fmt.Sprintf("%q is not a channel (use email, sms, print)", ch)})
		case slices.Contains(chs[:i], ch):
			ps = append(ps, Problem{"channels", fmt.Sprintf("%s is named twice", ch)})
		}
	}
	return ps
}

// Compose checks a notice as the coordinator asks for it: its channels,
// languages and send time, its values rendered in every language it goes
// out in, and its messages made for a sample recipient as the dispatcher
// will make them, so that what cannot go out is refused before anything is
// stored; nothing is composed with a mistaken crier.toml (App.ConfigErr),
// while secrets missing here are a warning. The audience is taken as asked: Preview and Send check it.
//
// Errors: an *InvalidError with a Problem per bad field ("template",
// "channels", "languages", "at", "values.FIELD"; "" for the notice as a
// whole: a text over its length, a message the dispatcher would refuse).
func (a *App) Compose(ctx context.Context, req NoticeRequest) (*Draft, error) {
	if err := a.configProblem(); err != nil {
		return nil, err
	}
	fam, err := a.Library.Family(req.Template)
	if err != nil {
		return nil, Invalid("the notice cannot be composed", Problem{"template", err.Error()})
	}
	langs, err := a.checkRequest(fam, req)
	if err != nil {
		return nil, err
	}
	d := &Draft{Family: fam, All: req.All, DraftID: req.DraftID, Key: req.Key, Date: req.At}
	if d.Date.IsZero() {
		d.Date = a.now()
	}
	// The code is drawn now, so that the preview shows the text message
	// as it is sent, its page's address included.
	code := notices.NewCode()
	if d.Renderings, err = renderLanguages(fam, req.Values, a.Utility, d.Date, langs, req.Channels, notices.PageURL(a.PublicURL, code)); err != nil {
		return nil, err
	}
	urgency, why := UrgencyOf(req.Urgency, fam)
	d.Notice = notices.Notice{Template: fam.Name, Values: req.Values, Languages: langs, Channels: req.Channels,
		Urgency: urgency, SendAt: req.At, Code: code, Audience: req.Audience}
	d.Why = why
	if err := a.checkMessages(d.Notice); err != nil {
		return nil, err
	}
	d.Warnings = a.warnings(fam, req.Values, d.Date)
	return d, nil
}

// checkRequest checks the channels, languages and send time of req, each
// problem on its field, and returns the languages as codes.
func (a *App) checkRequest(fam *templates.Family, req NoticeRequest) ([]string, error) {
	problems := channelProblems(req.Channels)
	langs, err := Languages(fam, req.Languages)
	if err != nil {
		problems = append(problems, Problem{"languages", err.Error()})
	}
	if p, ok := a.pastProblem(req.At); ok {
		problems = append(problems, p)
	}
	if len(problems) > 0 {
		return nil, Invalid("the notice cannot be composed", problems...)
	}
	return langs, nil
}

// pastProblem refuses a send time already past: sending late by surprise
// is worse than asking.
func (a *App) pastProblem(at time.Time) (Problem, bool) {
	now := a.now()
	if at.IsZero() || at.After(now) {
		return Problem{}, false
	}
	return Problem{"at", fmt.Sprintf("%s is past (it is %s now): give a time to come, or send at once",
		at.In(a.location()).Format("2006-01-02 15:04"), now.In(a.location()).Format("2006-01-02 15:04"))}, true
}

// location is the utility's time zone.
func (a *App) location() *time.Location {
	if a.Utility.Location != nil {
		return a.Utility.Location
	}
	return time.UTC
}

// Languages reads the languages a notice goes out in, each a translation
// of the template family fam; nil (or "all") means every language.
func Languages(fam *templates.Family, asked []string) ([]string, error) {
	if len(asked) == 0 || len(asked) == 1 && asked[0] == "all" {
		return nil, nil
	}
	var langs []string
	for _, l := range asked {
		l, err := fam.Translation(l)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(langs, l) {
			langs = append(langs, l)
		}
	}
	return langs, nil
}

// UrgencyOf is the urgency a notice of template family fam goes out with:
// the one asked for, else emergency for a template of category emergency
// (a boil water advisory must not wait for the morning) and normal for the
// others; why says which.
func UrgencyOf(asked notices.Urgency, fam *templates.Family) (urgency notices.Urgency, why string) {
	switch {
	case asked != "":
		return asked, "as asked"
	case fam.Original.Category == templates.Emergency:
		return notices.Emergency, "the template's category"
	}
	return notices.Normal, "the template's category is " + string(fam.Original.Category)
}

// CheckRenders renders a notice of template family fam with values in
// every language it goes out in (langs; nil: all) on date, so that a bad
// value or a text over its limit (when chs has sms) stops it before
// anything is stored. Errors: an *InvalidError as Compose's.
func CheckRenders(fam *templates.Family, values templates.Values, u templates.Utility, date time.Time, langs []string, chs []notices.Channel) error {
	_, err := renderLanguages(fam, values, u, date, langs, chs, "")
	return err
}

// renderLanguages renders the notice in every language it goes out in,
// with its page at page ("" for none), so that a bad value or a text over
// its limit (when it goes by sms) stops it before anything is queued.
func renderLanguages(fam *templates.Family, values templates.Values, u templates.Utility, date time.Time, langs []string, chs []notices.Channel, page string) ([]*templates.Rendering, error) {
	var problems []Problem
	var rs []*templates.Rendering
	for _, l := range langsOrAll(langs, fam) {
		r, err := templates.Render(fam.ByLang[l], values, u, templates.Options{Date: date, URL: notices.LanguagePage(page, l)})
		var smsErr *templates.SMSError
		var ves templates.ValueErrors
		switch {
		case err == nil:
		case errors.As(err, &smsErr):
			if slices.Contains(chs, notices.SMS) {
				problems = append(problems, Problem{"", fmt.Sprintf("%s: %v (shorten the values, or send without sms)", l, err)})
			}
		case errors.As(err, &ves):
			return nil, valuesInvalid(fam.Name, ves)
		case errors.Is(err, templates.ErrMissingContact):
			// The same in every language: said once, with where to fix it.
			return nil, Invalid(NotSendable, Problem{"", fmt.Sprintf("%v; set them in the [utility] table of crier.toml (crier.example.toml has one filled in), then start crier serve again", err)})
		default:
			problems = append(problems, Problem{"", fmt.Sprintf("%s: %v", l, err)})
		}
		if r != nil {
			rs = append(rs, r)
		}
	}
	if len(problems) > 0 {
		return nil, Invalid(NotSendable, problems...)
	}
	return rs, nil
}

// NotSendable is the message of the *InvalidError of a notice whose
// values fill its template but which cannot go out as it is.
const NotSendable = "the notice cannot be sent as it is"

// valuesInvalid is the *InvalidError of values that do not fill template
// name: a Problem on "values.FIELD" for each, its message naming the field
// and its label.
func valuesInvalid(name string, ves templates.ValueErrors) *InvalidError {
	ps := make([]Problem, len(ves))
	for i, ve := range ves {
		ps[i] = Problem{"values." + ve.Field, ve.Error()}
	}
	return Invalid(fmt.Sprintf("template %s cannot be filled with these values", name), ps...)
}

func langsOrAll(langs []string, fam *templates.Family) []string {
	if len(langs) == 0 {
		return fam.Languages()
	}
	return langs
}

// configProblem refuses to compose with a mistaken crier.toml
// (App.ConfigErr), naming the mistake; missing secrets are a warning
// only (see warnings).
func (a *App) configProblem() error {
	if a.ConfigErr == nil {
		return nil
	}
	return Invalid(NotSendable+"; nothing was queued", lineProblems("", a.ConfigErr)...)
}

// checkMessages makes notice n's messages for a sample recipient, one per
// channel and language, as the dispatcher will with this configuration:
// what it would refuse for every recipient stops the notice before
// anything is queued.
func (a *App) checkMessages(n notices.Notice) error {
	if err := scheduler.CheckNotice(a.Messages, n); err != nil {
		return Invalid(NotSendable+"; nothing was queued", Problem{"", err.Error()})
	}
	return nil
}

// warnings are what the coordinator should know of a notice going out at
// date that does not stop it: each date value past that day (unless its
// field says it may be) or before the date it follows
// (templates.CheckDates), and a configuration the dispatcher cannot send
// with yet (its secrets belong to the dispatcher's environment).
func (a *App) warnings(fam *templates.Family, values templates.Values, date time.Time) []string {
	var ws []string
	if a.MessagesErr != nil {
		ws = append(ws, CannotSendYet+strings.ReplaceAll(a.MessagesErr.Error(), "\n", "\n  "))
	}
	for _, n := range templates.CheckDates(fam.Original, values, date.In(a.location())) {
		ws = append(ws, n.Message)
	}
	return ws
}
