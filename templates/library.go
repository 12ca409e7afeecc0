package templates

import (
	"embed"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
)

//go:embed library/*.md library/languages/*.yaml
var builtin embed.FS

// Library is a set of templates by name, each in one or more languages.
type Library struct {
	byName map[string]*Family
	files  int // template files read, usable or not
}

// Files is the number of template files Load read, including those it
// could not use because of errors.
func (l *Library) Files() int { return l.files }

// Family is one template in all its languages. The original is the file
// without a language suffix; translations must declare the same fields.
type Family struct {
	Name     string
	Original *Template
	ByLang   map[string]*Template
}

// Languages lists the family's languages, the original's first.
// Declares reports whether the family has a field named name.
func (f *Family) Declares(name string) bool {
	return slices.ContainsFunc(f.Original.Fields, func(fd Field) bool { return fd.Name == name })
}

func (f *Family) Languages() []string {
	langs := []string{f.Original.Lang}
	var rest []string
	for l := range f.ByLang {
		if l != f.Original.Lang {
			rest = append(rest, l)
		}
	}
	sort.Strings(rest)
	return append(langs, rest...)
}

// Translation returns the language code of the family's translation in
// lang, read by the rule of Language ("ES" is es), or an error that says
// what lang should be.
func (f *Family) Translation(lang string) (string, error) {
	code, err := Language(lang)
	if err != nil {
		return "", err
	}
	if f.ByLang[code] == nil {
		return "", fmt.Errorf("template %s has no %q translation (it has: %s)", f.Name, code, strings.Join(f.Languages(), ", "))
	}
	return code, nil
}

// Builtin returns the library embedded in the binary. Its templates are
// checked by the tests, so problems here are a programming error. Its
// examples are written for the US, so their phone numbers are read as US
// numbers whatever the configured region.
func Builtin() (*Library, Problems) {
	return Load(builtin, "library")
}

// Load reads every NAME.md and NAME.LANG.md in dir of fsys and checks them,
// and each translation against its original. It returns the usable templates
// and every problem found. Other files are ignored.
func Load(fsys fs.FS, dir string) (*Library, Problems) {
	return LoadIn(fsys, dir, "")
}

// LoadIn is Load with the phone numbers of the fields' examples and
// defaults read as region writes them (see ParseIn).
func LoadIn(fsys fs.FS, dir, region string) (*Library, Problems) {
	lib := &Library{byName: map[string]*Family{}}
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return lib, Problems{{File: dir, Message: fmt.Sprintf("cannot read the template folder: %v", err)}}
	}
	var problems Problems
	translations := map[string][]*Template{}
	broken := map[string]bool{} // originals that did not parse
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".md") || strings.EqualFold(e.Name(), "README.md") {
			continue
		}
		file := path.Join(dir, e.Name())
		lib.files++
		data, err := readTemplateFile(fsys, file)
		if err != nil {
			problems = append(problems, Problem{File: file, Message: err.Error()})
			continue
		}
		t, ps := ParseIn(file, data, region)
		problems = append(problems, ps...)
		if t == nil {
			if name, lang, _ := splitFileName(file); lang == "" {
				broken[name] = true
			}
			continue
		}
		if _, lang, _ := splitFileName(file); lang != "" {
			translations[t.Name] = append(translations[t.Name], t)
			continue
		}
		lib.byName[t.Name] = &Family{Name: t.Name, Original: t, ByLang: map[string]*Template{t.Lang: t}}
	}
	for name, ts := range translations {
		fam := lib.byName[name]
		for _, t := range ts {
			switch {
			case fam == nil && broken[name]:
				problems = append(problems, Problem{File: t.File, Message: fmt.Sprintf("not used until its original %s.md is fixed (see its errors)", name)})
				continue
			case fam == nil:
				problems = append(problems, Problem{File: t.File, Message: fmt.Sprintf("translation without an original: there is no %s.md", name)})
				continue
			}
			if ps := compareFields(fam.Original, t); len(ps) > 0 {
				problems = append(problems, ps...)
				continue
			}
			if _, dup := fam.ByLang[t.Lang]; dup {
				problems = append(problems, Problem{File: t.File, Message: fmt.Sprintf("language %s is already the original's language (%s)", t.Lang, fam.Original.File)})
				continue
			}
			fam.ByLang[t.Lang] = t
		}
	}
	problems = append(problems, lib.attachTables(fsys, dir)...)
	sort.SliceStable(problems, func(i, j int) bool {
		if problems[i].File != problems[j].File {
			return problems[i].File < problems[j].File
		}
		return problems[i].Line < problems[j].Line
	})
	return lib, problems
}

// attachTables reads the translation tables of dir/languages and gives
// each template its language's table. A language without one is written
// with the English table, and named in a warning.
func (l *Library) attachTables(fsys fs.FS, dir string) Problems {
	tables, problems := loadTables(fsys, dir)
	warned := map[string]bool{}
	for _, name := range l.Names() {
		fam := l.byName[name]
		for _, lang := range fam.Languages() {
			t := fam.ByLang[lang]
			if t.words = tableFor(tables, lang); t.words == nil && !warned[lang] {
				warned[lang] = true
				problems = append(problems, missingTable(t.File, lang))
			}
		}
	}
	return problems
}

