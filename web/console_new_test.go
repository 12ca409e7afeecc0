package web

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
	"github.com/crier-notices/crier/templates"
)

// newNoticeConsole is newConsoleServer with the application core able to
// make messages as the dispatcher will (config.Config.App sets
// App.Messages from crier.toml).
func newNoticeConsole(t *testing.T) (*Server, *notices.Store, *httptest.Server) {
	t.Helper()
	return newConsoleServer(t, func(c *Config) {
		c.App.Messages = scheduler.Config{Library: c.Library, Utility: c.Utility, PublicURL: c.PublicURL}
	})
}

// mainBreakForm is the new notice form of main-break filled with its
// examples, area set to area, by email and sms to zone North.
func mainBreakForm(t *testing.T, lib *templates.Library, area string) url.Values {
	t.Helper()
	fam, err := lib.Family("main-break")
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"action": {"preview"}, "channels": {"email", "sms"}, "zones": {"North"}}
	for k, v := range fam.Examples() {
		if !strings.Contains(k, ".") {
			form.Set("values."+k, v)
		}
	}
	form.Set("values.area", area)
	return form
}

// zoneContacts adds n contacts in zone North with an email and a mobile.
func zoneContacts(t *testing.T, st *notices.Store, n int) {
	t.Helper()
	for i := range n {
		c := notices.Contact{Account: "N-" + strconv.Itoa(i), Name: "North " + strconv.Itoa(i), Zone: "North",
			Email: "n" + strconv.Itoa(i) + "@example.org", Mobile: "+1315555012" + strconv.Itoa(i)}
		if _, err := st.SaveContact(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
}

// TestNewNoticeChooser: the templates are grouped by category, most
// urgent first, each Tier shown.
func TestNewNoticeChooser(t *testing.T) {
	_, st, ts := newNoticeConsole(t)
	c, _ := testSignIn(t, ts, st, notices.RoleCoordinator)
	resp, body := getPage(t, c, ts, "/console/notices/new")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("chooser: %d", resp.StatusCode)
	}
	e, s, i := strings.Index(body, ">Emergencies</h2>"), strings.Index(body, ">Service</h2>"), strings.Index(body, ">Information</h2>")
	if e < 0 || s < e || i < s {
		t.Errorf("the groups are not emergencies, service, information in that order: %d %d %d", e, s, i)
	}
	if !regexp.MustCompile(`href="/console/notices/new/boil-water-advisory">Boil Water Advisory</a> <span class="tier">Tier 1</span>`).MatchString(body) {
		t.Error("the boil water advisory is not shown with its tier")
	}
}

// TestNewNoticeFormFromFields: the form is made from the template's
// fields: labels tied to inputs, required marked, help and example tied
// by aria-describedby, date and time pickers, choices as selects.
func TestNewNoticeFormFromFields(t *testing.T) {
	_, st, ts := newNoticeConsole(t)
	c, _ := testSignIn(t, ts, st, notices.RoleCoordinator)
	resp, body := getPage(t, c, ts, "/console/notices/new/main-break")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("form: %d", resp.StatusCode)
	}
	for _, want := range []string{
		`<label for="f-area">Affected area <span class="required">(required)</span></label>`,
		`<p class="help" id="f-area-help">The streets or neighborhoods without water or with low pressure, as customers know them. Example: Maple Avenue, Elm Street and Park Place</p>`,
		`<input type="text" id="f-area" name="values.area" value="" maxlength="300" aria-describedby="f-area-help" required>`,
		`<input type="date" id="f-occurred" name="values.occurred"`,
		`<input type="time" id="f-restore_time" name="values.restore_time"`,
		`<select id="f-impact" name="values.impact" aria-describedby="f-impact-help" required>`,
		`<option value="no-water" selected>no-water</option>`,
		`<label for="f-location">Location of the break</label>`,
		`<input type="checkbox" name="channels" value="email" checked>`,
		`<input type="datetime-local" id="at" name="at"`,
		`data-sms="/console/notices/new/main-break/sms"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the form lacks %s", want)
		}
	}
	if resp, _ := getPage(t, c, ts, "/console/notices/new/no-such-template"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown template: %d; want 404", resp.StatusCode)
	}
}

// TestNewNoticeErrorsBesideFields: a bad value, a missing one, no
// channel and no audience each come back beside their input, tied to it
// by aria-describedby and aria-invalid, and in the summary above; what
// was typed is kept, escaped.
func TestNewNoticeErrorsBesideFields(t *testing.T) {
	s, st, ts := newNoticeConsole(t)
	c, _ := testSignIn(t, ts, st, notices.RoleCoordinator)
	form := mainBreakForm(t, s.cfg.Library, "Elm Street "+xss)
	form.Set("values.occurred", "the day before yesterday-ish")
	form.Del("values.restore_time")
	form.Del("channels")
	form.Del("zones")
	resp, body := postNoticeForm(t, c, ts, "/console/notices/new/main-break", form)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a bad form: %d; want 422\n%s", resp.StatusCode, body)
	}
	for _, want := range []string{
		`<p class="error" id="f-occurred-error">`,
		`id="f-occurred" name="values.occurred" value="the day before yesterday-ish" maxlength="60" aria-describedby="f-occurred-help f-occurred-error" required aria-invalid="true">`,
		`<p class="error" id="f-restore_time-error">`,
		`aria-describedby="f-restore_time-help f-restore_time-error" required aria-invalid="true">`,
		`<p class="error" id="channels-error">choose at least one channel`,
		`<a href="#f-occurred">Date of the break: `,
		`value="Elm Street &lt;script&gt;alert(1)&lt;/script&gt;"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the form lacks %s", want)
		}
	}
	if strings.Contains(body, `id="f-area-error"`) {
		t.Error("a good value is marked wrong")
	}
	if strings.Contains(body, xss) {
		t.Error("the form shows a value's HTML unescaped")
	}

	// With the values and channels right, the unnamed audience is the
	// problem, beside the audience.
	form = mainBreakForm(t, s.cfg.Library, "Elm Street")
	form.Del("zones")
	resp, body = postNoticeForm(t, c, ts, "/console/notices/new/main-break", form)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `<p class="error" id="audience-error">name the audience`) {
		t.Errorf("no audience: %d, the audience's problem not beside it", resp.StatusCode)
	}
}

