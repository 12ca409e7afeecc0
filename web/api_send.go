package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/notices"
)

// apiNoticeRequest is a notice as a system asks for it (POST /preview and
// POST /notices): app.NoticeRequest in JSON.
type apiNoticeRequest struct {
	Template  string            `json:"template"`
	Values    map[string]string `json:"values"`
	Languages []string          `json:"languages"`
	Channels  []notices.Channel `json:"channels"`
	Audience  apiAudience       `json:"audience"`
	All       bool              `json:"all"`
	Urgency   notices.Urgency   `json:"urgency"`
	At        string            `json:"at"`    // RFC 3339; "": at once
	Draft     bool              `json:"draft"` // POST /notices: save it as a draft
}

// noticeRequest reads the request's body as a notice request: the JSON
// read strictly, the send time and urgency checked, each problem on its
// field.
func (s *Server) noticeRequest(r *http.Request) (apiNoticeRequest, app.NoticeRequest, error) {
	var in apiNoticeRequest
	if err := readJSON(r, &in); err != nil {
		return in, app.NoticeRequest{}, err
	}
	req := app.NoticeRequest{Template: in.Template, Values: in.Values, Languages: in.Languages, Channels: in.Channels,
		Audience: in.Audience.audience(), All: in.All, Urgency: in.Urgency}
	req.Audience.DefaultLanguage = s.cfg.App.DefaultLanguage
	var problems []app.Problem
	if in.At != "" {
		at, err := time.Parse(time.RFC3339, in.At)
		if err != nil {
			problems = append(problems, app.Problem{Field: "at", Message: fmt.Sprintf("%q is not an RFC 3339 time: write it as 2026-12-07T09:00:00-05:00", in.At)})
		}
		req.At = at
	}
	switch in.Urgency {
	case "", notices.Normal, notices.Emergency:
	default:
		problems = append(problems, app.Problem{Field: "urgency", Message: fmt.Sprintf("%q: use normal or emergency, or leave it out for the template's", in.Urgency)})
	}
	if len(problems) > 0 {
		return in, req, app.Invalid("the notice cannot be read", problems...)
	}
	return in, req, nil
}

// sendError is err of composing, previewing or sending a notice request
// as the API answers it: a list the audience names that does not exist
// is a bad field of the request (400), not a missing resource.
func sendError(err error) error {
	if app.ErrorCode(err) == notices.NotFound {
		return app.Invalid("the notice names what does not exist", app.Problem{Field: "audience", Message: err.Error()})
	}
	return err
}

// apiSendResult is what POST /notices did.
type apiSendResult struct {
	Notice apiNoticeView `json:"notice"`
	// AwaitingApproval: the notice reaches more recipients than the
	// two-person rule allows one coordinator; nothing goes until another
	// approves it in the console.
	AwaitingApproval bool     `json:"awaiting_approval"`
	Message          string   `json:"message"`
	Warnings         []string `json:"warnings,omitempty"`
}

// apiCreateNotice answers POST /api/v1/notices: the notice composed and
// checked, then sent now, scheduled ("at"), or saved as a draft
// ("draft": true); 201 with its address, or 202 when it awaits a second
// coordinator's approval. An Idempotency-Key header makes a retry of the
// same request answer with the notice the first made (see createOnce).
func (s *Server) apiCreateNotice(w http.ResponseWriter, r *http.Request) {
	key, err := idempotencyKey(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	in, req, err := s.noticeRequest(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if key == "" {
		s.createNotice(w, r, in, req)
		return
	}
	s.createOnce(w, r, key, in, req)
}

// createNotice saves, sends or schedules the notice asked for (under
// req.Key when set) and answers; it returns the notice's id when one was
// stored (even if something failed after), 0 when none was.
func (s *Server) createNotice(w http.ResponseWriter, r *http.Request, in apiNoticeRequest, req app.NoticeRequest) int64 {
	ctx := r.Context()
	a := s.cfg.App
	if in.Draft {
		id, err := a.SaveDraft(ctx, req)
		if err != nil {
			s.createFailed(w, r, req, err)
			return id
		}
		s.answerNotice(w, r, http.StatusCreated, id, apiSendResult{Message: fmt.Sprintf("notice %d saved as a draft; nothing was sent", id)})
		return id
	}
	d, err := a.Compose(ctx, req)
	if err != nil {
		s.apiFail(w, r, sendError(err))
		return 0
	}
	sent, err := a.Send(ctx, d)
	if err != nil {
		s.createFailed(w, r, req, err)
		return sent.ID
	}
	res := apiSendResult{AwaitingApproval: sent.AwaitingApproval, Warnings: d.Warnings, Message: sentMessage(sent)}
	status := http.StatusCreated
	if sent.AwaitingApproval {
		status = http.StatusAccepted
	}
	s.answerNotice(w, r, status, sent.ID, res)
	return sent.ID
}

// createFailed answers a request to create a notice that failed with
// err: a key an earlier request kept answers with what it made (replay).
func (s *Server) createFailed(w http.ResponseWriter, r *http.Request, req app.NoticeRequest, err error) {
	var taken *notices.KeyTakenError
	switch {
	case req.Key != nil && errors.As(err, &taken):
		s.replay(w, r, *req.Key, taken.Kept)
	case req.Key != nil && errors.Is(err, notices.ErrKeyAtWork):
		s.apiFail(w, r, keyAtWork(req.Key.Key))
	default:
		s.apiFail(w, r, sendError(err))
	}
}

// sentMessage says in a sentence what Send did.
func sentMessage(sent app.Sent) string {
	switch {
	case sent.AwaitingApproval:
		return fmt.Sprintf("notice %d waits for a second coordinator's approval (the two-person rule): nothing is sent until then", sent.ID)
	case sent.Status == notices.Scheduled:
		return fmt.Sprintf("notice %d is scheduled for %s", sent.ID, sent.Summary.Due.UTC().Format(time.RFC3339))
	case sent.Status == notices.Done:
		return fmt.Sprintf("notice %d had nobody to send to", sent.ID)
	}
	return fmt.Sprintf("notice %d is sending: %d messages queued", sent.ID, sent.Summary.Queued())
}

// answerNotice answers with res and notice id as it is now, its address
// in Location.
func (s *Server) answerNotice(w http.ResponseWriter, r *http.Request, status int, id int64, res apiSendResult) {
	var err error
	if res.Notice, err = s.noticeNow(r.Context(), id); err != nil {
		s.apiFail(w, r, err)
		return
	}
	res.AwaitingApproval = res.Notice.AwaitingApproval
	w.Header().Set("Location", APIPrefix+"notices/"+strconv.FormatInt(id, 10))
	writeJSON(w, status, res)
}

// apiCancel answers POST /api/v1/notices/{id}/cancel: every message not
// yet sent is withdrawn, and the notice's public page says it no longer
// holds. 409 for a notice already cancelled.
func (s *Server) apiCancel(w http.ResponseWriter, r *http.Request) {
	id, ok := noticeID(w, r)
	if !ok {
		return
	}
	n, err := s.cfg.App.Cancel(r.Context(), id)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	v, err := s.noticeNow(r.Context(), id)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Notice    apiNoticeView `json:"notice"`
		Withdrawn int           `json:"withdrawn"` // messages that will not go
		Message   string        `json:"message"`
	}{v, n, fmt.Sprintf("notice %d cancelled: %d messages withdrawn", id, n)})
}
