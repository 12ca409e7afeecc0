package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crier-notices/crier/internal/testenv"
)

// fontTemplates holds a custom hydrant-flushing with Vietnamese and Chinese
// translations.
func fontTemplates(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "fonts", "templates"))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// hydrantLangArgs render the custom hydrant-flushing in lang.
func hydrantLangArgs(lang, out string) []string {
	return []string{"render", "hydrant-flushing", "--lang", lang, "--out", out,
		"--set", "area=Khu 3", "--set", "start_date=2026-04-13", "--set", "end_date=2026-04-24",
		"--set", "start_time=08:00", "--set", "end_time=15:30", "--date", "2026-04-01"}
}

// TestRenderFonts is acceptance 2 of issue 11, through the built binary: a
// Vietnamese translation's flyer has its diacritics; a Chinese one without
// a font configured for zh fails with the characters named and writes no
// flyer; with one configured, it renders.
func TestRenderFonts(t *testing.T) {
	pdftotext := needTool(t, "pdftotext")
	cjk := testenv.CJKFont(t)
	bin := buildCrier(t)
	base := "templates_dir = \"" + fontTemplates(t) + "\"\n" + clearwaterConfig
	tests := []struct {
		name    string
		lang    string
		config  string
		want    []string // in the flyer's text
		wantErr []string // in the error, exit status 1
	}{
		{name: "Vietnamese in the built-in font", lang: "vi", config: base,
			want: []string{"Xả nước trụ cứu hỏa", "Nước có thể bị đục hoặc có màu vàng, nâu", "sức khỏe", "Không giặt quần áo khi đội công tác đang làm việc", "Cảm ơn quý vị đã kiên nhẫn", "rất vui được giúp đỡ",
				"ngày 13 tháng 4 năm 2026", "Ngày phát hành: "}},
		{name: "Chinese without a font", lang: "zh", config: base,
			wantErr: []string{"template hydrant-flushing, language zh:", "消 (U+6D88), 防 (U+9632), 栓 (U+6813), 冲 (U+51B2), 洗 (U+6D17)", "[fonts]"}},
		{name: "Chinese with a font for zh", lang: "zh", config: base + "\n[fonts]\nzh = \"" + cjk + "\"\n",
			want: []string{"消防栓冲洗", "水可能会变浑浊", "Khu 3", "(315) 555-0142", "Clearwater County Water Board"}},
		{name: "Chinese with a font for another language", lang: "zh", config: base + "\n[fonts]\nja = \"" + cjk + "\"\n",
			wantErr: []string{"language zh:", "消 (U+6D88)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := writeConfig(t, tt.config)
			out := t.TempDir()
			stdout, err := exec.Command(bin, append([]string{"--config", cfg}, hydrantLangArgs(tt.lang, out)...)...).CombinedOutput()
			flyer := filepath.Join(out, "flyer.pdf")
			if tt.wantErr != nil {
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != 1 {
					t.Fatalf("exit %v, want status 1:\n%s", err, stdout)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(string(stdout), w) {
						t.Errorf("output lacks %q:\n%s", w, stdout)
					}
				}
				if strings.Count(string(stdout), "U+6C34") != 1 { // 水, many times in the text
					t.Errorf("水 not named exactly once:\n%s", stdout)
				}
				if _, err := os.Stat(flyer); err == nil {
					t.Errorf("a flyer was written")
				}
				return
			}
			if err != nil {
				t.Fatalf("render: %v\n%s", err, stdout)
			}
			text, err := exec.Command(pdftotext, flyer, "-").Output()
			if err != nil {
				t.Fatalf("pdftotext: %v", err)
			}
			flat := strings.Join(strings.Fields(string(text)), " ")
			for _, w := range tt.want {
				if !strings.Contains(flat, w) {
					t.Errorf("flyer text lacks %q:\n%s", w, text)
				}
			}
		})
	}
}

