package web

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/channels/email"
	"github.com/crier-notices/crier/internal/testenv"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
	"github.com/crier-notices/crier/templates"
)

// customers saves Ana (English) and Luis (Spanish), each with an email
// address and a mobile number.
func customers(t testing.TB, st *notices.Store) {
	t.Helper()
	for _, c := range []notices.Contact{
		{Account: "1001", Name: "Ana Díaz", Email: "ana@example.org", Mobile: "+13155550101", Language: "en"},
		{Account: "1002", Name: "Luis Peña", Email: "luis@example.org", Mobile: "+13155550102", Language: "es"},
	} {
		if _, err := st.SaveContact(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
}

// publishTo publishes template's example notice to every contact by
// email, and returns its id.
func publishTo(t testing.TB, s *Server, template string, u notices.Urgency) int64 {
	t.Helper()
	ctx := context.Background()
	fam, err := s.cfg.Library.Family(template)
	if err != nil {
		t.Fatal(err)
	}
	values := fam.Examples()
	for _, f := range fam.Original.Fields {
		if f.Type == templates.TypeDate {
			values[f.Name] = time.Now().AddDate(0, 0, 10).Format("2006-01-02") // the examples' dates are past
		}
	}
	id, err := storeOf(s).CreateNotice(ctx, notices.Notice{Template: template, Values: values, Channels: []notices.Channel{notices.Email}, Urgency: u})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := storeOf(s).Publish(ctx, id, fam, "en"); err != nil {
		t.Fatal(err)
	}
	return id
}

// emailsOf returns the addresses notice id has email deliveries for.
func emailsOf(t testing.TB, st *notices.Store, id int64) []string {
	t.Helper()
	var out []string
	err := st.EachDelivery(context.Background(), id, func(d notices.Delivery) error {
		if d.Channel == notices.Email {
			out = append(out, d.Address)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// TestOneClickFromARealEmail: the List-Unsubscribe address of an email the
// dispatcher sent through Mailpit, followed with the RFC 8058 one-click
// POST (no cookie, no login) against the running server, answers 200 with
// no redirect, again when repeated; the address is then out of the next
// service notice and still in the next emergency, and the other customer
// is in both. The emergency's own email carries the preferences link but
// no one-click header.
func TestOneClickFromARealEmail(t *testing.T) {
	mp := testenv.Mailpit(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	publicURL := "http://" + ln.Addr().String()
	s, st := newTestServer(t, func(c *Config) { c.PublicURL = publicURL })
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	t.Cleanup(func() { stop(); <-served })
	customers(t, st)

	service := publishTo(t, s, "planned-service-interruption", notices.Normal)
	sendEmails(t, mp, s)
	raw := mailTo(t, mp, "ana@example.org")
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	link := strings.Trim(msg.Header.Get("List-Unsubscribe"), "<>")
	if !strings.HasPrefix(link, publicURL+"/unsubscribe/") || msg.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Fatalf("the service notice's email has List-Unsubscribe %q, List-Unsubscribe-Post %q", link, msg.Header.Get("List-Unsubscribe-Post"))
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for i := range 2 {
		resp, err := client.Post(link, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" || resp.Header.Get("Set-Cookie") != "" {
			t.Errorf("one-click POST %d: %s, Location %q, Set-Cookie %q; want 200 without either", i+1, resp.Status, resp.Header.Get("Location"), resp.Header.Get("Set-Cookie"))
		}
		if !strings.Contains(string(body), "Done: this address will no longer receive service notices by email.") {
			t.Errorf("one-click POST %d does not say it is done:\n%s", i+1, body)
		}
	}
	if got := emailsOf(t, st, service); !slices.Equal(got, []string{"ana@example.org", "luis@example.org"}) {
		t.Errorf("the sent notice's deliveries changed: %v", got)
	}

	next := publishTo(t, s, "water-use-restrictions", notices.Normal)
	if got := emailsOf(t, st, next); !slices.Equal(got, []string{"luis@example.org"}) {
		t.Errorf("the next service notice goes to %v; want luis@example.org only", got)
	}
	emergency := publishTo(t, s, "boil-water-advisory", notices.Emergency)
	if got := emailsOf(t, st, emergency); !slices.Equal(got, []string{"ana@example.org", "luis@example.org"}) {
		t.Errorf("the emergency goes to %v; want both", got)
	}
	mp.DeleteAll(t)
	sendEmails(t, mp, s)
	e := mailTo(t, mp, "ana@example.org")
	em, err := mail.ReadMessage(bytes.NewReader(e))
	if err != nil {
		t.Fatal(err)
	}
	if em.Header.Get("List-Unsubscribe") != "" || em.Header.Get("List-Unsubscribe-Post") != "" {
		t.Errorf("the emergency's email has a one-click header: %q", em.Header.Get("List-Unsubscribe"))
	}
	if !bytes.Contains(e, []byte(publicURL+"/unsubscribe/")) {
		t.Errorf("the emergency's email has no preferences link")
	}
}

// sendEmails sends every email due through Mailpit, as crier dispatch
// does with public_url set to the server's address.
func sendEmails(t testing.TB, mp *testenv.MailpitServer, s *Server) {
	t.Helper()
	host, port := mp.SMTPAddr()
	sender, err := email.New(email.Config{Host: host, Port: port, TLS: "none", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer sender.Close()
	u := s.cfg.Utility
	u.Email, u.Address = "notices@water.example.org", "1 Reservoir Road, Clearwater, NY 13000" // a Tier 1 notice gives both
	d, err := scheduler.New(storeOf(s), scheduler.Config{
		Channels:  map[notices.Channel]scheduler.Channel{notices.Email: {Sender: sender, Concurrency: 1}},
		Library:   s.cfg.Library,
		Utility:   u,
		PublicURL: s.cfg.PublicURL,
		Poll:      50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := d.Drain(ctx); err != nil {
		t.Fatal(err)
	}
}

// mailTo returns the one message Mailpit holds for address.
func mailTo(t testing.TB, mp *testenv.MailpitServer, address string) []byte {
	t.Helper()
	for _, m := range mp.Messages(t) {
		if len(m.To) == 1 && m.To[0].Address == address {
			return mp.Raw(t, m.ID)
		}
	}
	t.Fatalf("Mailpit has no message to %s", address)
	return nil
}

// getLink and post send one request to s's handler.
func getLink(s *Server, path string) (*http.Response, string) {
	return do(s, httptest.NewRequest(http.MethodGet, path, nil))
}

func post(s *Server, path, contentType, body string) (*http.Response, string) {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return do(s, r)
}

func do(s *Server, r *http.Request) (*http.Response, string) {
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	resp := w.Result()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// links returns the preferences path of each email delivery of notice
// id, by address.
func links(t testing.TB, st *notices.Store, id int64) map[string]string {
	t.Helper()
	n, err := st.Notice(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	err = st.EachDelivery(context.Background(), id, func(d notices.Delivery) error {
		if d.Channel == notices.Email {
			out[d.Address] = notices.UnsubscribePath(d.ID, n.UnsubscribeToken(d.ID))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func optedOut(t testing.TB, st *notices.Store, addr string) []templates.Category {
	t.Helper()
	out, err := st.OptedOut(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPreferencesPage: the page opens in the recipient's language and
// changes nothing (mail scanners fetch links); its form sets the
// categories; a one-click on an emergency's link leaves nothing; a link
// with its token changed by one character, or not in the form Crier
// writes, is refused with a page that says so and nothing more.
func TestPreferencesPage(t *testing.T) {
	s, st := newTestServer(t, nil)
	customers(t, st)
	service := links(t, st, publishTo(t, s, "planned-service-interruption", notices.Normal))
	emergency := links(t, st, publishTo(t, s, "boil-water-advisory", notices.Emergency))
	ana, luis := service["ana@example.org"], service["luis@example.org"]

	pages := []struct {
		name, path string
		want       []string
	}{
		{"english", ana, []string{`<html lang="en">`, "Clearwater County Water Board", "Email preferences", "For an…@example.org", "Unsubscribe from service notices",
			`name="service" checked`, `name="information" checked`, "always reach you"}},
		{"spanish", luis, []string{`<html lang="es">`, "Clearwater County Water Board", "Preferencias de correo", "Cancelar la suscripción a los avisos de servicio",
			"¿Qué correos desea recibir?", "siempre le llegan"}},
		{"an emergency's link", emergency["ana@example.org"], []string{"Email preferences", "Save my choices"}},
	}
	for _, tc := range pages {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := getLink(s, tc.path)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("GET: %s, Cache-Control %q; want 200, no-store", resp.Status, resp.Header.Get("Cache-Control"))
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("the page lacks %q:\n%s", w, body)
				}
			}
			if tc.name == "an emergency's link" && strings.Contains(body, "One-Click") {
				t.Errorf("an emergency's page offers to unsubscribe from it:\n%s", body)
			}
			if out := optedOut(t, st, "ana@example.org"); len(out) != 0 {
				t.Errorf("a GET changed the preferences: %v", out)
			}
		})
	}

	// One character of the token changed to another base64url one, so
	// that the HMAC comparison refuses it, not the parser: the first, one
	// inside, and the last, which carries only 2 bits of the 128 (a
	// decoder that ignores the rest would take it).
	var altered []string
	for _, i := range []int{len(ana) - tokenLength, len(ana) - 5, len(ana) - 1} {
		b := []byte(ana)
		b[i] = map[bool]byte{true: 'B', false: 'A'}[b[i] == 'A']
		altered = append(altered, string(b))
	}
	bad := append(altered, ana[:len(ana)-1], ana+"A", strings.Replace(ana, "/unsubscribe/", "/unsubscribe/0", 1),
		"/unsubscribe/99999/AAAAAAAAAAAAAAAAAAAAAA", "/unsubscribe/x/y")
	for _, p := range bad {
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			r := httptest.NewRequest(m, p, strings.NewReader("List-Unsubscribe=One-Click"))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, body := do(s, r)
			if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "This link is not valid") || strings.Contains(body, "99999") || strings.Contains(body, "delivery") {
				t.Errorf("%s %s: %s; want 404 saying the link is not valid, and nothing more:\n%s", m, p, resp.Status, body)
			}
		}
	}
	if out := optedOut(t, st, "ana@example.org"); len(out) != 0 {
		t.Errorf("a bad link changed the preferences: %v", out)
	}

	// The form, posted as a browser posts it: information only.
	resp, body := post(s, ana, "application/x-www-form-urlencoded", "choose=1&information=on")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Your choices are saved.") || strings.Contains(body, `name="service" checked`) {
		t.Errorf("the form: %s\n%s", resp.Status, body)
	}
	if out := optedOut(t, st, "ana@example.org"); !slices.Equal(out, []templates.Category{templates.Service}) {
		t.Errorf("after the form ana opted out of %v; want service", out)
	}
	if _, body := getLink(s, ana); !strings.Contains(body, "This address no longer receives service notices by email.") {
		t.Errorf("the page does not say the address left service notices:\n%s", body)
	}
	// A one-click from an emergency's link leaves nothing; multipart, as RFC 8058's example posts.
	var mb bytes.Buffer
	mw := multipart.NewWriter(&mb)
	mw.WriteField("List-Unsubscribe", "One-Click")
	mw.Close()
	resp, body = post(s, emergency["luis@example.org"], mw.FormDataContentType(), mb.String())
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "No es posible darse de baja de los avisos de emergencia") {
		t.Errorf("one-click on an emergency's link: %s\n%s", resp.Status, body)
	}
	// A POST that is neither changes nothing.
	if resp, _ := post(s, luis, "application/x-www-form-urlencoded", "hello=1"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a POST of neither form: %s; want 400", resp.Status)
	}
	if out := optedOut(t, st, "luis@example.org"); len(out) != 0 {
		t.Errorf("luis opted out of %v; want nothing", out)
	}
	// A one-click without a Content-Type still counts.
	if resp, _ := post(s, luis, "", "List-Unsubscribe=One-Click"); resp.StatusCode != http.StatusOK {
		t.Errorf("a one-click without a Content-Type: %s; want 200", resp.Status)
	}
	if out := optedOut(t, st, "luis@example.org"); !slices.Equal(out, []templates.Category{templates.Service}) {
		t.Errorf("after a one-click without a Content-Type luis opted out of %v; want service", out)
	}
}

// FuzzUnsubscribePath: the parser never panics, and accepts only what
// notices.UnsubscribePath writes, which it reads back exactly.
func FuzzUnsubscribePath(f *testing.F) {
	for _, s := range []string{
		notices.UnsubscribePath(1, "AAAAAAAAAAAAAAAAAAAAAA"),
		notices.UnsubscribePath(9223372036854775807, "abcdefghijklmnopqrst-_"),
		"/unsubscribe/0/AAAAAAAAAAAAAAAAAAAAAA", "/unsubscribe/-1/AAAAAAAAAAAAAAAAAAAAAA",
		"/unsubscribe/9223372036854775808/AAAAAAAAAAAAAAAAAAAAAA", "/unsubscribe/1/AAAAAAAAAAAAAAAAAAAAA=",
		"/unsubscribe/1/AAAAAAAAAAAAAAAAAAAAAA/", "/unsubscribe//", "", "/unsubscribe/+1/AAAAAAAAAAAAAAAAAAAAAA",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		id, token, ok := parseUnsubscribePath(p)
		if !ok {
			return
		}
		if id <= 0 || len(token) != tokenLength {
			t.Fatalf("%q read as %d, %q", p, id, token)
		}
		if back := notices.UnsubscribePath(id, token); back != p {
			t.Fatalf("%q read as %d, %q, which is written %q", p, id, token, back)
		}
	})
}

// TestPreferencesLanguage: the page speaks the delivery's language, a
// regional form taking its language, else the utility's default, else
// English.
func TestPreferencesLanguage(t *testing.T) {
	tests := []struct {
		name  string
		langs []string
		want  string
	}{
		{"spanish", []string{"es", "en"}, "es"},
		{"mexican spanish", []string{"es-MX", "en"}, "es"},
		{"vietnamese, the utility's default spanish", []string{"vi", "es"}, "es"},
		{"vietnamese, no default", []string{"vi", ""}, "en"},
		{"none", []string{"", ""}, "en"},
	}
	for _, tc := range tests {
		if got := unsubscribeWordsFor(tc.langs...).Lang; got != tc.want {
			t.Errorf("%s: %s; want %s", tc.name, got, tc.want)
		}
	}
}
