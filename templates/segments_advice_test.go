package templates

import (
	"strings"
	"testing"
	"testing/fstest"
)

// templates check suggests sms_gsm7 for a costlier translation only where
// it would bring the SMS back to the original's segments; a text still
// too long in GSM-7, or in a script with no GSM-7 look-alikes, is told to
// be shortened instead.
func TestCostlierTranslationAdvice(t *testing.T) {
	file := func(title, sms string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte("---\ntitle: " + title + "\ncategory: service\nsubject: " + title + "\nsms: \"" + sms + "\"\n---\n" + title + "\n")}
	}
	fsys := fstest.MapFS{
		"outage.md":    file("Water off", "Water off on Elm Street today for repairs. Questions: 315 555 0142"),
		"outage.es.md": file("Sin agua", "Sin agua en Elm Street hoy por reparación. Más información: 315 555 0142"),
		"outage.pt.md": file("Sem água", "Sem água na Elm Street hoje para reparação da tubulação principal, danificada desde ontem à noite pelo frio. Guarde água potável para beber e cozinhar até amanhã. Dúvidas: 315 555 0142"),
		"outage.ru.md": file("Нет воды", "Нет воды на Elm Street сегодня из-за ремонта трубы. Вопросы по телефону: 315 555 0142"),
	}
	lib, ps := Load(fsys, ".")
	if len(ps.Errors()) > 0 {
		t.Fatal(ps)
	}
	got := map[string]string{}
	for _, p := range CheckExamples(lib, testUtility) {
		got[p.File] = p.Message
	}
	tests := []struct {
		name, file, want string
		suggests         bool
	}{
		{"accents alone: sms_gsm7 fits", "outage.es.md", ": set sms_gsm7: true to write letters such as á as a (1 segment(s) in GSM-7)", true},
		{"too long even in GSM-7", "outage.pt.md", ": shorten it (with sms_gsm7: true it would still take 2 segment(s))", false},
		{"no GSM-7 look-alike", "outage.ru.md", `have no GSM-7 look-alike: shorten it`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg := got[tc.file]
			if !strings.HasSuffix(msg, tc.want) {
				t.Errorf("%s: %q; want it to end %q", tc.file, msg, tc.want)
			}
			if s := strings.Contains(msg, "set sms_gsm7"); s != tc.suggests {
				t.Errorf("%s: %q suggests sms_gsm7: %t, want %t", tc.file, msg, s, tc.suggests)
			}
		})
	}
}
