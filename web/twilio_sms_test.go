package web

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/channels/outbox"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
	"github.com/crier-notices/crier/templates"
)

const smsPath = "/webhooks/twilio/sms"

// inboundForm is what Twilio posts for a text from from.
func inboundForm(sid, from, body string) url.Values {
	return url.Values{
		"MessageSid": {sid}, "SmsSid": {sid}, "AccountSid": {"AC0123456789abcdef0123456789abcdef"},
		"From": {from}, "To": {"+13155550199"}, "Body": {body}, "NumMedia": {"0"},
		"FromCountry": {"US"}, "ApiVersion": {"2010-04-01"},
	}
}

// twimlAnswer reads a TwiML answer: its status, and the message it sends back
// ("" for none).
func twimlAnswer(t *testing.T, resp *http.Response) (int, string) {
	t.Helper()
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, string(data)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/xml") {
		t.Errorf("Content-Type %q, want text/xml", ct)
	}
	var r struct {
		XMLName  xml.Name `xml:"Response"`
		Messages []string `xml:"Message"`
	}
	if err := xml.Unmarshal(data, &r); err != nil {
		t.Fatalf("the answer is no TwiML: %v\n%s", err, data)
	}
	if len(r.Messages) > 1 {
		t.Errorf("%d messages in one answer, want one at most:\n%s", len(r.Messages), data)
	}
	return resp.StatusCode, strings.Join(r.Messages, "")
}

func smsSuppression(t *testing.T, st *notices.Store, addr string) *notices.Suppression {
	t.Helper()
	sup, found, err := st.Suppressed(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	if !found {
		return nil
	}
	return &sup
}

func TestInboundOptOutKeywordsSuppress(t *testing.T) {
	s, st := newTestServer(t, nil)
	tests := []struct {
		name, body, optOutType string
		confirmed              bool // Crier answers with a confirmation
	}{
		{"stop", "stop", "", true},
		{"stop with spaces and a full stop", " Stop. ", "", true},
		{"STOPALL", "STOPALL", "", true},
		{"unsubscribe", "Unsubscribe", "", true},
		{"cancel", "cancel", "", true},
		{"end", "END", "", true},
		{"quit", "quit", "", true},
		{"revoke", "Revoke!", "", true},
		{"optout", "OptOut", "", true},
		{"alto", "ALTO", "", true},
		{"parar", "Parar", "", true},
		{"cancelar with an exclamation mark", "cancelar!", "", true},
		{"full-width", "ＳＴＯＰ", "", true},
		{"OptOutType with an unusual body", "Basta ya", "STOP", false},
		{"OptOutType with a keyword body", "STOP", "STOP", false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from := fmt.Sprintf("+131555501%02d", 10+i)
			form := inboundForm(fmt.Sprintf("SMstop%02d", i), from, tt.body)
			if tt.optOutType != "" {
				form.Set("OptOutType", tt.optOutType)
			}
			code, msg := twimlAnswer(t, signedPost(t, s, smsPath, form))
			if code != http.StatusOK {
				t.Fatalf("status %d: %s", code, msg)
			}
			sup := smsSuppression(t, st, from)
			if sup == nil || sup.Reason != notices.StopReply {
				t.Fatalf("%q: suppression %+v, want stop-reply", tt.body, sup)
			}
			if confirmed := msg != ""; confirmed != tt.confirmed {
				t.Errorf("%q: answer %q; want a confirmation: %v", tt.body, msg, tt.confirmed)
			}
			if tt.confirmed && !strings.Contains(msg, "Clearwater County Water Board") {
				t.Errorf("the confirmation does not name the utility: %q", msg)
			}
			// The customer sends STOP again: suppressed already, no second
			// confirmation.
			_, again := twimlAnswer(t, signedPost(t, s, smsPath, inboundForm(fmt.Sprintf("SMagain%02d", i), from, "STOP")))
			if again != "" {
				t.Errorf("a second STOP was confirmed again: %q", again)
			}
		})
	}
}

func TestInboundStopConfirmsInTheKeywordsLanguage(t *testing.T) {
	s, _ := newTestServer(t, nil)
	_, msg := twimlAnswer(t, signedPost(t, s, smsPath, inboundForm("SM1", "+13155550101", "¡Alto!")))
	if !strings.Contains(msg, "no recibirá más mensajes") {
		t.Errorf("ALTO from a stranger is confirmed as %q, want Spanish", msg)
	}
}

