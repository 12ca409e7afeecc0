package web

import (
	"html"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crier-notices/crier/notices"
)

const goodTemplate = `---
name: street-sweeping
title: Street Sweeping
description: Tells customers when their street is swept.
category: information
subject: "Street sweeping on {{.day}}"
sms: "{{.utility.name}}: street sweeping on {{.day}}."
fields:
  - name: day
    label: Day
    type: text
    required: true
    example: Monday
---
Your street is swept on **{{.day}}**. Please move your car.
`

// badTemplate has a field of no known type (line 11) and a body that
// names a field it does not declare (line 15).
const badTemplate = `---
name: street-sweeping
title: Street Sweeping
description: Tells customers when their street is swept.
category: information
subject: "Street sweeping on {{.day}}"
sms: "{{.utility.name}}: street sweeping on {{.day}}."
fields:
  - name: day
    label: Day
    type: colour
    required: true
    example: Monday
---
Your street is swept on **{{.dya}}**.
`

func TestConsoleTemplateUpload(t *testing.T) {
	dir := t.TempDir()
	_, st, ts := newConsoleServer(t, func(c *Config) { c.TemplatesDir = dir })
	coord, _ := testSignIn(t, ts, st, notices.RoleCoordinator)
	u := ts.URL + "/console/templates/upload"

	status, body := upload(t, coord, u, "template", "street-sweeping.md", badTemplate, nil)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "street-sweeping.md refused") {
		t.Fatalf("a bad template = %d:\n%s", status, body)
	}
	text := html.UnescapeString(body)
	for _, want := range []string{"<td>11</td><td>error</td><td><code>street-sweeping.md:11: field type \"colour\"",
		"<td>15</td><td>error</td><td><code>street-sweeping.md:15: body: {{.dya}}", "nothing changed"} {
		if !strings.Contains(text, want) {
			t.Errorf("the refusal lacks %q:\n%s", want, text)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a refused template changed the folder: %v", entries)
	}

	status, body = upload(t, coord, u, "template", "street-sweeping.md", goodTemplate, nil)
	if status != http.StatusOK || !strings.Contains(body, "street-sweeping.md accepted") {
		t.Fatalf("a good template = %d:\n%s", status, body)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "street-sweeping.md")); err != nil || string(b) != goodTemplate {
		t.Fatalf("the accepted template is not in the folder: %v", err)
	}
	// Once there, it is replaced only when asked.
	status, body = upload(t, coord, u, "template", "street-sweeping.md", goodTemplate, nil)
	if status != http.StatusConflict || !strings.Contains(body, `id="f-template-error"`) {
		t.Errorf("a second upload without replace = %d:\n%s", status, body)
	}
	status, _ = upload(t, coord, u, "template", "street-sweeping.md", goodTemplate, map[string]string{"replace": "1"})
	if status != http.StatusOK {
		t.Errorf("a replacing upload = %d", status)
	}
	status, body = upload(t, coord, u, "template", "../../etc/passwd", goodTemplate, nil)
	if status != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(body), `"passwd" is not a template file name`) {
		t.Errorf("a bad file name = %d:\n%s", status, body)
	}
	_, audit := consoleGet(t, coord, ts.URL+"/console/audit")
	if strings.Count(audit, "<td>template-upload</td>") != 2 {
		t.Errorf("the audit log does not hold the two accepted uploads:\n%s", audit)
	}
}

func TestConsoleTemplateUploadWithoutFolderIsRefused(t *testing.T) {
	_, st, ts := newConsoleServer(t, nil)
	coord, _ := testSignIn(t, ts, st, notices.RoleCoordinator)
	status, body := upload(t, coord, ts.URL+"/console/templates/upload", "template", "street-sweeping.md", goodTemplate, nil)
	if status != http.StatusConflict || !strings.Contains(body, "No templates_dir is configured") {
		t.Errorf("upload without templates_dir = %d:\n%s", status, body)
	}
}

func TestConsoleTemplateLibraryAndPreview(t *testing.T) {
	_, st, ts := newConsoleServer(t, func(c *Config) { c.Utility.Address = "120 Main Street, Clearwater, NY 13000" })
	viewer, _ := testSignIn(t, ts, st, notices.RoleViewer)
	status, body := consoleGet(t, viewer, ts.URL+"/console/templates")
	if status != http.StatusOK {
		t.Fatalf("library = %d", status)
	}
	emergency, information := strings.Index(body, "<h2>Emergency</h2>"), strings.Index(body, "<h2>Information</h2>")
	if emergency < 0 || information < emergency || !strings.Contains(body, "Tier 1") {
		t.Errorf("the library is not grouped by category with Tier:\n%s", body)
	}
	if strings.Contains(body, "Upload a custom template") {
		t.Error("a viewer is offered the upload")
	}
	status, body = consoleGet(t, viewer, ts.URL+"/console/templates/bill-due-reminder?lang=es")
	if status != http.StatusOK {
		t.Fatalf("preview = %d:\n%s", status, body)
	}
	for _, want := range []string{`<iframe class="email-preview" sandbox tabindex="-1" src="/console/templates/bill-due-reminder/email?lang=es"`, `<a href="/console/templates/bill-due-reminder/email?lang=es">The email on a page of its own</a>`, "segment(s)", "/console/templates/bill-due-reminder/flyer.pdf?lang=es"} {
		if !strings.Contains(body, want) {
			t.Errorf("the preview lacks %q:\n%s", want, body)
		}
	}
	res := consoleDo(t, viewer, http.MethodGet, ts.URL+"/console/templates/bill-due-reminder/email?lang=es", nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Security-Policy"), "sandbox") || !strings.Contains(readBody(t, res), "<html") {
		t.Errorf("email preview = %d %v", res.StatusCode, res.Header)
	}
	res = consoleDo(t, viewer, http.MethodGet, ts.URL+"/console/templates/bill-due-reminder/flyer.pdf", nil)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(readBody(t, res), "%PDF-") {
		t.Errorf("flyer = %d %v", res.StatusCode, res.Header)
	}
	if status, _ := consoleGet(t, viewer, ts.URL+"/console/templates/bill-due-reminder?lang=xx"); status != http.StatusNotFound {
		t.Errorf("a language the template lacks = %d, want 404", status)
	}
}
