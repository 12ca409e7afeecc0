package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
)

// advisoryJSON is a boil water advisory for list zone4 by email and text,
// with extra members (`"at": "…"`) spliced in before its end.
func advisoryJSON(extra string) string {
	return `{
  "template": "boil-water-advisory",
  "values": {"area": "Oak Hill Road", "cause": "main-break",
             "occurred": "Saturday, November 28, 2026", "expected": "Monday, November 30, 2026"},
  "channels": ["email", "sms"],
  "audience": {"lists": ["zone4"]}` + extra + `
}`
}

// TestAPISendScheduleCancel: with a coordinator's token a system sends a
// notice at once and schedules another, reads each one's status with its
// messages counted per channel, finds both in the list, and cancels them.
func TestAPISendScheduleCancel(t *testing.T) {
	a := newAPIServer(t, nil)
	importContacts(t, a.store)
	coord, viewer := a.clients[notices.RoleCoordinator], a.clients[notices.RoleViewer]

	resp := coord.do("POST", "/api/v1/notices", advisoryJSON(""))
	if resp.Status != http.StatusCreated {
		t.Fatalf("send now: status %d: %s", resp.Status, resp.Body)
	}
	var sent apiSendResult
	resp.decode(t, &sent)
	if want := fmt.Sprintf("/api/v1/notices/%d", sent.Notice.ID); resp.Header.Get("Location") != want {
		t.Errorf("Location %q, want %q", resp.Header.Get("Location"), want)
	}
	if sent.Notice.Status != notices.Sending || sent.AwaitingApproval || !strings.Contains(sent.Message, "4 messages queued") {
		t.Errorf("sent: status %s, awaiting %v, message %q", sent.Notice.Status, sent.AwaitingApproval, sent.Message)
	}

	at := time.Now().Add(3 * time.Hour).UTC().Truncate(time.Second)
	resp = coord.do("POST", "/api/v1/notices", advisoryJSON(`, "at": "`+at.In(time.FixedZone("EST", -5*3600)).Format(time.RFC3339)+`"`))
	if resp.Status != http.StatusCreated {
		t.Fatalf("schedule: status %d: %s", resp.Status, resp.Body)
	}
	var scheduled apiSendResult
	resp.decode(t, &scheduled)
	if scheduled.Notice.Status != notices.Scheduled || scheduled.Notice.SendAt == nil || !scheduled.Notice.SendAt.Equal(at) {
		t.Errorf("scheduled: status %s at %v, want scheduled at %s", scheduled.Notice.Status, scheduled.Notice.SendAt, at)
	}

	tests := []struct {
		name   string
		id     int64
		status notices.NoticeStatus
		queued map[notices.Channel]int
	}{
		{"sent at once", sent.Notice.ID, notices.Sending, map[notices.Channel]int{notices.Email: 2, notices.SMS: 2}},
		{"scheduled", scheduled.Notice.ID, notices.Scheduled, map[notices.Channel]int{notices.Email: 0, notices.SMS: 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n apiNoticeView
			resp := viewer.do("GET", fmt.Sprintf("/api/v1/notices/%d", tt.id), "")
			if resp.Status != http.StatusOK {
				t.Fatalf("status %d: %s", resp.Status, resp.Body)
			}
			resp.decode(t, &n)
			if n.Status != tt.status || n.Template != "boil-water-advisory" || len(n.Deliveries) != 2 {
				t.Fatalf("notice: status %s, template %s, %d channels", n.Status, n.Template, len(n.Deliveries))
			}
			for _, d := range n.Deliveries {
				if d.Queued != tt.queued[d.Channel] || d.Total != d.Queued {
					t.Errorf("%s: %d queued of %d, want %d", d.Channel, d.Queued, d.Total, tt.queued[d.Channel])
				}
			}
		})
	}

	var list struct {
		Notices []apiNoticeView `json:"notices"`
		More    bool            `json:"more"`
	}
	viewer.do("GET", "/api/v1/notices", "").decode(t, &list)
	if len(list.Notices) != 2 || list.Notices[0].ID != scheduled.Notice.ID || list.More {
		t.Errorf("list: %+v, want the scheduled notice, then the one sent", list)
	}
	viewer.do("GET", "/api/v1/notices?status=scheduled&limit=1", "").decode(t, &list)
	if len(list.Notices) != 1 || list.Notices[0].ID != scheduled.Notice.ID {
		t.Errorf("list of the scheduled: %+v", list)
	}
	viewer.do("GET", "/api/v1/notices?limit=1", "").decode(t, &list)
	if len(list.Notices) != 1 || !list.More {
		t.Errorf("a page of one: %+v, want more to follow", list)
	}
	viewer.do("GET", fmt.Sprintf("/api/v1/notices?before=%d", list.Notices[0].ID), "").decode(t, &list)
	if len(list.Notices) != 1 || list.Notices[0].ID != sent.Notice.ID || list.More {
		t.Errorf("the next page: %+v, want the notice sent and no more", list)
	}
	if resp := viewer.do("GET", "/api/v1/notices?limit=501&status=sent", ""); resp.Status != http.StatusBadRequest ||
		len(resp.errorBody(t).Problems) != 2 {
		t.Errorf("a limit over 500 and a status that is none: status %d, %s", resp.Status, resp.Body)
	}

	cancels := []struct {
		name      string
		id        int64
		status    int
		withdrawn int
	}{
		{"the scheduled notice", scheduled.Notice.ID, http.StatusOK, 0},
		{"the one sending", sent.Notice.ID, http.StatusOK, 4},
		{"one already cancelled", sent.Notice.ID, http.StatusConflict, 0},
		{"one that is not", 999, http.StatusNotFound, 0},
	}
	for _, c := range cancels {
		resp := coord.do("POST", fmt.Sprintf("/api/v1/notices/%d/cancel", c.id), "")
		if resp.Status != c.status {
			t.Fatalf("cancel %s: status %d, want %d: %s", c.name, resp.Status, c.status, resp.Body)
		}
		if c.status != http.StatusOK {
			resp.errorBody(t)
			continue
		}
		var res struct {
			Notice    apiNoticeView `json:"notice"`
			Withdrawn int           `json:"withdrawn"`
		}
		resp.decode(t, &res)
		if res.Notice.Status != notices.Cancelled || res.Withdrawn != c.withdrawn {
			t.Errorf("cancel %s: status %s, %d withdrawn; want cancelled, %d", c.name, res.Notice.Status, res.Withdrawn, c.withdrawn)
		}
	}
	var n apiNoticeView
	viewer.do("GET", fmt.Sprintf("/api/v1/notices/%d", sent.Notice.ID), "").decode(t, &n)
	for _, d := range n.Deliveries {
		if d.Cancelled != 2 || d.Queued != 0 {
			t.Errorf("after cancelling, %s: %d cancelled, %d queued; want 2, 0", d.Channel, d.Cancelled, d.Queued)
		}
	}

	entries, err := a.store.AuditLog(context.Background(), 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		if e.Actor == "token test-coordinator" {
			actions = append(actions, e.Action+" "+e.Subject)
		}
	}
	want := fmt.Sprintf("cancel notice %d,cancel notice %d,schedule notice %d,send notice %d", sent.Notice.ID, scheduled.Notice.ID, scheduled.Notice.ID, sent.Notice.ID)
	if strings.Join(actions, ",") != want {
		t.Errorf("the audit log has %q by the token, want %q", actions, want)
	}
}

