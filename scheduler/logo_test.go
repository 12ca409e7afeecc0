package scheduler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/channels/outbox"
	"github.com/crier-notices/crier/internal/emltest"
	"github.com/crier-notices/crier/internal/testenv"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
	"github.com/crier-notices/crier/templates"
)

// testLogo is a 300 × 100 PNG, shown at 180 × 60 in the email.
func testLogo(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 300, 100))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var logoImg = regexp.MustCompile(`<img src="cid:([^"]+)" alt="([^"]*)" width="180" height="60"`)

// checkLogo fails unless e carries logo as an inline part that its HTML
// shows, with the utility's name as alt text.
func checkLogo(t *testing.T, who string, e emltest.Email, logo []byte) {
	t.Helper()
	if len(e.Inline) != 1 || e.Inline[0].ContentType != "image/png" || !bytes.Equal(e.Inline[0].Data, logo) {
		t.Errorf("%s: inline parts %d; want the logo", who, len(e.Inline))
		return
	}
	m := logoImg.FindStringSubmatch(e.HTML)
	if m == nil || m[1] != e.Inline[0].ContentID || m[2] != utility.Name {
		t.Errorf("%s: the HTML does not show the logo part %s with alt %q:\n%s", who, e.Inline[0].ContentID, utility.Name, e.HTML)
	}
}

// TestDispatchedMessagesCarryTheLogo dispatches a main break notice to
// six customers, two of them Spanish, through the outbox (the .eml and
// SMS files written on a machine without SMTP or Twilio) and then through
// Mailpit: every email shows the utility's logo as an inline image, and
// the Spanish SMS goes out in GSM-7 (the template's sms_gsm7).
func TestDispatchedMessagesCarryTheLogo(t *testing.T) {
	logo := testLogo(t)
	withLogo := func(c *scheduler.Config) { c.Utility.Logo = logo }
	lib := library(t)

	t.Run("outbox", func(t *testing.T) {
		s, dir := newStore(t), t.TempDir()
		importContacts(t, s, "elm", 6, gen)
		publish(t, s, lib, "main-break", "elm", notices.Emergency, notices.Email, notices.SMS)
		box := outbox.New(dir, "+13155550100")
		drain(t, newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{
			notices.Email: {Sender: box, Concurrency: 1}, notices.SMS: {Sender: box, Concurrency: 1}}, withLogo), time.Minute)
		emls, _ := filepath.Glob(filepath.Join(dir, "email", "*.eml"))
		if len(emls) != 6 {
			t.Fatalf("%d .eml files, want 6", len(emls))
		}
		for _, f := range emls {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			checkLogo(t, filepath.Base(f), emltest.Read(t, data), logo)
		}
		spanish := 0
		texts, _ := filepath.Glob(filepath.Join(dir, "sms", "*.json"))
		for _, f := range texts {
			var m struct{ Body, Encoding string }
			data, _ := os.ReadFile(f)
			if err := json.Unmarshal(data, &m); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(m.Body, "Tuberia rota") {
				spanish++
			}
			if m.Encoding != "GSM-7" || strings.ContainsAny(m.Body, "áíóú") {
				t.Errorf("%s: %s %q; want GSM-7, á, í, ó, ú written without accents", filepath.Base(f), m.Encoding, m.Body)
			}
		}
		if len(texts) != 6 || spanish != 2 {
			t.Errorf("%d SMS files, %d Spanish; want 6, 2", len(texts), spanish)
		}
	})

	t.Run("Mailpit", func(t *testing.T) {
		mp := testenv.Mailpit(t)
		s := newStore(t)
		importContacts(t, s, "elm", 6, gen)
		publish(t, s, lib, "main-break", "elm", notices.Emergency, notices.Email)
		drain(t, newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{notices.Email: {Sender: mailpitSender(t, mp, 1), Concurrency: 1}}, withLogo), time.Minute)
		msgs := mp.Messages(t)
		if len(msgs) != 6 {
			t.Fatalf("Mailpit holds %d emails, want 6", len(msgs))
		}
		for _, m := range msgs {
			checkLogo(t, m.To[0].Address, emltest.Read(t, mp.Raw(t, m.ID)), logo)
		}
	})
}

// TestRenderedEmailWithURLThroughMailpit sends a notice rendered with its
// web address (render --url) through Mailpit: the email received has the
// link in its plain text part, in the notice's language, as well as the
// logo.
func TestRenderedEmailWithURLThroughMailpit(t *testing.T) {
	mp := testenv.Mailpit(t)
	sender := mailpitSender(t, mp, 1)
	fam, err := library(t).Family("main-break")
	if err != nil {
		t.Fatal(err)
	}
	u := utility
	u.Logo = testLogo(t)
	const url = "https://water.example/n/42"
	for lang, want := range map[string]string{"en": "Read this notice online: " + url, "es": "Lea este aviso en línea: " + url} {
		r, err := templates.Render(fam.ByLang[lang], fam.Examples(), u, templates.Options{Date: time.Now(), URL: url})
		if err != nil {
			t.Fatal(err)
		}
		to := lang + "@example.org"
		m, err := r.Email(templates.EmailHeader{To: to})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sender.Send(context.Background(), channels.Message{ID: lang, To: to, Email: (*channels.Email)(m)}); err != nil {
			t.Fatal(err)
		}
		var id string
		for _, s := range mp.Messages(t) {
			if s.To[0].Address == to {
				id = s.ID
			}
		}
		if id == "" {
			t.Fatalf("Mailpit has no email to %s", to)
		}
		e := emltest.Read(t, mp.Raw(t, id))
		if !strings.Contains(e.Text, want+"\n") {
			t.Errorf("%s text part lacks %q:\n%s", lang, want, e.Text)
		}
		checkLogo(t, to, e, u.Logo)
	}
}
