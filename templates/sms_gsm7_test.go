package templates

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func TestGSMTransliterate(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{name: "ASCII untouched", text: "Boil water notice", want: "Boil water notice"},
		{name: "Spanish acute vowels", text: "Atención: día, más, número", want: "Atencion: dia, mas, numero"},
		{name: "capitals", text: "ÁREA ÍNDICE ÓRDEN ÚLTIMO", want: "AREA INDICE ORDEN ULTIMO"},
		{name: "GSM-7 letters kept", text: "é è ù ì ò à É Ç Ø ø Å å Ä Ö Ñ Ü ä ö ñ ü ß Æ æ", want: "é è ù ì ò à É Ç Ø ø Å å Ä Ö Ñ Ü ä ö ñ ü ß Æ æ"},
		{name: "Portuguese", text: "não, avó, você, ação, À", want: "nao, avo, voce, acao, A"},
		{name: "lowercase c cedilla becomes c", text: "Façade", want: "Facade"},
		{name: "partial marks kept", text: "ǘ Ǻ", want: "ü Å"},
		{name: "Vietnamese", text: "Nước sạch đã có", want: "Nuoc sach da co"},
		{name: "letters without decomposition", text: "Łódź œuvre", want: "Lodz oeuvre"},
		{name: "compatibility digraphs and capital sharp s", text: "ǅ ǈ ǌ STRAẞE", want: "Dz Lj nj STRASSE"},
		{name: "combining mark after ASCII letter", text: "Dia\u0301", want: "Dia"},
		{name: "combining acute composes to GSM-7 é", text: "cafe\u0301", want: "café"},
		{name: "other scripts kept", text: "día 中文 день 💧", want: "dia 中文 день 💧"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, changed := gsmTransliterate(tt.text)
			if got != tt.want || changed != (tt.want != tt.text) {
				t.Errorf("gsmTransliterate(%q) = %q, %v; want %q", tt.text, got, changed, tt.want)
			}
		})
	}
}

// TestSMSGSM7 renders a template's SMS with and without sms_gsm7: the
// SMS alone is written in GSM-7, values included; a letter with no GSM-7
// look-alike keeps the whole text as written, in UCS-2, and is named.
func TestSMSGSM7(t *testing.T) {
	const src = `---
title: Aviso
category: service
subject: "Atención en {{.area}}"
sms: "Atención: sin agua en {{.area}} el día 5. Más información: {{.utility.phone}}"
sms_gsm7: %s
fields:
  - name: area
    label: Área
    type: text
    required: true
---
Atención en {{.area}}.
`
	tests := []struct {
		name, gsm7, area string
		text             string
		enc              SMSEncoding
		forced           []string
	}{
		{name: "on, value typed with accents", gsm7: "true", area: "Calle Juárez",
			text: "Atencion: sin agua en Calle Juarez el dia 5. Mas informacion: (315) 555-0142", enc: GSM7},
		{name: "on, GSM-7 letters kept", gsm7: "true", area: "Calle Muñoz",
			text: "Atencion: sin agua en Calle Muñoz el dia 5. Mas informacion: (315) 555-0142", enc: GSM7},
		{name: "on, a Chinese value keeps the text as written", gsm7: "true", area: "中山路",
			text: "Atención: sin agua en 中山路 el día 5. Más información: (315) 555-0142", enc: UCS2, forced: []string{"中", "山", "路"}},
		{name: "off", gsm7: "false", area: "Calle Juárez",
			text: "Atención: sin agua en Calle Juárez el día 5. Más información: (315) 555-0142", enc: UCS2, forced: []string{"ó", "á", "í"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl := mustTemplate(t, "aviso.md", strings.Replace(src, "%s", tt.gsm7, 1))
			r, err := Render(tmpl, Values{"area": tt.area}, testUtility, Options{Date: testDate})
			if err != nil {
				t.Fatal(err)
			}
			if r.SMS.Text != tt.text || r.SMS.Encoding != tt.enc || strings.Join(r.SMS.ForcedUCS2, " ") != strings.Join(tt.forced, " ") {
				t.Errorf("SMS %q, %s, forced by %q; want %q, %s, forced by %q", r.SMS.Text, r.SMS.Encoding, r.SMS.ForcedUCS2, tt.text, tt.enc, tt.forced)
			}
			if !strings.Contains(r.Subject, "Atención") || !strings.Contains(r.Text(), "Atención") {
				t.Errorf("sms_gsm7 changed the subject %q or the body %q", r.Subject, r.Text())
			}
		})
	}
}

