package web

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/crier-notices/crier/notices"
)

// smsRoutes answers Twilio's inbound webhook: the texts customers send to
// the utility's number ("A message comes in" → {public_url}/webhooks/twilio/sms).
func (s *Server) smsRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /webhooks/twilio/sms", s.twilioSigned(s.inboundSMS))
}

// kindTwilioSMS is the spool's kind for an inbound text the store could
// not take at once.
const kindTwilioSMS = "twilio-sms"

// inboundSMS records a customer's text, does what it asks and answers with
// TwiML: a message to send back, or none. Twilio does not post a text
// again, so when the store cannot take it now (an import holds the write
// lock) the text is kept in the spool, recorded (a STOP suppressing the
// number) as soon as the store allows, and answered with no message.
func (s *Server) inboundSMS(w http.ResponseWriter, r *http.Request) {
	var answer string
	kept, err := s.recordOrKeep(r.Context(), kindTwilioSMS, r.PostForm, s.now(), func(ctx context.Context, form url.Values, received time.Time) (err error) {
		answer, err = s.applyInbound(ctx, form, received)
		return err
	})
	if err != nil {
		s.log.Error("web: an inbound text was neither recorded nor kept", "message_sid", r.PostForm.Get("MessageSid"), "err", err)
		http.Error(w, "the text could not be recorded now", http.StatusServiceUnavailable)
		return
	}
	if kept {
		answer = twiml("")
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	fmt.Fprint(w, answer)
}

// recordInbound records a spooled inbound text as it would have been when
// it came; what it would have answered is lost with the request.
func (s *Server) recordInbound(ctx context.Context, form url.Values, received time.Time) error {
	_, err := s.applyInbound(ctx, form, received)
	return err
}

// applyInbound records the text Twilio posted (form: From, To, Body,
// MessageSid and, from Advanced Opt-Out, OptOutType), received at
// received, and returns the TwiML to answer with. It is idempotent: the
// same MessageSid again changes nothing and answers with no message, so a
// request may be replayed later (from a spool, when the store was too busy
// to answer) at no risk. A form without a sender or message id is logged
// and answered with no message. Its error is the store's.
func (s *Server) applyInbound(ctx context.Context, form url.Values, received time.Time) (string, error) {
	sid := form.Get("MessageSid")
	if sid == "" {
		sid = form.Get("SmsSid") // the older name Twilio still sends
	}
	body, optOut := form.Get("Body"), form.Get("OptOutType")
	in := notices.InboundText{
		SID: sid, From: form.Get("From"), To: form.Get("To"), Body: body,
		Kind: notices.ClassifyReply(body, optOut), ReceivedAt: received,
		DueOn: notices.BusinessDaysAfter(received.In(s.zone()), notices.ReviewBusinessDays).Format(time.DateOnly),
	}
	res, err := s.cfg.Store.RecordInbound(ctx, in)
	if notices.ErrorCode(err) == notices.Invalid {
		s.log.Warn("web: an inbound text that cannot be recorded", "message_sid", sid, "from", in.From, "err", err)
		return twiml(""), nil
	}
	if err != nil {
		return "", err
	}
	s.log.Info("web: inbound text", "reply", res.ID, "kind", string(in.Kind), "from", in.From, "replay", res.Replay,
		"suppressed", res.Suppressed, "resubscribed", res.Resubscribed)
	if res.Replay {
		return twiml(""), nil
	}
	return twiml(s.smsAnswer(in, res, optOut != "")), nil
}

// zone is the utility's time zone, in which business days are counted.
func (s *Server) zone() *time.Location {
	if s.cfg.Utility.Location != nil {
		return s.cfg.Utility.Location
	}
	return time.UTC
}

// smsAnswer is the text to send back, or "" for none. An opt-out is
// confirmed once at most: not when the number was suppressed already, and
// not when Twilio's Advanced Opt-Out matched the message (twilioAnswered),
// since Twilio then sent the reply configured there, for a start or a help
// too. A start that cannot lift a suppression Crier did not make for a
// stop reply says so, whoever else answered: the customer would otherwise
// believe texts will come again.
func (s *Server) smsAnswer(in notices.InboundText, res notices.InboundResult, twilioAnswered bool) string {
	w := s.smsWordsFor(in.Body, res.Language)
	switch {
	case in.Kind == notices.ReplyStart && res.Before != nil && !res.Resubscribed:
		return s.say(w.notLifted, s.contactLine())
	case twilioAnswered:
		return ""
	case in.Kind == notices.ReplyStop && res.Suppressed:
		return s.say(w.stopped, "")
	case in.Kind == notices.ReplyStart && res.Resubscribed:
		return s.say(w.started, "")
	case in.Kind == notices.ReplyHelp:
		return s.say(w.help, s.contactLine())
	case in.Kind == notices.ReplyReview && res.Before == nil:
		return s.say(w.review, "")
	}
	return ""
}

// contactLine is how a customer reaches the utility: its phone, else its
// email or website.
func (s *Server) contactLine() string {
	for _, c := range []string{s.cfg.Utility.Phone, s.cfg.Utility.Email, s.cfg.Utility.Website} {
		if c = strings.TrimSpace(c); c != "" {
			return c
		}
	}
	return ""
}

// twiml is a TwiML answer that sends message back, or nothing for "".
func twiml(message string) string {
	var b strings.Builder
	b.WriteString(xml.Header)
	if message == "" {
		b.WriteString("<Response></Response>")
		return b.String()
	}
	b.WriteString("<Response><Message>")
	xml.EscapeText(&b, []byte(message))
	b.WriteString("</Message></Response>")
	return b.String()
}
