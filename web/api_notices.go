package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/notices"
)

// apiAudience is who a notice is for, as the API reads and shows it: the
// members of the lists (every contact when none is named and "all" is
// set), narrowed by the filters (see notices.Audience).
type apiAudience struct {
	Lists      []string          `json:"lists,omitempty"`
	Zones      []string          `json:"zones,omitempty"`
	Tags       []string          `json:"tags,omitempty"`
	AllTags    []string          `json:"all_tags,omitempty"`
	Languages  []string          `json:"languages,omitempty"`
	Streets    []string          `json:"streets,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
	Has        []notices.Channel `json:"has,omitempty"`
}

func audienceView(a notices.Audience) apiAudience {
	return apiAudience{Lists: a.Lists, Zones: a.Zones, Tags: a.Tags, AllTags: a.AllTags, Languages: a.Languages,
		Streets: a.Streets, Attributes: a.Attributes, Has: a.Has}
}

func (a apiAudience) audience() notices.Audience {
	return notices.Audience{Lists: a.Lists, Zones: a.Zones, Tags: a.Tags, AllTags: a.AllTags, Languages: a.Languages,
		Streets: a.Streets, Attributes: a.Attributes, Has: a.Has}
}

// apiNoticeView is a notice as the API shows it.
type apiNoticeView struct {
	ID          int64                `json:"id"`
	Status      notices.NoticeStatus `json:"status"`
	Template    string               `json:"template"`
	Values      map[string]string    `json:"values"`
	Languages   []string             `json:"languages"`
	Channels    []notices.Channel    `json:"channels"`
	Audience    apiAudience          `json:"audience"`
	Urgency     notices.Urgency      `json:"urgency"`
	SendAt      *time.Time           `json:"send_at,omitempty"`
	CreatedAt   time.Time            `json:"created_at"`
	PublishedAt *time.Time           `json:"published_at,omitempty"`
	PageURL     string               `json:"page_url,omitempty"`
	Proof       bool                 `json:"proof,omitempty"`
	// AwaitingApproval: a draft that waits for a second coordinator's
	// approval (the two-person rule) before anything is sent.
	AwaitingApproval bool `json:"awaiting_approval,omitempty"`
	// Deliveries counts the notice's messages per channel by status
	// (GET /notices/{id} and its report; not in the list).
	Deliveries []apiChannelReport `json:"deliveries,omitempty"`
}

// apiChannelReport counts a notice's messages on one channel.
type apiChannelReport struct {
	Channel     notices.Channel `json:"channel"`
	Total       int             `json:"total"`
	Queued      int             `json:"queued"`
	Sending     int             `json:"sending"`
	Sent        int             `json:"sent"`
	Delivered   int             `json:"delivered"`
	Undelivered int             `json:"undelivered"`
	Failed      int             `json:"failed"`
	Suppressed  int             `json:"suppressed"`
	Cancelled   int             `json:"cancelled"`
	Retried     int             `json:"retried"`
	Paused      *apiPause       `json:"paused,omitempty"`
}

// apiPause says why a channel of a notice stopped.
type apiPause struct {
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
}

// optTime is t for JSON: nil when zero, so the member is left out.
func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// apiNoticeOf is n as the API shows it.
func (s *Server) apiNoticeOf(n notices.Notice) apiNoticeView {
	v := apiNoticeView{
		ID: n.ID, Status: n.Status, Template: n.Template, Values: n.Values, Languages: n.Languages,
		Channels: n.Channels, Audience: audienceView(n.Audience), Urgency: n.Urgency, SendAt: optTime(n.SendAt),
		CreatedAt: n.CreatedAt.UTC(), PublishedAt: optTime(n.PublishedAt), Proof: n.Proof,
	}
	if v.Values == nil {
		v.Values = map[string]string{}
	}
	if v.Languages == nil {
		v.Languages = []string{}
	}
	if n.Status != notices.Draft {
		v.PageURL = notices.PageURL(s.cfg.App.PublicURL, n.Code)
	}
	return v
}

// noticeNow is notice id as it is now, with its messages counted per
// channel and whether it awaits approval. Errors: app.Report's (NotFound).
func (s *Server) noticeNow(ctx context.Context, id int64) (apiNoticeView, error) {
	rep, err := s.cfg.App.Report(ctx, id)
	if err != nil {
		return apiNoticeView{}, err
	}
	v := s.apiNoticeOf(rep.Notice)
	if rep.Notice.Status == notices.Draft {
		a, err := s.cfg.App.Store.ApprovalOf(ctx, rep.Notice.ID)
		if err != nil && notices.ErrorCode(err) != notices.NotFound {
			return v, err
		}
		v.AwaitingApproval = a.Awaiting
	}
	v.Deliveries = []apiChannelReport{}
	for _, c := range rep.Channels {
		cr := apiChannelReport{Channel: c.Channel, Total: c.Total, Queued: c.Queued, Sending: c.Sending, Sent: c.Sent,
			Delivered: c.Delivered, Undelivered: c.Undelivered, Failed: c.Failed, Suppressed: c.Suppressed,
			Cancelled: c.Cancelled, Retried: c.Retried}
		if c.Paused != nil {
			cr.Paused = &apiPause{At: c.Paused.At.UTC(), Reason: c.Paused.Reason}
		}
		v.Deliveries = append(v.Deliveries, cr)
	}
	return v, nil
}

// The notices list's page size: limit=N asks for up to apiListMax.
const (
	apiListDefault = 50
	apiListMax     = 500
)

// apiNotices answers GET /api/v1/notices: the notices, newest first,
// proofs left out; ?status= keeps one status, ?limit= and ?before=ID page.
func (s *Server) apiNotices(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var problems []app.Problem
	limit := queryInt(q.Get("limit"), apiListDefault, "limit", &problems)
	before := queryInt(q.Get("before"), 0, "before", &problems)
	status := notices.NoticeStatus(q.Get("status"))
	switch status {
	case "", notices.Draft, notices.Scheduled, notices.Sending, notices.Done, notices.Cancelled:
	default:
		problems = append(problems, app.Problem{Field: "status", Message: "use draft, scheduled, sending, done or cancelled"})
	}
	if limit < 1 || limit > apiListMax {
		problems = append(problems, app.Problem{Field: "limit", Message: "use 1 to " + strconv.Itoa(apiListMax)})
	}
	if len(problems) > 0 {
		s.apiFail(w, r, app.Invalid("the list cannot be given as asked", problems...))
		return
	}
	all, err := s.cfg.App.Store.Notices(r.Context())
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	awaiting, err := s.cfg.App.Store.AwaitingApproval(r.Context())
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	out := struct {
		Notices []apiNoticeView `json:"notices"`
		More    bool            `json:"more"` // older notices follow: ask again with before= the last id
	}{Notices: []apiNoticeView{}}
	for _, n := range all {
		if (before > 0 && n.ID >= int64(before)) || (status != "" && n.Status != status) {
			continue
		}
		if len(out.Notices) == limit {
			out.More = true
			break
		}
		v := s.apiNoticeOf(n)
		v.AwaitingApproval = awaiting[n.ID]
		out.Notices = append(out.Notices, v)
	}
	writeJSON(w, http.StatusOK, out)
}

// queryInt reads a query parameter as a whole number, def when absent.
func queryInt(v string, def int, name string, problems *[]app.Problem) int {
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		*problems = append(*problems, app.Problem{Field: name, Message: "must be a whole number"})
		return def
	}
	return n
}

// noticeID reads the notice id of the request's path; false (answered
// 404) when it is none.
func noticeID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		apiError(w, http.StatusNotFound, "no notice "+strconv.Quote(r.PathValue("id"))+": a notice's id is a number (GET /api/v1/notices lists them)")
		return 0, false
	}
	return id, true
}

// apiNotice answers GET /api/v1/notices/{id}: the notice, its status and
// its messages counted per channel.
func (s *Server) apiNotice(w http.ResponseWriter, r *http.Request) {
	id, ok := noticeID(w, r)
	if !ok {
		return
	}
	v, err := s.noticeNow(r.Context(), id)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// apiFailure is a message that did not reach its recipient, and why.
type apiFailure struct {
	Channel  notices.Channel        `json:"channel"`
	Address  string                 `json:"address"`
	Name     string                 `json:"name,omitempty"`
	Status   notices.DeliveryStatus `json:"status"`
	Attempts int                    `json:"attempts"`
	Error    string                 `json:"error"`
}

// reportFailuresMax is the most failures a report lists; failures_total
// counts them all.
const reportFailuresMax = 1000

// apiReport answers GET /api/v1/notices/{id}/report: the counts per
// channel and the messages that failed or were undelivered, with the
// provider's reason.
func (s *Server) apiReport(w http.ResponseWriter, r *http.Request) {
	id, ok := noticeID(w, r)
	if !ok {
		return
	}
	v, err := s.noticeNow(r.Context(), id)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	out := struct {
		Notice        apiNoticeView `json:"notice"`
		Failures      []apiFailure  `json:"failures"`
		FailuresTotal int           `json:"failures_total"`
	}{Notice: v, Failures: []apiFailure{}}
	err = s.cfg.App.Store.EachFailure(r.Context(), id, func(d notices.Delivery) error {
		out.FailuresTotal++
		if len(out.Failures) < reportFailuresMax {
			out.Failures = append(out.Failures, apiFailure{Channel: d.Channel, Address: d.Address, Name: d.Name,
				Status: d.Status, Attempts: d.Attempts, Error: d.Error})
		}
		return nil
	})
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