// TestBuiltinSpanishSMSFitsLikeEnglish is acceptance 2 of issue 11: every
// built-in Spanish SMS, with the template's examples, takes no more
// segments than its English original, and is GSM-7 and no longer than it. The texts are kept as golden files
// (-update rewrites them) so a change to what customers read is seen.
func TestBuiltinSpanishSMSFitsLikeEnglish(t *testing.T) {
	lib := builtinLibrary(t)
	for _, name := range builtinNames {
		t.Run(name, func(t *testing.T) {
			fam, _ := lib.Family(name)
			values := fam.Examples()
			sms := map[string]SMS{}
			for _, lang := range []string{"en", "es"} {
				r, err := Render(fam.ByLang[lang], values, testUtility, Options{Date: testDate, URL: ExamplePageURL})
				if err != nil {
					t.Fatalf("%s: %v", lang, err)
				}
				sms[lang] = r.SMS
				golden(t, filepath.Join("testdata", "sms", name+"."+lang+".txt"), []byte(r.SMS.Text+"\n"))
			}
			en, es := sms["en"], sms["es"]
			if es.Segments > en.Segments {
				t.Errorf("Spanish SMS takes %d segment(s) in %s (forced by %q), English %d:\n%s", es.Segments, es.Encoding, es.ForcedUCS2, en.Segments, es.Text)
			}
			// No longer than the English, so that no utility name, however
			// long, puts the Spanish over a segment the English stays in.
			if es.Encoding != GSM7 || es.Units > en.Units {
				t.Errorf("Spanish SMS is %d septets in %s, English %d: make it no longer", es.Units, es.Encoding, en.Units)
			}
			if !fam.ByLang["es"].SMSGSM7 {
				t.Errorf("%s.es.md does not set sms_gsm7: true", name)
			}
		})
	}
}

// TestCheckWarnsOfATranslationThatCostsMoreSegments checks the folder
// testdata/translations: an English original of one GSM-7 segment, a
// Spanish translation with accents and no sms_gsm7 (three UCS-2
// segments), a Portuguese one with sms_gsm7 (fits) and a Russian one,
// which no transliteration makes GSM-7.
func TestCheckWarnsOfATranslationThatCostsMoreSegments(t *testing.T) {
	lib, ps := Load(os.DirFS("testdata/translations"), ".")
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	got := CheckExamples(lib, testUtility)
	want := []string{
		`outage.es.md:5: warning: sms: outage (es) with the example values takes 3 segment(s) in UCS-2, its en original 1 in GSM-7; UCS-2 because of "ó" (U+00F3), "í" (U+00ED), "á" (U+00E1): set sms_gsm7: true to write letters such as á as a (1 segment(s) in GSM-7)`,
		`outage.ru.md:6: warning: sms: outage (ru) with the example values takes 2 segment(s) in UCS-2, its en original 1 in GSM-7; UCS-2 because of "н" (U+043D)`,
	}
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(got), len(want), got)
	}
	for i, w := range want {
		if !got[i].Warning || !strings.HasPrefix(got[i].String(), w) {
			t.Errorf("problem %d:\n got %s\nwant %s…", i, got[i], w)
		}
	}
}

// BenchmarkRenderSMSGSM7 is the SMS of the Spanish main break notice,
// whose í is written as i (sms_gsm7), as BenchmarkRenderSMS counts an
// English one.
func BenchmarkRenderSMSGSM7(b *testing.B) {
	lib, _ := Builtin()
	fam, err := lib.Family("main-break")
	if err != nil {
		b.Fatal(err)
	}
	benchSMS(b, fam.ByLang["es"], fam.Examples())
}

// benchSMS runs t's SMS with values: executed, written, counted, checked.
func benchSMS(b *testing.B, t *Template, values Values) {
	raw, _, err := t.data(values, testUtility, "")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := t.renderSMS(raw, true); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCheckExamplesUCS2HeadroomWithSMSGSM7: with sms_gsm7 a value's á is
// written as a, so the warning of an SMS that fits only in GSM-7 names a
// letter that stays (ж), not á.
func TestCheckExamplesUCS2HeadroomWithSMSGSM7(t *testing.T) {
	long := strings.Replace(goodTemplate, `sms: "{{.utility.name}}: hydrant flushing in {{.area}} on {{.day}}."`,
		"sms_gsm7: true\n"+`sms: "{{.utility.name}}: hydrant flushing in {{.area}} on {{.day}}. `+strings.Repeat("Run the cold tap until the water is clear. ", 5)+`"`, 1)
	lib, ps := Load(fstest.MapFS{"flush.md": {Data: []byte(long)}}, ".")
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	got := CheckExamples(lib, testUtility)
	if len(got) != 1 || !strings.Contains(got[0].String(), "flush.md:6: warning: sms: with the example values it takes 2 segment(s) in GSM-7, but 5 in UCS-2, over the limit of 3, as soon as a value has a letter such as ж;") {
		t.Errorf("got %v", got)
	}
}

// FuzzSMSGSM7: with sms_gsm7 an SMS is either GSM-7 throughout, or sent
// exactly as without it, UCS-2, naming the characters that forced it.
func FuzzSMSGSM7(f *testing.F) {
	for _, s := range []string{"Atención: día", "Façade ǅ ẞ", "día 中文", "cafe\u0301", "a\u0301\u0323", "ª 1º", "\xff á"} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, text string, replace bool) {
		s := newTemplateSMS(text, replace, true)
		plain := NewSMS(text, replace)
		switch s.Encoding {
		case GSM7:
			for _, r := range s.Text {
				if gsmCost(r) == 0 {
					t.Fatalf("GSM-7 text %q holds %q", s.Text, r)
				}
			}
		case UCS2:
			if s.Text != plain.Text || s.Segments != plain.Segments || len(s.ForcedUCS2) == 0 {
				t.Fatalf("UCS-2 %q (%d segments, forced by %q); without sms_gsm7 %q (%d segments)", s.Text, s.Segments, s.ForcedUCS2, plain.Text, plain.Segments)
			}
		}
		if s.Segments > plain.Segments {
			t.Fatalf("%q takes %d segments with sms_gsm7, %d without", text, s.Segments, plain.Segments)
		}
	})
}
