package templates

import (
	"bytes"
	"path"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

var (
	namePattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	yamlLine    = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
)

// DefaultLanguage is the language of a template file without a language
// suffix and without a `language` key.
const DefaultLanguage = "en"

// splitFileName turns "boil-water-advisory.es.md" into the template name and
// the language ("" for the original).
func splitFileName(file string) (name, lang string, ok bool) {
	base := path.Base(file)
	if !strings.HasSuffix(base, ".md") {
		return "", "", false
	}
	base = strings.TrimSuffix(base, ".md")
	if i := strings.LastIndexByte(base, '.'); i >= 0 {
		return base[:i], base[i+1:], true
	}
	return base, "", true
}

// Parse reads one template file. file names it in problems. It returns the
// template (nil when it cannot be used) and every problem found, errors and
// warnings, each with the file and line. Parse checks the file on its own;
// Library checks translations against their original.
func Parse(file string, data []byte) (*Template, Problems) {
	return ParseIn(file, data, "")
}

// ParseIn is Parse with the phone numbers of the fields' examples and
// defaults read as region writes them (two letters such as GB; "" means
// US): a custom template is written where the utility is.
func ParseIn(file string, data []byte, region string) (*Template, Problems) {
	pl := &problemList{file: file}
	t := parseTemplate(pl, file, data, region)
	if len(pl.list.Errors()) > 0 {
		return nil, pl.list
	}
	return t, pl.list
}

func parseTemplate(pl *problemList, file string, data []byte, region string) *Template {
	name, lang, ok := splitFileName(file)
	if !ok {
		pl.errorf(0, "a template file name ends in .md (NAME.md or NAME.LANG.md)")
		return nil
	}
	if !namePattern.MatchString(name) {
		pl.errorf(0, "template name %q: use lower-case letters, digits and hyphens", name)
	}
	if lang != "" {
		checkFileLanguage(pl, name, lang)
	}

	if len(data) > MaxTemplateFile {
		pl.errorf(0, "the file is larger than %s, the most a template may be; a notice is a page or two", bytesText(MaxTemplateFile))
		return nil
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	front, body, bodyLine, ok := splitFrontMatter(data)
	if !ok {
		pl.errorf(1, "no front matter: a template starts with a line ---, the YAML settings, and another line ---")
		return nil
	}

	t := &Template{Name: name, Lang: lang, File: file, Body: body, bodyLine: bodyLine, SMSReplace: true, SMSMaxSegments: 3, exampleRegion: region}
	if !parseFrontMatter(pl, t, front) {
		return t // without the fields, checking references would only mislead
	}
	if t.Lang == "" {
		t.Lang = DefaultLanguage
	}
	if strings.TrimSpace(t.Body) == "" {
		pl.errorf(bodyLine, "the body is empty: write the notice in Markdown below the front matter")
	}
	compile(pl, t)
	return t
}

// splitFrontMatter splits "---\nYAML\n---\nBODY". bodyLine is the file line
// on which the body starts.
func splitFrontMatter(data []byte) (front []byte, body string, bodyLine int, ok bool) {
	if !bytes.HasPrefix(data, []byte("---\n")) {
		return nil, "", 0, false
	}
	rest := data[4:]
	line := 2
	for len(rest) > 0 {
		i := bytes.IndexByte(rest, '\n')
		var l []byte
		if i < 0 {
			l, rest = rest, nil
		} else {
			l, rest = rest[:i], rest[i+1:]
		}
		if string(bytes.TrimRight(l, " \t")) == "---" {
			front = data[4 : len(data)-len(rest)-len(l)-1]
			if i < 0 {
				front = data[4 : len(data)-len(l)]
			}
			return front, string(rest), line + 1, true
		}
		line++
	}
	return nil, "", 0, false
}

// frontLine turns a line of the front matter into a line of the file.
func frontLine(l int) int { return l + 1 }

// yamlHint explains the YAML errors a template author meets most: a value
// with ": " or one starting with {{ needs quotes.
const yamlHint = ` (put a value that contains ": " or starts with {{ in double quotes, e.g. sms: "{{.utility.name}}: ...")`

// parseFrontMatter reads the front matter into t. It returns false when the
// YAML itself could not be read.
func parseFrontMatter(pl *problemList, t *Template, front []byte) bool {
	var doc yaml.Node
	if err := yaml.Unmarshal(front, &doc); err != nil {
		msg := err.Error()
		hint := ""
		if strings.Contains(msg, "mapping values are not allowed") || strings.Contains(msg, "did not find expected key") || strings.Contains(msg, "invalid map key") {
			hint = yamlHint
		}
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			n, _ := strconv.Atoi(m[1])
			pl.errorf(frontLine(n), "front matter: %s%s", m[2], hint)
		} else {
			pl.errorf(2, "front matter: %s%s", strings.TrimPrefix(msg, "yaml: "), hint)
		}
		return false
	}
	if len(doc.Content) == 0 {
		pl.errorf(2, "the front matter is empty: it needs at least title, category, subject and sms")
		return false
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		pl.errorf(frontLine(root.Line), "the front matter must be a set of key: value lines")
		return false
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		key := k.Value
		line := frontLine(k.Line)
		if seen[key] {
			pl.errorf(line, "%s is set twice", key)
		}
		seen[key] = true
		switch key {
		case "name":
			if s, ok := scalar(pl, key, v); ok && s != t.Name {
				pl.errorf(line, "name %q does not match the file name %q", s, t.Name)
			}
		case "language":
			if s, ok := scalar(pl, key, v); ok {
				if c, err := Language(s); err != nil {
					pl.errorf(line, "language: %v", err)
				} else if c != s {
					pl.errorf(line, "language %q: write it %s", s, c)
				} else if t.Lang != "" && s != t.Lang {
					pl.errorf(line, "language %q does not match the file name's %q", s, t.Lang)
				} else {
					t.Lang = s
				}
			}
		case "title":
			t.Title, _ = scalar(pl, key, v)
		case "description":
			t.Description, _ = scalar(pl, key, v)
		case "category":
			if s, ok := scalar(pl, key, v); ok {
				switch c := Category(s); c {
				case Emergency, Service, Information:
					t.Category = c
				default:
					pl.errorf(line, "category %q: use emergency, service or information", s)
				}
			}
		case "tier":
			if s, ok := scalar(pl, key, v); ok {
				n, err := strconv.Atoi(s)
				if err != nil || n < 1 || n > 3 {
					pl.errorf(line, "tier %q: use 1, 2 or 3 (the Public Notification Rule tier), or leave it out", s)
				}
				t.Tier = n
			}
		case "subject":
			t.Subject, _ = scalar(pl, key, v)
			t.subjectLine = valueLine(v)
		case "sms":
			t.SMS, _ = scalar(pl, key, v)
			t.smsLine = valueLine(v)
		case "sms_max_segments":
			if s, ok := scalar(pl, key, v); ok {
				n, err := strconv.Atoi(s)
				if err != nil || n < 1 || n > 10 {
					pl.errorf(line, "sms_max_segments %q: use a whole number from 1 to 10", s)
				} else {
					t.SMSMaxSegments = n
				}
			}
		case "sms_replace":
			if s, ok := scalar(pl, key, v); ok {
				b, err := strconv.ParseBool(s)
				if err != nil {
					pl.errorf(line, "sms_replace %q: use true or false", s)
				}
				t.SMSReplace = b
			}
		case "sms_gsm7":
			if s, ok := scalar(pl, key, v); ok {
				b, err := strconv.ParseBool(s)
				if err != nil {
					pl.errorf(line, "sms_gsm7 %q: use true or false", s)
				}
				t.SMSGSM7 = b
			}
		case "fields":
			t.fieldsLine = line
			t.Fields = parseFields(pl, v, t.exampleRegion)
		default:
			pl.errorf(line, "unknown key %q (known: name, language, title, description, category, tier, subject, sms, sms_max_segments, sms_replace, sms_gsm7, fields)", key)
		}
	}
	for _, key := range []string{"title", "category", "subject", "sms"} {
		if !seen[key] {
			pl.errorf(frontLine(root.Line), "the front matter has no %s", key)
		}
	}
	return true
}

// valueLine is the file line where a scalar's text starts: a block scalar
// (| or >) starts on the line after its key.
func valueLine(v *yaml.Node) int {
	if v.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return frontLine(v.Line) + 1
	}
	return frontLine(v.Line)
}

