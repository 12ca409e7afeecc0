package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing/fstest"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// The templates pages: the library by category with previews, and the
// upload of a custom template into templates_dir, checked first.

func (s *Server) templateRoutes() []consoleRoute {
	return []consoleRoute{
		{"GET /console/templates", notices.RoleViewer, s.templatesPage},
		{"GET /console/templates/{name}", notices.RoleViewer, s.templatePage},
		{"GET /console/templates/{name}/email", notices.RoleViewer, s.templateEmail},
		{"GET /console/templates/{name}/flyer.pdf", notices.RoleViewer, s.templateFlyer},
		{"POST /console/templates/upload", notices.RoleCoordinator, s.uploadTemplate},
	}
}

// libraryGroup is one category of the library.
type libraryGroup struct {
	Category  templates.Category
	Heading   string
	Templates []templateItem
}

type templateItem struct {
	Name, Title, Description string
	Tier                     int
	Languages                []string
}

// templatesView is the library page's data.
type templatesView struct {
	Groups    []libraryGroup
	CanUpload bool // a templates_dir is configured
	Dir       string
	Errors    fieldErrors
	Upload    *uploadResult // after an upload: accepted or refused, with its problems
}

// uploadResult says what became of an uploaded template.
type uploadResult struct {
	File     string
	Accepted bool
	Saved    string // where it was written
	Problems []templates.Problem
}

// categories are the library's groups, in the order a coordinator looks
// for them.
var categories = []struct {
	cat     templates.Category
	heading string
}{
	{templates.Emergency, "Emergency"},
	{templates.Service, "Service"},
	{templates.Information, "Information"},
}

func (s *Server) templatesPage(w http.ResponseWriter, r *http.Request) {
	s.renderTemplates(w, r, http.StatusOK, templatesView{Errors: fieldErrors{}})
}

func (s *Server) renderTemplates(w http.ResponseWriter, r *http.Request, status int, v templatesView) {
	v.Groups = libraryGroups(s.cfg.Library)
	v.CanUpload, v.Dir = s.cfg.TemplatesDir != "", s.cfg.TemplatesDir
	s.consolePage(w, r, status, "templates", ConsolePage{Title: "Templates", Section: "templates", Data: v})
}

// libraryGroups groups lib's templates by category.
func libraryGroups(lib *templates.Library) []libraryGroup {
	var gs []libraryGroup
	for _, c := range categories {
		g := libraryGroup{Category: c.cat, Heading: c.heading}
		for _, name := range lib.Names() {
			fam, _ := lib.Family(name)
			t := fam.Original
			if t.Category != c.cat {
				continue
			}
			g.Templates = append(g.Templates, templateItem{Name: t.Name, Title: t.Title, Description: t.Description, Tier: t.Tier, Languages: fam.Languages()})
		}
		if len(g.Templates) > 0 {
			gs = append(gs, g)
		}
	}
	return gs
}

// templateView is a template's preview page's data.
type templateView struct {
	Template  *templates.Template
	Lang      string
	Languages []string
	Values    []exampleValue
	Rendering *templates.Rendering
	Text      string // the email's text part
	Err       string // why it does not render with its examples
	SMSError  string
}

type exampleValue struct{ Label, Value string }

// templatePage previews a template in a language (?lang=), rendered with
// its examples: the email in a sandboxed frame and its text, the SMS
// counted, the flyer.
func (s *Server) templatePage(w http.ResponseWriter, r *http.Request) {
	fam, t, ok := s.templateOf(w, r)
	if !ok {
		return
	}
	v := templateView{Template: t, Lang: t.Lang, Languages: fam.Languages()}
	examples := fam.Examples()
	for _, f := range t.Fields {
		if x := examples[f.Name+"."+t.Lang]; x != "" {
			v.Values = append(v.Values, exampleValue{f.Label, x})
		} else if x := examples[f.Name]; x != "" {
			v.Values = append(v.Values, exampleValue{f.Label, x})
		}
	}
	rd, err := s.exampleRendering(fam, t)
	var smsErr *templates.SMSError
	switch {
	case errors.As(err, &smsErr):
		v.SMSError = err.Error()
	case err != nil:
		v.Err = err.Error()
	}
	if rd != nil {
		v.Rendering, v.Text = rd, rd.Text()
	}
	s.consolePage(w, r, http.StatusOK, "template", ConsolePage{Title: "Template " + t.Name, Section: "templates", Data: v})
}

// templateOf finds the template of the path's name in the language of
// ?lang= (its original without one); else answers 404.
func (s *Server) templateOf(w http.ResponseWriter, r *http.Request) (*templates.Family, *templates.Template, bool) {
	fam, err := s.cfg.Library.Family(r.PathValue("name"))
	if err != nil {
		s.fail(w, r, http.StatusNotFound)
		return nil, nil, false
	}
	t := fam.Original
	if lang := r.URL.Query().Get("lang"); lang != "" {
		if t = fam.ByLang[lang]; t == nil {
			s.fail(w, r, http.StatusNotFound)
			return nil, nil, false
		}
	}
	return fam, t, true
}

// exampleRendering renders t with its family's examples, dated now.
func (s *Server) exampleRendering(fam *templates.Family, t *templates.Template) (*templates.Rendering, error) {
	return templates.Render(t, fam.Examples(), s.cfg.Utility, templates.Options{Date: s.now(), URL: templates.ExamplePageURL})
}

