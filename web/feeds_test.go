package web

import (
	"bytes"
	"context"
	"encoding/xml"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crier-notices/crier/internal/testenv"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
	"github.com/crier-notices/crier/templates"
)

var updateFeeds = flag.Bool("update-feeds", false, "rewrite the feeds' golden files under testdata")

// The Atom and CAP a reader sees, read with types of the test's own.
type (
	testFeed struct {
		XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
		ID      string      `xml:"id"`
		Title   string      `xml:"title"`
		Updated string      `xml:"updated"`
		Author  []string    `xml:"author>name"`
		Links   []testLink  `xml:"link"`
		Entries []testEntry `xml:"entry"`
	}
	testEntry struct {
		ID         string     `xml:"id"`
		Title      string     `xml:"title"`
		Updated    string     `xml:"updated"`
		Summary    string     `xml:"summary"`
		Links      []testLink `xml:"link"`
		Categories []struct {
			Term string `xml:"term,attr"`
		} `xml:"category"`
	}
	testLink struct {
		Rel  string `xml:"rel,attr"`
		Type string `xml:"type,attr"`
		Href string `xml:"href,attr"`
	}
	testCAP struct {
		XMLName    xml.Name `xml:"urn:oasis:names:tc:emergency:cap:1.2 alert"`
		Identifier string   `xml:"identifier"`
		Sender     string   `xml:"sender"`
		Sent       string   `xml:"sent"`
		Status     string   `xml:"status"`
		MsgType    string   `xml:"msgType"`
		Scope      string   `xml:"scope"`
		References string   `xml:"references"`
		Info       []struct {
			Language     string   `xml:"language"`
			Category     []string `xml:"category"`
			Event        string   `xml:"event"`
			ResponseType []string `xml:"responseType"`
			Urgency      string   `xml:"urgency"`
			Severity     string   `xml:"severity"`
			Certainty    string   `xml:"certainty"`
			Expires      string   `xml:"expires"`
			Headline     string   `xml:"headline"`
			Description  string   `xml:"description"`
			Instruction  string   `xml:"instruction"`
			Web          string   `xml:"web"`
			AreaDesc     []string `xml:"area>areaDesc"`
		} `xml:"info"`
	}
)

// feedWorld is a store holding notices of every kind, and the server over it.
type feedWorld struct {
	s   *Server
	st  *notices.Store
	lib *templates.Library
	now *time.Time

	advisory, hydrant, withdrawn       notices.Notice // public
	draft, scheduled, proof, different notices.Notice // not
}

// t0 is when the first notice goes out (9:00 in New York).
var t0 = time.Date(2026, 11, 28, 14, 0, 0, 0, time.UTC)

// newFeedWorld publishes, an hour apart from t0: a boil water advisory in
// English and Spanish, a hydrant flushing notice, and a do not drink
// advisory cancelled an hour after it went out; and keeps a draft, a
// notice scheduled for tomorrow and a proof. The clock then stands at t0
// plus 4 hours.
func newFeedWorld(t *testing.T, edit func(*Config)) *feedWorld {
	t.Helper()
	w := &feedWorld{now: new(time.Time)}
	*w.now = t0
	clock := func() time.Time { return *w.now }
	w.s, w.st = newTestServer(t, func(c *Config) {
		c.Now = clock
		c.Utility.Address = "1 Water Street, Clearwater"
		c.Utility.Email = "notices@water.example.org"
		c.Utility.Website = "https://water.example.org"
		if edit != nil {
			edit(c)
		}
	})
	w.st.Now = clock
	w.lib = w.s.cfg.Library
	ctx := context.Background()
	if _, err := w.st.SaveContact(ctx, notices.Contact{Account: "A-1", Name: "Ana Ruiz", Email: "ana@example.org", Language: "es"}); err != nil {
		t.Fatal(err)
	}
	w.advisory = w.publish(t, "boil-water-advisory", templates.Values{"area": "Oak Hill Road", "area.es": "la calle Oak Hill", "expected": "2026-11-30"}, notices.Emergency, time.Time{})
	*w.now = t0.Add(time.Hour)
	w.hydrant = w.publish(t, "hydrant-flushing", nil, notices.Normal, time.Time{})
	*w.now = t0.Add(2 * time.Hour)
	w.withdrawn = w.publish(t, "do-not-drink", nil, notices.Emergency, time.Time{})
	w.draft = w.create(t, "main-break", nil, notices.Emergency, time.Time{})
	w.scheduled = w.publish(t, "boil-water-advisory", nil, notices.Emergency, t0.Add(24*time.Hour))
	w.proof = w.proofOf(t, "do-not-drink")
	*w.now = t0.Add(3 * time.Hour)
	if _, err := w.st.CancelNotice(ctx, w.withdrawn.ID); err != nil {
		t.Fatal(err)
	}
	w.withdrawn = w.reload(t, w.withdrawn)
	*w.now = t0.Add(4 * time.Hour)
	return w
}