func TestInboundReplayChangesNothing(t *testing.T) {
	s, st := newTestServer(t, nil)
	form := inboundForm("SM1", "+13155550101", "STOP")
	if _, msg := twimlAnswer(t, signedPost(t, s, smsPath, form)); msg == "" {
		t.Fatal("no confirmation of the first STOP")
	}
	code, msg := twimlAnswer(t, signedPost(t, s, smsPath, form))
	if code != http.StatusOK || msg != "" {
		t.Errorf("the same message again: %d %q; want 200 and no message", code, msg)
	}
	evs, err := st.SuppressionHistory(context.Background(), "+13155550101")
	if err != nil || len(evs) != 1 {
		t.Errorf("history %+v, %v; want one suppression", evs, err)
	}
	help := inboundForm("SM2", "+13155550102", "HELP")
	if _, msg := twimlAnswer(t, signedPost(t, s, smsPath, help)); msg == "" {
		t.Fatal("HELP was not answered")
	}
	if _, msg := twimlAnswer(t, signedPost(t, s, smsPath, help)); msg != "" {
		t.Errorf("the same HELP again was answered again: %q", msg)
	}
}

func TestInboundStartResubscribesOnlyAStopReply(t *testing.T) {
	s, st := newTestServer(t, nil)
	ctx := context.Background()
	for i, reason := range notices.SuppressionReasons {
		t.Run(string(reason), func(t *testing.T) {
			from := fmt.Sprintf("+131555501%02d", 30+i)
			if _, _, err := st.Suppress(ctx, from, reason, "", "test"); err != nil {
				t.Fatal(err)
			}
			_, msg := twimlAnswer(t, signedPost(t, s, smsPath, inboundForm(fmt.Sprintf("SMstart%d", i), from, "Start")))
			lifted := smsSuppression(t, st, from) == nil
			if want := reason == notices.StopReply; lifted != want {
				t.Fatalf("START after %s: lifted %v, want %v", reason, lifted, want)
			}
			if lifted && !strings.Contains(msg, "You will get our texts again") {
				t.Errorf("resubscribed without saying so: %q", msg)
			}
			if !lifted && !strings.Contains(msg, "+1 555 0100") {
				t.Errorf("START that cannot lift a %s suppression: %q; want the utility's phone to call", reason, msg)
			}
		})
	}
	t.Run("after a STOP", func(t *testing.T) {
		from := "+13155550140"
		twimlAnswer(t, signedPost(t, s, smsPath, inboundForm("SMa", from, "ALTO")))
		twimlAnswer(t, signedPost(t, s, smsPath, inboundForm("SMb", from, "sí")))
		if sup := smsSuppression(t, st, from); sup != nil {
			t.Errorf("SÍ after ALTO left %+v", sup)
		}
	})
	t.Run("Twilio answered a START Crier cannot honour", func(t *testing.T) {
		from := "+13155550142"
		if _, _, err := st.Suppress(ctx, from, notices.Manual, "", "test"); err != nil {
			t.Fatal(err)
		}
		form := inboundForm("SMe", from, "START")
		form.Set("OptOutType", "START")
		_, msg := twimlAnswer(t, signedPost(t, s, smsPath, form))
		if smsSuppression(t, st, from) == nil || !strings.Contains(msg, "+1 555 0100") {
			t.Errorf("START with OptOutType for a manual suppression: answer %q; want it kept and the phone to call", msg)
		}
	})
	t.Run("Twilio answered", func(t *testing.T) {
		from := "+13155550141"
		twimlAnswer(t, signedPost(t, s, smsPath, inboundForm("SMc", from, "STOP")))
		form := inboundForm("SMd", from, "UNSTOP")
		form.Set("OptOutType", "START")
		_, msg := twimlAnswer(t, signedPost(t, s, smsPath, form))
		if smsSuppression(t, st, from) != nil || msg != "" {
			t.Errorf("UNSTOP with OptOutType START: answer %q; want it lifted and no second confirmation", msg)
		}
	})
}

