package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/crier-notices/crier/channels/outbox"
	"github.com/crier-notices/crier/channels/print"
	"github.com/crier-notices/crier/internal/testenv"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/notices/importer"
	"github.com/crier-notices/crier/scheduler"
	"github.com/crier-notices/crier/templates"
)

// pageCustomers are the recipients of the page tests, one a language:
// none of what identifies them may appear on a public page.
var pageCustomers = []struct {
	account, name, email, mobile, national, postal, lang string
}{
	{"P-1001", "Dorothea Quillfeather", "dorothea.quillfeather@example.org", "+13155550123", "315-555-0123", "17 Birchwood Lane, Clearwater, NY 13000", "en"},
	{"P-1002", "Ximena Valdespino", "ximena.valdespino@example.net", "+13155550187", "315-555-0187", "402 Calle Larkspur, Clearwater, NY 13000", "es"},
}

// newPageServer is newTestServer with a utility that a public notice
// may name (40 CFR 141.205(a): a phone and an address) and edit applied.
func newPageServer(t *testing.T, edit func(*Config)) (*Server, *notices.Store) {
	return newTestServer(t, func(c *Config) {
		c.Utility.Phone, c.Utility.Address = "(315) 555-0142", "120 Main Street, Clearwater, NY 13000"
		c.Utility.Email, c.Utility.Website = "notices@clearwater.example", "https://water.clearwater.example"
		if edit != nil {
			edit(c)
		}
	})
}