// segmentsOf reads the segment count of the first text message in an
// SMS fragment.
func segmentsOf(t *testing.T, frag string) int {
	t.Helper()
	m := regexp.MustCompile(`<strong>(\d+) segments?</strong>`).FindStringSubmatch(frag)
	if m == nil {
		t.Fatalf("no segment count in\n%s", frag)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestNewNoticeSMSFollowsTheText: the SMS fragment the form's script
// fetches counts the text as typed: a longer area takes more segments, a
// character outside GSM-7 turns it UCS-2, and a value with HTML is shown
// as text.
func TestNewNoticeSMSFollowsTheText(t *testing.T) {
	s, st, ts := newNoticeConsole(t)
	c, _ := testSignIn(t, ts, st, notices.RoleCoordinator)
	frag := func(area string) string {
		form := mainBreakForm(t, s.cfg.Library, area)
		form.Set("languages", "en")
		resp, body := postNoticeForm(t, c, ts, "/console/notices/new/main-break/sms", form)
		if resp.StatusCode != http.StatusOK || strings.Contains(body, "<html") {
			t.Fatalf("fragment: %d\n%s", resp.StatusCode, body)
		}
		return body
	}
	short, long := frag("Elm Street"), frag(strings.Repeat("Elm Street and ", 12))
	if a, b := segmentsOf(t, short), segmentsOf(t, long); b <= a {
		t.Errorf("segments: %d for a short area, %d for a long one; want more for the longer", a, b)
	}
	if !strings.Contains(short, "GSM-7") || !strings.Contains(frag("Żabka Street"), "UCS-2 because of: Ż") {
		t.Error("the encoding is not shown as the text decides it")
	}
	if x := frag("Elm " + xss); strings.Contains(x, xss) || !strings.Contains(x, "Elm &lt;script&gt;") {
		t.Error("the fragment shows a value's HTML unescaped")
	}
	// Each language's text is marked as that language, for a screen
	// reader to read it so.
	form := mainBreakForm(t, s.cfg.Library, "Elm Street")
	form.Set("languages", "es")
	if _, body := postNoticeForm(t, c, ts, "/console/notices/new/main-break/sms", form); !strings.Contains(body, `<p class="sms-text" lang="es">`) {
		t.Errorf("the Spanish text is not marked lang=\"es\":\n%s", body)
	}
	// An empty required value is counted as its example, and says so.
	form = mainBreakForm(t, s.cfg.Library, "")
	form.Set("languages", "en")
	if _, body := postNoticeForm(t, c, ts, "/console/notices/new/main-break/sms", form); !strings.Contains(body, "Counted with the example for: Affected area.") {
		t.Errorf("an empty area is not counted as its example:\n%s", body)
	}
}

// flashOf follows a redirect's flash: the page at the response's
// Location, read with c, and the line it shows.
func flashOf(t *testing.T, c *http.Client, ts *httptest.Server, resp *http.Response) (string, string) {
	t.Helper()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("%d; want 303 (POST-redirect-GET)", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	r, body := getPage(t, c, ts, loc)
	loc = withoutDone(t, loc)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", loc, r.StatusCode)
	}
	m := regexp.MustCompile(`<p class="flash" role="status">([^<]*)</p>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no flash on %s", loc)
	}
	return loc, body + "\x00" + m[1]
}

// withoutDone is address loc without the id of its flash line (done=),
// which the server keeps: the page it leads to.
func withoutDone(t *testing.T, loc string) string {
	t.Helper()
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if !q.Has("done") {
		t.Errorf("%s carries no flash line's id (done=)", loc)
	}
	q.Del("done")
	u.RawQuery = q.Encode()
	return u.String()
}

// TestNewNoticeFlowQueues: the form previews into a saved draft; its
// preview shows every rendering and the audience's counts; a proof goes
// to the signed-in user's own address and the page says where; "Send
// now" queues a message per contact and channel and the notice's page
// says so; a value's HTML is text on the preview and the notice's page.
func TestNewNoticeFlowQueues(t *testing.T) {
	s, st, ts := newNoticeConsole(t)
	zoneContacts(t, st, 3)
	c, u := testSignIn(t, ts, st, notices.RoleCoordinator)
	form := mainBreakForm(t, s.cfg.Library, "Elm Street "+xss)
	resp, _ := postNoticeForm(t, c, ts, "/console/notices/new/main-break", form)
	preview, page := flashOf(t, c, ts, resp)
	m := regexp.MustCompile(`^/console/notices/(\d+)/preview$`).FindStringSubmatch(preview)
	if m == nil {
		t.Fatalf("the form led to %s; want a draft's preview", preview)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	n, err := st.Notice(context.Background(), id)
	if err != nil || n.Status != notices.Draft {
		t.Fatalf("notice %d: %v, %s; want a saved draft", id, err, n.Status)
	}
	href := noticeHref(id)
	for _, want := range []string{
		`<th scope="row">email</th><td>3</td>`,
		`<th scope="row">sms</th><td>3</td>`,
		`<iframe tabindex="-1" src="` + href + `/flyer.pdf"`,
		`<iframe sandbox tabindex="-1" src="` + href + `/email/en"`,
		`<iframe sandbox tabindex="-1" src="` + href + `/email/es"`,
		"It goes to " + u.Email + " only",
		"Elm Street &lt;script&gt;alert(1)&lt;/script&gt;",
		`name="when" value="now"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the preview lacks %s", want)
		}
	}
	if strings.Contains(page, xss) {
		t.Error("the preview shows a value's HTML unescaped")
	}

	resp, _ = postNoticeForm(t, c, ts, href+"/proof", url.Values{})
	_, proof := flashOf(t, c, ts, resp)
	if !strings.Contains(proof, "Proof sent to "+u.Email+" (email)") {
		t.Errorf("the proof's flash does not say where it went: %q", proof[strings.LastIndex(proof, "\x00"):])
	}

	resp, _ = postNoticeForm(t, c, ts, href+"/send", url.Values{"when": {"now"}})
	to, sent := flashOf(t, c, ts, resp)
	if to != href || !strings.Contains(sent, "Notice "+m[1]+" sent: messages queued, email 3, sms 3") {
		t.Errorf("send led to %s saying %q", to, sent[strings.LastIndex(sent, "\x00"):])
	}
	queued := 0
	st.EachDeliveryIn(context.Background(), id, []notices.DeliveryStatus{notices.DeliveryQueued}, func(notices.Delivery) error { queued++; return nil })
	if queued != 6 {
		t.Errorf("%d deliveries queued; want 6 (3 contacts, email and sms)", queued)
	}
	if strings.Contains(sent, xss) {
		t.Error("the notice's page shows a value's HTML unescaped")
	}
	// Sent once: the draft is no longer one.
	resp, _ = postNoticeForm(t, c, ts, href+"/send", url.Values{"when": {"now"}})
	if _, again := flashOf(t, c, ts, resp); !strings.Contains(again, "no longer a draft") {
		t.Error("a second send is not refused")
	}
}

// signInAs is testSignIn for a user of that name: a second coordinator.
func signInAs(t *testing.T, ts *httptest.Server, st *notices.Store, name string, role notices.Role) *http.Client {
	t.Helper()
	ctx := context.Background()
	id, err := st.AddUser(ctx, notices.User{Name: name, Role: role, PasswordHash: "not-a-hash", Email: name + "@water.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	token, err := st.CreateSession(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	base, _ := url.Parse(ts.URL)
	jar.SetCookies(base, []*http.Cookie{{Name: sessionCookie, Value: token, Path: "/"}})
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// TestNewNoticeTwoPersonRule: a notice over the approval limit is held,
// says so, shows on the dashboard as waiting, and queues nothing; its
// sender cannot approve it; another coordinator can, and then it goes.
func TestNewNoticeTwoPersonRule(t *testing.T) {
	s, st, ts := newConsoleServer(t, func(c *Config) {
		c.App.Messages = scheduler.Config{Library: c.Library, Utility: c.Utility, PublicURL: c.PublicURL}
		c.App.ApprovalOver = 2
	})
	zoneContacts(t, st, 3)
	first, _ := testSignIn(t, ts, st, notices.RoleCoordinator)
	resp, _ := postNoticeForm(t, first, ts, "/console/notices/new/main-break", mainBreakForm(t, s.cfg.Library, "Elm Street"))
	preview := withoutDone(t, resp.Header.Get("Location"))
	href := strings.TrimSuffix(preview, "/preview")
	resp, _ = postNoticeForm(t, first, ts, href+"/send", url.Values{"when": {"now"}})
	to, page := flashOf(t, first, ts, resp)
	if to != href || !strings.Contains(page, "waits for approval") || !strings.Contains(page, "You asked for it to be sent: another coordinator must approve it.") ||
		strings.Contains(page, `action="`+href+`/approve"`) {
		t.Fatalf("held: led to %s; the page does not say it waits, or offers its sender the approval", to)
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(href, "/console/notices/"), 10, 64)
	count := func() int {
		k := 0
		st.EachDelivery(context.Background(), id, func(notices.Delivery) error { k++; return nil })
		return k
	}
	if k := count(); k != 0 {
		t.Fatalf("%d deliveries while it waits; want none", k)
	}
	if _, dash := getPage(t, first, ts, "/console/"); !strings.Contains(dash, "<h3>Waiting for approval</h3>") || !strings.Contains(dash, `<a href="`+href+`">`) {
		t.Error("the dashboard does not show it waiting")
	}
	resp, _ = postNoticeForm(t, first, ts, href+"/approve", url.Values{})
	if _, own := flashOf(t, first, ts, resp); !strings.Contains(own, "Not done: ") || count() != 0 {
		t.Error("its sender approved it")
	}
	// What waits for approval is not changed behind the approver's back.
	changed := mainBreakForm(t, s.cfg.Library, "Somewhere Else")
	changed.Set("action", "draft")
	changed.Set("draft", strconv.FormatInt(id, 10))
	resp, _ = postNoticeForm(t, first, ts, "/console/notices/new/main-break", changed)
	if _, refused := flashOf(t, first, ts, resp); !strings.Contains(refused, "cannot be changed") {
		t.Error("a notice waiting for approval was changed")
	}
	if n, _ := st.Notice(context.Background(), id); n.Values["area"] != "Elm Street" {
		t.Errorf("area %q; want the one asked for", n.Values["area"])
	}

	second := signInAs(t, ts, st, "second", notices.RoleCoordinator)
	if _, page := getPage(t, second, ts, href); !strings.Contains(page, `action="`+href+`/approve"`) {
		t.Fatal("another coordinator is not offered the approval")
	}
	resp, _ = postNoticeForm(t, second, ts, href+"/approve", url.Values{})
	if _, ok := flashOf(t, second, ts, resp); !strings.Contains(ok, "approved: sent: messages queued, email 3, sms 3") {
		t.Errorf("approved: %q", ok[strings.LastIndex(ok, "\x00"):])
	}
	if k := count(); k != 6 {
		t.Errorf("%d deliveries once approved; want 6", k)
	}
}

// TestNewNoticeSchedule: "Schedule" asks for its time, then schedules
// the draft for it; nothing is queued before then.
func TestNewNoticeSchedule(t *testing.T) {
	s, st, ts := newNoticeConsole(t)
	zoneContacts(t, st, 2)
	c, _ := testSignIn(t, ts, st, notices.RoleCoordinator)
	resp, _ := postNoticeForm(t, c, ts, "/console/notices/new/main-break", mainBreakForm(t, s.cfg.Library, "Elm Street"))
	href := strings.TrimSuffix(withoutDone(t, resp.Header.Get("Location")), "/preview")
	resp, _ = postNoticeForm(t, c, ts, href+"/send", url.Values{"when": {"schedule"}})
	if _, page := flashOf(t, c, ts, resp); !strings.Contains(page, "Not scheduled: pick the date and time") {
		t.Error("scheduling without a time is not refused")
	}
	at := time.Now().In(s.loc()).Add(48 * time.Hour).Format("2006-01-02T15:04")
	resp, _ = postNoticeForm(t, c, ts, href+"/send", url.Values{"when": {"schedule"}, "at": {at}})
	if _, page := flashOf(t, c, ts, resp); !strings.Contains(page, "scheduled: messages at its send time") {
		t.Errorf("scheduled: %q", page[strings.LastIndex(page, "\x00"):])
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(href, "/console/notices/"), 10, 64)
	n, _ := st.Notice(context.Background(), id)
	if n.Status != notices.Scheduled || n.SendAt.In(s.loc()).Format("2006-01-02T15:04") != at {
		t.Errorf("status %s at %v; want scheduled at %s", n.Status, n.SendAt, at)
	}
	if _, dash := getPage(t, c, ts, "/console/"); !strings.Contains(dash, `<a href="`+href+`">Notice `) {
		t.Error("the dashboard does not list it among the next to go out")
	}
}
