package web

import (
	"net/http"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// apiPreview is what a notice request would send, before anything is
// stored: every language's renderings on the channels asked for, and whom
// it reaches.
type apiPreview struct {
	Template    string          `json:"template"`
	Urgency     notices.Urgency `json:"urgency"`
	UrgencyWhy  string          `json:"urgency_why"`
	UrgencyLine string          `json:"urgency_line,omitempty"`
	QuietNote   string          `json:"quiet_note,omitempty"` // when the texts wait for the quiet hours' end
	Date        time.Time       `json:"date"`                 // the notice's date: its send time, or now
	Warnings    []string        `json:"warnings"`
	Renderings  []apiRendering  `json:"renderings"`
	// Audience is whom it reaches; null when the request names none.
	Audience *apiReach `json:"audience"`
	// Problems say why POST /notices would refuse this request as it is
	// (an audience that reaches nobody); none: it would go.
	Problems []apiProblem `json:"problems,omitempty"`
}

// apiRendering is the notice in one language.
type apiRendering struct {
	Language string    `json:"language"`
	Title    string    `json:"title"`
	PageURL  string    `json:"page_url,omitempty"`
	Email    *apiEmail `json:"email,omitempty"` // with the email channel
	SMS      *apiSMS   `json:"sms,omitempty"`   // with the sms channel
}

// apiEmail is an email's subject and its two parts.
type apiEmail struct {
	Subject string `json:"subject"`
	HTML    string `json:"html"`
	Text    string `json:"text"`
}

// apiSMS is a text message as the carrier counts it.
type apiSMS struct {
	Text       string                `json:"text"`
	Characters int                   `json:"characters"`
	Encoding   templates.SMSEncoding `json:"encoding"`
	Units      int                   `json:"units"` // septets (GSM-7) or UTF-16 code units (UCS-2)
	Segments   int                   `json:"segments"`
	ForcedUCS2 []string              `json:"forced_ucs2,omitempty"` // the characters that made it UCS-2
}

// apiReach is whom a notice reaches, channel by channel.
type apiReach struct {
	Contacts  int                `json:"contacts"`
	Messages  int                `json:"messages"` // on every channel together
	Channels  []apiChannelReach  `json:"channels"`
	Fallbacks []apiFallbackCount `json:"language_fallbacks"`
}

// apiChannelReach is how the audience fares on one channel.
type apiChannelReach struct {
	Channel notices.Channel `json:"channel"`
	Reached int             `json:"reached"`
	LeftOut apiLeftOut      `json:"left_out"`
	GoesTo  string          `json:"goes_to,omitempty"` // where the channel's messages go: "SMTP smtp.example.org:587 …"
}

// apiLeftOut counts the contacts a channel misses, by reason.
type apiLeftOut struct {
	NoAddress    int `json:"no_address"`
	Suppressed   int `json:"suppressed"`
	Unsubscribed int `json:"unsubscribed"`
	OptedOut     int `json:"opted_out"`
}

// apiFallbackCount counts the contacts who get another language than
// theirs.
type apiFallbackCount struct {
	Language string `json:"language"` // theirs; "" for none given
	Contacts int    `json:"contacts"`
	Gets     string `json:"gets"`
}

// apiPreviewNotice answers POST /api/v1/preview: the request composed and
// rendered in every language, and counted against the audience; nothing
// is stored or sent. Bad values are refused (400) as POST /notices
// refuses them; an audience that reaches nobody is shown with the
// problem.
func (s *Server) apiPreviewNotice(w http.ResponseWriter, r *http.Request) {
	in, req, err := s.noticeRequest(r)
	if err == nil && in.Draft {
		err = app.Invalid("a preview saves nothing", app.Problem{Field: "draft", Message: "leave it out: POST /api/v1/notices saves drafts"})
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	d, err := s.cfg.App.Compose(r.Context(), req)
	if err != nil {
		s.apiFail(w, r, sendError(err))
		return
	}
	out, err := renderingsOf(d)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	p, err := s.cfg.App.Preview(r.Context(), d)
	if err != nil && app.ErrorCode(sendError(err)) != notices.Invalid {
		s.apiFail(w, r, err)
		return
	}
	if err != nil {
		for _, pr := range app.ProblemsOf(sendError(err)) {
			out.Problems = append(out.Problems, apiProblem{Field: pr.Field, Message: pr.Message})
		}
	}
	if p != nil {
		out.UrgencyLine, out.QuietNote = p.UrgencyLine, p.QuietNote
		out.Audience = reachOf(p, d.Notice.Channels)
	}
	writeJSON(w, http.StatusOK, out)
}

// renderingsOf is draft d's preview without its audience.
func renderingsOf(d *app.Draft) (apiPreview, error) {
	out := apiPreview{Template: d.Family.Name, Urgency: d.Notice.Urgency, UrgencyWhy: d.Why, Date: d.Date.UTC(),
		Warnings: d.Warnings, Renderings: []apiRendering{}}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	for _, rd := range d.Renderings {
		v := apiRendering{Language: rd.Lang, Title: rd.Title, PageURL: rd.URL}
		if slices.Contains(d.Notice.Channels, notices.Email) {
			html, err := rd.PreviewHTML()
			if err != nil {
				return out, err
			}
			v.Email = &apiEmail{Subject: rd.Subject, HTML: html, Text: rd.EmailText()}
		}
		if slices.Contains(d.Notice.Channels, notices.SMS) {
			m := rd.SMS
			v.SMS = &apiSMS{Text: m.Text, Characters: utf8.RuneCountInString(m.Text), Encoding: m.Encoding,
				Units: m.Units, Segments: m.Segments, ForcedUCS2: m.ForcedUCS2}
		}
		out.Renderings = append(out.Renderings, v)
	}
	return out, nil
}

// reachOf is whom preview p reaches on the channels chs.
func reachOf(p *app.Preview, chs []notices.Channel) *apiReach {
	reach := &apiReach{Contacts: p.Resolution.Contacts, Messages: p.Total, Channels: []apiChannelReach{}, Fallbacks: []apiFallbackCount{}}
	for _, ch := range chs {
		c := p.Resolution.Channel(ch)
		reach.Channels = append(reach.Channels, apiChannelReach{Channel: ch, Reached: c.Reached, GoesTo: p.Channels[ch],
			LeftOut: apiLeftOut{NoAddress: c.NoAddress, Suppressed: c.Suppressed, Unsubscribed: c.Unsubscribed, OptedOut: c.OptedOut}})
	}
	for _, f := range p.Fallbacks {
		reach.Fallbacks = append(reach.Fallbacks, apiFallbackCount{Language: f.Language, Contacts: f.Contacts, Gets: f.Gets})
	}
	return reach
}