// clockedPageServer is newPageServer with pageCustomers on a clock that
// the server and its store share and that stands still until the test
// moves it (*now).
func clockedPageServer(t *testing.T) (*Server, *notices.Store, *time.Time) {
	now := time.Date(2026, 11, 28, 14, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	s, st := newPageServer(t, func(c *Config) { c.Now = clock })
	st.Now = clock
	importPageCustomers(t, st)
	return s, st, &now
}

// importPageCustomers imports pageCustomers into the list "all".
func importPageCustomers(t *testing.T, st *notices.Store) {
	t.Helper()
	var b strings.Builder
	b.WriteString("account,name,email,mobile,postal_address,language\n")
	for _, c := range pageCustomers {
		b.WriteString(c.account + "," + c.name + "," + c.email + "," + c.national + ",\"" + c.postal + "\"," + c.lang + "\n")
	}
	sum, err := importer.Import(context.Background(), st, strings.NewReader(b.String()), importer.Options{Source: "customers.csv", List: "all", Rejects: io.Discard})
	if err != nil || sum.Added != len(pageCustomers) {
		t.Fatalf("import: %v, %+v", err, sum)
	}
}

// createNotice creates a notice of template with its example values to
// the list "all" on chs; sendAt zero sends at once.
func createNotice(t *testing.T, s *Server, template string, sendAt time.Time, chs ...notices.Channel) notices.Notice {
	t.Helper()
	ctx := context.Background()
	fam, err := s.cfg.Library.Family(template)
	if err != nil {
		t.Fatal(err)
	}
	id, err := storeOf(s).CreateNotice(ctx, notices.Notice{Template: template, Values: fam.Examples(),
		Audience: notices.Audience{Lists: []string{"all"}}, Channels: chs, Urgency: notices.Emergency, SendAt: sendAt})
	if err != nil {
		t.Fatal(err)
	}
	n, err := storeOf(s).Notice(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// publishNotice publishes n as crier send does.
func publishNotice(t *testing.T, s *Server, n notices.Notice) notices.Notice {
	t.Helper()
	ctx := context.Background()
	fam, _ := s.cfg.Library.Family(n.Template)
	if _, err := storeOf(s).Publish(ctx, n.ID, fam, "en"); err != nil {
		t.Fatal(err)
	}
	n, err := storeOf(s).Notice(ctx, n.ID)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// get answers a GET of path (with its query) with the headers given as
// name, value pairs, and returns the status and body.
func get(t *testing.T, s *Server, path string, headers ...string) (int, string) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	return w.Code, w.Body.String()
}

// pathOf is the path of an address on the server's public URL, or fails.
func pathOf(t *testing.T, s *Server, address string) string {
	t.Helper()
	path, ok := strings.CutPrefix(address, s.cfg.PublicURL)
	if !ok || !strings.HasPrefix(path, "/n/") {
		t.Fatalf("%q is not a notice page of %s", address, s.cfg.PublicURL)
	}
	return path
}

// sendNotice runs a dispatcher configured as the web server is (its
// public_url) until notice n is out: emails and texts to an outbox,
// documents to a print folder. It returns the two folders.
func sendNotice(t *testing.T, s *Server) (outboxDir, printDir string) {
	t.Helper()
	outboxDir, printDir = t.TempDir(), t.TempDir()
	box := outbox.New(outboxDir, "")
	d, err := scheduler.New(storeOf(s), scheduler.Config{
		Channels: map[notices.Channel]scheduler.Channel{
			notices.Email: {Sender: box}, notices.SMS: {Sender: box}, notices.Print: {Sender: print.New(printDir)},
		},
		Library: s.cfg.Library, Utility: s.cfg.Utility, PublicURL: s.cfg.PublicURL,
		Poll: 20 * time.Millisecond, Log: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := d.Drain(ctx); err != nil {
		t.Fatalf("drain: %v", err)
	}
	return outboxDir, printDir
}

// decodeQR returns what the QR codes among the images of the PDF at path
// say, as poppler's pdfimages and zbar's zbarimg read them.
func decodeQR(t *testing.T, path string) []string {
	t.Helper()
	pdfimages := testenv.Tool(t, "pdfimages", "poppler-utils")
	zbarimg := testenv.Tool(t, "zbarimg", "zbar-tools")
	dir := t.TempDir()
	if out, err := exec.Command(pdfimages, "-png", path, filepath.Join(dir, "img")).CombinedOutput(); err != nil {
		t.Fatalf("pdfimages: %v\n%s", err, out)
	}
	images, _ := filepath.Glob(filepath.Join(dir, "img-*.png"))
	if len(images) == 0 {
		t.Fatalf("%s holds no image", path)
	}
	var codes []string
	for _, img := range images {
		out, err := exec.Command(zbarimg, "--quiet", "--raw", img).Output()
		if err != nil {
			continue // an image that is no code (zbarimg exits 4)
		}
		codes = append(codes, strings.Fields(string(out))...)
	}
	return codes
}

// smsBodies returns the texts of the outbox's SMS files.
func smsBodies(t *testing.T, dir string) []string {
	t.Helper()
	var bodies []string
	filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var m struct{ Body string }
		if json.Unmarshal(data, &m) == nil && m.Body != "" {
			bodies = append(bodies, m.Body)
		}
		return nil
	})
	return bodies
}

var pageAddress = regexp.MustCompile(`https://\S+/n/[a-z0-9]+(/[a-zA-Z-]+)?`)

// TestSentFlyerAndTextOpenThePage is acceptance 5 of issue 12 for the
// notice page: the QR code of the flyer the print channel wrote, and the
// link in the text messages sent, both open the notice's page, in the
// language of the flyer's page or of the text.
func TestSentFlyerAndTextOpenThePage(t *testing.T) {
	s, st := newPageServer(t, nil)
	importPageCustomers(t, st)
	n := publishNotice(t, s, createNotice(t, s, "boil-water-advisory", time.Time{}, notices.Email, notices.SMS, notices.Print))
	outboxDir, printDir := sendNotice(t, s)
	want := notices.PageURL(testPublicURL, n.Code)

	flyers, _ := filepath.Glob(filepath.Join(printDir, "*", "flyer.pdf"))
	if len(flyers) != 1 {
		t.Fatalf("print folder holds flyers %v; want one", flyers)
	}
	codes := decodeQR(t, flyers[0])
	if len(codes) == 0 {
		t.Fatalf("no QR code read in %s", flyers[0])
	}
	titles := map[string]string{"en": "Boil Water Advisory", "es": "Aviso para hervir el agua"}
	opens := func(what, link string) {
		t.Helper()
		lang, ok := strings.CutPrefix(link, want+"/")
		if !ok || (lang != "en" && lang != "es") {
			t.Errorf("%s links %q; want the notice's page %q in a language of the notice", what, link, want)
			return
		}
		status, body := get(t, s, pathOf(t, s, link))
		if status != http.StatusOK || !strings.Contains(body, `<html lang="`+lang+`">`) || !strings.Contains(body, "<h1>"+titles[lang]+"</h1>") {
			t.Errorf("GET %s (%s): %d, want 200 with the title in %s:\n%s", link, what, status, lang, body)
		}
	}
	for _, code := range codes {
		opens("the flyer's QR code", code)
	}

	bodies := smsBodies(t, outboxDir)
	if len(bodies) != len(pageCustomers) {
		t.Fatalf("outbox holds %d texts; want %d", len(bodies), len(pageCustomers))
	}
	for _, text := range bodies {
		opens("the text "+strconv.Quote(text), pageAddress.FindString(text))
	}
}

// TestNoPageShowsARecipient sends a notice to known customers and reads
// every public page in every language: no name, email, phone number or
// postal address of a recipient is on any of them.
func TestNoPageShowsARecipient(t *testing.T) {
	s, st := newPageServer(t, nil)
	importPageCustomers(t, st)
	n := publishNotice(t, s, createNotice(t, s, "main-break", time.Time{}, notices.Email, notices.SMS, notices.Print))
	sendNotice(t, s)
	cancelled := publishNotice(t, s, createNotice(t, s, "boil-water-advisory", time.Time{}, notices.Email, notices.SMS))
	if _, err := st.CancelNotice(context.Background(), cancelled.ID); err != nil {
		t.Fatal(err)
	}
	var pages []string
	for _, path := range []string{"/notices", "/notices?lang=es", "/n/" + n.Code, "/n/" + n.Code + "?lang=es", "/n/" + cancelled.Code, "/n/" + cancelled.Code + "?lang=es"} {
		status, body := get(t, s, path)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d", path, status)
		}
		pages = append(pages, body)
	}
	_, flyer := get(t, s, "/n/"+n.Code+"/flyer.pdf")
	pages = append(pages, flyer)
	for _, c := range pageCustomers {
		for _, secret := range []string{c.name, c.email, c.mobile, c.national, strings.TrimPrefix(c.mobile, "+1"), c.postal, strings.Split(c.postal, ",")[0], c.account} {
			for i, page := range pages {
				if strings.Contains(page, secret) {
					t.Errorf("page %d shows a recipient's %q", i, secret)
				}
			}
		}
	}
}

// TestWithdrawnNoticePage: a notice cancelled after it went out keeps its
// page, which says it was withdrawn and when, and offers no flyer.
func TestWithdrawnNoticePage(t *testing.T) {
	s, st := newPageServer(t, nil)
	importPageCustomers(t, st)
	n := publishNotice(t, s, createNotice(t, s, "boil-water-advisory", time.Time{}, notices.Email))
	if status, body := get(t, s, "/n/"+n.Code); status != http.StatusOK || strings.Contains(body, "withdrawn") {
		t.Fatalf("before it is cancelled: %d, withdrawn said: %v", status, strings.Contains(body, "withdrawn"))
	}
	if _, err := st.CancelNotice(context.Background(), n.ID); err != nil {
		t.Fatal(err)
	}
	n, _ = st.Notice(context.Background(), n.ID)
	day := n.UpdatedAt.In(s.cfg.Utility.Location)
	tests := []struct{ name, path, want string }{
		{"English", "/n/" + n.Code, "This notice was withdrawn on " + day.Format("January 2, 2006") + "."},
		{"Spanish", "/n/" + n.Code + "?lang=es", "Este aviso fue retirado el "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := get(t, s, tt.path)
			if status != http.StatusOK || !strings.Contains(body, tt.want) {
				t.Errorf("GET %s: %d; want 200 saying %q:\n%s", tt.path, status, tt.want, body)
			}
			if strings.Contains(body, "flyer.pdf") {
				t.Errorf("a withdrawn notice's page offers its flyer")
			}
		})
	}
	if status, _ := get(t, s, "/n/"+n.Code+"/flyer.pdf"); status != http.StatusNotFound {
		t.Errorf("a withdrawn notice's flyer: %d; want 404", status)
	}
	if _, body := get(t, s, "/notices"); !strings.Contains(body, "/n/"+n.Code) || !strings.Contains(body, "Withdrawn") {
		t.Errorf("/notices does not list the withdrawn notice as withdrawn:\n%s", body)
	}
}

// TestPagesOnlyForPublicNotices: a draft, a notice scheduled for later
// (published, its time not come), one cancelled before its time and an
// unknown code have no page and are not on /notices; once its
// time comes and it goes out, the scheduled notice has both.
func TestPagesOnlyForPublicNotices(t *testing.T) {
	s, st, now := clockedPageServer(t)
	draft := createNotice(t, s, "main-break", time.Time{}, notices.Email)
	later := publishNotice(t, s, createNotice(t, s, "hydrant-flushing", now.Add(2*time.Hour), notices.Email))
	if later.Status != notices.Scheduled {
		t.Fatalf("the later notice is %s; want scheduled", later.Status)
	}
	called := publishNotice(t, s, createNotice(t, s, "hydrant-flushing", now.Add(time.Hour), notices.Email))
	if _, err := st.CancelNotice(context.Background(), called.ID); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, code string }{
		{"draft", draft.Code}, {"scheduled for later", later.Code}, {"cancelled before it went out", called.Code},
		{"unknown", "zzzzzzzzzz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/n/" + tt.code, "/n/" + tt.code + "/flyer.pdf"} {
				if status, body := get(t, s, path); status != http.StatusNotFound || !strings.Contains(body, "There is nothing at this address") {
					t.Errorf("GET %s: %d; want the 404 page", path, status)
				}
			}
			if _, body := get(t, s, "/notices"); strings.Contains(body, tt.code) {
				t.Errorf("/notices lists it")
			}
		})
	}
	if _, body := get(t, s, "/notices"); !strings.Contains(body, "There are no current notices.") {
		t.Errorf("/notices before anything went out:\n%s", body)
	}

	*now = now.Add(3 * time.Hour)
	publishNotice(t, s, later) // as the dispatcher does when its time comes
	if status, _ := get(t, s, "/n/"+later.Code); status != http.StatusOK {
		t.Errorf("once it went out: GET its page: %d; want 200", status)
	}
	if _, body := get(t, s, "/notices"); !strings.Contains(body, "/n/"+later.Code) {
		t.Errorf("once it went out, /notices does not list it:\n%s", body)
	}
}