func TestInboundHelpInTheCustomersLanguage(t *testing.T) {
	s, st := newTestServer(t, nil)
	ctx := context.Background()
	for _, c := range []notices.Contact{
		{Account: "A-1", Name: "Ana", Mobile: "+13155550101", Language: "es"},
		{Account: "A-2", Name: "Bo", Mobile: "+13155550102", Language: "en"},
		{Account: "A-3", Name: "Cam", Mobile: "+13155550105", Language: "vi"},
	} {
		if _, err := st.SaveContact(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, from, body string
		want             []string
	}{
		{"HELP from a Spanish contact", "+13155550101", "HELP", []string{"Clearwater County Water Board", "Ayuda: +1 555 0100", "Responda ALTO"}},
		{"INFO from an English contact", "+13155550102", "info", []string{"Clearwater County Water Board", "Help: +1 555 0100", "Reply STOP"}},
		{"AYUDA from a stranger", "+13155550103", "Ayuda", []string{"Ayuda: +1 555 0100", "Responda ALTO"}},
		{"HELP from a stranger: the default language", "+13155550104", "help", []string{"Help: +1 555 0100", "Reply STOP"}},
		{"HELP from a contact in a language without answers: the default", "+13155550105", "HELP", []string{"Help: +1 555 0100", "Reply STOP"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, msg := twimlAnswer(t, signedPost(t, s, smsPath, inboundForm(fmt.Sprintf("SMhelp%d", i), tt.from, tt.body)))
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("answer %q lacks %q", msg, w)
				}
			}
		})
	}
	form := inboundForm("SMhelp9", "+13155550101", "HELP")
	form.Set("OptOutType", "HELP")
	if _, msg := twimlAnswer(t, signedPost(t, s, smsPath, form)); msg != "" {
		t.Errorf("HELP that Twilio's Advanced Opt-Out answered was answered again: %q", msg)
	}
}

func TestInboundAnswerIsEscaped(t *testing.T) {
	s, _ := newTestServer(t, func(c *Config) { c.Utility.Name = `Smith & Sons <Water> "Co"` })
	_, msg := twimlAnswer(t, signedPost(t, s, smsPath, inboundForm("SM1", "+13155550101", "HELP")))
	if !strings.HasPrefix(msg, `Smith & Sons <Water> "Co":`) {
		t.Errorf("answer %q; want the name as written, read back from escaped TwiML", msg)
	}
}

func TestInboundRefusesBadSignatures(t *testing.T) {
	s, st := newTestServer(t, nil)
	form := inboundForm("SM1", "+13155550101", "STOP")
	post := func(sig string) *http.Response {
		r := httptest.NewRequest(http.MethodPost, smsPath, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if sig != "" {
			r.Header.Set("X-Twilio-Signature", sig)
		}
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, r)
		return w.Result()
	}
	tests := []struct{ name, sig string }{
		{"missing", ""},
		{"forged with another token", twilioSignature("another-token", testPublicURL+smsPath, form)},
		{"replayed from another address", twilioSignature(testToken, testPublicURL+"/webhooks/twilio/status", form)},
		{"replayed from another host", twilioSignature(testToken, "https://elsewhere.example"+smsPath, form)},
		{"for another body", twilioSignature(testToken, testPublicURL+smsPath, inboundForm("SM1", "+13155550101", "hello"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := post(tt.sig)
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("status %d, want 403", resp.StatusCode)
			}
		})
	}
	if sup := smsSuppression(t, st, "+13155550101"); sup != nil {
		t.Errorf("an unsigned STOP suppressed the number: %+v", sup)
	}
	n := 0
	for _, k := range []notices.ReplyKind{notices.ReplyReview, notices.ReplyFeedback} {
		st.EachReply(context.Background(), notices.ReplyQuery{Kind: k}, func(notices.Reply) error { n++; return nil })
	}
	if n != 0 {
		t.Errorf("%d replies recorded from unsigned requests", n)
	}
}

