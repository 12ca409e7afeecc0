package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/crier-notices/crier/notices"
)

// Preview is what a composed notice will do, for the coordinator to see
// before it goes.
type Preview struct {
	Resolution  notices.Resolution // per channel counts and who is left out and why
	Fallbacks   []notices.LanguageFallback
	Total       int    // messages in all
	UrgencyLine string // "emergency (the template's category); texts go at once, even in quiet hours"
	QuietNote   string // "" or when texts wait
	Channels    map[notices.Channel]string
}

// Preview counts whom the draft reaches on each channel, whom it leaves
// out and why, and who gets another language than theirs.
//
// Errors: an *InvalidError on "audience" when no audience is named (or one
// is named with All), when it has no contacts, or when it reaches nobody
// on the notice's channels; in the last two cases the preview is returned
// too, so that the counts can be shown with the refusal.
func (a *App) Preview(ctx context.Context, d *Draft) (*Preview, error) {
	if err := checkAudience(d); err != nil {
		return nil, err
	}
	n := d.Notice
	res, err := a.Store.ResolveFor(ctx, n.Audience, notices.NoticeCategory(d.Family.Original.Category, n.Urgency))
	if err != nil {
		return nil, err
	}
	fallbacks, err := a.Store.Fallbacks(ctx, n, d.Family, a.DefaultLanguage)
	if err != nil {
		return nil, err
	}
	p := &Preview{Resolution: res, Fallbacks: fallbacks, UrgencyLine: a.urgencyLine(d), QuietNote: a.quietNote(d), Channels: a.ChannelNames}
	for _, ch := range n.Channels {
		p.Total += res.Channel(ch).Reached
	}
	return p, p.reachesSomebody(n.Channels)
}

// reachesSomebody refuses a notice with nobody to send to: print always
// makes the flyer, so a notice that prints goes to somebody.
func (p *Preview) reachesSomebody(chs []notices.Channel) error {
	switch {
	case p.Resolution.Contacts == 0:
		return Invalid("the notice reaches nobody", Problem{"audience", "the audience has no contacts: check the lists and filters"})
	case p.Total == 0 && !slices.Contains(chs, notices.Print):
		return Invalid("the notice reaches nobody", Problem{"audience", "the audience reaches nobody on these channels: nothing to send"})
	}
	return nil
}

// checkAudience refuses a notice without its audience named: nobody sends
// to every contact by leaving the audience out; everyone takes All, which
// goes with no list or filter.
func checkAudience(d *Draft) error {
	if p, ok := audienceProblem(audienceNamed(d.Notice.Audience), d.All); ok {
		return Invalid("the audience is not named", p)
	}
	return nil
}

// audienceProblem is the rule of an audience for a notice or a campaign
// that sends: named by a list or a filter (named), or every contact by
// all, not both.
func audienceProblem(named, all bool) (Problem, bool) {
	switch {
	case all && named:
		return Problem{"audience", "every contact is asked for together with lists or filters: choose one"}, true
	case !all && !named:
		return Problem{"audience", "name the audience: a list or a filter (zone, tag, language, street, attribute, channel), or every contact"}, true
	}
	return Problem{}, false
}

// audienceNamed reports whether a names a list or a filter.
func audienceNamed(a notices.Audience) bool {
	return len(a.Lists)+len(a.Zones)+len(a.Tags)+len(a.AllTags)+len(a.Languages)+len(a.Streets)+len(a.Attributes)+len(a.Has) > 0
}

// urgencyLine says the notice's urgency, why, and what it means for its
// text messages in quiet hours.
func (a *App) urgencyLine(d *Draft) string {
	line := fmt.Sprintf("%s (%s)", d.Notice.Urgency, d.Why)
	if !slices.Contains(d.Notice.Channels, notices.SMS) {
		return line
	}
	if d.Notice.Urgency == notices.Emergency {
		return line + "; texts go at once, even in quiet hours"
	}
	if q := a.Quiet; q.On() {
		return line + fmt.Sprintf("; texts wait out quiet hours (%s)", strings.TrimSuffix(q.String(), " "+q.Location.String()))
	}
	return line + "; no quiet hours are set"
}

// quietNote says, when a normal notice's text messages going at the
// draft's date would be held by quiet hours, until when; "" otherwise.
func (a *App) quietNote(d *Draft) string {
	q := a.Quiet
	if !q.On() || d.Notice.Urgency == notices.Emergency || !slices.Contains(d.Notice.Channels, notices.SMS) {
		return ""
	}
	end := q.Until(d.Date)
	if end.IsZero() {
		return ""
	}
	return fmt.Sprintf("quiet hours (%s): the text messages wait until %s; the emails do not (an emergency would not wait)",
		strings.TrimSuffix(q.String(), " "+q.Location.String()), end.In(q.Location).Format("Monday 15:04"))
}