// TestAPIDraft: "draft": true saves a notice half written; nothing goes.
func TestAPIDraft(t *testing.T) {
	a := newAPIServer(t, nil)
	importContacts(t, a.store)
	body := strings.Replace(advisoryJSON(`, "draft": true`), `"cause": "main-break",`, "", 1)
	resp := a.clients[notices.RoleCoordinator].do("POST", "/api/v1/notices", body)
	if resp.Status != http.StatusCreated {
		t.Fatalf("status %d: %s", resp.Status, resp.Body)
	}
	var res apiSendResult
	resp.decode(t, &res)
	if res.Notice.Status != notices.Draft || res.Notice.Values["area"] != "Oak Hill Road" || res.Notice.PageURL != "" ||
		!strings.Contains(res.Message, "draft") {
		t.Errorf("draft: %+v, %q", res.Notice, res.Message)
	}
	for _, d := range res.Notice.Deliveries {
		if d.Total != 0 {
			t.Errorf("a draft has %d messages on %s", d.Total, d.Channel)
		}
	}
}

// TestAPIRefusesBadFields: a notice the API cannot send is refused with
// 400 and a problem on each bad field, as the request names it; nothing
// is stored.
func TestAPIRefusesBadFields(t *testing.T) {
	a := newAPIServer(t, nil)
	importContacts(t, a.store)
	coord := a.clients[notices.RoleCoordinator]
	tests := []struct {
		name   string
		body   string
		status int
		field  string
		want   string
	}{
		{"a missing value", strings.Replace(advisoryJSON(""), `"area": "Oak Hill Road", `, "", 1), 400, "values.area", "required"},
		{"a value of another template", strings.Replace(advisoryJSON(""), `"area":`, `"street": "Elm", "area":`, 1), 400, "values.street", "street"},
		{"a bad channel", strings.Replace(advisoryJSON(""), `"sms"]`, `"fax"]`, 1), 400, "channels", `"fax" is not a channel`},
		{"a time that is no time", advisoryJSON(`, "at": "tomorrow 9am"`), 400, "at", "RFC 3339"},
		{"a time past", advisoryJSON(`, "at": "2020-01-01T09:00:00Z"`), 400, "at", "past"},
		{"a bad urgency", advisoryJSON(`, "urgency": "high"`), 400, "urgency", "normal or emergency"},
		{"no audience", strings.Replace(advisoryJSON(""), `"audience": {"lists": ["zone4"]}`, `"languages": ["en"]`, 1), 400, "audience", ""},
		{"a list that does not exist", strings.Replace(advisoryJSON(""), `zone4`, `zone9`, 1), 400, "audience", "zone9"},
		{"an unknown field", advisoryJSON(`, "send_at": "2027-01-01T09:00:00Z"`), 400, "send_at", "unknown field"},
		{"a misspelt template", strings.Replace(advisoryJSON(""), `boil-water-advisory`, `boil-water-advisry`, 1), 400, "template", "did you mean boil-water-advisory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := coord.do("POST", "/api/v1/notices", tt.body)
			if resp.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.Status, tt.status, resp.Body)
			}
			e := resp.errorBody(t)
			var found bool
			for _, p := range e.Problems {
				if p.Field == tt.field && strings.Contains(p.Message, tt.want) {
					found = true
				}
			}
			if !found {
				t.Errorf("no problem on %q saying %q: %+v", tt.field, tt.want, e)
			}
		})
	}
	big := advisoryJSON(`, "urgency": "` + strings.Repeat("x", maxJSONBody) + `"`)
	if resp := coord.do("POST", "/api/v1/notices", big); resp.Status != http.StatusRequestEntityTooLarge ||
		!strings.Contains(resp.errorBody(t).Error, "1 MB") {
		t.Errorf("a body over 1 MB: status %d, %s", resp.Status, resp.Body)
	}
	if ns, err := a.store.Notices(context.Background()); err != nil || len(ns) != 0 {
		t.Errorf("%d notices stored (%v), want none", len(ns), err)
	}
}

