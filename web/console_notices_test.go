package web

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// xss is a value a coordinator or a customer might type that a page must
// show as text, never run.
const xss = `<script>alert(1)</script>`

// consoleNotice publishes a main-break notice with area set to area to
// three contacts by email, and fails one of the emails with reason.
func consoleNotice(t *testing.T, st *notices.Store, lib *templates.Library, area, reason string) notices.Notice {
	t.Helper()
	ctx := context.Background()
	for i, name := range []string{"Ana Ruiz", "Ben Ode " + xss, "Cy Lam"} {
		c := notices.Contact{Account: "A-" + strconv.Itoa(i), Name: name, Email: "c" + strconv.Itoa(i) + "@example.org", Mobile: "+1315555010" + strconv.Itoa(i)}
		if _, err := st.SaveContact(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	fam, err := lib.Family("main-break")
	if err != nil {
		t.Fatal(err)
	}
	values := fam.Examples()
	values["area"] = area
	id, err := st.CreateNotice(ctx, notices.Notice{Template: fam.Name, Values: values, Channels: []notices.Channel{notices.Email}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Publish(ctx, id, fam, "en"); err != nil {
		t.Fatal(err)
	}
	dels, err := st.Claim(ctx, notices.Email, "test", notices.ClaimScope{Notice: id}, 1, time.Minute)
	if err != nil || len(dels) != 1 {
		t.Fatalf("claim: %v, %d", err, len(dels))
	}
	out := notices.Outcome{ID: dels[0].ID, Status: notices.DeliveryFailed, Attempted: true, Error: reason, At: time.Now()}
	if _, err := st.Record(ctx, "test", []notices.Outcome{out}); err != nil {
		t.Fatal(err)
	}
	n, err := st.Notice(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// getPage GETs path with client c and returns the status and body.
func getPage(t *testing.T, c *http.Client, ts *httptest.Server, path string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// postForm POSTs form to path with client c and returns the response and body.
func postNoticeForm(t *testing.T, c *http.Client, ts *httptest.Server, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(ts.URL+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestConsoleNoticeRoutesRefuse: every route of the notices' pages
// sends a browser without a session to the sign-in page (a read) or
// refuses it (a write), and refuses a viewer anything that changes a
// notice.
func TestConsoleNoticeRoutesRefuse(t *testing.T) {
	s, st, ts := newConsoleServer(t, nil)
	n := consoleNotice(t, st, s.cfg.Library, "Maple Avenue", "550 no such user")
	id := "/console/notices/" + strconv.FormatInt(n.ID, 10)
	viewer, _ := testSignIn(t, ts, st, notices.RoleViewer)
	anonymous := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	tests := []struct {
		name, method, path string
		viewerMay          bool
	}{
		{"dashboard", "GET", "/console/", true},
		{"progress", "GET", "/console/progress", true},
		{"list", "GET", "/console/notices", true},
		{"detail", "GET", id, true},
		{"csv", "GET", id + "/deliveries.csv", true},
		{"flyer", "GET", id + "/flyer.pdf", true},
		{"letters", "GET", id + "/letters.pdf", true},
		{"email", "GET", id + "/email/en", true},
		{"chooser", "GET", "/console/notices/new", false},
		{"form", "GET", "/console/notices/new/main-break", false},
		{"cancel page", "GET", id + "/cancel", false},
		{"sms figures", "POST", "/console/notices/new/main-break/sms", false},
		{"cancel", "POST", id + "/cancel", false},
		{"resume", "POST", id + "/resume", false},
		{"approve", "POST", id + "/approve", false},
		{"compose", "POST", "/console/notices/new/main-break", false},
		{"proof", "POST", id + "/proof", false},
		{"send", "POST", id + "/send", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, ts.URL+tt.path, strings.NewReader(""))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := anonymous.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			switch {
			case tt.method == "GET" && (resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/console/login")):
				t.Errorf("no session: %d to %q; want 303 to the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
			case tt.method == "POST" && resp.StatusCode != http.StatusUnauthorized:
				t.Errorf("no session: %d; want 401", resp.StatusCode)
			}
			req, _ = http.NewRequest(tt.method, ts.URL+tt.path, strings.NewReader(""))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err = viewer.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if !tt.viewerMay && resp.StatusCode != http.StatusForbidden {
				t.Errorf("a viewer: %d; want 403", resp.StatusCode)
			}
			if tt.viewerMay && (resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized) {
				t.Errorf("a viewer: %d; want it let through", resp.StatusCode)
			}
		})
	}
}

// TestDashboardShowsWhatNeedsEyes: the dashboard shows the notice
// sending with its counts per channel, the failure with its reason, the
// reply waiting for review with its due date, the address suppressed this
// week; its progress fragment holds the same counts.
func TestDashboardShowsWhatNeedsEyes(t *testing.T) {
	ctx := context.Background()
	s, st, ts := newConsoleServer(t, nil)
	n := consoleNotice(t, st, s.cfg.Library, "Maple Avenue", "550 mailbox unavailable "+xss)
	if _, err := st.RecordInbound(ctx, notices.InboundText{SID: "SM1", From: "+13155550199", To: "+13155550100", Body: "please take me off " + xss,
		Kind: notices.ReplyReview, ReceivedAt: time.Now(), DueOn: "2026-01-02"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Suppress(ctx, "gone@example.org", notices.Manual, "asked by phone", "test-coordinator"); err != nil {
		t.Fatal(err)
	}
	c, _ := testSignIn(t, ts, st, notices.RoleViewer)
	resp, body := getPage(t, c, ts, "/console/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("dashboard: %d", resp.StatusCode)
	}
	for _, want := range []string{
		"Notice " + strconv.FormatInt(n.ID, 10),
		`<th scope="row">email</th><td>2</td><td>0</td><td>1</td>`, // 2 queued, 0 sent, 1 failed
		"550 mailbox unavailable &lt;script&gt;alert(1)&lt;/script&gt;",
		"please take me off &lt;script&gt;",
		"2026-01-02 <strong>overdue</strong>",
		"gone@example.org",
		`data-refresh="/console/progress"`,
		`<script src="/assets/console-notice.js" defer></script>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the dashboard lacks %q", want)
		}
	}
	if strings.Contains(body, xss) {
		t.Error("the dashboard shows a value's HTML unescaped")
	}
	resp, frag := getPage(t, c, ts, "/console/progress")
	if resp.StatusCode != http.StatusOK || !strings.Contains(frag, `<th scope="row">email</th><td>2</td><td>0</td><td>1</td>`) || strings.Contains(frag, "<html") {
		t.Errorf("progress fragment: %d\n%s", resp.StatusCode, frag)
	}
}

// TestNoticesListAndDetail: the list shows the notice with its counts;
// its page shows the report, the failure and its reason, the values and
// each language's rendering, the email in a sandboxed frame served with
// a policy that runs no script; a value's HTML is text on every page.
func TestNoticesListAndDetail(t *testing.T) {
	s, st, ts := newConsoleServer(t, nil)
	n := consoleNotice(t, st, s.cfg.Library, "Maple Avenue "+xss, "550 mailbox unavailable")
	c, _ := testSignIn(t, ts, st, notices.RoleCoordinator)
	href := "/console/notices/" + strconv.FormatInt(n.ID, 10)

	_, list := getPage(t, c, ts, "/console/notices")
	for _, want := range []string{`href="` + href + `"`, "email: 0 sent of 3, 2 queued, 1 failed", "sending"} {
		if !strings.Contains(list, want) {
			t.Errorf("the list lacks %q", want)
		}
	}

	resp, page := getPage(t, c, ts, href)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("detail: %d", resp.StatusCode)
	}
	for _, want := range []string{
		"550 mailbox unavailable",
		"Maple Avenue &lt;script&gt;alert(1)&lt;/script&gt;",
		`<iframe sandbox tabindex="-1" src="` + href + `/email/en"`,
		`<a href="` + href + `/email/en">The email on a page of its own</a>`,
		`<iframe sandbox tabindex="-1" src="` + href + `/email/es"`,
		href + "/deliveries.csv",
		href + "/flyer.pdf",
		href + "/cancel",
		"characters, GSM-7",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the notice's page lacks %q", want)
		}
	}
	for name, body := range map[string]string{"list": list, "detail": page} {
		if strings.Contains(body, xss) {
			t.Errorf("the %s shows a value's HTML unescaped", name)
		}
	}

	resp, email := getPage(t, c, ts, href+"/email/en")
	csp := resp.Header.Get("Content-Security-Policy")
	if resp.StatusCode != http.StatusOK || !strings.Contains(csp, "sandbox") || strings.Contains(csp, "script-src") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("email: %d, CSP %q", resp.StatusCode, csp)
	}
	if strings.Contains(email, xss) || !strings.Contains(email, "Maple Avenue &lt;script&gt;") {
		t.Error("the email's HTML does not escape the value")
	}

	resp, pdf := getPage(t, c, ts, href+"/flyer.pdf")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf, "%PDF") {
		t.Errorf("flyer: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp, _ := getPage(t, c, ts, href+"/letters.pdf"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("letters of a notice without print: %d; want 404", resp.StatusCode)
	}
	if resp, _ := getPage(t, c, ts, "/console/notices/999"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown notice: %d; want 404", resp.StatusCode)
	}
}

// TestNoticesCSVExport: the export has a row per delivery, with its
// status and the failure's reason, and neutralises a cell a spreadsheet
// would run.
func TestNoticesCSVExport(t *testing.T) {
	s, st, ts := newConsoleServer(t, nil)
	n := consoleNotice(t, st, s.cfg.Library, "Maple Avenue", "=HYPERLINK(\"http://evil\")")
	c, _ := testSignIn(t, ts, st, notices.RoleViewer)
	resp, body := getPage(t, c, ts, "/console/notices/"+strconv.FormatInt(n.ID, 10)+"/deliveries.csv")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("csv: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || strings.Join(rows[0], ",") != strings.Join(notices.DeliveryColumns, ",") {
		t.Fatalf("%d rows, header %v", len(rows), rows[0])
	}
	failed := 0
	for _, r := range rows[1:] {
		if r[5] == "failed" {
			failed++
			if r[8] != `'=HYPERLINK("http://evil")` {
				t.Errorf("the reason cell is %q; want it neutralised", r[8])
			}
		}
	}
	if failed != 1 {
		t.Errorf("%d failed rows; want 1", failed)
	}
}

// TestNoticesCancelAsks: cancelling asks first (a page that says what it
// does, whose button posts), then withdraws what has not gone and says
// how many; the notice's page shows it cancelled.
func TestNoticesCancelAsks(t *testing.T) {
	s, st, ts := newConsoleServer(t, nil)
	n := consoleNotice(t, st, s.cfg.Library, "Maple Avenue", "550 no such user")
	c, _ := testSignIn(t, ts, st, notices.RoleCoordinator)
	href := noticeHref(n.ID)
	resp, page := getPage(t, c, ts, href+"/cancel")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `<form method="post" action="`+href+`/cancel">`) ||
		!strings.Contains(page, "Every message not yet sent is withdrawn") {
		t.Fatalf("the confirmation: %d\n%s", resp.StatusCode, page)
	}
	if n, _ := st.Notice(context.Background(), n.ID); n.Status != notices.Sending {
		t.Fatalf("asking cancelled it: %s", n.Status)
	}
	resp, _ = postNoticeForm(t, c, ts, href+"/cancel", url.Values{})
	_, flash := flashOf(t, c, ts, resp)
	if !strings.Contains(flash, "Notice "+strconv.FormatInt(n.ID, 10)+" cancelled: 2 message(s) not yet sent were withdrawn.") {
		t.Errorf("flash %q", flash[strings.LastIndex(flash, "\x00"):])
	}
	if n, _ := st.Notice(context.Background(), n.ID); n.Status != notices.Cancelled {
		t.Errorf("status %s; want cancelled", n.Status)
	}
	// Cancelled twice: refused, said on the page.
	resp, _ = postNoticeForm(t, c, ts, href+"/cancel", url.Values{})
	if _, again := flashOf(t, c, ts, resp); !strings.Contains(again, "Not done: ") {
		t.Error("a second cancel is not refused on the page")
	}
}

// TestNoticesResumeAPausedChannel: a paused channel is shown with why,
// and its button lets it go on.
func TestNoticesResumeAPausedChannel(t *testing.T) {
	s, st, ts := newConsoleServer(t, nil)
	n := consoleNotice(t, st, s.cfg.Library, "Maple Avenue", "550 no such user")
	if err := st.PauseChannel(context.Background(), n.ID, notices.Email, "the SMTP server refused the login"); err != nil {
		t.Fatal(err)
	}
	c, _ := testSignIn(t, ts, st, notices.RoleCoordinator)
	href := noticeHref(n.ID)
	_, page := getPage(t, c, ts, href)
	if !strings.Contains(page, "<strong>email is paused</strong>: the SMTP server refused the login.") ||
		!strings.Contains(page, `<input type="hidden" name="channel" value="email"><button type="submit">Resume email</button>`) {
		t.Fatalf("the paused channel is not shown with its button")
	}
	resp, _ := postNoticeForm(t, c, ts, href+"/resume", url.Values{"channel": {"email"}})
	if _, flash := flashOf(t, c, ts, resp); !strings.Contains(flash, "resumed: email go(es) on.") {
		t.Errorf("flash %q", flash[strings.LastIndex(flash, "\x00"):])
	}
	if ps, _ := st.Pauses(context.Background(), n.ID); len(ps) != 0 {
		t.Errorf("still paused: %v", ps)
	}
}
