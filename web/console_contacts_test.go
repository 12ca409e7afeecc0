package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// upload posts a multipart form with one file (field, name, content) and
// the other fields, and returns the status and body.
func upload(t *testing.T, c *http.Client, u, field, name, content string, fields map[string]string) (int, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, err := mw.CreateFormFile(field, name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write([]byte(content))
	mw.Close()
	res, err := c.Post(u, mw.FormDataContentType(), &b)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out bytes.Buffer
	out.ReadFrom(res.Body)
	return res.StatusCode, out.String()
}

const importFile = `account,name,email,mobile,zone
A-1,<b>x</b>,ana@water.example.org,315-555-0101,north
A-2,Ben Ortiz,not-an-email,,north
A-3,Cleo Park,cleo@water.example.org,,south
A-1,Again,again@water.example.org,,north
`

func TestConsoleContactImportShowsRejectsAndDownloadsThem(t *testing.T) {
	_, st, ts := newConsoleServer(t, nil)
	coord, _ := testSignIn(t, ts, st, notices.RoleCoordinator)
	status, body := upload(t, coord, ts.URL+"/console/contacts/import", "file", "customers.csv", importFile, map[string]string{"list": "north-route"})
	if status != http.StatusOK {
		t.Fatalf("import = %d:\n%s", status, body)
	}
	for _, want := range []string{"<dt>Rows read</dt><dd>4</dd>", "<dt>Added</dt><dd>2</dd>", "<dt>Rejected</dt><dd>2 (1 repeated an account)</dd>", "Joined list north-route"} {
		if !strings.Contains(body, want) {
			t.Errorf("the result lacks %q:\n%s", want, body)
		}
	}
	if !strings.Contains(body, "not-an-email") || !strings.Contains(body, "<td>3</td>") {
		t.Errorf("the result does not list the rejected row 3 with its cells:\n%s", body)
	}
	link := regexp.MustCompile(`href="(/console/contacts/import/[0-9a-f]+/rejects\.csv)"`).FindStringSubmatch(body)
	if link == nil {
		t.Fatalf("no download link for the rejects:\n%s", body)
	}
	res := consoleDo(t, coord, http.MethodGet, ts.URL+link[1], nil)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		res.Header.Get("Content-Disposition") != `attachment; filename="customers.rejects.csv"` {
		t.Fatalf("download = %d %v", res.StatusCode, res.Header)
	}
	recs, err := csv.NewReader(res.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[0][len(recs[0])-2] != "line" || recs[1][0] != "A-2" || recs[2][0] != "A-1" || recs[2][len(recs[2])-2] != "5" {
		t.Errorf("rejects CSV = %q, want the header with line and reason, then rows 3 and 5", recs)
	}
	// Another user cannot read them.
	other, _ := testSignIn(t, ts, st, notices.RoleAdmin)
	if res := consoleDo(t, other, http.MethodGet, ts.URL+link[1], nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("another user's download = %d, want 404", res.StatusCode)
	}
	// The import is in the audit log.
	_, audit := consoleGet(t, coord, ts.URL+"/console/audit")
	if !strings.Contains(audit, "<td>import</td><td>contacts</td><td>customers.csv: ") {
		t.Errorf("the audit log lacks the import:\n%s", audit)
	}
}

func TestConsoleContactImportWithoutFileSaysSoBesideTheField(t *testing.T) {
	_, st, ts := newConsoleServer(t, nil)
	coord, _ := testSignIn(t, ts, st, notices.RoleCoordinator)
	status, body := upload(t, coord, ts.URL+"/console/contacts/import", "other", "x.csv", "", nil)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `aria-invalid="true"`) ||
		!strings.Contains(body, `<p class="error" id="f-file-error">Choose a file to upload.</p>`) {
		t.Errorf("import without a file = %d:\n%s", status, body)
	}
}

func TestConsoleContactSearch(t *testing.T) {
	_, st, ts := newConsoleServer(t, nil)
	saveContacts(t, st,
		notices.Contact{Account: "A-1", Name: "Ana Diaz", Email: "ana@water.example.org", Mobile: "+13155550101", Zone: "north", ServiceAddress: "12 Elm Street"},
		notices.Contact{Account: "A-2", Name: "Ben Ortiz", Email: "ben@water.example.org", Zone: "south", ServiceAddress: "4 Oak Avenue"},
		notices.Contact{Account: "A-3", Name: "Cleo 100% Park", Zone: "south-east"},
	)
	viewer, _ := testSignIn(t, ts, st, notices.RoleViewer)
	for _, c := range []struct {
		name, q string
		want    []string
	}{
		{"name", "ana", []string{"A-1"}},
		{"email", "ben@water", []string{"A-2"}},
		{"phone as written", "(315) 555-0101", []string{"A-1"}},
		{"address", "oak ave", []string{"A-2"}},
		{"zone is exact", "south", []string{"A-2"}},
		{"account", "a-3", []string{"A-3"}},
		{"a percent sign is a percent sign", "0%", []string{"A-3"}},
		{"nothing", "zebra", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, body := consoleGet(t, viewer, ts.URL+"/console/contacts?q="+url.QueryEscape(c.q))
			if status != http.StatusOK {
				t.Fatalf("search = %d", status)
			}
			got := regexp.MustCompile(`<td>(A-\d)</td>`).FindAllStringSubmatch(body, -1)
			var accounts []string
			for _, g := range got {
				accounts = append(accounts, g[1])
			}
			if strings.Join(accounts, ",") != strings.Join(c.want, ",") {
				t.Errorf("search %q found %v, want %v", c.q, accounts, c.want)
			}
		})
	}
}