// TestAPIPreview: a preview shows each language's email and text message
// with its characters, encoding and segments, and whom the notice reaches
// on each channel and who is left out, storing nothing.
func TestAPIPreview(t *testing.T) {
	a := newAPIServer(t, nil)
	importContacts(t, a.store)
	resp := a.clients[notices.RoleCoordinator].do("POST", "/api/v1/preview", advisoryJSON(""))
	if resp.Status != http.StatusOK {
		t.Fatalf("status %d: %s", resp.Status, resp.Body)
	}
	var p apiPreview
	resp.decode(t, &p)
	if p.Urgency != notices.Emergency || len(p.Renderings) != 2 || p.Audience == nil || len(p.Problems) != 0 {
		t.Fatalf("preview: urgency %s, %d renderings, audience %+v, problems %+v", p.Urgency, len(p.Renderings), p.Audience, p.Problems)
	}
	for _, r := range p.Renderings {
		if r.Email == nil || !strings.Contains(r.Email.Subject, "Oak Hill Road") || !strings.Contains(r.Email.HTML, "<html") ||
			!strings.Contains(r.Email.Text, "Clearwater County Water Board") {
			t.Errorf("%s: email %+v", r.Language, r.Email)
		}
		if r.SMS == nil || r.SMS.Segments < 1 || r.SMS.Characters != len([]rune(r.SMS.Text)) || r.SMS.Encoding == "" {
			t.Errorf("%s: sms %+v", r.Language, r.SMS)
		}
	}
	reach := map[notices.Channel]apiChannelReach{}
	for _, c := range p.Audience.Channels {
		reach[c.Channel] = c
	}
	// zone4: Ana (email), Bo (email, mobile), Cy (mobile).
	if p.Audience.Contacts != 3 || reach[notices.Email].Reached != 2 || reach[notices.Email].LeftOut.NoAddress != 1 ||
		reach[notices.SMS].Reached != 2 || reach[notices.SMS].LeftOut.NoAddress != 1 || p.Audience.Messages != 4 {
		t.Errorf("audience %+v", p.Audience)
	}
	if ns, _ := a.store.Notices(context.Background()); len(ns) != 0 {
		t.Errorf("a preview stored %d notices", len(ns))
	}

	// "all": every contact, the one in zone 7 too.
	resp = a.clients[notices.RoleCoordinator].do("POST", "/api/v1/preview", strings.Replace(advisoryJSON(""), `"audience": {"lists": ["zone4"]}`, `"all": true`, 1))
	resp.decode(t, &p)
	if resp.Status != http.StatusOK || p.Audience == nil || p.Audience.Contacts != 4 {
		t.Errorf("all: status %d, audience %+v, problems %+v", resp.Status, p.Audience, p.Problems)
	}

	// An audience that reaches nobody is shown, with why it would be refused.
	resp = a.clients[notices.RoleCoordinator].do("POST", "/api/v1/preview", strings.Replace(advisoryJSON(""), `{"lists": ["zone4"]}`, `{"zones": ["9"]}`, 1))
	resp.decode(t, &p)
	if resp.Status != http.StatusOK || len(p.Problems) != 1 || p.Problems[0].Field != "audience" || p.Audience == nil || p.Audience.Contacts != 0 {
		t.Errorf("nobody reached: status %d, problems %+v, audience %+v", resp.Status, p.Problems, p.Audience)
	}
}
