package app

import (
	"context"
	"fmt"
	"slices"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// AudienceRequest is an audience as the coordinator chooses it: the CLI's
// flags, the console's form, the API's JSON. A contact is in it when on
// any of the lists and matching every filter given (any of a filter's
// values, but every one of AllTags and of Attrs).
type AudienceRequest struct {
	Lists     []string
	Zones     []string
	Streets   []string // the service address contains one, ignoring case
	Tags      []string // at least one of them
	AllTags   []string // every one of them
	Languages []string // prefers one (the default language: or has no preference)
	Attrs     map[string]string
	Has       []string // has an address for each of these channels
	All       bool     // every contact: for a notice, instead of lists and filters
}

// given reports whether r names a list or a filter.
func (r AudienceRequest) given() bool {
	return len(r.Lists)+len(r.Zones)+len(r.Streets)+len(r.Tags)+len(r.AllTags)+len(r.Languages)+len(r.Attrs)+len(r.Has) > 0
}

// ReadAudience turns r into the audience it chooses, languages written as
// codes. Errors: an *InvalidError with a problem under
// "audience.languages" ("LANG: why") or "audience.has" for each value it
// cannot read.
func (a *App) ReadAudience(r AudienceRequest) (notices.Audience, error) {
	aud := notices.Audience{Lists: r.Lists, Zones: r.Zones, Tags: r.Tags, AllTags: r.AllTags, Streets: r.Streets,
		Attributes: r.Attrs, DefaultLanguage: a.DefaultLanguage}
	var problems []Problem
	n := notices.Normalizer{Region: a.PhoneRegion}
	for _, l := range r.Languages {
		code, err := n.Language(l)
		if err == nil && code == "" {
			_, err = templates.Language(l) // blank: the one rule's words
		}
		if err != nil {
			problems = append(problems, Problem{Field: "audience.languages", Message: fmt.Sprintf("%s: %v", l, err)})
			continue
		}
		aud.Languages = append(aud.Languages, code)
	}
	for _, h := range r.Has {
		ch := notices.Channel(h)
		if !slices.Contains(notices.NoticeChannels, ch) {
			problems = append(problems, Problem{Field: "audience.has", Message: fmt.Sprintf("%q is not a channel (use email, sms, print)", h)})
			continue
		}
		aud.Has = append(aud.Has, ch)
	}
	if len(problems) > 0 {
		return aud, Invalid("the audience cannot be read", problems...)
	}
	return aud, nil
}

// ReadNamedAudience is ReadAudience for a notice or campaign that sends:
// nobody reaches every contact by leaving the lists and filters out;
// every contact takes All, which goes with no list or filter. Errors
// those of ReadAudience, and a problem under "audience".
func (a *App) ReadNamedAudience(r AudienceRequest) (notices.Audience, error) {
	if p, ok := audienceProblem(r.given(), r.All); ok {
		return notices.Audience{}, Invalid("the audience is not named", p)
	}
	return a.ReadAudience(r)
}

// Audience counts whom aud reaches on each channel and whom it misses
// and why; for a notice of category cat ("" for none), with the email
// addresses that opted out of it. Errors: a problem under "category";
// notices.NotFound for a list that does not exist.
func (a *App) Audience(ctx context.Context, aud notices.Audience, cat templates.Category) (notices.Resolution, error) {
	switch cat {
	case "", templates.Emergency, templates.Service, templates.Information:
	default:
		return notices.Resolution{}, Invalid("the audience cannot be counted",
			Problem{Field: "category", Message: fmt.Sprintf("%s: give service, information or emergency", cat)})
	}
	return a.Store.ResolveFor(ctx, aud, cat)
}