func TestConsoleSuppressThenResubscribeWithReasons(t *testing.T) {
	_, st, ts := newConsoleServer(t, nil)
	saveContacts(t, st, notices.Contact{Account: "A-1", Name: "Ana Diaz", Email: "ana@water.example.org", Mobile: "+13155550101"})
	coord, u := testSignIn(t, ts, st, notices.RoleCoordinator)
	contact := ts.URL + "/console/contact/A-1"

	// A reason is required, and its absence is said beside the field.
	res := consoleDo(t, coord, http.MethodPost, ts.URL+"/console/contacts/suppress", url.Values{"address": {"(315) 555-0101"}, "account": {"A-1"}})
	body := readBody(t, res)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-reason-error"`) ||
		!strings.Contains(body, `aria-describedby="f-reason-help f-reason-error" aria-invalid="true"`) {
		t.Errorf("suppress without a reason = %d:\n%s", res.StatusCode, body)
	}
	if _, ok, _ := st.Suppressed(context.Background(), "+13155550101"); ok {
		t.Fatal("suppressed without a reason")
	}

	res = consoleDo(t, coord, http.MethodPost, ts.URL+"/console/contacts/suppress",
		url.Values{"address": {"(315) 555-0101"}, "account": {"A-1"}, "reason": {"customer called: <i>no texts</i>"}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/console/contact/A-1?done=") {
		t.Fatalf("suppress = %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	_, page := consoleGet(t, coord, ts.URL+res.Header.Get("Location"))
	if !strings.Contains(page, "customer called: &lt;i&gt;no texts&lt;/i&gt;") {
		t.Errorf("the contact's page lacks the reason, escaped:\n%s", page)
	}
	for _, want := range []string{"Suppressed +13155550101", "<strong>Suppressed</strong>", "by " + u.Name} {
		if !strings.Contains(html.UnescapeString(page), want) {
			t.Errorf("the contact's page lacks %q:\n%s", want, page)
		}
	}

	res = consoleDo(t, coord, http.MethodPost, ts.URL+"/console/contacts/resubscribe",
		url.Values{"address": {"+13155550101"}, "account": {"A-1"}, "reason": {"asked for texts again on 2026-12-01"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("resubscribe = %d", res.StatusCode)
	}
	if _, ok, _ := st.Suppressed(context.Background(), "+13155550101"); ok {
		t.Fatal("still suppressed after the resubscription")
	}
	_, page = consoleGet(t, coord, contact)
	if !strings.Contains(page, "<td>resubscribed</td><td>asked for texts again on 2026-12-01</td>") {
		t.Errorf("the contact's page lacks the resubscription and its reason:\n%s", page)
	}
	_, audit := consoleGet(t, coord, ts.URL+"/console/audit")
	for _, want := range []string{
		"<td>" + u.Name + "</td><td>suppress</td><td>&#43;13155550101</td><td>manual: customer called: &lt;i&gt;no texts&lt;/i&gt;</td>",
		"<td>" + u.Name + "</td><td>resubscribe</td><td>&#43;13155550101</td><td>asked for texts again on 2026-12-01</td>",
	} {
		if !strings.Contains(audit, want) {
			t.Errorf("the audit page lacks %q:\n%s", want, audit)
		}
	}
	if strings.Index(audit, "resubscribe") > strings.Index(audit, "<td>suppress</td>") {
		t.Error("the audit page is not newest first")
	}
}

// readBody returns res's body.
func readBody(t *testing.T, res *http.Response) string {
	t.Helper()
	var b bytes.Buffer
	b.ReadFrom(res.Body)
	return b.String()
}

func TestConsoleContactPagesEscapeHTML(t *testing.T) {
	_, st, ts := newConsoleServer(t, nil)
	const evil = "<b>x</b>"
	saveContacts(t, st, notices.Contact{Account: "A-1", Name: evil, Email: "ana@water.example.org", Zone: "north", ServiceAddress: evil})
	ctx := context.Background()
	if _, err := st.CreateList(ctx, evil); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddToList(ctx, evil, "A-1"); err != nil {
		t.Fatal(err)
	}
	coord, _ := testSignIn(t, ts, st, notices.RoleCoordinator)
	for _, p := range []string{"/console/contacts?q=north", "/console/contact/A-1", "/console/lists", "/console/lists/" + url.PathEscape(evil), "/console/lists/" + url.PathEscape(evil) + "/delete"} {
		status, body := consoleGet(t, coord, ts.URL+p)
		if status != http.StatusOK {
			t.Errorf("%s = %d", p, status)
		}
		if strings.Contains(body, evil) || !strings.Contains(body, html.EscapeString(evil)) {
			t.Errorf("%s does not show %q escaped:\n%s", p, evil, body)
		}
	}
}

// TestConsoleImportRejectsKeptForAnHourAndTheNewest16 holds the limits
// the README gives for the download of an import's rejects.
func TestConsoleImportRejectsKeptForAnHourAndTheNewest16(t *testing.T) {
	var rs restState
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	first := rs.keepRejects(at, "ana", "a.csv", []byte("x"))
	if _, _, ok := rs.rejects(at.Add(59*time.Minute), first, "ana"); !ok {
		t.Error("gone within the hour")
	}
	if _, _, ok := rs.rejects(at.Add(61*time.Minute), first, "ana"); ok {
		t.Error("kept past the hour")
	}
	ids := []string{rs.keepRejects(at, "ana", "0.csv", []byte("x"))}
	for i := 1; i <= keptImports; i++ {
		ids = append(ids, rs.keepRejects(at.Add(time.Duration(i)*time.Second), "ana", "n.csv", []byte("x")))
	}
	if _, _, ok := rs.rejects(at.Add(time.Minute), ids[0], "ana"); ok {
		t.Errorf("the oldest of %d imports is still kept", keptImports+1)
	}
	if _, _, ok := rs.rejects(at.Add(time.Minute), ids[1], "ana"); !ok || keptImports != 16 {
		t.Errorf("the newest %d imports are not all kept", keptImports)
	}
}

func TestConsoleContactPageShowsDeliveriesAndReplies(t *testing.T) {
	_, st, ts := newConsoleServer(t, nil)
	ctx := context.Background()
	saveContacts(t, st, notices.Contact{Account: "A-1", Name: "Ana Diaz", Email: "ana@water.example.org", Mobile: "+13155550101"})
	lib := mustBuiltin(t)
	fam, _ := lib.Family("hydrant-flushing")
	id, err := st.CreateNotice(ctx, notices.Notice{Template: fam.Name, Values: fam.Examples(), Languages: []string{"en"},
		Channels: []notices.Channel{notices.Email, notices.SMS}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Publish(ctx, id, fam, "en"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RecordInbound(ctx, notices.InboundText{SID: "SM1", From: "+13155550101", To: "+13155550100",
		Body: "is my street <b>included</b>?", Kind: notices.ReplyFeedback, ReceivedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	viewer, _ := testSignIn(t, ts, st, notices.RoleViewer)
	status, body := consoleGet(t, viewer, ts.URL+"/console/contact/A-1")
	if status != http.StatusOK {
		t.Fatalf("contact page = %d", status)
	}
	text := html.UnescapeString(body)
	for _, want := range []string{
		fmt.Sprintf(`<td><a href="/console/notices/%d">%d</a></td><td>hydrant-flushing</td><td>email</td><td>ana@water.example.org</td><td>queued</td>`, id, id),
		fmt.Sprintf(`<td><a href="/console/notices/%d">%d</a></td><td>hydrant-flushing</td><td>sms</td><td>+13155550101</td><td>queued</td>`, id, id),
		"<td>feedback</td><td>is my street <b>included</b>?</td>",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the contact's page lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "<b>included</b>") {
		t.Error("a reply's text is not escaped")
	}
	if strings.Contains(body, `action="/console/contacts/suppress"`) {
		t.Error("a viewer is offered to suppress")
	}
	if status, _ := consoleGet(t, viewer, ts.URL+"/console/contact/A-404"); status != http.StatusNotFound {
		t.Errorf("an unknown account = %d, want 404", status)
	}
}

func mustBuiltin(t *testing.T) *templates.Library {
	t.Helper()
	lib, problems := templates.Builtin()
	if len(problems.Errors()) > 0 {
		t.Fatal(problems)
	}
	return lib
}

func TestConsoleImportOfEveryRowRejectedSaysSoWithTheRejects(t *testing.T) {
	_, st, ts := newConsoleServer(t, nil)
	coord, _ := testSignIn(t, ts, st, notices.RoleCoordinator)
	status, body := upload(t, coord, ts.URL+"/console/contacts/import", "file", "latin.csv", "account,email\nA-1,not-an-email\nA-2,nor-this\n", nil)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "every row of latin.csv was rejected") ||
		!strings.Contains(body, "/rejects.csv") || !strings.Contains(body, "<dt>Rejected</dt><dd>2</dd>") {
		t.Errorf("every row rejected = %d:\n%s", status, body)
	}
}
