package web

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
)

// flushingForm is the campaign form of a hydrant flushing campaign on
// the 1st of each month, to the list customers.
func flushingForm(name string) url.Values {
	return url.Values{
		"template": {"hydrant-flushing"}, "name": {name}, "cron": {"0 9 1 * *"}, "zone": {"America/New_York"},
		"channels": {"email"}, "lists": {"customers"},
		"values.area": {"Oak Hill"}, "values.start_date": {"+7d"}, "values.end_date": {"+14d"},
		"values.start_time": {"8:00 AM"}, "values.end_time": {"4:00 PM"}, "values.days": {"weekdays"},
	}
}

// withMessages gives the application core the dispatcher's message
// configuration (config.App does), which a campaign's check needs.
func withMessages(c *Config) {
	c.App.Messages = scheduler.Config{Library: c.Library, Utility: c.Utility, DefaultLanguage: c.DefaultLanguage}
}

// consoleWithCustomers is a console server whose store holds two
// customers with an email on the list customers, and a coordinator.
func consoleWithCustomers(t *testing.T) (*http.Client, *notices.Store, string) {
	t.Helper()
	_, st, ts := newConsoleServer(t, withMessages)
	saveContacts(t, st,
		notices.Contact{Account: "1001", Name: "Ana Diaz", Email: "ana@water.example.org", Zone: "4"},
		notices.Contact{Account: "1002", Name: "Bo Lee", Email: "bo@water.example.org", Zone: "4"})
	if _, err := st.CreateList(t.Context(), "customers"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddToList(t.Context(), "customers", "1001", "1002"); err != nil {
		t.Fatal(err)
	}
	coord, _ := testSignIn(t, ts, st, notices.RoleCoordinator)
	return coord, st, ts.URL
}

func TestConsoleCampaignCheckThenCreateShowsNextFirings(t *testing.T) {
	coord, st, base := consoleWithCustomers(t)
	form := flushingForm("spring")
	form.Set("action", "check")
	res := consoleDo(t, coord, http.MethodPost, base+"/console/campaigns/new", form)
	body := readBody(t, res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("check = %d:\n%s", res.StatusCode, body)
	}
	for _, want := range []string{"As checked: nothing is saved yet", "<strong>on the 1st of every month at 09:00</strong>", "The audience has 2 contact(s)", "email: 2 reached"} {
		if !strings.Contains(body, want) {
			t.Errorf("the check lacks %q:\n%s", want, body)
		}
	}
	if n := strings.Count(body, "start_date: "); n != 5 {
		t.Errorf("the check shows %d firings with their start date resolved, want 5:\n%s", n, body)
	}
	if cs, _ := st.Campaigns(t.Context()); len(cs) != 0 {
		t.Fatalf("the check saved %d campaign(s)", len(cs))
	}

	form.Set("action", "save")
	res = consoleDo(t, coord, http.MethodPost, base+"/console/campaigns/new", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save = %d:\n%s", res.StatusCode, readBody(t, res))
	}
	_, list := consoleGet(t, coord, base+res.Header.Get("Location"))
	if !strings.Contains(list, "Campaign spring added; it fires next ") {
		t.Errorf("no flash line:\n%s", list)
	}
	dates := regexp.MustCompile(`<td>[A-Z][a-z]{2} \d{4}-\d\d-01 09:00 E[SD]T</td><td>[^<]+ UTC</td><td>start_date: [A-Z][a-z]+ 8, \d{4}, end_date: [A-Z][a-z]+ 15, \d{4}</td><td>yes</td>`)
	if n := len(dates.FindAllString(list, -1)); n != 5 {
		t.Errorf("the list shows %d next firings on the 1st with the 8th and the 15th, want 5:\n%s", n, list)
	}
	_, audit := consoleGet(t, coord, base+"/console/audit")
	if !strings.Contains(audit, "<td>campaign-add</td><td>campaign spring</td>") {
		t.Errorf("the audit log lacks the campaign:\n%s", audit)
	}
}

func TestConsoleCampaignErrorsBesideTheirFields(t *testing.T) {
	coord, st, base := consoleWithCustomers(t)
	for _, c := range []struct {
		name, field, value, id string
	}{
		{"bad cron", "cron", "61 9 * * *", "f-cron"},
		{"never fires", "cron", "0 9 31 2 *", "f-cron"},
		{"abbreviated zone", "zone", "EST", "f-zone"},
		{"relative date unread", "values.start_date", "+7days", "f-values.start_date"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, action := range []string{"check", "save"} {
				form := flushingForm("spring")
				form.Set(c.field, c.value)
				form.Set("action", action)
				res := consoleDo(t, coord, http.MethodPost, base+"/console/campaigns/new", form)
				body := readBody(t, res)
				if res.StatusCode != http.StatusUnprocessableEntity {
					t.Fatalf("%s = %d", action, res.StatusCode)
				}
				input := regexp.MustCompile(`<(input|select|textarea)[^>]* id="` + regexp.QuoteMeta(c.id) + `"[^>]*>`).FindString(body)
				if !strings.Contains(input, `aria-invalid="true"`) || !strings.Contains(input, c.id+"-error") {
					t.Errorf("%s: the field is not marked with its error: %s", action, input)
				}
				if !regexp.MustCompile(`<p class="error" id="` + regexp.QuoteMeta(c.id) + `-error">[^<]+</p>`).MatchString(body) {
					t.Errorf("%s: no error beside %s:\n%s", action, c.id, body)
				}
				if !strings.Contains(html.UnescapeString(body), `value="`+c.value+`"`) {
					t.Errorf("%s: the form lost the value %q", action, c.value)
				}
			}
		})
	}
	if cs, _ := st.Campaigns(t.Context()); len(cs) != 0 {
		t.Errorf("%d campaign(s) saved", len(cs))
	}
}