// sendProof creates a proof of boil-water-advisory to a coordinator's
// mobile, as crier send --proof does.
func sendProof(t *testing.T, s *Server) notices.Notice {
	t.Helper()
	ctx := context.Background()
	fam, _ := s.cfg.Library.Family("boil-water-advisory")
	id, err := storeOf(s).CreateProof(ctx, notices.Notice{Template: fam.Name, Values: fam.Examples(), Languages: []string{"en"}, Channels: []notices.Channel{notices.SMS}},
		fam, []notices.ProofAddress{{Channel: notices.SMS, Address: "+13155550199"}})
	if err != nil {
		t.Fatal(err)
	}
	n, err := storeOf(s).Notice(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestProofLinksItsOwnPage: a proof's text is the customers' to the
// segment, page link included; the link opens the proof's page, which
// says it is a proof, is kept by no cache, and is on no list.
func TestProofLinksItsOwnPage(t *testing.T) {
	s, _ := newPageServer(t, nil)
	proof := sendProof(t, s)
	outboxDir, _ := sendNotice(t, s)
	texts := smsBodies(t, outboxDir)
	if want := notices.LanguagePage(notices.PageURL(testPublicURL, proof.Code), "en"); len(texts) != 1 || pageAddress.FindString(texts[0]) != want {
		t.Fatalf("the proof's texts: %q; want one linking %s", texts, want)
	}
	r := httptest.NewRequest(http.MethodGet, pathOf(t, s, pageAddress.FindString(texts[0])), nil)
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "PROOF: a preview for the utility&#39;s staff. This notice has not been published.") {
		t.Errorf("the proof's page: %d:\n%s", w.Code, w.Body)
	}
	if w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("X-Robots-Tag") != "noindex" {
		t.Errorf("the proof's page may be kept: Cache-Control %q, X-Robots-Tag %q", w.Header().Get("Cache-Control"), w.Header().Get("X-Robots-Tag"))
	}
	if _, body := get(t, s, "/notices"); strings.Contains(body, proof.Code) {
		t.Errorf("/notices lists the proof")
	}
}

// TestNoticePageLanguages: the page is in the language asked for with
// ?lang=, else the browser's, else the notice's first; its html element
// says which, and its switch links the other.
func TestNoticePageLanguages(t *testing.T) {
	s, st := newPageServer(t, nil)
	importPageCustomers(t, st)
	n := publishNotice(t, s, createNotice(t, s, "boil-water-advisory", time.Time{}, notices.Email))
	tests := []struct {
		name, query, accept  string
		lang, title, otherTo string
	}{
		{"default", "", "", "en", "Boil Water Advisory", `<a href="/n/` + n.Code + `?lang=es" hreflang="es" lang="es">Español</a>`},
		{"asked for", "?lang=es", "", "es", "Aviso para hervir el agua", `<a href="/n/` + n.Code + `?lang=en" hreflang="en" lang="en">English</a>`},
		{"the browser's", "", "es-MX,es;q=0.9,en;q=0.5", "es", "Aviso para hervir el agua", `hreflang="en"`},
		{"the browser's second", "", "fr-CA, es;q=0.8, en;q=0.1", "es", "Aviso para hervir el agua", `hreflang="en"`},
		{"asked for wins", "?lang=en", "es", "en", "Boil Water Advisory", `hreflang="es"`},
		{"none the notice has", "?lang=de", "fr", "en", "Boil Water Advisory", `hreflang="es"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := get(t, s, "/n/"+n.Code+tt.query, "Accept-Language", tt.accept)
			if status != http.StatusOK {
				t.Fatalf("%d", status)
			}
			for _, want := range []string{`<html lang="` + tt.lang + `">`, "<h1>" + tt.title + "</h1>", tt.otherTo, `aria-current="page" lang="` + tt.lang + `"`} {
				if !strings.Contains(body, want) {
					t.Errorf("the page lacks %s:\n%s", want, body)
				}
			}
		})
	}
	if _, body := get(t, s, "/notices?lang=es"); !strings.Contains(body, `<html lang="es">`) || !strings.Contains(body, ">Aviso para hervir el agua</a>") {
		t.Errorf("/notices?lang=es does not title the notice in Spanish:\n%s", body)
	}
}

// TestNoticePageIsTheFlyer: the page carries the flyer's text as HTML
// (headings, the body's Markdown as the email renders it) and links the
// flyer, a PDF of every language of the notice.
func TestNoticePageIsTheFlyer(t *testing.T) {
	s, st := newPageServer(t, nil)
	importPageCustomers(t, st)
	n := publishNotice(t, s, createNotice(t, s, "boil-water-advisory", time.Time{}, notices.Email))
	_, body := get(t, s, "/n/"+n.Code)
	for _, want := range []string{"<h2>What happened?</h2>", "Oak Hill Road", "<p class=\"notice-date\">Issued ", `<a href="tel:3155550142">(315) 555-0142</a>`, "120 Main Street, Clearwater, NY 13000", `href="/n/` + n.Code + `/flyer.pdf"`, `<link rel="stylesheet" href="/assets/crier.css">`,
		`<meta name="viewport" content="width=device-width, initial-scale=1">`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(body, "<img") {
		t.Errorf("the page has an image: text belongs in text")
	}
	r := httptest.NewRequest(http.MethodGet, "/n/"+n.Code+"/flyer.pdf", nil)
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(w.Body.Bytes(), []byte("%PDF-")) {
		t.Fatalf("flyer: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	pdftotext := testenv.Tool(t, "pdftotext", "poppler-utils")
	path := filepath.Join(t.TempDir(), "flyer.pdf")
	os.WriteFile(path, w.Body.Bytes(), 0o600)
	out, err := exec.Command(pdftotext, path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Boil Water Advisory", "Aviso para hervir el agua"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the flyer lacks %q", want)
		}
	}
}

// TestNoticesListWindow: /notices shows the notices of the last 90 days,
// newest first; an older one keeps its page.
func TestNoticesListWindow(t *testing.T) {
	s, _, now := clockedPageServer(t)
	old := publishNotice(t, s, createNotice(t, s, "hydrant-flushing", time.Time{}, notices.Email))
	*now = now.Add(80 * 24 * time.Hour)
	mid := publishNotice(t, s, createNotice(t, s, "main-break", time.Time{}, notices.Email))
	*now = now.Add(20 * 24 * time.Hour)
	recent := publishNotice(t, s, createNotice(t, s, "boil-water-advisory", time.Time{}, notices.Email))

	_, body := get(t, s, "/notices")
	i, j := strings.Index(body, "/n/"+recent.Code), strings.Index(body, "/n/"+mid.Code)
	if i < 0 || j < 0 || i > j {
		t.Errorf("/notices does not list the two recent notices newest first:\n%s", body)
	}
	if strings.Contains(body, old.Code) {
		t.Errorf("/notices lists a notice of 100 days ago")
	}
	if status, _ := get(t, s, "/n/"+old.Code); status != http.StatusOK {
		t.Errorf("the old notice's page: %d; want 200", status)
	}
}

// TestNoticeURLNeedsPublicURL: without public_url a notice's messages and
// flyer carry no page address.
func TestNoticeURLNeedsPublicURL(t *testing.T) {
	s, st := newPageServer(t, func(c *Config) { c.PublicURL = "" })
	importPageCustomers(t, st)
	publishNotice(t, s, createNotice(t, s, "boil-water-advisory", time.Time{}, notices.SMS))
	outboxDir, _ := sendNotice(t, s)
	for _, text := range smsBodies(t, outboxDir) {
		if strings.Contains(text, "/n/") || strings.HasSuffix(text, " ") {
			t.Errorf("without public_url the text is %q", text)
		}
	}
}

// outageFR is a notice template in English with a French translation:
// Crier's page words have no French.
var outageFR = fstest.MapFS{
	"outage.md":    {Data: []byte("---\ntitle: Water Outage\ncategory: service\nsubject: \"Water off in {{.area}}\"\nsms: \"Water off in {{.area}}.\"\nfields:\n  - name: area\n    label: Area\n    type: text\n    required: true\n    example: Elm Street\n---\nWater is off in {{.area}}.\n")},
	"outage.fr.md": {Data: []byte("---\nname: outage\ntitle: Coupure d'eau\ncategory: service\nsubject: \"Eau coupée à {{.area}}\"\nsms: \"Eau coupée à {{.area}}.\"\nfields:\n  - name: area\n    label: Zone\n    type: text\n    required: true\n    example: rue des Ormes\n---\nL'eau est coupée à {{.area}}.\n")},
}

// TestPageWordsInAnotherLanguageSayWhich: on a page in a language Crier
// has no page words for, the words it adds are English and marked so.
func TestPageWordsInAnotherLanguageSayWhich(t *testing.T) {
	lib, _ := templates.Load(outageFR, ".")
	s, st := newPageServer(t, func(c *Config) { c.Library = lib })
	importPageCustomers(t, st)
	n := publishNotice(t, s, createNotice(t, s, "outage", time.Time{}, notices.Email))
	_, body := get(t, s, "/n/"+n.Code+"?lang=fr")
	for _, want := range []string{`<html lang="fr">`, "<h1>Coupure d&#39;eau</h1>", `<p class="notice-flyer" lang="en">`, `<h2 lang="en">Questions? Contact</h2>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the French page lacks %s:\n%s", want, body)
		}
	}
	if _, body := get(t, s, "/n/"+n.Code); strings.Contains(body, `lang="en">Questions`) {
		t.Errorf("the English page marks its own words as English")
	}
}
