package templates

// Translation tables: per language, the month and weekday names, how dates
// and times are written, and the few words Crier itself adds around a
// notice. The built-in ones are library/languages/*.yaml; a custom folder
// of templates may add its own in languages/CODE.yaml.

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
)

// LanguageTable is one language's translation table.
type LanguageTable struct {
	Code, Name string
	File       string // where it was read from, for problems
	Months     [12]string
	Weekdays   [7]string // Sunday first
	// Patterns, with the placeholders in braces that tablePatterns lists.
	Date, DateWithoutYear, DateWithWeekday, Time, DateTime string
	AM, PM, Noon, Midnight                                 string
	// Phrases are the words Crier adds: issued, contact, scan, online,
	// page, footer and preferences (the email's link to the recipient's
	// preferences page).
	Phrases map[string]string
}

type tablePattern struct {
	key       string
	must, may []string
	field     func(*LanguageTable) *string
}

// tablePatterns lists, for each pattern of a table, the placeholders it
// must hold and those it may hold.
var tablePatterns = []tablePattern{
	{key: "date", must: []string{"day", "month", "year"}, field: func(t *LanguageTable) *string { return &t.Date }},
	{key: "date_without_year", must: []string{"day", "month"}, field: func(t *LanguageTable) *string { return &t.DateWithoutYear }},
	{key: "date_with_weekday", must: []string{"weekday", "date"}, field: func(t *LanguageTable) *string { return &t.DateWithWeekday }},
	{key: "time", must: []string{"minute"}, may: []string{"hour", "hour12", "ampm"}, field: func(t *LanguageTable) *string { return &t.Time }},
	{key: "datetime", must: []string{"date", "time"}, field: func(t *LanguageTable) *string { return &t.DateTime }},
}

type tablePhrase struct {
	key      string
	must     []string
	optional bool // a table written before Crier added it may lack it: English stands in
}

// tablePhrases lists the phrases a table gives and their placeholders.
var tablePhrases = []tablePhrase{
	{"issued", []string{"date"}, false}, {"contact", nil, false}, {"scan", nil, false}, {"online", nil, false},
	{"page", []string{"page", "pages"}, false}, {"footer", []string{"utility"}, false},
	{"preferences", nil, true},
}

var placeholder = regexp.MustCompile(`\{([a-z0-9_]*)\}`)

// fill replaces each {name} in pattern by its value.
func fill(pattern string, values ...string) string {
	r := strings.NewReplacer(func() []string {
		out := make([]string, 0, len(values))
		for i := 0; i+1 < len(values); i += 2 {
			out = append(out, "{"+values[i]+"}", values[i+1])
		}
		return out
	}()...)
	return r.Replace(pattern)
}

// builtinTables are the tables of library/languages, read once: they are
// part of the binary and checked by the tests.
var builtinTables = sync.OnceValue(func() map[string]*LanguageTable {
	tables, _ := loadTables(builtin, "library")
	return tables
})

// loadTables reads dir/languages/CODE.yaml of fsys. A missing folder is no
// problem; a bad table is an error with its file and line.
func loadTables(fsys fs.FS, dir string) (map[string]*LanguageTable, Problems) {
	tables := map[string]*LanguageTable{}
	folder := path.Join(dir, "languages")
	entries, err := fs.ReadDir(fsys, folder)
	if err != nil {
		return tables, nil
	}
	var problems Problems
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		file := path.Join(folder, e.Name())
		pl := &problemList{file: file}
		code := strings.TrimSuffix(e.Name(), ".yaml")
		if c, err := Language(code); err != nil {
			pl.errorf(0, "the file name: %v (name the file CODE.yaml)", err)
		} else if c != code {
			pl.errorf(0, "write the language code of the file name as %s (%s.yaml)", c, c)
		}
		data, err := readTemplateFile(fsys, file)
		if err != nil {
			pl.errorf(0, "%v", err)
		} else if t := parseTable(pl, code, data); t != nil && len(pl.list.Errors()) == 0 {
			t.File = file
			tables[code] = t
		}
		problems = append(problems, pl.list...)
	}
	return tables, problems
}