// templateEmail answers the email's HTML of the template's example, for
// the preview's sandboxed frame.
func (s *Server) templateEmail(w http.ResponseWriter, r *http.Request) {
	fam, t, ok := s.templateOf(w, r)
	if !ok {
		return
	}
	rd, err := s.exampleRendering(fam, t)
	if rd == nil {
		http.Error(w, "the template does not render with its examples: "+err.Error(), http.StatusUnprocessableEntity)
		return
	}
	html, err := rd.PreviewHTML()
	if err != nil {
		s.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Security-Policy", emailCSP) // as a notice's email (console_notices.go)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	io.WriteString(w, html)
}

// templateFlyer answers the flyer PDF of the template's example.
func (s *Server) templateFlyer(w http.ResponseWriter, r *http.Request) {
	fam, t, ok := s.templateOf(w, r)
	if !ok {
		return
	}
	rd, err := s.exampleRendering(fam, t)
	if rd == nil {
		http.Error(w, "the template does not render with its examples: "+err.Error(), http.StatusUnprocessableEntity)
		return
	}
	var pdf bytes.Buffer
	if err := templates.Flyer(&pdf, rd); err != nil {
		http.Error(w, "the flyer cannot be made: "+err.Error(), http.StatusUnprocessableEntity)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="`+t.Name+`.pdf"`)
	w.Write(pdf.Bytes())
}

// templateFileName is a template file's name: NAME.md or NAME.LANG.md.
var templateFileName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*(\.[a-z]{2,3}(-[A-Za-z0-9]+)?)?\.md$`)

// uploadTemplate checks an uploaded template file with the templates_dir
// it joins, as crier templates check does, and writes it there only when
// it has no error; refused, nothing changes.
func (s *Server) uploadTemplate(w http.ResponseWriter, r *http.Request) {
	v := templatesView{Errors: fieldErrors{}}
	if s.cfg.TemplatesDir == "" {
		v.Errors.add("template", "No templates_dir is configured: set templates_dir in crier.toml to a folder, and restart crier serve.")
		s.renderTemplates(w, r, http.StatusConflict, v)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, templates.MaxTemplateFile+64<<10)
	f, name, err := s.uploaded(r, "template")
	if err != nil {
		v.Errors.add("template", err.Error())
		s.renderTemplates(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	defer f.Close()
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	if !templateFileName.MatchString(name) {
		v.Errors.add("template", fmt.Sprintf("%q is not a template file name: NAME.md, or NAME.LANG.md for a translation (lower-case letters, digits, - and _).", name))
		s.renderTemplates(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	data, err := io.ReadAll(io.LimitReader(f, templates.MaxTemplateFile+1))
	if err != nil {
		s.internal(w, r, err)
		return
	}
	res, err := s.checkUpload(name, data, r.FormValue("replace") != "")
	if err != nil {
		v.Errors.add("template", err.Error())
		s.renderTemplates(w, r, statusOf(err), v)
		return
	}
	v.Upload = &res
	status := http.StatusOK
	if !res.Accepted {
		status = http.StatusUnprocessableEntity
	} else if err := s.audit(r, "template-upload", "template file "+name, res.Saved); err != nil {
		s.internal(w, r, err)
		return
	}
	s.renderTemplates(w, r, status, v)
}

// checkUpload checks template file name (data) among the files of
// templates_dir, and writes it there when it has no error. An existing
// file is replaced only when replace is set.
func (s *Server) checkUpload(name string, data []byte, replace bool) (uploadResult, error) {
	dir := s.cfg.TemplatesDir
	res := uploadResult{File: name}
	dest := filepath.Join(dir, name)
	if _, err := os.Stat(dest); err == nil && !replace {
		return res, &notices.Error{Code: notices.Conflict, Message: fmt.Sprintf("%s exists already in %s: tick “replace it” to upload it anew", name, dir)}
	}
	fsys, err := folderWith(dir, name, data)
	if err != nil {
		return res, err
	}
	lib, problems := templates.LoadIn(fsys, ".", s.cfg.App.PhoneRegion)
	problems = append(problems, templates.CheckExamples(lib, s.cfg.Utility)...)
	for _, p := range problems {
		if p.File == name {
			res.Problems = append(res.Problems, p)
		}
	}
	if len(templates.Problems(res.Problems).Errors()) > 0 {
		return res, nil
	}
	if err := writeFileAtomic(dest, data); err != nil {
		return res, err
	}
	res.Accepted, res.Saved = true, dest
	return res, nil
}

// folderWith is the template files of dir (its .md files and languages/
// tables) with file name holding data, in memory.
func folderWith(dir, name string, data []byte) (fs.FS, error) {
	m := fstest.MapFS{}
	root := os.DirFS(dir)
	err := fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && p != "languages" {
				return fs.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(p, ".md") || strings.HasPrefix(p, "languages/") {
			b, err := fs.ReadFile(root, p)
			if err != nil {
				return err
			}
			m[p] = &fstest.MapFile{Data: b}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("templates_dir %s: %w", dir, err)
	}
	m[name] = &fstest.MapFile{Data: data}
	return m, nil
}

// writeFileAtomic writes data to dest through a temporary file beside it,
// so that a reader of the folder never meets half a template.
func writeFileAtomic(dest string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(dest), ".upload-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dest)
}