func (w *feedWorld) family(t *testing.T, name string) *templates.Family {
	t.Helper()
	fam, err := w.lib.Family(name)
	if err != nil {
		t.Fatal(err)
	}
	return fam
}

// create stores a draft of template name with its example values, changed
// by values.
func (w *feedWorld) create(t *testing.T, name string, values templates.Values, u notices.Urgency, at time.Time) notices.Notice {
	t.Helper()
	vs := w.family(t, name).Examples()
	for k, v := range values {
		vs[k] = v
	}
	id, err := w.st.CreateNotice(context.Background(), notices.Notice{Template: name, Values: vs, Channels: []notices.Channel{notices.Email}, Urgency: u, SendAt: at})
	if err != nil {
		t.Fatal(err)
	}
	return w.reload(t, notices.Notice{ID: id})
}

func (w *feedWorld) publish(t *testing.T, name string, values templates.Values, u notices.Urgency, at time.Time) notices.Notice {
	t.Helper()
	n := w.create(t, name, values, u, at)
	if _, err := w.st.Publish(context.Background(), n.ID, w.family(t, name), "en"); err != nil {
		t.Fatal(err)
	}
	return w.reload(t, n)
}

func (w *feedWorld) proofOf(t *testing.T, name string) notices.Notice {
	t.Helper()
	fam := w.family(t, name)
	id, err := w.st.CreateProof(context.Background(), notices.Notice{Template: name, Values: fam.Examples(), Languages: []string{"en"}, Channels: []notices.Channel{notices.Email}},
		fam, []notices.ProofAddress{{Channel: notices.Email, Address: "coordinator@water.example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	return w.reload(t, notices.Notice{ID: id})
}

func (w *feedWorld) reload(t *testing.T, n notices.Notice) notices.Notice {
	t.Helper()
	n, err := w.st.Notice(context.Background(), n.ID)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// get answers a GET of path, from an address of its own each time (the
// rate limit is another test's).
func (w *feedWorld) get(t *testing.T, path string) *httptest.ResponseRecorder {
	t.Helper()
	return getFrom(w.s, path)
}

var requests atomic.Int64

func getFrom(s *Server, path string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.RemoteAddr = "198.51.100." + strconv.FormatInt(requests.Add(1)%250+1, 10) + ":4242"
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, r)
	return rec
}

func readFeed(t *testing.T, rec *httptest.ResponseRecorder) testFeed {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d; want 200: %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/atom+xml") {
		t.Errorf("Content-Type %q; want application/atom+xml", ct)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "public, max-age=60" {
		t.Errorf("Cache-Control %q; want public, max-age=60", cc)
	}
	var f testFeed
	if err := xml.Unmarshal(rec.Body.Bytes(), &f); err != nil {
		t.Fatalf("the feed does not parse: %v\n%s", err, rec.Body)
	}
	return f
}

// checkAtom checks the elements RFC 4287 requires of a feed and its
// entries, and that each entry links to a page.
func checkAtom(t *testing.T, f testFeed, self string) {
	t.Helper()
	if f.ID == "" || f.Title == "" || len(f.Author) == 0 || f.Author[0] == "" {
		t.Errorf("feed lacks id, title or author: %+v", f)
	}
	if _, err := time.Parse(time.RFC3339, f.Updated); err != nil {
		t.Errorf("feed updated %q: %v", f.Updated, err)
	}
	if link(f.Links, "self") != self {
		t.Errorf("self link %q; want %q", link(f.Links, "self"), self)
	}
	for _, e := range f.Entries {
		if !strings.HasPrefix(e.ID, "urn:uuid:") || e.Title == "" || e.Summary == "" {
			t.Errorf("entry lacks a urn:uuid id, a title or a summary: %+v", e)
		}
		if _, err := time.Parse(time.RFC3339, e.Updated); err != nil {
			t.Errorf("entry %s updated %q: %v", e.ID, e.Updated, err)
		}
		if !strings.HasPrefix(link(e.Links, "alternate"), testPublicURL+"/") {
			t.Errorf("entry %s links to %q; want a page under %s", e.ID, link(e.Links, "alternate"), testPublicURL)
		}
	}
}

func link(ls []testLink, rel string) string {
	for _, l := range ls {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

func pages(f testFeed) []string {
	var ps []string
	for _, e := range f.Entries {
		ps = append(ps, link(e.Links, "alternate"))
	}
	return ps
}

func pageOf(n notices.Notice) string { return notices.PageURL(testPublicURL, n.Code) }

// TestNoticeFeed: /feed.atom holds the notices that went out, newest
// first, each linking to its page (a withdrawn one marked so); never a
// draft, a proof or a notice whose time has not come; as the golden file
// shows it.
func TestNoticeFeed(t *testing.T) {
	w := newFeedWorld(t, nil)
	rec := w.get(t, "/feed.atom")
	f := readFeed(t, rec)
	checkAtom(t, f, testPublicURL+"/feed.atom")
	want := []string{pageOf(w.withdrawn), pageOf(w.hydrant), pageOf(w.advisory)}
	if got := pages(f); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("entries link to\n%v\nwant (newest first)\n%v", got, want)
	}
	if got := f.Entries[0].Categories; len(got) != 2 || got[0].Term != "emergency" || got[1].Term != "withdrawn" {
		t.Errorf("the withdrawn notice's categories: %+v; want emergency, withdrawn", got)
	}
	feedGolden(t, "feed.atom", w.normalize(rec.Body.Bytes()))

	// The ids are the notices' own: the same on a server at another address.
	cfg := w.s.cfg
	cfg.PublicURL = "https://elsewhere.example.org"
	other, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f2 := readFeed(t, getFrom(other, "/feed.atom"))
	for i := range f.Entries {
		if f2.Entries[i].ID != f.Entries[i].ID {
			t.Errorf("entry %d's id %q changed with public_url to %q", i, f.Entries[i].ID, f2.Entries[i].ID)
		}
	}
}

// TestFeedLanguageAndLength: entries are in the default language when the
// notice is written in it, else in the notice's own; a feed holds the
// newest 50.
func TestFeedLanguageAndLength(t *testing.T) {
	w := newFeedWorld(t, func(c *Config) { c.DefaultLanguage = "es" })
	ctx := context.Background()
	fam := w.family(t, "hydrant-flushing")
	var last notices.Notice
	for i := range feedLimit {
		*w.now = t0.Add(5*time.Hour + time.Duration(i)*time.Minute)
		id, err := w.st.CreateNotice(ctx, notices.Notice{Template: fam.Name, Values: fam.Examples(), Languages: []string{"en"}, Channels: []notices.Channel{notices.Email}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.st.Publish(ctx, id, fam, "es"); err != nil {
			t.Fatal(err)
		}
		last = w.reload(t, notices.Notice{ID: id})
	}
	f := readFeed(t, w.get(t, "/feed.atom"))
	if len(f.Entries) != feedLimit || link(f.Entries[0].Links, "alternate") != pageOf(last) {
		t.Fatalf("%d entries, the first %s; want %d, the newest first (%s)", len(f.Entries), link(f.Entries[0].Links, "alternate"), feedLimit, pageOf(last))
	}
	if !strings.HasPrefix(f.Entries[0].Title, "Hydrant Flushing") {
		t.Errorf("an English-only notice's entry: %q; want it in English", f.Entries[0].Title)
	}
	f = readFeed(t, w.get(t, "/feed/emergency.atom"))
	if len(f.Entries) != 2 || !strings.HasPrefix(f.Entries[1].Title, "Aviso para hervir el agua") {
		t.Errorf("the advisory's entry: %+v; want it in Spanish, the default language", f.Entries)
	}
}

// TestCategoryFeeds: /feed/{category}.atom holds that category's notices.
func TestCategoryFeeds(t *testing.T) {
	w := newFeedWorld(t, nil)
	tests := []struct {
		name, path string
		want       []string
	}{
		{"emergency", "/feed/emergency.atom", []string{pageOf(w.withdrawn), pageOf(w.advisory)}},
		{"information", "/feed/information.atom", []string{pageOf(w.hydrant)}},
		{"service", "/feed/service.atom", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := readFeed(t, w.get(t, tc.path))
			checkAtom(t, f, testPublicURL+tc.path)
			if got := pages(f); strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("entries link to %v; want %v", got, tc.want)
			}
		})
	}
	for _, path := range []string{"/feed/other.atom", "/feed/emergency", "/feed/emergency.xml"} {
		if rec := w.get(t, path); rec.Code != http.StatusNotFound {
			t.Errorf("%s: status %d; want 404", path, rec.Code)
		}
	}
}

// TestEmergencyOfAnyTemplate: a notice sent as an emergency from a
// template of another category is an emergency in the feeds, as in its
// emails: in the emergency feed, not its template's, and with a CAP alert.
func TestEmergencyOfAnyTemplate(t *testing.T) {
	w := newFeedWorld(t, nil)
	n := w.publish(t, "hydrant-flushing", nil, notices.Emergency, time.Time{})
	for _, tc := range []struct {
		name, path string
		in         bool
	}{
		{"emergency feed", "/feed/emergency.atom", true},
		{"its template's category", "/feed/information.atom", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := slices.Contains(pages(readFeed(t, w.get(t, tc.path))), pageOf(n)); got != tc.in {
				t.Errorf("%s holds the notice: %v; want %v", tc.path, got, tc.in)
			}
		})
	}
	if c := w.readCAP(t, "/cap/"+n.Code+".xml"); c.MsgType != "Alert" || len(c.Info) == 0 || c.Info[0].Urgency != "Immediate" {
		t.Errorf("CAP of the notice: %+v; want an Alert, urgency Immediate", c)
	}
}

// TestFeedsNeedPublicURL: without public_url no feed is made up from the
// request's Host: a 404 that says what to set.
func TestFeedsNeedPublicURL(t *testing.T) {
	w := newFeedWorld(t, func(c *Config) { c.PublicURL = "" })
	for _, path := range []string{"/feed.atom", "/feed/emergency.atom", "/cap.atom", "/cap/" + w.advisory.Code + ".xml"} {
		rec := w.get(t, path)
		if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "public_url") {
			t.Errorf("%s: status %d %q; want 404 naming public_url", path, rec.Code, rec.Body)
		}
	}
}

// readCAP fetches path, checks it is valid CAP 1.2 with xmllint and the
// schema, and reads it.
func (w *feedWorld) readCAP(t *testing.T, path string) testCAP {
	t.Helper()
	rec := w.get(t, path)
	if rec.Code != http.StatusOK {
		t.Fatalf("%s: status %d; want 200: %s", path, rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/cap+xml") {
		t.Errorf("Content-Type %q; want application/cap+xml", ct)
	}
	file := filepath.Join(t.TempDir(), "cap.xml")
	if err := os.WriteFile(file, rec.Body.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	testenv.ValidateCAP(t, file)
	var c testCAP
	if err := xml.Unmarshal(rec.Body.Bytes(), &c); err != nil {
		t.Fatalf("%s does not parse: %v", path, err)
	}
	return c
}

// capSent is CAP's date-time: a zone offset, no fraction.
var capSent = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$`)

// TestCAPAlert: an emergency notice's CAP is a valid Alert with one info
// block per language and the mapped urgency, severity, certainty,
// expires and area.
func TestCAPAlert(t *testing.T) {
	w := newFeedWorld(t, nil)
	c := w.readCAP(t, "/cap/"+w.advisory.Code+".xml")
	if c.Identifier != "crier-"+w.advisory.Code || c.Sender != "notices.water.example.org" || c.Sent != "2026-11-28T09:00:00-05:00" ||
		c.Status != "Actual" || c.MsgType != "Alert" || c.Scope != "Public" || c.References != "" {
		t.Errorf("alert header: %+v", c)
	}
	if len(c.Info) != 2 {
		t.Fatalf("%d info blocks; want 2 (en, es)", len(c.Info))
	}
	for i, want := range []struct{ lang, event, area string }{
		{"en-US", "Boil Water Advisory", "Oak Hill Road"},
		{"es-US", "Aviso para hervir el agua", "la calle Oak Hill"},
	} {
		in := c.Info[i]
		if in.Language != want.lang || in.Event != want.event || len(in.AreaDesc) != 1 || in.AreaDesc[0] != want.area {
			t.Errorf("info %d: language %q event %q areas %q; want %q %q [%q]", i, in.Language, in.Event, in.AreaDesc, want.lang, want.event, want.area)
		}
		if len(in.Category) != 1 || in.Category[0] != "Health" || in.Urgency != "Immediate" || in.Severity != "Severe" || in.Certainty != "Observed" {
			t.Errorf("info %d: category %v urgency %s severity %s certainty %s; want Health Immediate Severe Observed", i, in.Category, in.Urgency, in.Severity, in.Certainty)
		}
		if in.Expires != "2026-11-30T23:59:59-05:00" || in.Web != notices.LanguagePage(pageOf(w.advisory), want.lang[:2]) {
			t.Errorf("info %d: expires %q web %q; want the end of the expected day and the page", i, in.Expires, in.Web)
		}
		if !strings.Contains(in.Headline, want.area) || !strings.Contains(in.Description, want.area) || !strings.Contains(in.Instruction, want.area) {
			t.Errorf("info %d: headline, description and instruction should name the area %q: %+v", i, want.area, in)
		}
	}
	if !capSent.MatchString(c.Sent) || !capSent.MatchString(c.Info[0].Expires) {
		t.Errorf("sent %q, expires %q: want a zone offset and no fraction", c.Sent, c.Info[0].Expires)
	}
}

// TestCAPOnlyForPublicEmergencies: a notice that is not an emergency, or
// that the public does not see, has no CAP.
func TestCAPOnlyForPublicEmergencies(t *testing.T) {
	w := newFeedWorld(t, nil)
	tests := []struct {
		name string
		path string
		want int
	}{
		{"emergency notice", "/cap/" + w.advisory.Code + ".xml", http.StatusOK},
		{"information notice", "/cap/" + w.hydrant.Code + ".xml", http.StatusNotFound},
		{"draft", "/cap/" + w.draft.Code + ".xml", http.StatusNotFound},
		{"scheduled for tomorrow", "/cap/" + w.scheduled.Code + ".xml", http.StatusNotFound},
		{"proof", "/cap/" + w.proof.Code + ".xml", http.StatusNotFound},
		{"no such code", "/cap/zzzzzzzzzz.xml", http.StatusNotFound},
		{"not .xml", "/cap/" + w.advisory.Code, http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if rec := w.get(t, tc.path); rec.Code != tc.want {
				t.Errorf("status %d; want %d", rec.Code, tc.want)
			}
		})
	}
}

// TestCAPCancel: when an emergency notice is cancelled, or lifted by a
// notice that names it, its CAP becomes a valid Cancel that references
// the Alert it replaces.
func TestCAPCancel(t *testing.T) {
	w := newFeedWorld(t, nil)
	ctx := context.Background()
	path := "/cap/" + w.advisory.Code + ".xml"
	alert := w.readCAP(t, path)
	ref := alert.Sender + "," + alert.Identifier + "," + alert.Sent

	t.Run("cancelled", func(t *testing.T) {
		// The do not drink advisory was cancelled at t0+3h.
		c := w.readCAP(t, "/cap/"+w.withdrawn.Code+".xml")
		want := "notices.water.example.org,crier-" + w.withdrawn.Code + ",2026-11-28T11:00:00-05:00"
		if c.MsgType != "Cancel" || c.References != want || c.Sent != "2026-11-28T12:00:00-05:00" || c.Identifier == "crier-"+w.withdrawn.Code {
			t.Errorf("cancel: %+v; want msgType Cancel, sent at the cancellation, its own identifier, references %q", c, want)
		}
	})

	t.Run("cancelled after it was fetched", func(t *testing.T) {
		*w.now = t0.Add(5 * time.Hour)
		if _, err := w.st.CancelNotice(ctx, w.advisory.ID); err != nil {
			t.Fatal(err)
		}
		c := w.readCAP(t, path)
		if c.MsgType != "Cancel" || c.References != ref {
			t.Errorf("cancel: msgType %s references %q; want Cancel referencing %q", c.MsgType, c.References, ref)
		}
	})

	t.Run("lifted", func(t *testing.T) {
		w := newFeedWorld(t, nil)
		path := "/cap/" + w.advisory.Code + ".xml"
		alert := w.readCAP(t, path)
		*w.now = t0.Add(48 * time.Hour)
		lift := w.publish(t, "boil-water-advisory-lifted", templates.Values{"area": "Oak Hill Road", "lifts": strconv.FormatInt(w.advisory.ID, 10)}, notices.Normal, time.Time{})
		c := w.readCAP(t, path)
		if want := alert.Sender + "," + alert.Identifier + "," + alert.Sent; c.MsgType != "Cancel" || c.References != want || c.Sent != "2026-11-30T09:00:00-05:00" {
			t.Errorf("cancel: msgType %s references %q sent %s; want Cancel referencing %q sent when the lift went out", c.MsgType, c.References, c.Sent, want)
		}
		if len(c.Info) != 2 || c.Info[0].Urgency != "Past" || len(c.Info[0].ResponseType) != 1 || c.Info[0].ResponseType[0] != "AllClear" || c.Info[0].Web != notices.LanguagePage(pageOf(lift), "en") {
			t.Errorf("the lift's info: %+v; want its texts as AllClear, urgency Past, its page", c.Info)
		}
	})
}

// TestCAPIndex: /cap.atom lists each emergency notice's current CAP
// message, the newest message first.
func TestCAPIndex(t *testing.T) {
	w := newFeedWorld(t, nil)
	type want struct {
		n   notices.Notice
		typ string
	}
	check := func(t *testing.T, wants []want) {
		t.Helper()
		f := readFeed(t, w.get(t, "/cap.atom"))
		checkAtom(t, f, testPublicURL+"/cap.atom")
		if len(f.Entries) != len(wants) {
			t.Fatalf("%d entries; want %d (the emergencies)", len(f.Entries), len(wants))
		}
		for i, want := range wants {
			e := f.Entries[i]
			capLink := testPublicURL + "/cap/" + want.n.Code + ".xml"
			if !strings.HasPrefix(e.Title, want.typ+": ") || len(e.Links) == 0 || e.Links[0].Href != capLink || e.Links[0].Type != "application/cap+xml" {
				t.Errorf("entry %d: %+v; want %s linking to %s", i, e, want.typ, capLink)
			}
		}
	}
	check(t, []want{{w.withdrawn, "Cancel"}, {w.advisory, "Alert"}})
	*w.now = t0.Add(48 * time.Hour)
	w.publish(t, "boil-water-advisory-lifted", templates.Values{"lifts": strconv.FormatInt(w.advisory.ID, 10)}, notices.Normal, time.Time{})
	check(t, []want{{w.advisory, "Cancel"}, {w.withdrawn, "Cancel"}})
}

// TestCAPMapping: each built-in emergency template's CAP category,
// severity and expires.
func TestCAPMapping(t *testing.T) {
	lib, _ := templates.Builtin()
	ny, _ := time.LoadLocation("America/New_York")
	u := templates.Utility{Name: "Clearwater", Phone: "+1 555 0100", Address: "1 Water Street", Location: ny}
	tests := []struct {
		name, template         string
		category, severity     string
		expires, area, urgency string
		urgencyIn              notices.Urgency
	}{
		{"boil water: health, tier 1", "boil-water-advisory", "Health", "Severe", "2026-11-30T23:59:59-05:00", "Oak Hill Road, Lakeview Drive and Cedar Lane", "Immediate", notices.Emergency},
		{"do not drink: health, tier 1", "do-not-drink", "Health", "Severe", "", "Oak Hill Road, Lakeview Drive and Cedar Lane", "Immediate", notices.Emergency},
		{"main break: infrastructure, sent as normal", "main-break", "Infra", "Moderate", "2026-11-29T23:59:59-05:00", "Maple Avenue, Elm Street and Park Place", "Expected", notices.Normal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fam, err := lib.Family(tc.template)
			if err != nil {
				t.Fatal(err)
			}
			n := notices.Notice{ID: 1, Code: "abcdefghjk", Template: tc.template, Values: fam.Examples(), Languages: []string{"en"}, Urgency: tc.urgencyIn, PublishedAt: t0}
			if tc.template == "do-not-drink" {
				n.Values["expected"] = "December 1" // no year: no expires
			}
			rs, err := scheduler.NoticeRenderings(scheduler.Config{Library: lib, Utility: u}, n)
			if err != nil {
				t.Fatal(err)
			}
			in := capInfoOf(n, rs[0], "https://x.example/n/abcdefghjk")
			if in.Category[0] != tc.category || in.Severity != tc.severity || in.Expires != tc.expires || in.Urgency != tc.urgency ||
				len(in.Area) != 1 || in.Area[0].AreaDesc != tc.area {
				t.Errorf("got category %s severity %s expires %q urgency %s areas %v; want %s %s %q %s [%s]",
					in.Category, in.Severity, in.Expires, in.Urgency, in.Area, tc.category, tc.severity, tc.expires, tc.urgency, tc.area)
			}
		})
	}
}

// normalize replaces in a feed the notices' codes (random) by their
// numbers, so that a golden file can hold it.
func (w *feedWorld) normalize(b []byte) []byte {
	for _, n := range []notices.Notice{w.advisory, w.hydrant, w.withdrawn} {
		id := strconv.FormatInt(n.ID, 10)
		b = bytes.ReplaceAll(b, []byte(noticeEntryID(n.Code)), []byte("urn:uuid:notice-"+id))
		b = bytes.ReplaceAll(b, []byte(n.Code), []byte("CODE-"+id))
	}
	return b
}

// feedGolden compares got with testdata/name, or writes it with -update-feeds.
func feedGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *updateFeeds {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -run %s ./web -update-feeds writes it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s (go test -run %s ./web -update-feeds rewrites it):\n%s", name, path, t.Name(), got)
	}
}

// TestCAPSmallMappings: the severity of each tier, the language with the
// utility's region, and the areas of a notice without an area value.
func TestCAPSmallMappings(t *testing.T) {
	for _, tc := range []struct {
		name string
		tier int
		want string
	}{{"tier 1", 1, "Severe"}, {"tier 2", 2, "Moderate"}, {"tier 3", 3, "Minor"}, {"no tier", 0, "Moderate"}} {
		t.Run(tc.name, func(t *testing.T) {
			if got := capSeverity(tc.tier); got != tc.want {
				t.Errorf("capSeverity(%d) = %s; want %s", tc.tier, got, tc.want)
			}
		})
	}
	for _, tc := range []struct{ name, lang, region, want string }{
		{"English, no region set", "en", "", "en-US"},
		{"Spanish in the US", "es", "US", "es-US"},
		{"English in Britain", "en", "GB", "en-GB"},
		{"a language with its own region", "es-MX", "US", "es-MX"},
		{"a script", "zh-Hant", "", "zh-Hant-US"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := capLanguage(tc.lang, tc.region); got != tc.want {
				t.Errorf("capLanguage(%q, %q) = %q; want %q", tc.lang, tc.region, got, tc.want)
			}
		})
	}
	ny, _ := time.LoadLocation("America/New_York")
	london, _ := time.LoadLocation("Europe/London")
	etcUTC, _ := time.LoadLocation("Etc/UTC")
	for _, tc := range []struct {
		name string
		at   time.Time
		loc  *time.Location
		want string
	}{
		{"UTC as -00:00", t0, time.UTC, "2026-11-28T14:00:00-00:00"},
		{"no zone: UTC", t0, nil, "2026-11-28T14:00:00-00:00"},
		{"Etc/UTC as -00:00", t0, etcUTC, "2026-11-28T14:00:00-00:00"},
		{"London in winter as -00:00", t0, london, "2026-11-28T14:00:00-00:00"},
		{"London in summer", t0.AddDate(0, -5, 0), london, "2026-06-28T15:00:00+01:00"},
		{"the utility's zone, no fraction", t0.Add(500 * time.Millisecond), ny, "2026-11-28T09:00:00-05:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := capTime(tc.at, tc.loc); got != tc.want {
				t.Errorf("capTime = %s; want %s", got, tc.want)
			}
		})
	}
	lib, _ := templates.Builtin()
	tmpl, err := lib.Get("water-quality-report", "en")
	if err != nil {
		t.Fatal(err)
	}
	n := notices.Notice{Audience: notices.Audience{Zones: []string{"North", "Lakeview"}}}
	if got := capAreas(tmpl, n, ""); len(got) != 2 || got[0].AreaDesc != "North" || got[1].AreaDesc != "Lakeview" {
		t.Errorf("areas of a notice without an area field: %+v; want its audience's zones", got)
	}
}
