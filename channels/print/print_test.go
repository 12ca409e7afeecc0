package print

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crier-notices/crier/channels"
)

var testNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func newTestPrinter(t *testing.T) (*Printer, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "print", "in") // not there yet: Send makes it
	p := New(dir)
	p.Now = func() time.Time { return testNow }
	return p, dir
}

// files lists the files under dir, relative and with forward slashes.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPrinterSend(t *testing.T) {
	p, dir := newTestPrinter(t)
	pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte{0, 0xff, '\n'}, 1000)...) // binary, kept byte for byte
	tests := []struct {
		name     string
		m        channels.Message
		provider string
	}{
		{"a flyer", channels.Message{ID: "notice-42", Document: &channels.Document{Name: "flyer.pdf", Data: pdf}}, "notice-42/flyer.pdf"},
		{"the letters, beside it", channels.Message{ID: "notice-42", Document: &channels.Document{Name: "letters.pdf", Data: []byte("%PDF-letters")}}, "notice-42/letters.pdf"},
		{"their manifest", channels.Message{ID: "notice-42", Document: &channels.Document{Name: "letters.csv", Data: []byte("page,name\n1,Ana\n")}}, "notice-42/letters.csv"},
		{"another notice", channels.Message{ID: "notice-43", Document: &channels.Document{Name: "Aviso de hervir el agua.pdf", Data: []byte("es")}}, "notice-43/Aviso de hervir el agua.pdf"},
		{"an empty document", channels.Message{ID: "notice-44", Document: &channels.Document{Name: "empty.csv"}}, "notice-44/empty.csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := p.Send(context.Background(), tt.m)
			if err != nil {
				t.Fatal(err)
			}
			if r.ProviderID != tt.provider || !r.At.Equal(testNow) {
				t.Errorf("receipt %+v, want ProviderID %q at %v", r, tt.provider, testNow)
			}
			got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(tt.provider)))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.m.Document.Data) {
				t.Errorf("the file holds %d bytes, not the document's %d", len(got), len(tt.m.Document.Data))
			}
		})
	}
	want := []string{"notice-42/flyer.pdf", "notice-42/letters.csv", "notice-42/letters.pdf", "notice-43/Aviso de hervir el agua.pdf", "notice-44/empty.csv"}
	if got := files(t, dir); !slices.Equal(got, want) {
		t.Errorf("the print folder holds %q, want %q (and no temporary file)", got, want)
	}
	if runtime.GOOS != "windows" {
		info, err := os.Stat(filepath.Join(dir, "notice-42", "letters.csv"))
		if err != nil || info.Mode().Perm() != filePerm {
			t.Errorf("letters.csv: %v %v, want mode %v: customers' addresses are not for everyone", info.Mode(), err, os.FileMode(filePerm))
		}
	}
}

// TestPrinterRetry sends a document again, as a retry after a crash does:
// one file, the latest data.
func TestPrinterRetry(t *testing.T) {
	p, dir := newTestPrinter(t)
	for _, data := range []string{"first, longer than the second", "second"} {
		if _, err := p.Send(context.Background(), channels.Message{ID: "notice-1", Document: &channels.Document{Name: "letters.pdf", Data: []byte(data)}}); err != nil {
			t.Fatal(err)
		}
	}
	if got := files(t, dir); !slices.Equal(got, []string{"notice-1/letters.pdf"}) {
		t.Errorf("files %q", got)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "notice-1", "letters.pdf")); string(data) != "second" {
		t.Errorf("the file holds %q, want the second send's", data)
	}
}