func TestConsoleCampaignEditPauseResumeDelete(t *testing.T) {
	coord, st, base := consoleWithCustomers(t)
	const evil = "<b>x</b>"
	form := flushingForm(evil)
	form.Set("action", "save")
	if res := consoleDo(t, coord, http.MethodPost, base+"/console/campaigns/new", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save = %d:\n%s", res.StatusCode, readBody(t, res))
	}
	path := base + "/console/campaigns/" + url.PathEscape(evil)
	status, body := consoleGet(t, coord, path+"/edit")
	if status != http.StatusOK || !strings.Contains(body, `value="0 9 1 * *"`) || !strings.Contains(body, `value="&#43;7d"`) {
		t.Fatalf("edit form = %d:\n%s", status, body)
	}
	form = flushingForm(evil)
	form.Set("cron", "0 9 * * 1")
	form.Set("action", "check")
	res := consoleDo(t, coord, http.MethodPost, path+"/edit", form)
	if body := readBody(t, res); res.StatusCode != http.StatusOK || !strings.Contains(body, "<strong>every Monday at 09:00</strong>") {
		t.Errorf("edit check = %d:\n%s", res.StatusCode, body)
	}
	if c, _ := st.Campaign(t.Context(), evil); c.Schedule != "0 9 1 * *" {
		t.Errorf("the edit's check saved the schedule %q", c.Schedule)
	}
	form.Set("action", "save")
	res = consoleDo(t, coord, http.MethodPost, path+"/edit", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit = %d:\n%s", res.StatusCode, readBody(t, res))
	}
	if c, _ := st.Campaign(t.Context(), evil); c.Schedule != "0 9 * * 1" {
		t.Errorf("edited schedule = %q", c.Schedule)
	}
	for _, step := range []struct{ action, want string }{{"pause", "paused"}, {"resume", "resumed"}} {
		res := consoleDo(t, coord, http.MethodPost, path+"/"+step.action, url.Values{})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s = %d", step.action, res.StatusCode)
		}
		_, list := consoleGet(t, coord, base+res.Header.Get("Location"))
		if !strings.Contains(html.UnescapeString(list), "Campaign "+evil+" "+step.want) {
			t.Errorf("%s: no flash line:\n%s", step.action, list)
		}
	}
	for _, p := range []string{base + "/console/campaigns", path + "/edit", path + "/delete", base + "/console/audit"} {
		_, body := consoleGet(t, coord, p)
		if strings.Contains(body, evil) || !strings.Contains(body, html.EscapeString(evil)) {
			t.Errorf("%s does not show the name escaped:\n%s", p, body)
		}
	}
	if status, body := consoleGet(t, coord, path+"/delete"); status != http.StatusOK || !strings.Contains(body, "the notices it published stay") {
		t.Errorf("delete confirmation = %d:\n%s", status, body)
	}
	if _, err := st.Campaign(t.Context(), evil); err != nil {
		t.Fatal("the confirmation page deleted it")
	}
	if res := consoleDo(t, coord, http.MethodPost, path+"/delete", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete = %d", res.StatusCode)
	}
	if _, err := st.Campaign(t.Context(), evil); notices.ErrorCode(err) != notices.NotFound {
		t.Errorf("after delete: %v", err)
	}
	_, audit := consoleGet(t, coord, base+"/console/audit")
	for _, a := range []string{"campaign-add", "campaign-edit", "campaign-pause", "campaign-resume", "campaign-delete"} {
		if !strings.Contains(audit, "<td>"+a+"</td>") {
			t.Errorf("the audit log lacks %s", a)
		}
	}
}

// TestConsoleCampaignErrorsOfNoFieldShownGoOverTheForm: a problem of a
// field the form does not draw (the values as a whole) is not lost.
func TestConsoleCampaignErrorsOfNoFieldShownGoOverTheForm(t *testing.T) {
	f := campaignForm{Settings: []formInput{{Name: "cron"}}, Values: []formInput{{Name: "values.area"}}}
	got := placed(fieldErrors{"cron": "bad spec", "values": "does not render", "values.area": "too long", "": "cannot be saved"}, f)
	want := fieldErrors{"cron": "bad spec", "values.area": "too long", "": "cannot be saved does not render"}
	if len(got) != len(want) {
		t.Fatalf("placed = %q, want %q", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("placed[%q] = %q, want %q", k, got[k], v)
		}
	}
}

// TestConsoleListInUseNamesItsCampaignsBeforeDeleting: deleting a list an
// enabled campaign sends to names the campaign and asks again.
func TestConsoleListInUseNamesItsCampaignsBeforeDeleting(t *testing.T) {
	coord, st, base := consoleWithCustomers(t)
	form := flushingForm("spring")
	form.Set("action", "save")
	if res := consoleDo(t, coord, http.MethodPost, base+"/console/campaigns/new", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save = %d", res.StatusCode)
	}
	res := consoleDo(t, coord, http.MethodPost, base+"/console/lists/customers/delete", url.Values{})
	body := readBody(t, res)
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "customers is the audience of campaign spring, still to send") ||
		!strings.Contains(body, `name="force" value="1"`) {
		t.Fatalf("deleting a list in use = %d:\n%s", res.StatusCode, body)
	}
	if _, err := st.List(t.Context(), "customers"); err != nil {
		t.Fatal("the list went without the second yes")
	}
	if res := consoleDo(t, coord, http.MethodPost, base+"/console/lists/customers/delete", url.Values{"force": {"1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete all the same = %d", res.StatusCode)
	}
	if _, err := st.List(t.Context(), "customers"); notices.ErrorCode(err) != notices.NotFound {
		t.Errorf("after delete all the same: %v", err)
	}
}
