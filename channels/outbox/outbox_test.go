package outbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/internal/emltest"
)

// testEmail is an email to to, as go-mail writes it, given in two pieces
// as Crier gives every email (its own header, then the shared body).
func testEmail(t *testing.T, to string) *channels.Email {
	t.Helper()
	m := mail.NewMsg()
	if err := m.From("notices@clearwater.example"); err != nil {
		t.Fatal(err)
	}
	if err := m.To(to); err != nil {
		t.Fatal(err)
	}
	m.Subject("Boil water advisory")
	m.SetBodyString(mail.TypeTextPlain, "Boil your water.")
	m.AddAlternativeString(mail.TypeTextHTML, "<p>Boil your water.</p>")
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	head, body, _ := bytes.Cut(b.Bytes(), []byte("\r\n\r\n"))
	return &channels.Email{From: "notices@clearwater.example", To: []string{to},
		Data: [][]byte{append(head, "\r\n\r\n"...), body}}
}

func TestOutbox(t *testing.T) {
	dir := t.TempDir()
	o := New(dir, "+13155550100")
	o.Now = func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) }
	ctx := context.Background()

	r, err := o.Send(ctx, channels.Message{ID: "d-1", To: "ana@example.org", Email: testEmail(t, "ana@example.org")})
	if err != nil {
		t.Fatal(err)
	}
	eml, err := os.ReadFile(filepath.Join(dir, "email", "d-1.eml"))
	if err != nil || r.ProviderID != filepath.Join(dir, "email", "d-1.eml") {
		t.Fatalf("%v %v", r, err)
	}
	if e := emltest.Read(t, eml); e.Text != "Boil your water." || e.Header.Get("To") != "<ana@example.org>" {
		t.Errorf("the .eml: %+v", e)
	}

	if _, err := o.Send(ctx, channels.Message{ID: "d-2", To: "+13155550142", SMS: &channels.SMS{Body: "Hierva el agua. Más información: (315) 555-0142", Encoding: "UCS-2", Segments: 1}}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "sms", "d-2.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got smsFile
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if got != (smsFile{ID: "d-2", To: "+13155550142", From: "+13155550100", Body: "Hierva el agua. Más información: (315) 555-0142", Encoding: "UCS-2", Segments: 1}) {
		t.Errorf("sms file %+v", got)
	}

	// A retry of the same delivery leaves one file, not two.
	if _, err := o.Send(ctx, channels.Message{ID: "d-2", To: "+13155550142", SMS: &channels.SMS{Body: "again", Encoding: "GSM-7", Segments: 1}}); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "sms")); len(entries) != 1 {
		t.Errorf("want one file per delivery, got %d", len(entries))
	}
}

func TestOutboxErrors(t *testing.T) {
	o := New(t.TempDir(), "")
	tests := []struct {
		name      string
		m         channels.Message
		permanent bool
	}{
		{"no content", channels.Message{ID: "x"}, true},
		{"id unfit for a file name", channels.Message{ID: "../x", SMS: &channels.SMS{Body: "b"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := o.Send(context.Background(), tt.m)
			if err == nil || channels.IsPermanent(err) != tt.permanent {
				t.Errorf("err = %v, permanent %t", err, channels.IsPermanent(err))
			}
		})
	}
	// A file in the way of the folder is transient: a person can move it.
	blocked := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocked, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := New(blocked, "").Send(context.Background(), channels.Message{ID: "y", SMS: &channels.SMS{Body: "b"}})
	if err == nil || channels.IsPermanent(err) || channels.IsBroken(err) {
		t.Errorf("err = %v, want a transient error", err)
	}
}

// TestOutboxUnwritableFolder: an outbox its user may not write in breaks
// the channel, with the folder named, instead of failing each message
// after its retries.
func TestOutboxUnwritableFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes in any folder whatever its permissions: run the tests as another user to check a refused outbox")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	_, err := New(dir, "").Send(context.Background(), channels.Message{ID: "y", SMS: &channels.SMS{Body: "b"}})
	var e *channels.Error
	want := "the folder " + dir + " cannot be written: permission denied; fix its permissions"
	if !errors.As(err, &e) || !e.Broken || !e.Permanent || e.Reason != want {
		t.Errorf("err = %v; want a broken channel: %s", err, want)
	}
}

func TestOutboxConcurrentSends(t *testing.T) {
	dir := t.TempDir()
	o := New(dir, "")
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			id := "d-" + string(rune('a'+i%26)) + string(rune('a'+i/26))
			if _, err := o.Send(context.Background(), channels.Message{ID: id, SMS: &channels.SMS{Body: id}}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	entries, _ := os.ReadDir(filepath.Join(dir, "sms"))
	n := 0
	for _, e := range entries {
		if data, _ := os.ReadFile(filepath.Join(dir, "sms", e.Name())); bytes.Contains(data, []byte(`"body"`)) {
			n++
		}
	}
	if n != 50 {
		t.Errorf("%d whole files, want 50 (no temporary file left)", n)
	}
}