// TestPrinterConcurrentSends writes the same file and others at once: each
// file ends whole, never a mix, and no temporary file is left.
func TestPrinterConcurrentSends(t *testing.T) {
	p, dir := newTestPrinter(t)
	payload := func(i int) []byte { return bytes.Repeat([]byte{byte('a' + i)}, 64<<10) }
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			for _, name := range []string{"letters.pdf", fmt.Sprintf("flyer-%d.pdf", i)} {
				if _, err := p.Send(context.Background(), channels.Message{ID: "notice-7", Document: &channels.Document{Name: name, Data: payload(i)}}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if got := files(t, dir); len(got) != 17 {
		t.Errorf("%d files, want 17: %q", len(got), got)
	}
	data, err := os.ReadFile(filepath.Join(dir, "notice-7", "letters.pdf"))
	if err != nil || len(data) != 64<<10 || !bytes.Equal(data, bytes.Repeat(data[:1], len(data))) {
		t.Errorf("letters.pdf is not one sender's whole file (%d bytes, %v)", len(data), err)
	}
}

func TestPrinterRefuses(t *testing.T) {
	doc := func(name string) *channels.Document { return &channels.Document{Name: name, Data: []byte("x")} }
	tests := []struct {
		name string
		m    channels.Message
		why  string
	}{
		{"no document", channels.Message{ID: "notice-1"}, "no document"},
		{"an SMS", channels.Message{ID: "notice-1", SMS: &channels.SMS{Body: "hi"}}, "no document"},
		{"empty id", channels.Message{Document: doc("flyer.pdf")}, "empty"},
		{"id with a separator", channels.Message{ID: "a/b", Document: doc("flyer.pdf")}, "path separator"},
		{"id climbing out", channels.Message{ID: "..", Document: doc("flyer.pdf")}, "folder"},
		{"id with a backslash", channels.Message{ID: `notice\1`, Document: doc("flyer.pdf")}, "path separator"},
		{"empty name", channels.Message{ID: "notice-1", Document: doc("")}, "empty"},
		{"name climbing out", channels.Message{ID: "notice-1", Document: doc("../../etc/passwd")}, "starts with a dot"},
		{"name in a subfolder", channels.Message{ID: "notice-1", Document: doc("sub/../../x.pdf")}, "path separator"},
		{"dot", channels.Message{ID: "notice-1", Document: doc(".")}, "folder"},
		{"hidden name", channels.Message{ID: "notice-1", Document: doc(".letters.pdf.tmp-1")}, "starts with a dot"},
		{"absolute name", channels.Message{ID: "notice-1", Document: doc("/tmp/x.pdf")}, "path separator"},
		{"NUL", channels.Message{ID: "notice-1", Document: doc("x\x00.pdf")}, "control character"},
		{"newline", channels.Message{ID: "notice-1", Document: doc("x\n.pdf")}, "control character"},
		{"Windows drive", channels.Message{ID: "notice-1", Document: doc("C:x.pdf")}, "Windows forbids"},
		{"trailing dot", channels.Message{ID: "notice-1", Document: doc("x.")}, "ends with"},
		{"invalid UTF-8", channels.Message{ID: "notice-1", Document: doc("x\xff.pdf")}, "UTF-8"},
		{"too long", channels.Message{ID: "notice-1", Document: doc(strings.Repeat("x", 252) + ".pdf")}, "255"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, dir := newTestPrinter(t)
			_, err := p.Send(context.Background(), tt.m)
			var ce *channels.Error
			if !errors.As(err, &ce) || !ce.Permanent || ce.Broken || !strings.Contains(err.Error(), tt.why) {
				t.Errorf("err = %v, want a permanent *channels.Error saying %q", err, tt.why)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the print folder was touched: %v", err)
			}
		})
	}
}

func TestPrinterTransient(t *testing.T) {
	m := channels.Message{ID: "notice-1", Document: &channels.Document{Name: "flyer.pdf", Data: []byte("x")}}

	// A print folder that cannot be made: a person can fix it.
	blocked := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocked, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := New(filepath.Join(blocked, "print")).Send(context.Background(), m)
	var ce *channels.Error
	if !errors.As(err, &ce) || ce.Permanent || ce.Broken || ce.Err == nil {
		t.Errorf("unwritable folder: err = %v, want a transient *channels.Error with the cause", err)
	}

	// A notice folder where a file is in the way of the document.
	p, dir := newTestPrinter(t)
	if err := os.MkdirAll(filepath.Join(dir, "notice-1", "flyer.pdf"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Send(context.Background(), m); !errors.As(err, &ce) || ce.Permanent {
		t.Errorf("a folder in the way: err = %v, want a transient *channels.Error", err)
	}
	if got := files(t, dir); len(got) != 0 {
		t.Errorf("files left behind: %q", got)
	}

	// A cancelled send writes nothing and says why.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p, dir = newTestPrinter(t)
	if _, err := p.Send(ctx, m); !errors.As(err, &ce) || ce.Permanent || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v, want a transient *channels.Error wrapping context.Canceled", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a cancelled send touched the print folder: %v", err)
	}
}

// TestPrinterUnwritableFolder: a print folder its user may not write in
// breaks the channel, with the folder named, instead of failing each
// document after its retries.
func TestPrinterUnwritableFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes in any folder whatever its permissions: run the tests as another user to check a refused print folder")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	m := channels.Message{ID: "notice-1", Document: &channels.Document{Name: "flyer.pdf", Data: []byte("x")}}
	_, err := New(dir).Send(context.Background(), m)
	var e *channels.Error
	want := "the folder " + dir + " cannot be written: permission denied; fix its permissions"
	if !errors.As(err, &e) || !e.Broken || !e.Permanent || e.Reason != want {
		t.Errorf("err = %v; want a broken channel: %s", err, want)
	}
}

// The dispatcher hands the print channel a notice's finished documents; the
// mail house picks them up from the print folder.
func ExamplePrinter_Send() {
	dir, err := os.MkdirTemp("", "print")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	p := New(dir)
	r, err := p.Send(context.Background(), channels.Message{
		ID:       "notice-42",
		Document: &channels.Document{Name: "letters.pdf", Data: []byte("%PDF-1.3 ...")},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.ProviderID)
	// Output: notice-42/letters.pdf
}
