package importer

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/crier-notices/crier/notices"
)

// repeated is n copies of one byte, made as they are read.
type repeated struct {
	b byte
	n int64
}

func (r *repeated) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	k := int(min(int64(len(p)), r.n))
	for i := range k {
		p[i] = r.b
	}
	r.n -= int64(k)
	return k, nil
}

// csvWith is a small file whose second row's name is a cell of n bytes x.
func csvWith(before string, n int64, after string) io.Reader {
	return io.MultiReader(strings.NewReader(before), &repeated{b: 'x', n: n}, strings.NewReader(after))
}

// TestLimits holds the hostile inputs of issue 10: each is refused
// with a short message naming the line and the column, while the memory
// the import allocates stays far below the input's size.
func TestLimits(t *testing.T) {
	const good = "account,name,email\n1,Ann,ann@example.org\n"
	small := DefaultLimits()
	small.MaxRows, small.MaxBytes = 3, 200
	tests := []struct {
		name       string
		in         func() io.Reader
		limits     *Limits
		wantErr    string // "" when the file imports
		wantReject string // in the reason of the rejected row
		added      int
	}{
		{"10 MB name", func() io.Reader { return csvWith(good+"2,", 10<<20, ",bo@example.org\n3,Cy,\n") }, nil,
			"line 3: a row runs past 1 MB (an unclosed quote, or a cell far too long)", "", 0},
		{"20 MB email domain", func() io.Reader { return csvWith(good+"2,Bo,bo@", 20<<20, ".org\n") }, nil,
			"line 3: a row runs past 1 MB", "", 0},
		{"300 KB name", func() io.Reader { return csvWith(good+"2,", 300<<10, ",bo@example.org\n3,Cy,\n") }, nil,
			"", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx… (307200 bytes),bo@example.org,3,\"name: 307200 bytes long, more than the 200 characters a cell of this column may hold: shorten it", 2},
		{"500 KB email domain", func() io.Reader { return csvWith(good+"2,Bo,bo@", 500<<10, ".org\n") }, nil,
			"", "email: 512007 bytes long, more than the 254 bytes", 1},
		{"201-character name", func() io.Reader { return strings.NewReader(good + "2," + strings.Repeat("é", 201) + ",\n") }, nil,
			"", "name: 201 characters long, more than the 200 characters", 1},
		{"200-character name", func() io.Reader { return strings.NewReader(good + "2," + strings.Repeat("é", 200) + ",\n") }, nil,
			"", "", 2},
		{"200 MB cell", func() io.Reader { return csvWith(good+"2,\"", 200<<20, "\"\n") }, nil,
			"line 3: a row runs past 1 MB (an unclosed quote, or a cell far too long)", "", 0},
		{"100,000 columns", func() io.Reader {
			return strings.NewReader("account" + strings.Repeat(",col", 100_000) + "\n1" + strings.Repeat(",", 100_000) + "\n")
		}, nil, "has 100001 columns, more than 200", "", 0},
		{"100,000 cells in a row", func() io.Reader { return strings.NewReader(good + "2" + strings.Repeat(",x", 100_000) + "\n") }, nil,
			"", "the row has 100001 cells, the header 3", 1},
		{"a long column name", func() io.Reader { return strings.NewReader("account," + strings.Repeat("n", 300) + "\n1,x\n") }, nil,
			"the name of column 2 (nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn… (300 bytes)) is 300 characters long, more than 200", "", 0},
		{"too many rows", func() io.Reader { return strings.NewReader(good + "2,B,\n3,C,\n4,D,\n") }, &small,
			"has more than 3 rows: split it into smaller files", "", 0},
		{"too big a file", func() io.Reader { return csvWith(good+"2,\"", 300, "\"\n") }, &small,
			"is over 200 bytes: split it into smaller files", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, db := testStore(t)
			var rejects bytes.Buffer
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			sum, err := Import(context.Background(), s, tt.in(), Options{Source: "hostile.csv", Rejects: &rejects, Normalizer: us, Limits: tt.limits})
			runtime.ReadMemStats(&after)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
				t.Errorf("the import allocated %d MB", alloc>>20)
			}
			if tt.wantErr != "" {
				var e *notices.Error
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &e) || e.Code != notices.Invalid {
					t.Fatalf("err = %v, want Invalid with %q", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), "hostile.csv") || len(err.Error()) > 400 {
					t.Errorf("the message does not name the file, or is %d bytes long: %.400s", len(err.Error()), err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if got := countContactsIn(t, db); got != tt.added {
				t.Errorf("%d contacts stored, want %d", got, tt.added)
			}
			if tt.wantReject != "" && !strings.Contains(rejects.String(), tt.wantReject) {
				t.Errorf("rejects:\n%.2000s\nwant a reason with %q", rejects.String(), tt.wantReject)
			}
			if tt.wantReject == "" && sum.Rejected > 0 {
				t.Errorf("%d rejected: %.2000s", sum.Rejected, rejects.String())
			}
			// Every cell in the rejects file is short, but a row's extra cells.
			if rejects.Len() > 512<<10 {
				t.Errorf("a rejects file of %d bytes", rejects.Len())
			}
		})
	}
}

func countContactsIn(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM contacts`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
