package importer

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/notices"
)

// FuzzImport feeds any bytes to the importer: it never panics, fails only
// with an Invalid error that names the file, leaves no import behind, and
// counts every row it reads as added, updated, unchanged or rejected, each
// rejected row in the rejects file. Limits are small so that each input
// takes little time and memory.
//
//	go test -run '^$' -fuzz '^FuzzImport$' -fuzztime 5s ./notices/importer
func FuzzImport(f *testing.F) {
	for _, name := range []string{"customers.csv", "customers-latin1.csv"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"account,name\n1,Ann\n1,Ann again\n",
		"account,name,email\n2,\"Bo\nBo\",bo@example.org\n",
		"account,name\n3,\"never closed\n4,x\n",
		"account" + strings.Repeat(",c", 300) + "\n",
		"account,name\n5," + strings.Repeat("n", 300) + "\n",
		"account,email\n6,a@" + strings.Repeat("d", 300) + ".org\n",
		"account,name\n7,\"" + strings.Repeat("q", 5000) + "\"\n",
		"\uFEFFaccount,mobile,email_state\n8,+1 315 555 0101,unsubscribed\n",
		"account,x,x\n", "", "\n\n", "account\n\"\"\"\n",
	} {
		f.Add([]byte(s))
	}
	s, db := testStore(f)
	limits := DefaultLimits()
	limits.MaxBytes, limits.MaxRows, limits.MaxRowBytes, limits.MaxColumns = 64<<10, 500, 4<<10, 50
	f.Fuzz(func(t *testing.T, data []byte) {
		var rejects bytes.Buffer
		// Bounded time per input: an import that hangs fails here, with
		// its input saved, instead of outlasting the fuzz run.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		sum, err := Import(ctx, s, bytes.NewReader(data), Options{
			Source: "fuzz.csv", Rejects: &rejects, Normalizer: us, List: "fuzz", Limits: &limits})
		if ctx.Err() != nil {
			t.Fatalf("the import of %d bytes took more than 5 s: %v", len(data), err)
		}
		var imports int
		if qerr := db.QueryRow(`SELECT count(*) FROM imports`).Scan(&imports); qerr != nil || imports != 0 {
			t.Fatalf("%d imports left behind (%v)", imports, qerr)
		}
		if err != nil {
			var e *notices.Error
			if !errors.As(err, &e) || e.Code != notices.Invalid || !strings.Contains(err.Error(), "fuzz.csv") {
				t.Fatalf("error not Invalid or not naming the file: %v", err)
			}
			return
		}
		if got := sum.Added + sum.Updated + sum.Unchanged + sum.Rejected; got != sum.Read {
			t.Fatalf("read %d rows, counted %d: %+v", sum.Read, got, sum)
		}
		rows := 0
		r := csv.NewReader(&rejects)
		r.FieldsPerRecord = -1
		for {
			_, rerr := r.Read()
			if rerr == io.EOF {
				break
			}
			if rerr != nil {
				t.Fatalf("the rejects file is not CSV: %v", rerr)
			}
			rows++
		}
		if want := sum.Rejected + min(sum.Rejected, 1); rows != want {
			t.Fatalf("%d rows in the rejects file, want %d (a header and each of the %d rejected)", rows, want, sum.Rejected)
		}
	})
}
