package dotstuff_test

import (
	"bufio"
	"bytes"
	"net/textproto"
	"testing"

	"github.com/crier-notices/crier/internal/dotstuff"
)

// dotWriter is what net/textproto's DotWriter (go-mail's) writes of src
// into the data, before the end of the data.
func dotWriter(t testing.TB, src []byte) []byte {
	var b bytes.Buffer
	bw := bufio.NewWriter(&b)
	w := textproto.NewWriter(bw).DotWriter()
	if _, err := w.Write(src); err != nil {
		t.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var cases = []struct {
	name string
	src  string
}{
	{"empty", ""},
	{"no dot", "Boil your water.\r\nThen drink it.\r\n"},
	{"dots at line starts", ".\r\n..\r\n.hidden line\r\nend.\r\n. \r\n"},
	{"a dot first and last", ".first\r\nmiddle\r\n."},
	{"bare line feeds", "one\ntwo\n.three\n"},
	{"line feeds bare and not", "one\r\n.two\n..three\r\nfour\n"},
	{"a bare carriage return before a dot", "one\r.two\r\n"},
	{"two carriage returns", "one\r\r\n.two\r\n"},
	{"a carriage return last", "one\r\n.two\r"},
	{"quoted-printable soft breaks", "https://water=\r\n.example/p/1=\r\n"},
}

// TestAppendAsDotWriter: what Append writes is what go-mail's writer
// writes, for text with CRLF lines (the fast path) and without.
func TestAppendAsDotWriter(t *testing.T) {
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			want := dotWriter(t, []byte(tt.src))
			got := dotstuff.Append([]byte("MAIL"), []byte(tt.src))
			if !bytes.Equal(got[4:], want) {
				t.Errorf("Append(%q) = %q; want %q as DotWriter writes it", tt.src, got[4:], want)
			}
			if changed := dotstuff.Needed([]byte(tt.src)); changed != !bytes.Equal(want, []byte(tt.src)) {
				t.Errorf("Needed(%q) = %v; DotWriter writes %q", tt.src, changed, want)
			}
		})
	}
}

func FuzzAppendAsDotWriter(f *testing.F) {
	for _, tt := range cases {
		f.Add([]byte(tt.src))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		want := dotWriter(t, src)
		if got := dotstuff.Append(nil, src); !bytes.Equal(got, want) {
			t.Errorf("Append(%q) = %q; want %q as DotWriter writes it", src, got, want)
		}
		if changed := dotstuff.Needed(src); changed != !bytes.Equal(want, src) {
			t.Errorf("Needed(%q) = %v; DotWriter writes %q", src, changed, want)
		}
	})
}