func scalar(pl *problemList, key string, v *yaml.Node) (string, bool) {
	if v.Kind != yaml.ScalarNode {
		pl.errorf(frontLine(v.Line), "%s must be a single value, not a list or a mapping", key)
		return "", false
	}
	return v.Value, true
}

var fieldTypes = map[FieldType]bool{
	TypeText: true, TypeMultiline: true, TypeDate: true, TypeDateTime: true, TypeTime: true,
	TypePhone: true, TypeURL: true, TypeNumber: true, TypeChoice: true,
}

var fieldNamePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

func parseFields(pl *problemList, v *yaml.Node, region string) []Field {
	if v.Kind != yaml.SequenceNode {
		pl.errorf(frontLine(v.Line), "fields must be a list, each item starting with '- name: ...'")
		return nil
	}
	var fields []Field
	names := map[string]int{}
	for _, item := range v.Content {
		line := frontLine(item.Line)
		if item.Kind != yaml.MappingNode {
			pl.errorf(line, "a field must be a set of key: value lines (name, label, type, ...)")
			continue
		}
		f := Field{line: line}
		maxLine := 0 // of max_length
		seen := map[string]bool{}
		for i := 0; i+1 < len(item.Content); i += 2 {
			k, fv := item.Content[i], item.Content[i+1]
			kl := frontLine(k.Line)
			if seen[k.Value] {
				pl.errorf(kl, "%s is set twice in this field", k.Value)
			}
			seen[k.Value] = true
			switch k.Value {
			case "name":
				f.Name, _ = scalar(pl, "field name", fv)
			case "label":
				f.Label, _ = scalar(pl, "label", fv)
			case "type":
				s, _ := scalar(pl, "type", fv)
				f.Type = FieldType(s)
				if !fieldTypes[f.Type] {
					pl.errorf(kl, "field type %q: use text, multiline, date, datetime, time, phone, url, number or choice", s)
				}
			case "required":
				if s, ok := scalar(pl, "required", fv); ok {
					b, err := strconv.ParseBool(s)
					if err != nil {
						pl.errorf(kl, "required %q: use true or false", s)
					}
					f.Required = b
				}
			case "default":
				f.Default, _ = scalar(pl, "default", fv)
			case "example":
				f.Example, _ = scalar(pl, "example", fv)
			case "help":
				f.Help, _ = scalar(pl, "help", fv)
			case "max_length":
				if s, ok := scalar(pl, "max_length", fv); ok {
					n, err := strconv.Atoi(s)
					if err != nil || n < 1 || n > MaxLengthCeiling {
						pl.errorf(kl, "max_length %q: use a whole number of characters from 1 to %s", s, count(MaxLengthCeiling))
					} else {
						f.MaxLength, maxLine = n, kl
					}
				}
			case "after":
				f.After, _ = scalar(pl, "after", fv)
			case "past":
				if s, ok := scalar(pl, "past", fv); ok {
					b, err := strconv.ParseBool(s)
					if err != nil {
						pl.errorf(kl, "past %q: use true or false", s)
					}
					f.Past = b
				}
			case "options":
				if fv.Kind != yaml.SequenceNode {
					pl.errorf(kl, "options must be a list")
					continue
				}
				for _, o := range fv.Content {
					if s, ok := scalar(pl, "an option", o); ok {
						f.Options = append(f.Options, s)
					}
				}
			default:
				pl.errorf(kl, "unknown field key %q (known: name, label, type, required, default, example, help, options, max_length, after, past)", k.Value)
			}
		}
		switch {
		case f.Name == "":
			pl.errorf(line, "a field has no name")
			continue
		case !fieldNamePattern.MatchString(f.Name):
			pl.errorf(line, "field name %q: use lower-case letters, digits and _ , starting with a letter", f.Name)
		case f.Name == "utility":
			pl.errorf(line, "field name \"utility\" is reserved for the utility's branding values")
		case f.Name == "notice":
			pl.errorf(line, "field name \"notice\" is reserved for the notice's own values ({{.notice.url}})")
		}
		if prev, dup := names[f.Name]; dup {
			pl.errorf(line, "field %q is declared twice (first on line %d)", f.Name, prev)
		}
		names[f.Name] = line
		if f.Label == "" {
			pl.errorf(line, "field %q has no label", f.Name)
		}
		if !seen["type"] {
			pl.errorf(line, "field %q has no type", f.Name)
		}
		if f.Type == TypeChoice && len(f.Options) == 0 {
			pl.errorf(line, "choice field %q has no options", f.Name)
		}
		for _, o := range f.Options {
			if n := len([]rune(o)); f.Type == TypeChoice && n > f.Limit() {
				pl.errorf(line, "choice field %q: the option %s is %d characters long; an option is at most %d", f.Name, quoteValue(o), n, f.Limit())
			}
		}
		if f.Type != TypeChoice && len(f.Options) > 0 {
			pl.errorf(line, "field %q has options but its type is %s, not choice", f.Name, f.Type)
		}
		if maxLine > 0 && f.Type != TypeText && f.Type != TypeMultiline && f.Type != TypeURL {
			pl.errorf(maxLine, "field %q: max_length is for text, multiline and url fields; a %s value is short by its form", f.Name, f.Type)
			f.MaxLength = 0
		}
		if fieldTypes[f.Type] {
			for _, v := range []struct{ key, val string }{{"default", f.Default}, {"example", f.Example}} {
				if v.val == "" {
					continue
				}
				if err := checkValueIn(f, v.val, region); err != nil {
					pl.errorf(line, "field %q: the %s %q is not valid: %v", f.Name, v.key, v.val, err)
				}
			}
		}
		fields = append(fields, f)
	}
	checkDateOrder(pl, fields)
	return fields
}
