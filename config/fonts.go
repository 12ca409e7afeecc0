package config

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/crier-notices/crier/templates"
)

// FontConfig is one language's entry of the [fonts] table: the TrueType
// files its flyer and letters are printed in, relative to the
// configuration file. It is written as the regular font's file name
// (zh = "NotoSansSC-Regular.ttf") or as a table with regular and an
// optional bold (zh = { regular = "…", bold = "…" }).
type FontConfig struct {
	Regular string
	Bold    string
}

// UnmarshalTOML reads either form of a [fonts] entry.
func (fc *FontConfig) UnmarshalTOML(v any) error {
	switch v := v.(type) {
	case string:
		fc.Regular = v
		return nil
	case map[string]any:
		for k, x := range v {
			s, ok := x.(string)
			if !ok {
				return fmt.Errorf("[fonts] %s: write the file name in double quotes", k)
			}
			switch k {
			case "regular":
				fc.Regular = s
			case "bold":
				fc.Bold = s
			default:
				return fmt.Errorf("[fonts]: unknown key %s (known: regular, bold)", k)
			}
		}
		if fc.Regular == "" {
			return fmt.Errorf("[fonts]: a language's table needs regular = \"FILE.ttf\"")
		}
		return nil
	}
	return fmt.Errorf(`[fonts]: give a language's font as zh = "NotoSansSC-Regular.ttf" or zh = { regular = "…", bold = "…" }`)
}

// resolveFontPaths makes the [fonts] file names relative to dir, the
// configuration file's folder.
func resolveFontPaths(fonts map[string]FontConfig, dir string) {
	for lang, fc := range fonts {
		for _, p := range []*string{&fc.Regular, &fc.Bold} {
			if *p != "" && !filepath.IsAbs(*p) {
				*p = filepath.Join(dir, *p)
			}
		}
		fonts[lang] = fc
	}
}

// fonts reads and checks the [fonts] table: each key a language code,
// each file a single TrueType font the PDF library reads. Problems are
// sentences naming the key, added to errs.
func (c Config) fonts(where string, errs []string) (map[string]*templates.Font, []string) {
	if len(c.Fonts) == 0 {
		return nil, errs
	}
	langs := make([]string, 0, len(c.Fonts))
	for lang := range c.Fonts {
		langs = append(langs, lang)
	}
	sort.Strings(langs)
	out := make(map[string]*templates.Font, len(langs))
	for _, lang := range langs {
		code, err := templates.Language(lang)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: [fonts] %s: %v", where, lang, err))
			continue
		}
		f, err := loadFont(c.Fonts[lang])
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: [fonts] %s: %v", where, lang, err))
			continue
		}
		out[code] = f
	}
	return out, errs
}

// loadFont reads the files of a [fonts] entry into a templates.Font.
func loadFont(fc FontConfig) (*templates.Font, error) {
	regular, err := os.ReadFile(fc.Regular)
	if err != nil {
		return nil, err
	}
	var bold []byte
	if fc.Bold != "" {
		if bold, err = os.ReadFile(fc.Bold); err != nil {
			return nil, fmt.Errorf("bold: %w", err)
		}
	}
	f, err := templates.NewFont(filepath.Base(fc.Regular), regular, bold)
	if err != nil {
		// The error starts with the face: name its file instead.
		face, msg, _ := strings.Cut(err.Error(), ": ")
		file := fc.Regular
		if face == "bold" {
			file = "bold " + fc.Bold
		}
		return nil, fmt.Errorf("%s: %s", file, msg)
	}
	return f, nil
}
