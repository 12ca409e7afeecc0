package web

import (
	"net/http"

	"github.com/crier-notices/crier/templates"
)

// apiTemplateView is a template as the API shows it: what a system needs
// to fill in its values.
type apiTemplateView struct {
	Name        string                `json:"name"`
	Title       string                `json:"title"`
	Description string                `json:"description,omitempty"`
	Category    templates.Category    `json:"category"`
	Tier        int                   `json:"tier"` // 0: not a regulatory public notice
	Languages   []string              `json:"languages"`
	Fields      []apiFieldView        `json:"fields"`
	Titles      map[string]string     `json:"titles,omitempty"` // the headline in each language (GET /templates/{name})
	SMS         *apiTemplateSMSLimits `json:"sms,omitempty"`
}

// apiTemplateSMSLimits is how long a template's text message may be.
type apiTemplateSMSLimits struct {
	MaxSegments int `json:"max_segments"`
}

// apiFieldView is one field of a template.
type apiFieldView struct {
	Name      string              `json:"name"`
	Label     string              `json:"label"`
	Type      templates.FieldType `json:"type"`
	Required  bool                `json:"required"`
	Default   string              `json:"default,omitempty"`
	Example   string              `json:"example,omitempty"`
	Help      string              `json:"help,omitempty"`
	Choices   []string            `json:"choices,omitempty"`
	MaxLength int                 `json:"max_length"`
	After     string              `json:"after,omitempty"` // a date field this one's date is on or after
	Past      bool                `json:"past,omitempty"`  // the date may be in the past
}

// apiTemplateOf is fam as the API shows it; full adds each language's
// headline and the SMS limit.
func apiTemplateOf(fam *templates.Family, full bool) apiTemplateView {
	t := fam.Original
	v := apiTemplateView{
		Name: fam.Name, Title: t.Title, Description: t.Description, Category: t.Category, Tier: t.Tier,
		Languages: fam.Languages(), Fields: []apiFieldView{},
	}
	for _, f := range t.Fields {
		v.Fields = append(v.Fields, apiFieldView{
			Name: f.Name, Label: f.Label, Type: f.Type, Required: f.Required, Default: f.Default,
			Example: f.Example, Help: f.Help, Choices: f.Options, MaxLength: f.Limit(), After: f.After, Past: f.Past,
		})
	}
	if full {
		v.Titles = map[string]string{}
		for _, lang := range v.Languages {
			v.Titles[lang] = fam.ByLang[lang].Title
		}
		v.SMS = &apiTemplateSMSLimits{MaxSegments: t.SMSMaxSegments}
	}
	return v
}

// apiTemplates answers GET /api/v1/templates: every template of the
// library, by name, with its fields.
func (s *Server) apiTemplates(w http.ResponseWriter, r *http.Request) {
	lib := s.cfg.App.Library
	out := struct {
		Templates []apiTemplateView `json:"templates"`
	}{Templates: []apiTemplateView{}}
	for _, name := range lib.Names() {
		fam, err := lib.Family(name)
		if err != nil {
			s.apiFail(w, r, err)
			return
		}
		out.Templates = append(out.Templates, apiTemplateOf(fam, false))
	}
	writeJSON(w, http.StatusOK, out)
}

// apiTemplate answers GET /api/v1/templates/{name}: one template, with
// its headline in each language.
func (s *Server) apiTemplate(w http.ResponseWriter, r *http.Request) {
	fam, err := s.cfg.App.Library.Family(r.PathValue("name"))
	if err != nil {
		apiError(w, http.StatusNotFound, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, apiTemplateOf(fam, true))
}
