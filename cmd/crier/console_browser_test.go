package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/internal/browsertest"
	"github.com/crier-notices/crier/internal/testenv"
)

// Acceptance 1 of the console: a coordinator who has only a browser and
// a freshly started crier serve creates the first admin at the setup
// address, drafts a boil water advisory for one zone, watches the text
// message's segments change as they type, previews it, sends a proof to
// themselves, sends it, watches it reach done, and finds the emails in
// Mailpit and the report in the console. Every console page it passes is
// then held to WCAG 2.2 AA (acceptance 2). The screenshots of each step
// are written to a folder when it fails (browsertest.ScreenshotsEnv).
func TestConsoleBoilWaterAdvisoryInABrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("builds crier, runs crier serve and a browser")
	}
	mp := testenv.Mailpit(t)
	bin := buildCrier(t)
	cfg := serveConfig(t, mp, "[dispatch]\npoll = \"1h\"\n")
	customers := filepath.Join(filepath.Dir(cfg), "zones.csv")
	csv := "account,name,email,mobile,zone,language\n" +
		"N1,Ana North,ana.north@example.org,+13155550101,north,en\n" +
		"N2,Bo North,bo.north@example.org,+13155550102,north,es\n" +
		"N3,Cy North,cy.north@example.org,,north,en\n" +
		"S1,Di South,di.south@example.org,+13155550104,south,en\n" +
		"S2,Ed South,ed.south@example.org,,south,en\n"
	if err := os.WriteFile(customers, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	runBin(t, bin, cfg, "contacts", "import", customers)
	p := startServe(t, bin, cfg)
	setup := p.entry(t, "setup")
	web := p.web
	if !strings.HasPrefix(setup, web+"/console/setup/") {
		t.Fatalf("setup address %q is not on the web listener %s", setup, web)
	}

	b := browsertest.New(t)
	const password = "boil the water for one minute"
	b.Open(setup)
	b.Step("create the first admin",
		browsertest.Fill("#name", "ada"),
		browsertest.Fill("#password", password),
		browsertest.Fill("#password2", password),
		browsertest.Fill("#email", "ada@water.example.org"),
		browsertest.Fill("#phone", "+13155550199"),
		browsertest.Click("button[type=submit]"),
		browsertest.WaitText("h1", "Dashboard"))
	if got := b.Open(setup); got != http.StatusNotFound {
		t.Errorf("the setup address answers %d after the admin was made; want 404", got)
	}
	b.Open(web + "/console/")
	b.Step("sign out",
		browsertest.Click(".signout button"),
		browsertest.WaitVisible("#password"))
	b.Open(web + "/console/")
	b.Step("sign in",
		browsertest.Fill("#name", "ada"),
		browsertest.Fill("#password", password),
		browsertest.Click("button[type=submit]"),
		browsertest.WaitText("h1", "Dashboard"))

	occurred := time.Now().AddDate(0, 0, -1).Format(time.DateOnly)
	expected := time.Now().AddDate(0, 0, 2).Format(time.DateOnly)
	b.Step("choose the boil water advisory",
		browsertest.Click(`a[href="/console/notices/new"]`),
		browsertest.WaitText("h1", "New notice"),
		browsertest.Click(`a[href="/console/notices/new/boil-water-advisory"]`),
		browsertest.WaitVisible("#f-area"))
	b.Step("fill in the advisory for the north zone",
		browsertest.Fill("#f-area", "Oak Hill Road"),
		browsertest.Select("#f-cause", "main-break"),
		browsertest.Select("#f-occurred", occurred),
		browsertest.Select("#f-expected", expected),
		browsertest.Fill("#zones", "north"),
		// Email and text are ticked at first; print is not.
		browsertest.WaitJS(`document.querySelector("input[name=channels][value=email]").checked && document.querySelector("input[name=channels][value=sms]").checked && !document.querySelector("input[name=channels][value=print]").checked`),
		browsertest.WaitText("#sms-figures", "Oak Hill Road"))
	segments := `parseInt(document.querySelector("#sms-figures .sms-figures strong").textContent)`
	short := browsertest.Eval[int](b, segments)
	b.Step("a longer area takes more segments as it is typed",
		browsertest.Fill("#f-area", "Oak Hill Road, Lakeview Drive, Cedar Lane, Birch Court, Maple Avenue, Elm Street, Willow Way, Spruce Terrace, Aspen Circle and the whole of the Millbrook pressure zone north of the river"),
		browsertest.WaitJS(segments+" > "+strconv.Itoa(short)))
	b.Step("preview",
		browsertest.Fill("#f-area", "Oak Hill Road"),
		browsertest.Click(`button[value=preview]`),
		browsertest.WaitText("h1", "Preview of draft"),
		browsertest.WaitText("#audience-h + p", "3 contact(s) in the audience"))
	preview := browsertest.Eval[string](b, "location.href")

	b.Step("send a proof to me",
		browsertest.Click(`form[action$="/proof"] button`),
		browsertest.WaitText(".flash", "ada@water.example.org"))
	waitFor(t, 60*time.Second, "the proof in English and Spanish in Mailpit", func() bool {
		return len(mailTo(t, mp, "ada@water.example.org")) == 2
	}, p.log)
	for _, subject := range mailTo(t, mp, "ada@water.example.org") {
		if !strings.HasPrefix(subject, "[PROOF] ") {
			t.Errorf("the proof's subject is %q; want it marked [PROOF]", subject)
		}
	}

	b.Step("send now",
		browsertest.Click(`button[value=now]`),
		browsertest.WaitText("h1", "Notice"))
	b.Step("watch its report reach done",
		browsertest.WaitText("#report-live", "Status: done"))
	for _, to := range []string{"ana.north@example.org", "bo.north@example.org", "cy.north@example.org"} {
		got := mailTo(t, mp, to)
		if len(got) != 1 || !strings.Contains(got[0], "Oak Hill Road") || strings.HasPrefix(got[0], "[PROOF]") {
			t.Errorf("%s, in the north zone, got %q; want the advisory once", to, got)
		}
	}
	for _, to := range []string{"di.south@example.org", "ed.south@example.org"} {
		if got := mailTo(t, mp, to); len(got) != 0 {
			t.Errorf("%s, in the south zone, got %q", to, got)
		}
	}
	if got := mailTo(t, mp, "ada@water.example.org"); len(got) != 2 {
		t.Errorf("the admin got %q; want the 2 proofs only", got)
	}
	notice := browsertest.Eval[string](b, "location.href")
	b.Open(notice)
	b.Step("the report in the console: 3 emails sent, 2 texts",
		browsertest.WaitJS(reportSent("email", 3)),
		browsertest.WaitJS(reportSent("sms", 2)))

	// Acceptance 2: every console page this admin reaches.
	for _, path := range []string{"/console/", notice, preview, "/console/notices", "/console/notices/new",
		"/console/notices/new/boil-water-advisory", "/console/campaigns", "/console/campaigns/new",
		"/console/campaigns/new?template=hydrant-flushing", "/console/contacts", "/console/contacts?q=north",
		"/console/contact/N1", "/console/contacts/import", "/console/contacts/suppress", "/console/lists",
		"/console/templates", "/console/templates/boil-water-advisory", "/console/audit", "/console/users"} {
		if !strings.HasPrefix(path, "http") {
			path = web + path
		}
		b.CheckPage(path, 0)
	}
}

// reportSent is JavaScript true when the console's report counts sent
// messages on channel ch (the fifth cell of its row).
func reportSent(ch string, sent int) string {
	return fmt.Sprintf(`Array.from(document.querySelectorAll("table.report tbody tr")).some(r => r.cells[0].textContent.trim() === %q && r.cells[4].textContent === "%d")`, ch, sent)
}

// mailTo returns the subjects of the emails Mailpit holds for to.
func mailTo(t *testing.T, mp *testenv.MailpitServer, to string) []string {
	var subjects []string
	for _, m := range mp.Messages(t) {
		for _, a := range m.To {
			if strings.EqualFold(a.Address, to) {
				subjects = append(subjects, m.Subject)
			}
		}
	}
	return subjects
}

// entry returns the value of key in the first log entry of crier serve
// that has it (it logs before it says it started).
func (p *serveProcess) entry(t *testing.T, key string) string {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.logs {
		if v, ok := e[key]; ok {
			return fmt.Sprint(v)
		}
	}
	t.Fatalf("crier serve logged no %s:\n%s", key, p.raw.String())
	return ""
}