// readTemplateFile reads a file, or only one byte more than
// MaxTemplateFile of it, for Parse to refuse.
func readTemplateFile(fsys fs.FS, file string) ([]byte, error) {
	f, err := fsys.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxTemplateFile+1))
}

// compareFields reports how a translation's fields differ from the
// original's. Values are shared between languages, so the names, types,
// required flags, options, max_length, defaults and the date order (after, past) must agree; labels, help and examples
// are translated.
func compareFields(orig, tr *Template) Problems {
	pl := &problemList{file: tr.File}
	if tr.Category != orig.Category || tr.Tier != orig.Tier {
		pl.errorf(1, "category/tier %s/%d differ from the original's %s/%d (%s)", tr.Category, tr.Tier, orig.Category, orig.Tier, orig.File)
	}
	for _, of := range orig.Fields {
		tf, ok := tr.Field(of.Name)
		if !ok {
			pl.errorf(tr.fieldsLine, "field %q of the original (%s line %d) is missing", of.Name, orig.File, of.line)
			continue
		}
		var diffs []string
		if tf.Type != of.Type {
			diffs = append(diffs, fmt.Sprintf("type %s, original %s", tf.Type, of.Type))
		}
		if tf.Required != of.Required {
			diffs = append(diffs, fmt.Sprintf("required %t, original %t", tf.Required, of.Required))
		}
		if !slices.Equal(tf.Options, of.Options) {
			diffs = append(diffs, fmt.Sprintf("options [%s], original [%s]", strings.Join(tf.Options, ", "), strings.Join(of.Options, ", ")))
		}
		if tf.MaxLength != of.MaxLength {
			diffs = append(diffs, fmt.Sprintf("max_length %d, original %d", tf.MaxLength, of.MaxLength))
		}
		if tf.After != of.After || tf.Past != of.Past {
			diffs = append(diffs, fmt.Sprintf("after %q past %t, original after %q past %t", tf.After, tf.Past, of.After, of.Past))
		}
		if tf.Default != of.Default {
			diffs = append(diffs, fmt.Sprintf("default %q, original %q", tf.Default, of.Default))
		}
		if len(diffs) > 0 {
			pl.errorf(tf.line, "field %q differs from the original (%s line %d): %s", of.Name, orig.File, of.line, strings.Join(diffs, "; "))
		}
	}
	for _, tf := range tr.Fields {
		if _, ok := orig.Field(tf.Name); !ok {
			pl.errorf(tf.line, "field %q is not in the original (%s)", tf.Name, orig.File)
		}
	}
	if len(pl.list) == 0 {
		for i := range orig.Fields {
			if orig.Fields[i].Name != tr.Fields[i].Name {
				pl.errorf(tr.Fields[i].line, "fields are in a different order from the original (%s): field %d is %q there", orig.File, i+1, orig.Fields[i].Name)
				break
			}
		}
	}
	return pl.list
}

// Merge returns a library with the templates of other added to l's; a
// template in other replaces l's template of the same name in every
// language (a custom template overrides a built-in one by name).
func (l *Library) Merge(other *Library) *Library {
	out := &Library{byName: make(map[string]*Family, len(l.byName)+len(other.byName)), files: l.files + other.files}
	for n, f := range l.byName {
		out.byName[n] = f
	}
	for n, f := range other.byName {
		out.byName[n] = f
	}
	return out
}

// Names lists the template names in alphabetical order.
func (l *Library) Names() []string {
	names := make([]string, 0, len(l.byName))
	for n := range l.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Family returns the template of that name in all its languages.
func (l *Library) Family(name string) (*Family, error) {
	f, ok := l.byName[name]
	if !ok {
		if best := closest(name, l.Names()); best != "" {
			return nil, fmt.Errorf("no template named %q (did you mean %s?)", name, best)
		}
		if some := containing(name, l.Names()); len(some) > 0 {
			return nil, fmt.Errorf("no template named %q (did you mean %s?)", name, strings.Join(some, " or "))
		}
		return nil, fmt.Errorf("no template named %q; `crier templates list` shows them", name)
	}
	return f, nil
}

// Get returns the template of that name in lang, or in the original's
// language when lang is empty.
func (l *Library) Get(name, lang string) (*Template, error) {
	f, err := l.Family(name)
	if err != nil {
		return nil, err
	}
	if lang == "" {
		return f.Original, nil
	}
	code, err := f.Translation(lang)
	if err != nil {
		return nil, err
	}
	return f.ByLang[code], nil
}

// containing returns the names that hold name, typed short ("hydrant",
// "boil"), ignoring case, dashes and spaces: at most 3, and none for a
// name under 3 letters, which would match too much.
func containing(name string, names []string) []string {
	squash := strings.NewReplacer("-", "", " ", "", "_", "")
	want := squash.Replace(strings.ToLower(name))
	if len(want) < 3 {
		return nil
	}
	var some []string
	for _, n := range names {
		if strings.Contains(squash.Replace(n), want) {
			some = append(some, n)
		}
	}
	if len(some) > 3 {
		return nil
	}
	return some
}
