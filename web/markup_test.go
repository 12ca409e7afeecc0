package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/crier-notices/crier/notices"
)

// What the Content-Security-Policy (default-src 'none'; style-src 'self')
// would block or a page must not carry: inline styles and scripts, event
// handlers, javascript: links.
var blockedMarkup = regexp.MustCompile(`(?i)\sstyle\s*=|<style|<script|\son[a-z]+\s*=|javascript:`)

// TestPagesKeepToTheCSP reads every kind of HTML page the public side
// answers with: none carries markup the CSP would block (the page would
// then look or work otherwise than it was written), each says its
// language and has one h1, and each input a person fills is labelled.
func TestPagesKeepToTheCSP(t *testing.T) {
	w := newFeedWorld(t, nil)
	s, st := newTestServer(t, nil)
	customers(t, st)
	service := links(t, st, publishTo(t, s, "planned-service-interruption", notices.Normal))
	emergency := links(t, st, publishTo(t, s, "boil-water-advisory", notices.Emergency))
	pages := []struct {
		name   string
		s      *Server
		path   string
		status int
	}{
		{"a notice", w.s, "/n/" + w.advisory.Code, http.StatusOK},
		{"a notice in Spanish", w.s, "/n/" + w.advisory.Code + "?lang=es", http.StatusOK},
		{"a withdrawn notice", w.s, "/n/" + w.withdrawn.Code, http.StatusOK},
		{"a proof", w.s, "/n/" + w.proof.Code, http.StatusOK},
		{"the list", w.s, "/notices", http.StatusOK},
		{"the list in Spanish", w.s, "/notices?lang=es", http.StatusOK},
		{"no such page", w.s, "/n/2345678abc", http.StatusNotFound},
		{"preferences", s, service["ana@example.org"], http.StatusOK},
		{"preferences in Spanish", s, service["luis@example.org"], http.StatusOK},
		{"an emergency's preferences", s, emergency["ana@example.org"], http.StatusOK},
		{"a link not valid", s, "/unsubscribe/99999/AAAAAAAAAAAAAAAAAAAAAA", http.StatusNotFound},
	}
	for _, tc := range pages {
		t.Run(tc.name, func(t *testing.T) {
			status, body := get(t, tc.s, tc.path)
			if status != tc.status {
				t.Fatalf("GET %s: %d; want %d", tc.path, status, tc.status)
			}
			if m := blockedMarkup.FindString(body); m != "" {
				t.Errorf("the page carries %q, which the CSP blocks:\n%s", m, body)
			}
			if !strings.Contains(body, `<html lang="`) || strings.Count(body, "<h1") != 1 {
				t.Errorf("the page lacks <html lang> or has %d h1 (want 1):\n%s", strings.Count(body, "<h1"), body)
			}
			for _, in := range regexp.MustCompile(`<input[^>]*>`).FindAllStringIndex(body, -1) {
				tag := body[in[0]:in[1]]
				if strings.Contains(tag, `type="hidden"`) {
					continue
				}
				if open, close := strings.LastIndex(body[:in[0]], "<label"), strings.LastIndex(body[:in[0]], "</label>"); open < 0 || close > open {
					t.Errorf("%s is not inside a label", tag)
				}
			}
		})
	}
}
