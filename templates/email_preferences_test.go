package templates

import (
	"bytes"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/crier-notices/crier/internal/emltest"
)

// TestEmailPreferencesLink: each recipient's email ends its text and HTML
// footers with the link to their preferences page, in the notice's
// language, written into the body encoded once per notice; a long link
// wraps in quoted-printable and still reads whole. An email without the
// link is unchanged (TestEmailGolden holds its bytes).
func TestEmailPreferencesLink(t *testing.T) {
	lib, _ := Builtin()
	fam, err := lib.Family("hydrant-flushing")
	if err != nil {
		t.Fatal(err)
	}
	link := "https://water.clearwater.example/unsubscribe/1234567890/AbCdEfGhIjKlMnOpQr-_Uv"
	tests := []struct {
		name  string
		lang  string
		logo  bool
		words string
	}{
		{"english", "en", false, "Choose which emails you receive, or unsubscribe"},
		{"english with a logo", "en", true, "Choose which emails you receive, or unsubscribe"},
		{"spanish", "es", false, "Elija qué correos recibe, o cancele la suscripción"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := testUtility
			if tc.logo {
				u.Logo = readFile(t, "testdata/email/logo.png")
			}
			r, err := Render(fam.ByLang[tc.lang], fam.Examples(), u, Options{Date: testDate})
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := r.WriteEmail(&b, EmailHeader{To: "ana@example.com", MessageID: "n-1@clearwater.example", Preferences: link}); err != nil {
				t.Fatal(err)
			}
			e := emltest.Read(t, b.Bytes())
			if want := "\n" + tc.words + ": " + link + "\n"; !strings.HasSuffix(e.Text, want) {
				t.Errorf("the text part ends %q; want it to end with %q", tail(e.Text, 120), want)
			}
			a := `<br><a href="` + link + `" style="color:#555555;">` + tc.words + "</a>\n"
			if strings.Count(e.HTML, "</span>\n"+a+"</td></tr>") != 1 { // in the footer, under its last line
				t.Errorf("the HTML part does not link to the preferences page once with %q:\n%s", a, tail(e.HTML, 600))
			}
			preview, err := r.HTML()
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Replace(e.HTML, a, "", 1); got != strings.ReplaceAll(preview, "\r\n", "\n") {
				t.Errorf("the HTML part, link taken out, differs from the preview (HTML)")
			}
			if strings.Contains(preview, string(preferencesHole)) || strings.Contains(e.HTML, string(preferencesHole)) {
				t.Errorf("the mark of the link's place shows")
			}
			if e.Header.Get("List-Unsubscribe") != "" || e.Header.Get("List-Unsubscribe-Post") != "" {
				t.Errorf("a preferences link alone made a one-click header: %q", e.Header.Get("List-Unsubscribe"))
			}
			if !strings.Contains(e.Text, link) {
				t.Errorf("the text does not hold the whole link")
			}
		})
	}
	r, _ := Render(fam.Original, fam.Examples(), testUtility, Options{Date: testDate})
	if err := r.WriteEmail(&bytes.Buffer{}, EmailHeader{Preferences: "http://water.example/prefs"}); err == nil || !strings.Contains(err.Error(), "preferences") {
		t.Errorf("a plain http:// preferences address off this machine: %v; want refused", err)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// TestTableWithoutPreferencesPhrase: a translation table written before
// the preferences phrase existed still loads, and its emails say it in
// English.
func TestTableWithoutPreferencesPhrase(t *testing.T) {
	en, err := fs.ReadFile(builtin, "library/languages/en.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, l := range strings.Split(string(en), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "preferences:") {
			kept = append(kept, l)
		}
	}
	tables, problems := loadTables(fstest.MapFS{"lib/languages/fr.yaml": {Data: []byte(strings.Join(kept, "\n"))}}, "lib")
	if len(problems) > 0 || tables["fr"] == nil {
		t.Fatalf("a table without preferences: %v", problems)
	}
	r := &Rendering{Lang: "fr", Template: &Template{Lang: "fr", words: tables["fr"]}}
	if got := r.plainPhrase("preferences"); got != "Choose which emails you receive, or unsubscribe" {
		t.Errorf("the missing phrase reads %q; want the English one", got)
	}
}
