package templates

import (
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
)

// FuzzCheck writes arbitrary text as a template's subject and body, runs
// what `crier templates check` runs on it, and renders it with an
// arbitrary value into an email and a flyer. Whatever the text, the check
// ends, never panics and allocates boundedly; the flyer never hits the PDF
// library's panics (runes outside the BMP and the like).
func FuzzCheck(f *testing.F) {
	lib, _ := Builtin()
	for _, name := range lib.Names()[:3] {
		fam, _ := lib.Family(name)
		f.Add(fam.Original.Subject, fam.Original.Body, "Oak Hill Road 🚰")
	}
	hostile := []string{
		"{{range 100000000}}x{{end}}",
		"{{range 2000}}{{range 2000}}{{range 2000}}x{{end}}{{end}}{{end}}",
		`{{define "a"}}{{template "a" .}}{{end}}{{template "a" .}}`,
		`{{block "a" .}}{{template "a" .}}{{end}}`,
		`{{printf "%999999999d" 1}}`,
		`{{printf "%*d" 999999 1}}`,
		"{{$x := \"ab\"}}{{range 60}}{{$x = printf \"%s%s\" $x $x}}{{end}}{{$x}}",
		"{{$x := \"&\"}}{{range 60}}{{$x = html $x $x}}{{end}}{{$x}}",
		"{{range 5000}}>{{end}} deep",
		"{{range 3000}}- {{end}}list",
		"{{range 3000}}[{{end}}link",
	}
	for _, h := range hostile {
		f.Add("S {{.area}}", h+" {{.area}}", "Elm Street")
	}
	f.Fuzz(func(t *testing.T, subject, body, value string) {
		src := hostileFile(subject, "SMS {{.area}}", body)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		lib, _ := Load(fstest.MapFS{"fuzz.md": {Data: []byte(src)}}, ".")
		CheckExamples(lib, testUtility)
		fam, err := lib.Family("fuzz")
		if err == nil {
			r, err := Render(fam.Original, Values{"area": value}, testUtility, Options{Date: testDate, URL: "https://water.example/n/1"})
			if err == nil {
				if err := Flyer(io.Discard, r); err != nil && strings.Contains(err.Error(), "a bug in Crier") {
					t.Fatalf("flyer: %v", err)
				}
			}
		}
		runtime.ReadMemStats(&after)
		if a := after.TotalAlloc - before.TotalAlloc; a > 512<<20 {
			t.Fatalf("checking and rendering one template allocated %d MB", a>>20)
		}
	})
}
