package main

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/crier-notices/crier/templates"
)

// TestCeilingSendsTheNoticesEmail: the message plain go-mail sends for
// the ceiling is the notice's email as Crier sends it: the same header
// fields (perhaps in another order) and the same body.
func TestCeilingSendsTheNoticesEmail(t *testing.T) {
	lib, _ := templates.Builtin()
	fam, err := lib.Family("boil-water-advisory")
	if err != nil {
		t.Fatal(err)
	}
	r, err := templates.Render(fam.Original, fam.Examples(), utility(), templates.Options{Date: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	e, err := r.Email(templates.EmailHeader{To: "Customer <customer@example.org>"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := goMailMsg(e)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if _, err := m.WriteTo(&got); err != nil {
		t.Fatal(err)
	}
	split := func(b []byte) ([]headerField, []byte) {
		head, body, _ := bytes.Cut(b, []byte("\r\n\r\n"))
		fields := headerFields(string(head))
		slices.SortFunc(fields, func(a, b headerField) int { return bytes.Compare([]byte(a.name), []byte(b.name)) })
		return fields, body
	}
	gotFields, gotBody := split(got.Bytes())
	wantFields, wantBody := split(bytes.Join(e.Data, nil))
	if !slices.Equal(gotFields, wantFields) || !bytes.Equal(gotBody, wantBody) {
		t.Errorf("go-mail sends\n%q\n%q\nwant\n%q\n%q", gotFields, gotBody, wantFields, wantBody)
	}
}