// parseTable reads one table, reporting every problem with its line.
func parseTable(pl *problemList, code string, data []byte) *LanguageTable {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		pl.errorf(0, "%s", strings.TrimPrefix(err.Error(), "yaml: "))
		return nil
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		pl.errorf(1, "a translation table is a YAML mapping: name, months, weekdays, date … (copy the built-in en.yaml, see README)")
		return nil
	}
	t := &LanguageTable{Code: code, Phrases: map[string]string{}}
	root := doc.Content[0]
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		seen[k.Value] = true
		tableKey(pl, t, k, v)
	}
	for _, key := range []string{"name", "months", "weekdays", "date", "date_without_year", "date_with_weekday", "time", "datetime", "phrases"} {
		if !seen[key] {
			pl.errorf(1, "%s is missing", key)
		}
	}
	if strings.Contains(t.Time, "{ampm}") && (t.AM == "" || t.PM == "") {
		pl.errorf(1, "time writes {ampm}: give am and pm too")
	}
	return t
}

// tableKey reads one key of a table into t.
func tableKey(pl *problemList, t *LanguageTable, k, v *yaml.Node) {
	line := k.Line
	switch k.Value {
	case "name", "am", "pm", "noon", "midnight":
		s, ok := scalar(pl, k.Value, v)
		if ok && strings.TrimSpace(s) == "" {
			pl.errorf(line, "%s is empty", k.Value)
		}
		*map[string]*string{"name": &t.Name, "am": &t.AM, "pm": &t.PM, "noon": &t.Noon, "midnight": &t.Midnight}[k.Value] = s
	case "months":
		copy(t.Months[:], tableList(pl, k, v, 12, "January to December"))
	case "weekdays":
		copy(t.Weekdays[:], tableList(pl, k, v, 7, "Sunday to Saturday, Sunday first"))
	case "phrases":
		tablePhrasesKey(pl, t, v)
	default:
		i := slices.IndexFunc(tablePatterns, func(p tablePattern) bool {
			return p.key == k.Value
		})
		if i < 0 {
			pl.errorf(line, "%s is not a key of a translation table (name, months, weekdays, date, date_without_year, date_with_weekday, time, am, pm, noon, midnight, datetime, phrases)", k.Value)
			return
		}
		p := tablePatterns[i]
		if s, ok := scalar(pl, k.Value, v); ok && checkPattern(pl, line, k.Value, s, p.must, p.may) {
			*p.field(t) = s
		}
	}
}

// tableList reads a list of exactly n names.
func tableList(pl *problemList, k, v *yaml.Node, n int, what string) []string {
	if v.Kind != yaml.SequenceNode || len(v.Content) != n {
		pl.errorf(k.Line, "%s: give a list of %d names, %s (as [a, b, …])", k.Value, n, what)
		return nil
	}
	out := make([]string, n)
	for i, c := range v.Content {
		if c.Kind != yaml.ScalarNode || strings.TrimSpace(c.Value) == "" {
			pl.errorf(c.Line, "%s: name %d is empty or not a single name", k.Value, i+1)
		}
		out[i] = c.Value
	}
	return out
}

// tablePhrasesKey reads the phrases mapping: every phrase Crier adds.
func tablePhrasesKey(pl *problemList, t *LanguageTable, v *yaml.Node) {
	if v.Kind != yaml.MappingNode {
		pl.errorf(v.Line, "phrases: give a mapping of issued, contact, scan, online, page, footer and preferences")
		return
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, pv := v.Content[i], v.Content[i+1]
		j := slices.IndexFunc(tablePhrases, func(p tablePhrase) bool {
			return p.key == k.Value
		})
		if j < 0 {
			pl.errorf(k.Line, "phrases: %s is not a phrase Crier adds (issued, contact, scan, online, page, footer, preferences)", k.Value)
			continue
		}
		if s, ok := scalar(pl, k.Value, pv); ok && checkPattern(pl, k.Line, "phrases: "+k.Value, s, tablePhrases[j].must, nil) {
			t.Phrases[k.Value] = s
		}
	}
	for _, p := range tablePhrases {
		if _, ok := t.Phrases[p.key]; !ok && !p.optional && !slices.ContainsFunc(v.Content, func(n *yaml.Node) bool { return n.Value == p.key }) {
			pl.errorf(v.Line, "phrases: %s is missing", p.key)
		}
	}
}

