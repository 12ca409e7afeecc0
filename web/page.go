package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed templates/*.html templates/console/*.html templates/console/partials/*.html
var pageFiles embed.FS

//go:embed assets
var assetFiles embed.FS

// Page is what a page template is given.
type Page struct {
	Lang  string // the page's language, for <html lang>
	Title string
	Data  any // the page's own
}

// parsePages reads every page of templates/, each inside layout.html.
func parsePages() (map[string]*template.Template, error) {
	layout, err := template.ParseFS(pageFiles, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	return pagesIn(layout, "templates/*.html")
}

// pagesIn parses each page matching glob (but layout.html) into its own
// copy of layout, by its file's name without ".html".
func pagesIn(layout *template.Template, glob string) (map[string]*template.Template, error) {
	names, err := fs.Glob(pageFiles, glob)
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, name := range names {
		if path.Base(name) == "layout.html" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(pageFiles, name)
		if err != nil {
			return nil, err
		}
		pages[strings.TrimSuffix(path.Base(name), ".html")] = t
	}
	return pages, nil
}

// page answers with the page name (templates/NAME.html) inside the
// layout. It renders into a buffer first, so a template error becomes a
// plain 500 page and never half a page.
func (s *Server) page(w http.ResponseWriter, r *http.Request, status int, name string, p Page) {
	t := s.pages[name]
	if t == nil {
		s.log.Error("web: no page template", "page", name)
		s.fail(w, r, http.StatusInternalServerError)
		return
	}
	if p.Lang == "" {
		p.Lang = "en"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		s.log.Error("web: a page failed", "page", name, "err", err)
		s.fail(w, r, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fail answers with a plain page for status: what happened in words a
// customer understands, never an internal detail.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int) {
	t := s.pages["error"]
	var buf bytes.Buffer
	p := Page{Lang: "en", Title: http.StatusText(status), Data: errorPage{Words: errorWords(status), Back: "/notices", BackText: "Notices"}}
	if strings.HasPrefix(r.URL.Path, ConsolePrefix) || strings.HasPrefix(r.URL.Path, APIPrefix) {
		p.Data = errorPage{Words: consoleErrorWords(status), Back: ConsolePrefix, BackText: "The console"}
	}
	if t == nil || t.ExecuteTemplate(&buf, "layout.html", p) != nil {
		http.Error(w, http.StatusText(status), status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorPage is what the error page says, and where it leads back to.
type errorPage struct{ Words, Back, BackText string }

// consoleErrorWords says what a failed console request means to the
// coordinator who made it.
func consoleErrorWords(status int) string {
	switch status {
	case http.StatusNotFound:
		return "There is nothing at this address in the console (a setup address works once: sign in to the console instead)."
	case http.StatusForbidden:
		return "This was refused: your role does not allow it, or the form was sent from another site. Open the console and try again from its own pages."
	case http.StatusUnauthorized:
		return "You are not signed in, or your session ended: sign in to the console and try again."
	}
	return errorWords(status)
}

// errorWords says what a failed request means to the person who made it.
func errorWords(status int) string {
	switch status {
	case http.StatusNotFound:
		return "There is nothing at this address. Check the link, or see the list of notices."
	case http.StatusTooManyRequests:
		return "Too many requests came from your address. Wait a few seconds and try again."
	case http.StatusForbidden:
		return "This link is not valid."
	case http.StatusMethodNotAllowed:
		return "This address does not take that kind of request."
	default:
		return "Something went wrong on our side. Try again in a few minutes."
	}
}

// assetHandler serves the embedded stylesheet and images.
func assetHandler() http.Handler {
	sub, _ := fs.Sub(assetFiles, "assets") // the embed pattern guarantees it
	fileServer := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fileServer.ServeHTTP(w, r)
	})
}