// TestTemplatesCheckFonts checks that templates check renders each
// translation's flyer with the configured fonts: the Chinese one is an
// error without a font for zh.
func TestTemplatesCheckFonts(t *testing.T) {
	cjk := testenv.CJKFont(t)
	dir := fontTemplates(t)
	tests := []struct {
		name   string
		config string
		code   int
		want   []string
	}{
		{name: "no font for zh", config: clearwaterConfig, code: 1,
			want: []string{filepath.Join(dir, "hydrant-flushing.zh.md") + ": with the example values: flyer: template hydrant-flushing, language zh:", "消 (U+6D88)", "1 error(s)"}},
		{name: "a font for zh", config: clearwaterConfig + "\n[fonts]\nzh = \"" + cjk + "\"\n", code: 0,
			want: []string{"3 template files, 0 error(s)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := crier(t, "--config", writeConfig(t, tt.config), "templates", "check", dir)
			if code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			for _, line := range strings.Split(stdout, "\n") {
				if strings.Contains(line, "hydrant-flushing.vi.md") && !strings.Contains(line, ": warning: sms:") {
					t.Errorf("the Vietnamese translation has a problem: %s", line)
				}
			}
			if t.Failed() {
				t.Logf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
			}
		})
	}
}

// TestConfigFonts checks that a [fonts] entry the flyer cannot use is
// refused, naming the key and what to do.
func TestConfigFonts(t *testing.T) {
	cjk := testenv.CJKFont(t)
	dir := t.TempDir()
	otf, err := os.ReadFile(filepath.Join("..", "..", "templates", "testdata", "fonts", "CFFTest.otf"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"CFFTest.otf": otf, "notes.ttf": []byte("not a font at all")} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		fonts string
		want  string
	}{
		{name: "missing file", fonts: `zh = "missing.ttf"`, want: "[fonts] zh: open " + filepath.Join(dir, "missing.ttf") + ": no such file"},
		{name: "CFF outlines", fonts: `zh = "CFFTest.otf"`, want: "[fonts] zh: " + filepath.Join(dir, "CFFTest.otf") + ": CFF outlines are not supported: use a TTF"},
		{name: "CFF bold", fonts: `zh = { regular = "` + cjk + `", bold = "CFFTest.otf" }`, want: "[fonts] zh: bold " + filepath.Join(dir, "CFFTest.otf") + ": CFF outlines are not supported: use a TTF"},
		{name: "not a font", fonts: `zh = "notes.ttf"`, want: "[fonts] zh: " + filepath.Join(dir, "notes.ttf") + ": not a TrueType font"},
		{name: "unknown key", fonts: `zh = { regular = "` + cjk + `", italic = "x.ttf" }`, want: "unknown key italic (known: regular, bold)"},
		{name: "not a language code", fonts: `Chinese = "` + cjk + `"`, want: `[fonts] Chinese: "Chinese" is not a language code`},
		{name: "a number", fonts: `zh = 3`, want: `give a language's font as zh = "NotoSansSC-Regular.ttf"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := filepath.Join(dir, "crier.toml")
			if err := os.WriteFile(cfg, []byte(clearwaterConfig+"\n[fonts]\n"+tt.fonts+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := crier(t, append([]string{"--config", cfg}, boilArgs...)...)
			if code == 0 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr lacks %q:\n%s%s", code, tt.want, stdout, stderr)
			}
		})
	}
}

// TestSendRefusesAFlyerItsFontsCannotPrint: crier send with the print
// channel makes the flyer before anything is queued, and refuses one with
// characters its fonts cannot print, naming them; with a font for the
// language it queues the notice.
func TestSendRefusesAFlyerItsFontsCannotPrint(t *testing.T) {
	nonTerminalStdin(t)
	clearSecrets(t)
	cjk := testenv.CJKFont(t)
	cfg := configSetup(t, "")
	args := sendArgs("--list", "customers", "--channels", "print", "--set", "area=清水 Zone 4", "--yes")
	code, stdout, stderr := crier(t, append([]string{"--config", cfg}, args...)...)
	if code != 1 || !strings.Contains(stderr, "template boil-water-advisory, language en:") || !strings.Contains(stderr, "清 (U+6E05), 水 (U+6C34)") {
		t.Fatalf("send: exit %d; want 1 and the characters named\n%s%s", code, stdout, stderr)
	}
	if want := "([fonts] in " + cfg + ")"; !strings.Contains(stderr, want) {
		t.Errorf("send: the error does not name the configuration file read, %q:\n%s", want, stderr)
	}
	if out := mustCrier(t, "--config", cfg, "notices", "list"); strings.Contains(out, "boil-water-advisory") {
		t.Errorf("a notice was created:\n%s", out)
	}
	withFont := filepath.Join(filepath.Dir(cfg), "fonts.toml")
	putFile(t, withFont, "database = \"crier.db\"\n[fonts]\nen = \""+cjk+"\"\nes = \""+cjk+"\"\n"+clearwaterConfig)
	mustCrier(t, append([]string{"--config", withFont}, args...)...)
}
