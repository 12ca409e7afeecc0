package templates

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// loadLang loads testdata/lang: a template in English, Spanish and
// Vietnamese, Vietnamese with its own translation table.
func loadLang(t *testing.T) *Library {
	t.Helper()
	lib, ps := Load(os.DirFS("testdata/lang"), ".")
	if len(ps) > 0 {
		t.Fatalf("testdata/lang has problems:\n%v", ps)
	}
	return lib
}

func renderLang(t *testing.T, lib *Library, lang string, v Values) *Rendering {
	t.Helper()
	tmpl, err := lib.Get("water-off", lang)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Render(tmpl, v, testUtility, Options{Date: testDate, URL: "https://water.clearwater.example/n/7"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestDatesRenderInEachLanguagesLongForm keeps, in a golden file, the
// subject and SMS of one notice in English, Spanish and Vietnamese for a
// date typed in each form Crier reads: whatever the form typed, each
// language shows its own long form ("2026-11-28" is "November 28, 2026"
// in English), with the weekday and the year only when they were typed.
func TestDatesRenderInEachLanguagesLongForm(t *testing.T) {
	lib := loadLang(t)
	var b strings.Builder
	for _, day := range []string{"2026-11-28", "11/28/2026", "November 28, 2026", "28 de noviembre de 2026",
		"Saturday, November 28, 2026", "sábado, 28 de noviembre de 2026", "Sat, Nov 28", "Nov 28"} {
		for _, when := range [][2]string{{"7 PM", "2026-11-29 06:00"}, {"19:00", "Sunday, November 29, 2026 at 6:00 AM"}, {"noon", "11/29/2026 12 AM"}} {
			b.WriteString("typed: day=" + day + "; starts=" + when[0] + "; back=" + when[1] + "\n")
			for _, lang := range []string{"en", "es", "vi"} {
				r := renderLang(t, lib, lang, Values{"area": "Elm Street", "day": day, "starts": when[0], "back": when[1]})
				body := strings.Split(strings.TrimSpace(string(r.Source)), "\n")
				b.WriteString("  " + lang + " subject: " + r.Subject + "\n  " + lang + " sms: " + r.SMS.Text + "\n  " + lang + " body: " + body[len(body)-1] + "\n")
			}
			if strings.Contains(day, "/") || strings.Contains(day, " de ") {
				break // one time per form of date is enough
			}
		}
	}
	golden(t, filepath.Join("testdata", "lang-rendered.txt"), []byte(b.String()))

	// The acceptance's own case, in words.
	r := renderLang(t, lib, "en", Values{"area": "Elm Street", "day": "2026-11-28", "starts": "7 PM"})
	if !strings.Contains(r.Subject, "on November 28, 2026") {
		t.Errorf("English subject %q: want the date as November 28, 2026", r.Subject)
	}
}

// TestVietnameseTableGivesDatesAndPhrases renders the Vietnamese
// translation: its dates are written with the custom table's month names
// and patterns, and the words Crier adds (email footer, online link, the
// flyer's date line and footer) are the table's.
func TestVietnameseTableGivesDatesAndPhrases(t *testing.T) {
	lib := loadLang(t)
	r := renderLang(t, lib, "vi", Values{"area": "Elm Street", "day": "Saturday, November 28, 2026", "starts": "7 PM", "back": "November 29, 2026 6 AM"})
	for _, tt := range []struct{ name, got, want string }{
		{"subject", r.Subject, "Cúp nước tại Elm Street Thứ bảy, ngày 28 tháng 11 năm 2026"},
		{"sms", r.SMS.Text, "Thứ bảy, ngày 28 tháng 11 năm 2026 từ 19:00"},
		{"email text date", r.text, "có lại lúc 6:00 ngày 29 tháng 11 năm 2026"},
		{"email text online", r.text, "Đọc thông báo này trực tuyến: https://water.clearwater.example/n/7"},
		{"email text footer", r.text, "Quý khách nhận thông báo này vì là khách hàng của Clearwater County Water Board."},
		{"email html footer", r.html, "Quý khách nhận thông báo này vì là khách hàng của Clearwater County Water Board."},
		{"flyer date line", r.dateLine(), "Ngày phát hành: ngày 28 tháng 11 năm 2026"},
		{"flyer contact", r.phrase("contact"), "Thắc mắc? Liên hệ"},
		{"flyer page", r.phrase("page"), "Trang %[1]d/%[2]d"},
	} {
		if !strings.Contains(tt.got, tt.want) {
			t.Errorf("%s: %q lacks %q", tt.name, tt.got, tt.want)
		}
	}
	// The flyer itself: its text with letters the built-in fonts draw.
	text := flyerOneLine(pdftotext(t, makeFlyer(t, r), 0))
	for _, want := range []string{"Trang 1/1", "19:00", "28", "2026"} {
		if !strings.Contains(text, want) {
			t.Errorf("flyer lacks %q:\n%s", want, text)
		}
	}
}

// TestLanguageWithoutTableWarns: a translation in a language that has no
// table is written with English dates and phrases, and Load says so,
// naming the language and the file to add; a regional variant uses its
// base language's table without a warning.
func TestLanguageWithoutTableWarns(t *testing.T) {
	orig, _ := os.ReadFile("testdata/lang/water-off.md")
	fsys := fstest.MapFS{
		"water-off.md":       {Data: orig},
		"water-off.fr.md":    {Data: orig},
		"water-off.es-MX.md": {Data: orig},
	}
	lib, ps := Load(fsys, ".")
	if len(ps.Errors()) > 0 {
		t.Fatal(ps)
	}
	if len(ps) != 1 || !ps[0].Warning || ps[0].File != "water-off.fr.md" ||
		!strings.Contains(ps[0].Message, "language fr has no translation table") || !strings.Contains(ps[0].Message, "add languages/fr.yaml") {
		t.Errorf("want one warning naming fr and languages/fr.yaml, got:\n%v", ps)
	}
	for _, tt := range []struct{ lang, want string }{
		{"fr", "on November 28, 2026 from 7:00 PM"},
		{"es-MX", "on 28 de noviembre de 2026 from 7:00 p. m."},
	} {
		r := renderLang(t, lib, tt.lang, Values{"area": "Elm Street", "day": "2026-11-28", "starts": "19:00"})
		if !strings.Contains(r.SMS.Text, tt.want) {
			t.Errorf("%s: sms %q lacks %q", tt.lang, r.SMS.Text, tt.want)
		}
	}
}

// TestBadTableIsReportedWithFileAndLine checks what `templates check`
// says of a custom translation table.
func TestBadTableIsReportedWithFileAndLine(t *testing.T) {
	vi, _ := os.ReadFile("testdata/lang/languages/vi.yaml")
	orig, _ := os.ReadFile("testdata/lang/water-off.md")
	tests := []struct {
		name, file, from, to, want string
	}{
		{"eleven months", "languages/vi.yaml", "tháng 11, tháng 12]", "tháng 11]", "languages/vi.yaml:3: months: give a list of 12 names"},
		{"six weekdays", "languages/vi.yaml", ", Thứ bảy]", "]", "languages/vi.yaml:4: weekdays: give a list of 7 names"},
		{"no year", "languages/vi.yaml", `date: "ngày {day} {month} năm {year}"`, `date: "ngày {day} {month}"`, "languages/vi.yaml:5: date \"ngày {day} {month}\": write {year} where it goes"},
		{"unknown placeholder", "languages/vi.yaml", `time: "{hour}:{minute}"`, `time: "{hour}:{minutes}"`, "languages/vi.yaml:8: time \"{hour}:{minutes}\": write {minute} where it goes"},
		{"phrase missing", "languages/vi.yaml", "  scan: \"Quét để xem cập nhật\"\n", "", "languages/vi.yaml:11: phrases: scan is missing"},
		{"footer without utility", "languages/vi.yaml", "của {utility}.", "của công ty.", "languages/vi.yaml:16: phrases: footer \"Quý khách nhận thông báo này vì là khách hàng của công ty.\": write {utility} where it goes"},
		{"unknown key", "languages/vi.yaml", "name: Tiếng Việt", "name: Tiếng Việt\nmonth_names: []", "languages/vi.yaml:3: month_names is not a key of a translation table"},
		{"file name not a code", "languages/vietnamese.yaml", "", "", `languages/vietnamese.yaml: the file name: "vietnamese" is not a language code`},
		{"file name not canonical", "languages/VI.yaml", "", "", "languages/VI.yaml: write the language code of the file name as vi (vi.yaml)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := strings.Replace(string(vi), tt.from, tt.to, 1)
			if data == string(vi) && tt.from != "" {
				t.Fatalf("the test's edit %q did not apply", tt.from)
			}
			_, ps := Load(fstest.MapFS{"water-off.md": {Data: orig}, tt.file: {Data: []byte(data)}}, ".")
			if !strings.Contains(ps.Error(), tt.want) {
				t.Errorf("want %q in:\n%v", tt.want, ps)
			}
		})
	}
}

// TestBuiltinTablesAreComplete: the built-in library reads its tables
// without a problem, and every built-in language has one.
func TestBuiltinTablesAreComplete(t *testing.T) {
	tables, ps := loadTables(builtin, "library")
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	lib, _ := Builtin()
	for _, name := range lib.Names() {
		fam, _ := lib.Family(name)
		for _, l := range fam.Languages() {
			if tables[l] == nil {
				t.Errorf("%s: built-in language %s has no table", name, l)
			}
		}
	}
}

// TestFolderTableReplacesBuiltin: a custom folder's en.yaml is used for
// that folder's English templates.
func TestFolderTableReplacesBuiltin(t *testing.T) {
	orig, _ := os.ReadFile("testdata/lang/water-off.md")
	en, _ := fs.ReadFile(builtin, "library/languages/en.yaml")
	en = []byte(strings.Replace(string(en), "November", "Nov.", 1))
	lib, ps := Load(fstest.MapFS{"water-off.md": {Data: orig}, "languages/en.yaml": {Data: en}}, ".")
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	r := renderLang(t, lib, "en", Values{"area": "Elm Street", "day": "2026-11-28", "starts": "7 PM"})
	if !strings.Contains(r.Subject, "on Nov. 28, 2026") {
		t.Errorf("subject %q: want the folder's month name", r.Subject)
	}
}