// checkPattern reports a pattern that lacks a placeholder it must hold or
// holds one it may not.
func checkPattern(pl *problemList, line int, key, s string, must, may []string) bool {
	ok := true
	for _, m := range must {
		if !strings.Contains(s, "{"+m+"}") {
			pl.errorf(line, "%s %q: write {%s} where it goes", key, s, m)
			ok = false
		}
	}
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		if !slices.Contains(must, m[1]) && !slices.Contains(may, m[1]) {
			pl.errorf(line, "%s %q: {%s} is not known here (use %s)", key, s, m[1], "{"+strings.Join(append(slices.Clone(must), may...), "}, {")+"}")
			ok = false
		}
	}
	if key == "time" && !strings.Contains(s, "{hour}") && !strings.Contains(s, "{hour12}") {
		pl.errorf(line, "time %q: write {hour} (0 to 23) or {hour12} (1 to 12, with {ampm})", s)
		ok = false
	}
	return ok
}

// tableFor returns the table a template in lang uses: the folder's own for
// lang, else the built-in one, else the same for lang's base language
// ("es" for "es-MX"); nil when there is none.
func tableFor(own map[string]*LanguageTable, lang string) *LanguageTable {
	for _, l := range []string{lang, baseLanguage(lang)} {
		if t := own[l]; t != nil {
			return t
		}
		if t := builtinTables()[l]; t != nil {
			return t
		}
	}
	return nil
}

// table is the translation table t is written with: English when its
// language has none (Load warns about that).
func (t *Template) table() *LanguageTable {
	if t.words != nil {
		return t.words
	}
	if tb := tableFor(nil, t.Lang); tb != nil {
		return tb
	}
	return builtinTables()[DefaultLanguage]
}

// missingTable is the warning for templates in a language without a
// translation table.
func missingTable(file, lang string) Problem {
	return Problem{File: file, Warning: true, Message: fmt.Sprintf(
		"language %s has no translation table, so its dates (month and weekday names) and the words Crier adds (Issued, Page 1 of 2, the email footer …) are in English: add languages/%s.yaml to the template folder (copy the built-in en.yaml; see README, Templates)", lang, lang)}
}

// table is the translation table of the rendering's language.
func (r *Rendering) table() *LanguageTable {
	if r.Template != nil {
		return r.Template.table()
	}
	return (&Template{Lang: r.Lang}).table()
}

// plainPhrase is the phrase key of the rendering's table as it is written
// (phrase prepares it for Sprintf); English for an optional phrase the
// table lacks.
func (r *Rendering) plainPhrase(key string) string {
	if s, ok := r.table().Phrases[key]; ok {
		return s
	}
	return builtinTables()["en"].Phrases[key]
}

// phrase returns one of the words Crier adds, in the rendering's language,
// as a format for fmt.Sprintf: page takes the page and the number of
// pages, footer the utility's name.
func (r *Rendering) phrase(key string) string {
	s := strings.ReplaceAll(r.table().Phrases[key], "%", "%%")
	return fill(s, "page", "%[1]d", "pages", "%[2]d", "utility", "%[1]s")
}

// longDate formats a calendar date the way a notice in the rendering's
// language writes it: "November 28, 2026" or "28 de noviembre de 2026".
func (r *Rendering) longDate(t time.Time) string {
	return formatDate(calendarDate{Time: t, year: true}, r.table())
}

// dateLine is the line under a flyer's headline: "Issued November 28, 2026".
func (r *Rendering) dateLine() string {
	d := r.Date
	if r.Utility.Location != nil {
		d = d.In(r.Utility.Location)
	}
	return fill(r.table().Phrases["issued"], "date", r.longDate(d))
}
