package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/crier-notices/crier/internal/logs"
	"github.com/crier-notices/crier/notices"
)

// kindTwilioStatus is the spool's kind of a Twilio status callback.
const kindTwilioStatus = "twilio-status"

// statusRoutes answers Twilio's status callbacks: every text message
// Crier sends names {public_url}/webhooks/twilio/status.
func (s *Server) statusRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /webhooks/twilio/status", s.twilioSigned(s.twilioStatus))
}

// twilioStatus accepts a signed status callback: one that can move a
// delivery is kept in the spool, to be recorded when the store allows
// (recordTwilioStatus), and answered 200 at once (a store with no spool
// file records it first: recordStatusNow); the others (queued,
// sending, a status Crier does not know) are answered 200 and change
// nothing. Only a callback that cannot be kept gets 503.
func (s *Server) twilioStatus(w http.ResponseWriter, r *http.Request) {
	sid, status := r.PostForm.Get("MessageSid"), r.PostForm.Get("MessageStatus")
	if _, moves := twilioStatuses[status]; !moves || sid == "" {
		s.log.Debug("web: a Twilio status callback that changes nothing", "message", sid, "status", status)
		w.WriteHeader(http.StatusOK)
		return
	}
	// Only what recording needs: the spool holds no phone number.
	form := url.Values{}
	for _, k := range []string{"MessageSid", "MessageStatus", "ErrorCode", "ErrorMessage"} {
		if v := r.PostForm.Get(k); v != "" {
			form.Set(k, v)
		}
	}
	if s.spoolInMemory() {
		s.recordStatusNow(w, r, form)
		return
	}
	if err := s.keep(r.Context(), kindTwilioStatus, form, time.Now()); err != nil {
		s.recordUnkept(w, r, form, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// recordStatusNow records a status callback straight in a store that has
// no spool file (PostgreSQL) before answering 200; one it cannot record
// yet (the message's id not written yet, the database not answering
// within inboundWait) is kept in memory and tried again. Only a callback
// neither recorded nor kept gets 503.
func (s *Server) recordStatusNow(w http.ResponseWriter, r *http.Request, form url.Values) {
	_, err := s.recordOrKeep(r.Context(), kindTwilioStatus, form, time.Now(), s.recordTwilioStatus)
	sid, status := form.Get("MessageSid"), form.Get("MessageStatus")
	switch code := notices.ErrorCode(err); {
	case err == nil:
		w.WriteHeader(http.StatusOK)
	case code == notices.Invalid:
		s.log.Warn("web: a Twilio status callback that cannot be recorded; dropped", "message", sid, "status", status, "err", err)
		w.WriteHeader(http.StatusOK)
	default:
		s.log.Error("web: a Twilio status callback was neither recorded nor kept", "message", sid, "status", status, "err", err)
		http.Error(w, "try again later", http.StatusServiceUnavailable)
	}
}

// recordUnkept records a status callback the spool could not keep (kerr:
// a full disk, a folder not writable) in the store at once, if it takes
// it within inboundWait: Twilio posts a callback once (unless told
// otherwise in the address), so a 503 loses it. Only a callback neither
// kept nor recorded gets 503.
func (s *Server) recordUnkept(w http.ResponseWriter, r *http.Request, form url.Values, kerr error) {
	ctx, cancel := context.WithTimeout(r.Context(), inboundWait)
	err := s.recordTwilioStatus(ctx, form, time.Now())
	cancel()
	sid, status := form.Get("MessageSid"), form.Get("MessageStatus")
	if err == nil || notices.ErrorCode(err) == notices.Invalid {
		s.log.Error("web: a Twilio status callback could not be kept; recorded at once", "message", sid, "status", status, "spool", kerr)
		w.WriteHeader(http.StatusOK)
		return
	}
	s.log.Error("web: a Twilio status callback was neither kept nor recorded", "message", sid, "status", status, "spool", kerr, "err", err)
	http.Error(w, "try again later", http.StatusServiceUnavailable)
}

// twilioStatuses are the MessageStatus values that can move a delivery,
// and where to. "read" (a read receipt) says delivered; "canceled" (a
// scheduled message withdrawn at Twilio) says it never went. Queued,
// accepted, scheduled and sending say nothing Crier does not know: it
// records a message as sent once Twilio has accepted it.
var twilioStatuses = map[string]notices.DeliveryStatus{
	"sent":        notices.DeliverySent,
	"delivered":   notices.DeliveryDelivered,
	"read":        notices.DeliveryDelivered,
	"undelivered": notices.DeliveryUndelivered,
	"failed":      notices.DeliveryFailed,
	"canceled":    notices.DeliveryFailed,
}

// twilioErrors are Twilio's words, shortened, for the error codes a status
// callback most often carries (https://www.twilio.com/docs/api/errors).
var twilioErrors = map[string]string{
	"30003": "unreachable destination handset (off, out of coverage, or unable to take texts)",
	"30004": "message blocked (by the recipient or their carrier)",
	"30005": "unknown destination handset (the number does not exist)",
	"30006": "landline or unreachable carrier",
	"30007": "message filtered by the carrier (spam or its rules)",
	"30008": "unknown error from the carrier",
	"30034": "sent from a number not registered for US A2P 10DLC",
	"21610": "the recipient replied STOP to this sender",
}

// codeOptedOut is Twilio's code for a recipient who replied STOP.
const codeOptedOut = "21610"

// twilioWords is the error a delivery keeps for a callback: Twilio's code,
// what it means, and Twilio's own message when it sent one.
func twilioWords(status, code, message string) string {
	var b strings.Builder
	switch {
	case code != "":
		b.WriteString("Twilio " + code)
		if w := twilioErrors[code]; w != "" {
			b.WriteString(": " + w)
		}
	case status == "canceled":
		b.WriteString("Twilio: canceled before it was sent")
	case status == "undelivered" || status == "failed":
		b.WriteString("Twilio: " + status + " without an error code")
	}
	if message = strings.TrimSpace(message); message != "" {
		const most = 300
		if len(message) > most {
			message = strings.ToValidUTF8(message[:most], "") + "…"
		}
		b.WriteString(" (Twilio says: " + message + ")")
	}
	return b.String()
}

// recordTwilioStatus records a spooled status callback: the delivery
// moves on, never back (notices.Store.RecordProviderReport); a 21610
// suppresses the number as a STOP reply, as the dispatcher does when
// Twilio refuses a send with it.
func (s *Server) recordTwilioStatus(ctx context.Context, form url.Values, _ time.Time) error {
	sid, status, code := form.Get("MessageSid"), form.Get("MessageStatus"), form.Get("ErrorCode")
	to, ok := twilioStatuses[status]
	if !ok || sid == "" {
		return errInvalid("a Twilio status callback with status %q for message %q", status, sid)
	}
	words := ""
	if to != notices.DeliverySent && to != notices.DeliveryDelivered {
		words = twilioWords(status, code, form.Get("ErrorMessage"))
	}
	if to == notices.DeliveryDelivered || to == notices.DeliverySent {
		code = ""
	}
	out, err := s.cfg.Store.RecordProviderReport(ctx, notices.ProviderReport{Channel: notices.SMS, ProviderID: sid, Status: to, Code: code, Error: words})
	if err != nil {
		return err
	}
	if out.Changed {
		s.log.Debug("web: delivery moved by Twilio's status callback", "delivery", out.DeliveryID, "status", out.Status, "code", code)
	}
	if code == codeOptedOut {
		if _, _, err := s.cfg.Store.SuppressFound(ctx, out.Address, notices.StopReply, words, "twilio", out.NoticeID); err != nil {
			return err
		}
		s.log.Info("web: a number that replied STOP is suppressed", "to", logs.ShortAddress(out.Address), "notice", out.NoticeID)
	}
	return nil
}