// TestInboundStopHoldsTheDispatcher publishes a text to two customers,
// takes a STOP from one of them, then dispatches: only the other's text
// is written to the outbox, and the report counts one suppressed.
func TestInboundStopHoldsTheDispatcher(t *testing.T) {
	s, st := newTestServer(t, nil)
	ctx := context.Background()
	for i := 1; i <= 2; i++ {
		c := notices.Contact{Account: fmt.Sprintf("A-%d", i), Name: "Customer", Mobile: fmt.Sprintf("+1315555010%d", i), Zone: "4"}
		if _, err := st.SaveContact(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	fam, err := s.cfg.Library.Family("hydrant-flushing")
	if err != nil {
		t.Fatal(err)
	}
	id, err := st.CreateNotice(ctx, notices.Notice{Template: fam.Name, Values: fam.Examples(), Audience: notices.Audience{Zones: []string{"4"}}, Channels: []notices.Channel{notices.SMS}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Publish(ctx, id, fam, "en"); err != nil {
		t.Fatal(err)
	}
	if _, msg := twimlAnswer(t, signedPost(t, s, smsPath, inboundForm("SM1", "+13155550101", "Stop"))); msg == "" {
		t.Fatal("the STOP was not confirmed")
	}
	dir := t.TempDir()
	d, err := scheduler.New(st, scheduler.Config{
		Channels: map[notices.Channel]scheduler.Channel{notices.SMS: {Sender: outbox.New(dir, "+13155550199"), Concurrency: 1}},
		Library:  s.cfg.Library,
		Utility: templates.Utility{Name: "Clearwater County Water Board", Phone: "(315) 555-0142", Email: "notices@water.example",
			Address: "1 Reservoir Road, Clearwater, NY 13000", Location: time.UTC},
		Poll: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	drainCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := d.Drain(drainCtx); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "sms", "*.json"))
	var to []string
	for _, f := range files {
		var m struct{ To string }
		data, _ := os.ReadFile(f)
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		to = append(to, m.To)
	}
	if len(to) != 1 || to[0] != "+13155550102" {
		t.Errorf("texts went to %v; want only +13155550102", to)
	}
	r, err := st.Report(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if c := r.Channel(notices.SMS); c.Suppressed != 1 || c.Sent != 1 {
		t.Errorf("report %+v; want 1 sent and 1 suppressed", c)
	}
}

// TestInboundReviewQueue takes replies that read as an opt-out but are no
// keyword, on a fixed clock: each waits for review, due 10 business days
// later in the utility's zone (Christmas and New Year's Day skipped), and
// is answered with how to stop at once. Other replies are feedback,
// unanswered.
func TestInboundReviewQueue(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	received := time.Date(2026, 12, 18, 22, 30, 0, 0, ny) // a Friday evening; Saturday already in UTC
	s, st := newTestServer(t, func(c *Config) { c.Now = func() time.Time { return received } })
	tests := []struct {
		body   string
		review bool
	}{
		{"please stop texting me", true},
		{"STOP PLEASE", true},
		{"unsubscribe me", true},
		{"no más", true},
		{"no mas mensajes", true},
		{"When will the water be back?", false},
	}
	for i, tt := range tests {
		_, msg := twimlAnswer(t, signedPost(t, s, smsPath, inboundForm(fmt.Sprintf("SMr%d", i), fmt.Sprintf("+131555501%02d", 50+i), tt.body)))
		if tt.review != strings.Contains(msg, "reply STOP") {
			t.Errorf("%q answered %q", tt.body, msg)
		}
		if smsSuppression(t, st, fmt.Sprintf("+131555501%02d", 50+i)) != nil {
			t.Errorf("%q suppressed the number before review", tt.body)
		}
	}
	var queue []notices.Reply
	if err := st.EachReply(context.Background(), notices.ReplyQuery{Kind: notices.ReplyReview, Open: true}, func(r notices.Reply) error {
		queue = append(queue, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(queue) != 5 {
		t.Fatalf("%d replies in the review queue, want 5: %+v", len(queue), queue)
	}
	for _, r := range queue {
		if r.DueOn != "2027-01-05" || !r.ReceivedAt.Equal(received) {
			t.Errorf("%q due %s, received %s; want due 2027-01-05, received %s", r.Body, r.DueOn, r.ReceivedAt, received)
		}
	}
	var feedback []notices.Reply
	st.EachReply(context.Background(), notices.ReplyQuery{Kind: notices.ReplyFeedback}, func(r notices.Reply) error {
		feedback = append(feedback, r)
		return nil
	})
	if len(feedback) != 1 || feedback[0].Body != "When will the water be back?" {
		t.Errorf("feedback %+v", feedback)
	}
}

// BenchmarkInboundText measures one signed reply through the whole
// handler: signature, classification, the store's transaction, TwiML.
func BenchmarkInboundText(b *testing.B) {
	s, _ := newTestServer(b, nil)
	i := 0
	for b.Loop() {
		i++
		form := inboundForm(fmt.Sprintf("SMbench%d", i), fmt.Sprintf("+131555501%02d", i%100), "thanks, the water is back")
		resp := signedPost(b, s, smsPath, form)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

// TestInboundStopWhileTheStoreIsLocked: a STOP that comes while another
// process holds the database's write lock is answered at once (no
// confirmation can be promised) and kept; the number is suppressed as
// soon as the lock is let go.
func TestInboundStopWhileTheStoreIsLocked(t *testing.T) {
	ctx := context.Background()
	s, st := statusServer(t, nil)
	stop := s.startSpool(ctx)
	defer stop()
	unlock := lockStore(t, st)
	const from = "+13155550123"
	code, answer := twimlAnswer(t, signedPost(t, s, smsPath, inboundForm("SM00000000000000000000000000000042", from, "STOP")))
	if code != http.StatusOK || answer != "" {
		t.Fatalf("a STOP while the store is locked: %d %q; want 200 and no message", code, answer)
	}
	if smsSuppression(t, st, from) != nil {
		t.Fatal("suppressed while the store was locked?")
	}
	unlock()
	waitFor(t, "the kept STOP recorded", func() bool {
		sup := smsSuppression(t, st, from)
		return sup != nil && sup.Reason == notices.StopReply
	})
}
